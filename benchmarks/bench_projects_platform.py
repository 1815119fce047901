"""Benchmark: the quarterly 晾晒 of a province read from the platform database (SQLite or
PostgreSQL), and the portfolio page's latency for one user.

Builds a province's region tree from the demo province's firms, stores 5,000 generated projects
with their plans, monthly figures and stage dates through the projects app
(`services.store_portfolio`), then times, as the province analyst and `--repeat` times each:
reading the portfolio from the database into the library's tables, and the whole 晾晒 (flags,
回头看, KPIs, town and 专班 rankings) on them; the province analyst's portfolio page (first 100
rows of 5,000, classes computed) through Django's test client (one user, no network); then the
portfolio page under `--users` signed-in users (the province analyst and county analysts, each
county's analyst seeing its own projects) through gunicorn as `tiangong serve` runs it, in the
two load models of benchmarks/page_load.py ("stress": zero think time; "users": 1–3 s). The
database is whatever the settings select: SQLite in a temporary file by default, PostgreSQL with
TIANGONG_DB=postgres and an empty database named by PGDATABASE (see docs/platform-internals.md).

    python3 -m uv run python benchmarks/bench_projects_platform.py [--projects 5000]
    TIANGONG_DB=postgres PGHOST=localhost PGUSER=tiangong PGPASSWORD=tiangong PGDATABASE=bench_p \
      python3 -m uv run python benchmarks/bench_projects_platform.py \
      --repeat 3 --rounds 10 --duration 40
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import page_load


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--projects", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--db", type=Path, default=None, help="SQLite file (default: a new one)")
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=20, help="requests per user, stress mode")
    ap.add_argument("--duration", type=float, default=60, help="seconds, users mode")
    ap.add_argument("--modes", default="stress,users",
                    help="load models of the server run; 'none': in-process timings only")
    ap.add_argument("--port", type=int, default=8766)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="tiangong-bench-projects-"))
    db = args.db or tmp / "platform.sqlite3"
    os.environ["TIANGONG_PLATFORM_DB"] = str(db)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tiangong.platform.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client

    from tiangong.demo.generator import generate
    from tiangong.demo.projects import generate_projects
    from tiangong.platform.core.context import acting_as
    from tiangong.platform.core.models import Region
    from tiangong.platform.core.testing import make_user
    from tiangong.platform.projects import services
    from tiangong.platform.projects.models import Project
    from tiangong.platform.projects.workflow import project_config
    from tiangong.projects.kpis import kpi_table
    from tiangong.projects.racing import look_back, previous_quarter, showing
    from tiangong.projects.ranking import unit_scores

    call_command("migrate", verbosity=0)
    if Project.objects.exists():
        raise SystemExit("the benchmark database already holds projects; use an empty one")
    year, quarter = 2022, 3
    firms = generate("province", 1, year=year, years=2)["enterprises"]
    p = generate_projects(firms, 1, year, n=args.projects)
    t0 = time.perf_counter()
    frame = firms.select(["county_code", "town_code", "town_name"]).to_pandas().dropna()
    frame = frame.drop_duplicates("town_code")
    with acting_as(None, "bench"), transaction.atomic():
        province = Region.objects.create(code="330000", name="浙江省", level="province")
        cities, counties, towns = {}, {}, {}
        for r in frame.itertuples():
            city = r.county_code[:4] + "00"
            if city not in cities:
                cities[city] = Region.objects.create(code=city, name=f"市{city}", level="city",
                                                     parent=province)
            if r.county_code not in counties:
                counties[r.county_code] = Region.objects.create(
                    code=r.county_code, name=f"县{r.county_code}", level="county",
                    parent=cities[city])
            if r.town_name not in towns:
                towns[r.town_name] = Region.objects.create(
                    code=r.town_code, name=r.town_name, level="town",
                    parent=counties[r.county_code])
        services.store_portfolio(p, towns, {}, next(iter(counties.values())))
        analyst = make_user("bench_province", "province_analyst", region=province)
    print(f"database {connection.vendor}: stored {Project.objects.count()} projects, "
          f"{len(p.monthly)} monthly rows, {len(p.plans)} plans, {len(towns)} towns in "
          f"{time.perf_counter() - t0:.1f} s (not timed)")
    config = project_config()
    from tiangong.platform.core.scope import restrict

    read, whole = [], []
    for _ in range(args.repeat):
        t = time.perf_counter()
        q = services.portfolio(restrict(Project, analyst))
        read.append(time.perf_counter() - t)
        now = showing(q, config, year, quarter)
        before = showing(q, config, *previous_quarter(year, quarter))
        look_back(before, now)
        kpi_table(q, config, now.as_of)
        unit_scores(q, config, now.facts, now.as_of, "town")
        unit_scores(q, config, now.facts, now.as_of, "team")
        whole.append(time.perf_counter() - t)
    client = Client()
    client.force_login(analyst)
    client.get("/projects/", HTTP_HOST="localhost")  # stored classes brought up to date once
    pages, cpu = [], []
    for _ in range(args.repeat):
        t, c = time.perf_counter(), time.process_time()
        assert client.get("/projects/", HTTP_HOST="localhost").status_code == 200
        pages.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get("/projects/", HTTP_HOST="localhost")
    print(f"  read portfolio from the database      median {statistics.median(read):.2f} s")
    print(f"  quarterly 晾晒 incl. the read          median {statistics.median(whole):.2f} s "
          f"(max {max(whole):.2f}; target ≤ 2 s)")
    print(f"  portfolio page, one user, no server   median {statistics.median(pages) * 1000:.0f} "
          f"ms (max {max(pages) * 1000:.0f}; CPU median {statistics.median(cpu) * 1000:.0f} ms; "
          f"{len(queries.captured_queries)} queries)")
    print(f"  load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (2 cores shared)")
    if args.modes in ("", "none"):
        return
    analysts = [analyst] + [make_user(f"bench_county_{i}", "county_analyst", region=c)
                            for i, c in enumerate(sorted(counties.values(),
                                                         key=lambda r: r.code))]
    analysts = [analysts[i % len(analysts)] for i in range(args.users)]
    cookies = page_load.session_cookies(analysts)
    connection.close()
    with page_load.gunicorn({"TIANGONG_PLATFORM_DB": str(db)}, args.port) as base:
        for mode in args.modes.split(","):
            res = page_load.run(f"{base}/projects/", cookies, mode, rounds=args.rounds,
                                duration=args.duration)
            print("  " + res.line("portfolio page /projects/", 300))


if __name__ == "__main__":
    main()
