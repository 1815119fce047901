"""Benchmark: the services app on the platform database (SQLite by default, PostgreSQL with
TIANGONG_DB=postgres and the PG* variables), a province-year of requests.

Targets (issue 12): import of 140,000 requests with their events (~1.3–1.5 M) ≤ 60 s; the KPI
report for the province ≤ 2 s; a department's queue page p95 ≤ 200 ms under 50 concurrent users.
Measured, each printed:
1. setup (not timed as import): migrate a fresh database, seed the 2025–2026 calendar, the
   province's regions and its 120,000 enterprises (demo generator);
2. import: the generated year stored as platform rows through `services.store` (the path the
   12345 importer and the demo use): requests, events, partner tasks, departments, and the
   change-log entry of every request and task; written in bulk (`core.bulk`: COPY on
   PostgreSQL, executemany on SQLite), one transaction per county;
3. KPI report: the KPI facts kept on the request rows (`services.facts.facts_table`, one SQL
   read of 140,000 rows, COPY on PostgreSQL; no event scan) → `kpi_report_from_facts`, for
   the province by department and month, 3 times (median);
4. queue page: 50 department users (the busiest departments), each with its own session, GET
   /services/ (the department's queue by deadline) through gunicorn configured as `tiangong
   serve` (gthread, 2 workers × 4 threads) on loopback, in two load models
   (benchmarks/page_load.py): "stress", closed loop with zero think time, `--rounds` requests
   per user; "users", 1–3 s think time for `--duration` seconds. Printed: requests, errors,
   p50 / p95 / max and pages/s.
Run (SQLite in a new temporary file, or --db FILE):
    python3 -m uv run python benchmarks/bench_services_platform.py --requests 140000
PostgreSQL (PGDATABASE names an empty database the role owns):
    TIANGONG_DB=postgres PGHOST=localhost PGUSER=tiangong PGPASSWORD=tiangong \
      PGDATABASE=bench_services python3 -m uv run python benchmarks/bench_services_platform.py \
      --requests 140000
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import page_load


def _setup_django(db: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiangong.platform.settings")
    os.environ["TIANGONG_PLATFORM_DB"] = str(db)
    import django

    django.setup()


def _regions_and_firms(seed: int) -> tuple[dict[str, object], dict[str, list[object]], object]:
    import numpy as np

    from tiangong.demo.generator import generate
    from tiangong.platform.core.models import Enterprise, Region

    ent = generate("province", seed, year=2025, years=1)["enterprises"].to_pandas()
    prov = Region.objects.create(code="330000", name="浙江省", level="province")
    regions: dict[str, Region] = {}
    for county in sorted(ent.county_code.unique()):
        city_code = county[:4] + "00"
        if city_code not in regions:
            regions[city_code] = Region.objects.create(code=city_code, name=f"{city_code}市",
                                                       level="city", parent=prov)
        regions[county] = Region.objects.create(code=county, name=f"{county}县", level="county",
                                                parent=regions[city_code])
    towns = ent.drop_duplicates("town_code")[["town_code", "town_name", "county_code"]]
    rows = [Region(code=t.town_code, name=t.town_name, level="town",
                   parent=regions[t.county_code],
                   path=f"{regions[t.county_code].path}{t.town_code}/")
            for t in towns.itertuples()]
    for r in Region.objects.bulk_create(rows, batch_size=2000):
        regions[r.code] = r
    firms = [Enterprise(uscc=e.uscc, name=e.name, region=regions[e.town_code],
                        industry_code=e.industry_code) for e in ent.itertuples()]
    Enterprise.objects.bulk_create(firms, batch_size=2000)
    by_county: dict[str, list[object]] = {}
    for f in Enterprise.objects.select_related("region").iterator(chunk_size=5000):
        by_county.setdefault(f.region.path.split("/")[3], []).append(f)
    del np
    return regions, by_county, prov


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=140_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--db", type=Path, default=None)
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=20, help="requests per user, stress mode")
    ap.add_argument("--duration", type=float, default=60, help="seconds, users mode")
    ap.add_argument("--modes", default="stress,users")
    ap.add_argument("--port", type=int, default=8765)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-services-")
    db = args.db or Path(tmp) / "bench.sqlite3"
    _setup_django(db)
    import pandas as pd
    from django.core.management import call_command
    from django.db import connection, transaction

    from tiangong.demo.requests import generate_requests
    from tiangong.platform.core.calendar import seed_year
    from tiangong.platform.core.context import acting_as
    from tiangong.platform.services.actions import config, rules
    from tiangong.platform.services.calendar import table_calendar
    from tiangong.platform.services.export import report
    from tiangong.platform.services.models import ServiceRequest
    from tiangong.platform.services.store import store

    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    seed_year(2025)
    seed_year(2026)
    with acting_as(None, "bench"):
        regions, by_county, _province = _regions_and_firms(args.seed)
    n_firms = sum(len(v) for v in by_county.values())
    print(f"database: {connection.vendor}; setup {time.perf_counter() - t:.1f} s "
          f"({n_firms:,} enterprises, {len(by_county)} counties)")
    roster = pd.DataFrame([{"uscc": f.uscc, "name": f.name, "town_name": f.region.name,
                            "industry_code": f.industry_code}
                           for fs in by_county.values() for f in fs])
    any_county = regions[sorted(by_county)[0]]
    cal = table_calendar(any_county, [2025, 2026])
    req, ev = generate_requests(roster, config(), rules(), cal, args.requests, seed=args.seed)
    req_df, ev_df = req.to_pandas(), ev.to_pandas()
    firm_of = {f.uscc: f for fs in by_county.values() for f in fs}
    county_of = {f.uscc: code for code, fs in by_county.items() for f in fs}
    req_df["county"] = req_df.uscc.map(county_of)
    # the split of the generated tables by county is preparation, not import: done before timing
    parts = [(code, part.drop(columns="county"),
              ev_df[ev_df.request_id.isin(set(part.request_id))])
             for code, part in req_df.groupby("county", sort=True)]
    load_before = os.getloadavg()[0]
    t, cpu = time.perf_counter(), time.process_time()
    written = [0, 0]
    with acting_as(None, "bench-import"):
        for code, part, events in parts:
            with transaction.atomic():
                n = store(regions[code], firm_of, part, events, "bench-", cal)
            written[0] += n[0]
            written[1] += n[1]
    t_import, cpu_import = time.perf_counter() - t, time.process_time() - cpu
    print(f"import: {written[0]:,} requests, {written[1]:,} events in {t_import:.1f} s "
          f"(CPU of this process, the SQLite engine included: {cpu_import:.1f} s; load average "
          f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after)")
    times = []
    for _ in range(3):
        t = time.perf_counter()
        rep = report(any_county, ServiceRequest.objects.all(), pd.Timestamp("2025-12-31").date())
        times.append(time.perf_counter() - t)
    print(f"KPI report (province, by department × month, {len(rep):,} rows) from the database: "
          f"median {statistics.median(times):.1f} s (min {min(times):.1f})")
    _queue_load(args, db)


def _queue_load(args: argparse.Namespace, db: Path) -> None:
    from django.db import connection
    from django.db.models import Count

    from tiangong.platform.core.models import Department, User
    from tiangong.platform.core.roles import Role

    busiest = (Department.objects.annotate(n=Count("led_requests")).order_by("-n")
               [: args.users])
    users = [User.objects.create(username=f"bench{i}", role=Role.DEPARTMENT_USER,
                                 department=dept) for i, dept in enumerate(busiest)]
    cookies = page_load.session_cookies(users)
    connection.close()
    with page_load.gunicorn({"TIANGONG_PLATFORM_DB": str(db)}, args.port) as base:
        for mode in args.modes.split(","):
            res = page_load.run(f"{base}/services/", cookies, mode, rounds=args.rounds,
                                duration=args.duration)
            print(res.line("queue page /services/ (a department's queue by deadline)", 200))


if __name__ == "__main__":
    main()
