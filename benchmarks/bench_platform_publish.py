"""Benchmark: publishing a province-scale stored run into the platform (issue 11 point 13).

Set-up, untimed (benchmarks/_platform_setup.py, shared with bench_platform_pages.py): a
synthetic province (`tiangong.demo.generator.generate`, 120,000 enterprises,
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
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _platform_setup import build_store, publish, seed_regions, setup_django


def timed_publish(store: Path, run_id: str, region: Any) -> tuple[float, int]:
    """One publication with its phases (from the progress messages of write_results)."""
    t = time.perf_counter()
    marks: dict[str, float] = {}

    def report(done: int, total: int, message: str) -> None:
        marks.setdefault(message if done == 0 else "rows", time.perf_counter() - t)

    pub, seconds = publish(store, run_id, region, progress=report)
    read = marks.get("读取评价结果", 0.0)
    known = marks.get("写入企业结果", read)
    print(f"  phases: read run store {read:.1f} s; towns + enterprises {known - read:.1f} s; "
          f"result rows + commit + read model {seconds - known:.1f} s")
    return seconds, pub.n_results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--pgdatabase", default="tiangong_bench")
    parser.add_argument("--scale", default="province")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    store, (first, second) = build_store("publish", args.scale, args.seed, 2)
    setup_django(args.db, args.pgdatabase)
    from django.db import connection

    region = seed_regions(store, first)
    print(f"load average before: {os.getloadavg()[0]:.1f} (2 cores shared with other work)")
    print(f"database: {connection.vendor}; python {sys.version.split()[0]}; "
          f"{os.cpu_count()} cores")
    for label, run_id in (("first publication (enterprises created)", first),
                          ("second run (another province, seed + 1: new enterprises too)", second)):
        seconds, n = timed_publish(store, run_id, region)
        print(f"{label}: {n} enterprises in {seconds:.1f} s ({n / seconds:,.0f} rows/s)")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak:,.0f} MiB; target ≤ 60 s on PostgreSQL")


if __name__ == "__main__":
    main()
