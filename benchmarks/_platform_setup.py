"""Set-up shared by the platform benchmarks (bench_platform_pages.py, bench_platform_publish.py):
a province-scale run store, a fresh platform database, its region tree and a publication.

Nothing here is timed by the callers except where they say so. The run store is generated once
(`tiangong.demo.generator.generate`, evaluated with the built-in 黄岩 2022 scheme) and kept under
`bench_data/`; later runs reuse it. The platform database is a PostgreSQL database of the given
name (dropped and recreated; PGHOST / PGUSER / PGPASSWORD from the environment, default the
local tiangong role) or an SQLite file (a fresh temporary folder, or a fixed file to reuse).
Publication uses the evaluation app's real code (`publishing.prepare` + `write_results`, what
its background task runs) and the dashboard's `readmodel.fill`.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
YEAR = 2022


def build_store(prefix: str, scale: str, seed: int, runs: int = 1) -> tuple[Path, list[str]]:
    """`bench_data/{prefix}_{scale}_s{seed}.duckdb` holding `runs` evaluated runs (seeds seed,
    seed + 1, …); generated when missing or short of runs. Returns its path and the run ids."""
    from tiangong.demo.generator import generate
    from tiangong.evaluation.evaluate import evaluate
    from tiangong.runs import RunStore

    path = ROOT / "bench_data" / f"{prefix}_{scale}_s{seed}.duckdb"
    if path.exists():
        with RunStore(path, read_only=True) as st:
            ids = [r.id for r in st.list()]
        if len(ids) >= runs:
            return path, ids[:runs]
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    ids = []
    with RunStore(path) as st:
        for i in range(runs):
            tables = generate(scale, seed + i, year=YEAR, years=1)
            ids.append(st.save(evaluate("huangyan_2022", tables, YEAR),
                               label=f"bench {i + 1}").id)
    print(f"setup: generated and evaluated {runs} {scale} run(s) in "
          f"{time.perf_counter() - t:.1f} s")
    return path, ids


def database_env(db: str, pgdatabase: str, sqlite_file: Path | None = None) -> dict[str, str]:
    """Environment selecting the platform database (also what a gunicorn child needs)."""
    env = {"DJANGO_SETTINGS_MODULE": "tiangong.platform.settings",
           "TIANGONG_SECRET_KEY": "bench-only-secret-key-" + "x" * 40}
    if db == "postgres":
        env.update(TIANGONG_DB="postgres", PGDATABASE=pgdatabase,
                   PGHOST=os.environ.get("PGHOST", "localhost"),
                   PGUSER=os.environ.get("PGUSER", "tiangong"),
                   PGPASSWORD=os.environ.get("PGPASSWORD", "tiangong"))
    else:
        if sqlite_file is None:
            sqlite_file = Path(tempfile.mkdtemp(prefix="tiangong-bench-")) / "platform.sqlite3"
        sqlite_file.parent.mkdir(parents=True, exist_ok=True)
        env["TIANGONG_PLATFORM_DB"] = str(sqlite_file)
        env["TIANGONG_MEDIA_ROOT"] = str(sqlite_file.parent / "media")
    return env


def setup_django(db: str, pgdatabase: str, *, fresh: bool = True,
                 sqlite_file: Path | None = None) -> dict[str, str]:
    """Select the database (os.environ), create it fresh when asked (PostgreSQL: drop and
    recreate the named database; SQLite: delete the file), set Django up and migrate.
    Returns the environment for child processes."""
    env = database_env(db, pgdatabase, sqlite_file)
    os.environ.update(env)
    if db == "postgres":
        import psycopg

        with psycopg.connect(dbname="postgres", autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                  (pgdatabase,)).fetchone()
            if fresh or not exists:
                conn.execute(f'DROP DATABASE IF EXISTS "{pgdatabase}"')
                conn.execute(f'CREATE DATABASE "{pgdatabase}"')
    elif fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(env["TIANGONG_PLATFORM_DB"] + suffix).unlink(missing_ok=True)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return env


def seed_regions(store: Path, run_id: str) -> Any:
    """Province, cities and counties of the run (towns are created by the publication itself,
    as in production). Returns the province."""
    from tiangong.platform.core.models import Region
    from tiangong.runs import RunStore

    with RunStore(store, read_only=True) as st:
        counties = sorted(set(st.results(run_id)["county_code"].to_pylist()) - {None})
    province = Region.objects.create(code=counties[0][:2] + "0000", name="测试省",
                                     level="province")
    cities: dict[str, Any] = {}
    for c in counties:
        city = c[:4] + "00"
        if city not in cities:
            cities[city] = Region.objects.create(code=city, name=f"市{city}", level="city",
                                                 parent=province)
        Region.objects.create(code=c, name=f"县{c}", level="county", parent=cities[city])
    print(f"regions: 1 province, {len(cities)} cities, {len(counties)} counties")
    return province


def publish(store: Path, run_id: str, region: Any, *, progress: Any = None,
            previous: Any = None) -> tuple[Any, float]:
    """Publish `run_id` at `region` with the real code; returns (publication, seconds)."""
    from tiangong.platform.evaluation.publishing import prepare, write_results

    today = dt.date.today()
    t = time.perf_counter()
    pub = prepare(str(store), run_id, region, today, today + dt.timedelta(days=7),
                  hide_ranks=True, user=None, previous=previous)
    write_results(pub, progress or (lambda done, total, message: None))
    seconds = time.perf_counter() - t
    pub.refresh_from_db()
    return pub, seconds


def fill_readmodel(pub: Any) -> None:
    """The dashboard's read model of `pub` (timed and printed: a publication-time cost)."""
    from tiangong.platform.dashboard.readmodel import fill

    t = time.perf_counter()
    n = fill(pub)
    print(f"dashboard read model: {n:,} cells filled in {time.perf_counter() - t:.2f} s "
          "(publication-time precompute)")
