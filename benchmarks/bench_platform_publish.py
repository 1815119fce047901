"""Benchmark: publishing a province-scale stored run into the platform (issue 11 point 13).

Setup, untimed: a synthetic province (`tiangong.demo.generator.generate`, 120,000 enterprises,
90 counties, ~1,400 towns) is evaluated with the built-in 黄岩 2022 scheme and kept in a run
store under `bench_data/` (reused when present); the platform database is created fresh
(SQLite file in a temp folder, or a PostgreSQL database named by --pgdatabase, dropped and
recreated) and migrated; province, cities and counties are created (towns are created by the
publication itself, as in production).

Timed, in this process, with the real code (`publishing.prepare` + `publishing.write_results`,
what the background task runs):

1. first publication of the run: enterprises new to the platform are created too;
2. a second run of the same province (a re-publication: enterprises already known).

Prints wall seconds per publication, rows per second, and the process's peak RSS. Issue 11's
target: ≤ 60 s on PostgreSQL. Not a test.

    uv run python benchmarks/bench_platform_publish.py --db postgres --pgdatabase tiangong_bench
    uv run python benchmarks/bench_platform_publish.py --db sqlite
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
YEAR = 2022


def build_store(scale: str, seed: int) -> tuple[Path, str, str]:
    from tiangong.demo.generator import generate
    from tiangong.evaluation.evaluate import evaluate
    from tiangong.runs import RunStore

    path = ROOT / "bench_data" / f"publish_{scale}_s{seed}.duckdb"
    if path.exists():
        with RunStore(path, read_only=True) as st:
            ids = [r.id for r in st.list()]
        if len(ids) >= 2:
            return path, ids[0], ids[1]
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    tables = generate(scale, seed, year=YEAR, years=1)
    with RunStore(path) as st:
        a = st.save(evaluate("huangyan_2022", tables, YEAR), label="bench first")
        tables2 = generate(scale, seed + 1, year=YEAR, years=1)
        b = st.save(evaluate("huangyan_2022", tables2, YEAR), label="bench second")
    print(f"setup: generated and evaluated two {scale} runs in {time.perf_counter() - t:.1f} s")
    return path, a.id, b.id


def setup_django(db: str, pgdatabase: str) -> None:
    if db == "postgres":
        os.environ["TIANGONG_DB"] = "postgres"
        os.environ["PGDATABASE"] = pgdatabase
        os.environ.setdefault("PGHOST", "localhost")
        os.environ.setdefault("PGUSER", "tiangong")
        os.environ.setdefault("PGPASSWORD", "tiangong")
        import psycopg

        with psycopg.connect(dbname="postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{pgdatabase}"')
            conn.execute(f'CREATE DATABASE "{pgdatabase}"')
    else:
        folder = Path(tempfile.mkdtemp(prefix="tiangong-bench-"))
        os.environ["TIANGONG_PLATFORM_DB"] = str(folder / "platform.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiangong.platform.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def seed_regions(store: Path, run_id: str) -> object:
    from tiangong.platform.core.models import Region
    from tiangong.runs import RunStore

    with RunStore(store, read_only=True) as st:
        counties = sorted(set(st.results(run_id)["county_code"].to_pylist()) - {None})
    province = Region.objects.create(code=counties[0][:2] + "0000", name="测试省",
                                     level="province")
    cities: dict[str, Region] = {}
    for c in counties:
        city = c[:4] + "00"
        if city not in cities:
            cities[city] = Region.objects.create(code=city, name=f"市{city}", level="city",
                                                 parent=province)
        Region.objects.create(code=c, name=f"县{c}", level="county", parent=cities[city])
    print(f"regions: 1 province, {len(cities)} cities, {len(counties)} counties")
    return province


def publish(store: Path, run_id: str, region: object, previous: object = None) -> float:
    from tiangong.platform.evaluation.publishing import prepare, write_results

    today = dt.date.today()
    t = time.perf_counter()
    marks: dict[str, float] = {}

    def report(done: int, total: int, message: str) -> None:
        marks.setdefault(message if done == 0 else "rows", time.perf_counter() - t)

    pub = prepare(str(store), run_id, region, today, today + dt.timedelta(days=7),  # type: ignore[arg-type]
                  hide_ranks=True, user=None, previous=previous)
    out = write_results(pub, report)
    seconds = time.perf_counter() - t
    read = marks.get("读取评价结果", 0.0)
    known = marks.get("写入企业结果", read)
    print(f"  phases: read run store {read:.1f} s; towns + enterprises {known - read:.1f} s; "
          f"result rows + commit {seconds - known:.1f} s")
    return seconds, out["published"]  # type: ignore[return-value]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--pgdatabase", default="tiangong_bench")
    parser.add_argument("--scale", default="province")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    store, first, second = build_store(args.scale, args.seed)
    setup_django(args.db, args.pgdatabase)
    from django.db import connection

    region = seed_regions(store, first)
    print(f"load average before: {os.getloadavg()[0]:.1f} (2 cores shared with other work)")
    print(f"database: {connection.vendor}; python {sys.version.split()[0]}; "
          f"{os.cpu_count()} cores")
    for label, run_id in (("first publication (enterprises created)", first),
                          ("second run (another province, seed + 1: new enterprises too)", second)):
        seconds, n = publish(store, run_id, region)
        print(f"{label}: {n} enterprises in {seconds:.1f} s ({n / seconds:,.0f} rows/s)")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak:,.0f} MiB; target ≤ 60 s on PostgreSQL")


if __name__ == "__main__":
    main()
