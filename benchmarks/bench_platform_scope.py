"""Benchmark: scoped reads of the platform core at province scale (single client, no load).

Builds a province of `--counties` counties × `--towns` towns and `--enterprises` enterprises
(bulk inserts, no change log: this measures reads), then times, per role, the enterprise list
page (first and a deep page), the enterprise detail page and the API list, each through Django's
test client (full middleware, template rendering, scope filter), `--repeat` times. Prints p50 and
p95 in milliseconds. It is not a load test (issue 11's benchmark with 50 concurrent users runs
gunicorn and a load generator); it shows what one scoped request costs.

    uv run python benchmarks/bench_platform_scope.py                       # SQLite file in /tmp
    TIANGONG_DB=postgres PGHOST=localhost PGUSER=tiangong PGPASSWORD=tiangong \\
        PGDATABASE=tiangong_bench uv run python benchmarks/bench_platform_scope.py

The PostgreSQL database is emptied and rebuilt: point PGDATABASE at a scratch database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def _setup(sqlite: Path) -> None:
    os.environ.setdefault("TIANGONG_PLATFORM_DB", str(sqlite))
    os.environ.setdefault("TIANGONG_SECRET_KEY", "bench-" + "z" * 40)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tiangong.platform.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0) if _has_tables() else None
    call_command("migrate", interactive=False, verbosity=0)


def _has_tables() -> bool:
    from django.db import connection

    return "core_region" in connection.introspection.table_names()


def build(counties: int, towns: int, enterprises: int) -> dict[str, object]:
    from tiangong.platform.core.models import Department, Enterprise, Region, User
    from tiangong.platform.core.roles import Role
    from tiangong.platform.core.testing import valid_uscc

    province = Region.objects.create(code="330000", name="浙江省", level="province")
    region_rows, town_rows = [], []
    for c in range(counties):
        city_code = f"33{c // 10 + 1:02d}00"
        city = Region.objects.filter(code=city_code).first() or Region.objects.create(
            code=city_code, name=f"市{c // 10 + 1}", level="city", parent=province)
        county = Region.objects.create(code=f"{city_code[:4]}{c % 10 + 1:02d}",
                                       name=f"县{c}", level="county", parent=city)
        region_rows.append(county)
        for t in range(towns):
            town_rows.append(Region(code=f"{county.code}{t + 1:03d}", name=f"镇{c}-{t}",
                                    level="town", parent=county,
                                    path=f"{county.path}{county.code}{t + 1:03d}/"))
    Region.objects.bulk_create(town_rows, batch_size=2000)
    all_towns = list(Region.objects.filter(level="town").order_by("code"))
    rows = [Enterprise(uscc=valid_uscc(all_towns[i % len(all_towns)].code, i),
                       name=f"企业{i:06d}", region=all_towns[i % len(all_towns)],
                       industry_code="3311") for i in range(enterprises)]
    Enterprise.objects.bulk_create(rows, batch_size=5000)
    county = region_rows[0]
    dept = Department.objects.create(county=county, code="tax", name="税务局")
    firm = Enterprise.objects.filter(region=all_towns[0]).order_by("uscc").first()
    users = {}
    for name, role, binding in [
            ("province", Role.PROVINCE_ANALYST, {"region": province}),
            ("county", Role.COUNTY_ANALYST, {"region": county}),
            ("town", Role.TOWN_OFFICIAL, {"region": all_towns[0]}),
            ("department", Role.DEPARTMENT_USER, {"department": dept}),
            ("enterprise", Role.ENTERPRISE_USER, {"enterprise": firm})]:
        users[name] = User.objects.create(username=f"bench_{name}", role=role, **binding)
    return {"users": users, "firm": firm}


def measure(fixture: dict[str, object], repeat: int) -> None:
    from django.test import Client

    firm = fixture["firm"]
    urls = {"list p1": "/enterprises/", "list p20": "/enterprises/?page=20",
            "detail": f"/enterprises/{firm.uscc}/",  # type: ignore[attr-defined]
            "api list": "/api/core/enterprises"}
    print(f"{'role':<12}{'request':<12}{'p50 ms':>9}{'p95 ms':>9}")
    for role, user in fixture["users"].items():  # type: ignore[attr-defined]
        client = Client()
        client.force_login(user)
        for label, url in urls.items():
            if role == "enterprise" and label == "list p20":
                continue
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                status = client.get(url).status_code
                times.append((time.perf_counter() - t0) * 1000)
                assert status == 200, (role, url, status)
            times.sort()
            p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
            print(f"{role:<12}{label:<12}{statistics.median(times):>9.1f}{p95:>9.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counties", type=int, default=90)
    parser.add_argument("--towns", type=int, default=16, help="towns per county")
    parser.add_argument("--enterprises", type=int, default=120_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        _setup(Path(tmp) / "bench.sqlite3")
        from django.db import connection

        t0 = time.perf_counter()
        fixture = build(args.counties, args.towns, args.enterprises)
        print(f"database {connection.vendor}; built {args.enterprises} enterprises in "
              f"{args.counties * args.towns} towns of {args.counties} counties in "
              f"{time.perf_counter() - t0:.1f} s", file=sys.stderr)
        measure(fixture, args.repeat)


if __name__ == "__main__":
    main()
