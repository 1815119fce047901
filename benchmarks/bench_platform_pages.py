"""Benchmark: the enterprise page and the 驾驶舱 of a province-scale publication (issue 11 pt 13).

Set-up, untimed (benchmarks/_platform_setup.py, shared with bench_platform_publish.py): a
synthetic province (120,000 enterprises, 90 counties, ~1,400 towns) evaluated with the 黄岩 2022
scheme into `bench_data/` (reused when present); the platform database created and migrated
(PostgreSQL database --pgdatabase dropped and recreated, or a fresh SQLite file; --reuse keeps
a database that already holds the publication); the run published at province level with the
real code (`publishing.prepare` + `write_results`, what the background task runs; its signal
fills the dashboard's read model, refilled and timed here). 50 users: 30 county analysts (30
counties), 10 town officials, 6 city analysts, 4 province analysts; each gets a session as
Django's login() makes it (the login form and its deliberately slow password hash are not
measured).

Measured and printed:
1. per request, one client, in this process (Django's test client: the whole middleware stack,
   no network, no concurrency), --single requests per page after a warm-up: median / p95 ms
   and database queries per request, for the enterprise page (county analyst, town official),
   the 驾驶舱 warm (figures cached) and cold (figure caches emptied) per role;
   --profile adds cProfile's top functions for both pages;
2. under load: gunicorn started through `tiangong serve`'s own `run_gunicorn` (same worker
   class, workers and threads: printed) on 127.0.0.1, an asyncio load generator in this
   process (one keep-alive connection per user; benchmarks/_loadgen.py). After 5 s of
   enterprise pages (workers import and connect): the cold 驾驶舱 of each role, one request
   at a time; then the first views (every user opens each of the 9 驾驶舱 variants once, all
   at once: 47 scopes × 9 filter sets computed and stored in FigureCache, as after a
   publication); then the steady state, the 50 users in two load models, each page apart:
   - "users": each user waits a think time uniform in [1 s, 3 s] (--think) between an answer
     and its next request, like a person reading the page — the model of the issue's target
     ("50 concurrent logged-in users");
   - "stress": closed loop with zero think time (saturation; latency is mostly queueing).
   For each: requests, throughput, non-200 answers, p50 / p95 / p99 / max (and per role),
   CPU seconds used by the load generator, by the gunicorn workers and by the whole machine
   (other users of a shared machine included), load average; then the workers' RSS.
Pages: the enterprise page (evaluation:result_detail) of random published firms in the
user's scope; the 驾驶舱 (/dashboard/), 60 % unfiltered, 20 % group filter, 20 % industry
filter. Targets on PostgreSQL: enterprise page p95 ≤ 150 ms, 驾驶舱 p95 ≤ 500 ms. Not a test.

The lead's quiet-machine commands (a fresh database each; add --reuse to keep it between runs,
--profile for cProfile's view of both pages, --mode users|stress|none to run one model only):

    PGHOST=localhost PGUSER=tiangong PGPASSWORD=tiangong \\
      python3 -m uv run python -u benchmarks/bench_platform_pages.py --db postgres
    python3 -m uv run python -u benchmarks/bench_platform_pages.py --db sqlite
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _loadgen
from _platform_setup import ROOT, build_store, fill_readmodel, publish, seed_regions, setup_django

USERS = {"county_analyst": 30, "town_official": 10, "city_analyst": 6, "province_analyst": 4}
TARGETS = {"enterprise": 150.0, "dashboard": 500.0}


@dataclass
class BenchUser:
    username: str
    role: str
    cookie: str = ""
    result_ids: list[int] = field(default_factory=list)


def published(store: Path, run_id: str, reuse: bool) -> Any:
    """The province publication of `run_id`: reused when present (--reuse), else published."""
    from tiangong.platform.evaluation.models import Publication

    found = Publication.objects.filter(run_id=run_id, state=Publication.PUBLISHED).first()
    if reuse and found is not None:
        print(f"reusing publication {found.pk} ({found.n_results:,} enterprises)")
        return found
    pub, seconds = publish(store, run_id, seed_regions(store, run_id))
    print(f"published {pub.n_results:,} enterprises in {seconds:.1f} s")
    fill_readmodel(pub)
    return pub


def make_users(pub: Any, rng: random.Random) -> list[BenchUser]:
    """The 50 users (created once, kept with --reuse), each with a fresh session."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from tiangong.platform.core.models import Region, User
    from tiangong.platform.evaluation.models import PublishedResult

    towns = list(Region.objects.filter(level="town").order_by("code"))
    counties = list(Region.objects.filter(level="county").order_by("code"))
    cities = list(Region.objects.filter(level="city").order_by("code"))
    province = Region.objects.get(level="province")
    pools = {"county_analyst": rng.sample(counties, USERS["county_analyst"]),
             "town_official": rng.sample(towns, USERS["town_official"]),
             "city_analyst": rng.sample(cities, min(USERS["city_analyst"], len(cities))),
             "province_analyst": [province] * USERS["province_analyst"]}
    out = []
    for role, regions in pools.items():
        for i, region in enumerate(regions):
            name = f"bench_{role}_{i}"
            user, _ = User.objects.update_or_create(
                username=name, defaults={"role": role, "region": region, "last_name": name})
            session = SessionStore()  # what django.contrib.auth.login() stores
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            ids = list(PublishedResult.objects.filter(
                publication=pub, region__path__startswith=region.path)
                .values_list("pk", flat=True)[:2000])
            out.append(BenchUser(name, role, f"{settings.SESSION_COOKIE_NAME}="
                                 f"{session.session_key}", ids))
    return out


def enterprise_path(user: BenchUser) -> Callable[[random.Random], str]:
    return lambda rng: f"/evaluation/results/{rng.choice(user.result_ids)}/"


DASHBOARD_PATHS = ["/dashboard/", "/dashboard/?group=above", "/dashboard/?group=below",
                   *(f"/dashboard/?industry={i}" for i in ["13", "26", "33", "34", "38", "39"])]


def dashboard_path(rng: random.Random) -> str:
    pick = rng.random()
    if pick < 0.6:
        return "/dashboard/"
    if pick < 0.8:
        return "/dashboard/?group=" + rng.choice(["above", "below"])
    return "/dashboard/?industry=" + rng.choice(["13", "26", "33", "34", "38", "39"])


def clear_figure_caches() -> None:
    from django.core.cache import cache

    from tiangong.platform.dashboard.models import FigureCache

    cache.clear()
    FigureCache.objects.all().delete()


def single(users: list[BenchUser], n: int, profile: bool) -> None:
    """Per-request cost through the test client, one request at a time, in this process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    def client(user: BenchUser) -> Client:
        c = Client()
        name, _, value = user.cookie.partition("=")
        c.cookies[name] = value
        return c

    def backend_pid() -> int | None:
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            return int(cur.fetchone()[0])

    def measure(label: str, user: BenchUser, paths: Callable[[random.Random], str],
                warm: list[str]) -> None:
        c, rng = client(user), random.Random(1)
        for path in warm:  # warm: imports, templates, connection, caches
            assert c.get(path).status_code == 200
        times, queries = [], []
        pid = backend_pid()
        cpu0, db0 = time.process_time(), cpu_seconds([pid] if pid else [])
        for _ in range(n):
            path = paths(rng)
            with CaptureQueriesContext(connection) as ctx:
                t = time.perf_counter()
                status = c.get(path).status_code
                times.append(time.perf_counter() - t)
            if status != 200:
                raise RuntimeError(f"{path}: HTTP {status}")
            queries.append(len(ctx.captured_queries))
        cpu = (time.process_time() - cpu0) / n * 1000
        db = (cpu_seconds([pid]) - db0) / n * 1000 if pid else float("nan")
        print(f"  {label:40s} wall median {statistics.median(times) * 1000:5.1f} ms, p95 "
              f"{_loadgen.pct(times, 95):5.1f} ms; CPU/request: Python {cpu:4.1f} ms, "
              f"database {db:4.1f} ms; queries {min(queries)}–{max(queries)}")

    by_role = {u.role: u for u in reversed(users)}
    print(f"per request, one client, in process (Django test client, {n} requests after a "
          "warm-up: 5 pages, or each 驾驶舱 filter once; CaptureQueriesContext counts queries; "
          "CPU: this process's, and the PostgreSQL backend's from /proc, mean per request; "
          "wall times include waiting for the CPU on a shared machine):")
    for role in ("county_analyst", "town_official"):
        paths = enterprise_path(by_role[role])
        measure(f"enterprise page, {role}", by_role[role], paths,
                [paths(random.Random(i)) for i in range(5)])
    for role in USERS:
        measure(f"驾驶舱 warm (60/20/20 mix), {role}", by_role[role], dashboard_path,
                DASHBOARD_PATHS)
    for role in USERS:
        clear_figure_caches()
        c = client(by_role[role])
        with CaptureQueriesContext(connection) as ctx:
            t = time.perf_counter()
            status = c.get("/dashboard/").status_code
            ms = (time.perf_counter() - t) * 1000
        print(f"  {'驾驶舱 cold (caches emptied), ' + role:44s} {ms:6.1f} ms  "
              f"queries {len(ctx.captured_queries)}  (HTTP {status})")
    if profile:
        for label, user, paths in (
                ("enterprise page", by_role["county_analyst"],
                 enterprise_path(by_role["county_analyst"])),
                ("驾驶舱 warm", by_role["province_analyst"], dashboard_path)):
            c, rng = client(user), random.Random(2)
            prof = cProfile.Profile()
            prof.enable()
            for _ in range(n):
                c.get(paths(rng))
            prof.disable()
            print(f"cProfile, {label}, {n} requests (cumulative):")
            pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
    clear_figure_caches()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of processes (and their waited-for children), in seconds."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(x) for x in fields[11:15])
        except FileNotFoundError:
            pass
    return total / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all cores since boot, from /proc/stat."""
    values = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def rss(pids: list[int]) -> list[float]:
    out = []
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    out.append(int(line.split()[1]) / 1024)
        except FileNotFoundError:
            pass
    return out


def database_pids() -> list[int]:
    """PostgreSQL backends serving the benchmark's database (the workers' connections)."""
    if os.environ.get("TIANGONG_DB") != "postgres":
        return []
    import psycopg

    with psycopg.connect(dbname="postgres", autocommit=True) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s "
                            "AND pid <> pg_backend_pid()", (os.environ["PGDATABASE"],))
        return [int(r[0]) for r in rows.fetchall()]


def load(label: str, target: float, port: int, workers: list[int], users: list[_loadgen.User],
         seconds: float, think: tuple[float, float] | None) -> None:
    busy0, total0 = machine_busy()
    server0 = cpu_seconds(workers)
    pids = database_pids()
    db0 = {pid: cpu_seconds([pid]) for pid in pids}
    out = _loadgen.run(port, users, seconds, think, seed=3)
    busy1, total1 = machine_busy()
    server = cpu_seconds(workers) - server0
    # Backends opened during the run count from zero (their CPU before it was none).
    db = sum(cpu_seconds([pid]) - db0.get(pid, 0.0) for pid in database_pids())
    every = out.every()
    s = _loadgen.summary(every)
    cores = os.cpu_count() or 1
    verdict = "met" if s["p95"] <= target else "NOT met"
    print(f"{label}: {s['n']:,} requests in {out.wall:.1f} s = {s['n'] / out.wall:,.1f} req/s; "
          f"p50 {s['p50']:.0f} ms, p95 {s['p95']:.0f} ms, p99 {s['p99']:.0f} ms, max "
          f"{s['max']:.0f} ms; non-200: {out.errors}; target p95 ≤ {target:.0f} ms: {verdict}")
    for role, vs in sorted(out.latencies.items()):
        r = _loadgen.summary(vs)
        print(f"    {role:17s} n={r['n']:6,d}  p50 {r['p50']:6.0f} ms  p95 {r['p95']:6.0f} ms")
    n = max(s["n"], 1)
    database = (f", PostgreSQL backends {db:.1f} s ({db / out.wall * 100:.0f} %)"
                if os.environ.get("TIANGONG_DB") == "postgres" else "")
    print(f"    CPU: load generator {out.cpu:.1f} s ({out.cpu / out.wall * 100:.0f} % of a core), "
          f"gunicorn workers {server:.1f} s ({server / out.wall * 100:.0f} %){database}; whole "
          f"machine {(busy1 - busy0) / (total1 - total0) * 100:.0f} % of {cores} cores busy "
          f"(other users of the machine included); load average {os.getloadavg()[0]:.1f}")
    print(f"    server CPU per request: gunicorn {server / n * 1000:.1f} ms"
          + (f" + database {db / n * 1000:.1f} ms" if database else ""))


def main() -> None:
    from tiangong.cli.serve import WORKERS, gunicorn_config

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--pgdatabase", default="tiangong_bench_pages")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the database (PostgreSQL: --pgdatabase; SQLite: a file under "
                             "bench_data/) and its publication between runs")
    parser.add_argument("--scale", default="province")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=WORKERS,
                        help="gunicorn workers (default: tiangong serve's)")
    parser.add_argument("--mode", choices=["users", "stress", "both", "none"], default="both")
    parser.add_argument("--seconds", type=float, default=30.0, help="stress mode, per page")
    parser.add_argument("--users-seconds", type=float, default=60.0, help="users mode, per page")
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 3.0),
                        metavar=("MIN", "MAX"), help="users mode think time (s), uniform")
    parser.add_argument("--single", type=int, default=50,
                        help="requests per page in the one-client measurement (0: skip)")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    store, (run_id,) = build_store("dashboard", args.scale, args.seed, 1)
    sqlite_file = ROOT / "bench_data" / f"platform_pages_{args.scale}.sqlite3" \
        if args.reuse and args.db == "sqlite" else None
    env = setup_django(args.db, args.pgdatabase, fresh=not args.reuse, sqlite_file=sqlite_file)
    pub = published(store, run_id, args.reuse)
    users = make_users(pub, random.Random(args.seed))
    from django.db import connection

    config = gunicorn_config("127.0.0.1", 0, args.workers)
    print(f"database: {connection.vendor}; python {sys.version.split()[0]}; {os.cpu_count()} "
          f"cores; {len(users)} users; load average {os.getloadavg()[0]:.1f}")
    if args.single:
        single(users, args.single, args.profile)
    connection.close()
    if args.mode == "none":
        return

    port = free_port()
    print(f"gunicorn as `tiangong serve` runs it: {config['workers']} workers × "
          f"{config['threads']} threads ({config['worker_class']})")
    server = subprocess.Popen(
        [sys.executable, "-c", "from tiangong.cli.serve import run_gunicorn; "
         f"run_gunicorn('127.0.0.1', {port}, {args.workers})"],
        env={**os.environ, **env}, start_new_session=True)
    try:
        deadline = time.time() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.3)
        time.sleep(1)
        workers = children(server.pid)
        pages = {
            "enterprise": ("enterprise page (evaluation:result_detail)",
                           [_loadgen.User(u.cookie, u.role, enterprise_path(u)) for u in users]),
            "dashboard": ("驾驶舱 (/dashboard/, 60 % unfiltered, 40 % group/industry filter)",
                          [_loadgen.User(u.cookie, u.role, dashboard_path) for u in users])}
        # Warm-up: every worker thread imports the apps and connects (enterprise pages: no
        # dashboard figure is computed yet).
        _loadgen.run(port, pages["enterprise"][1], 5.0)
        # Cold: the first 驾驶舱 of each role's scope, one at a time (its figures not cached).
        seen: set[str] = set()
        for u in users:
            if u.role not in seen:
                seen.add(u.role)
                status, seconds = _loadgen.fetch_once(port, u.cookie, "/dashboard/")
                print(f"cold 驾驶舱 over HTTP, {u.role}: {seconds * 1000:.0f} ms "
                      f"(HTTP {status}; figures computed, nothing cached)")
        # First views: every user opens each 驾驶舱 variant once, all users at once: the
        # figures of 47 scopes × 9 filter sets are computed (after a publication, each is
        # computed once and then cached in FigureCache for every process).
        first = _loadgen.run_lists(port, [(u.cookie, u.role, DASHBOARD_PATHS) for u in users])
        s = _loadgen.summary(first.every())
        print(f"first views of the 驾驶舱 (each user each filter once, all at once): {s['n']} "
              f"requests in {first.wall:.1f} s; p50 {s['p50']:.0f} ms, p95 {s['p95']:.0f} ms, "
              f"max {s['max']:.0f} ms; non-200: {first.errors}")
        modes = ["users", "stress"] if args.mode == "both" else [args.mode]
        for mode in modes:
            think = tuple(args.think) if mode == "users" else None
            what = (f"users mode: think time uniform {args.think[0]:g}–{args.think[1]:g} s"
                    if think else "stress mode: closed loop, zero think time")
            print(f"--- {what}, {len(users)} users, "
                  f"{args.users_seconds if think else args.seconds:g} s per page")
            for key, (label, page_users) in pages.items():
                load(label, TARGETS[key], port, workers, page_users,
                     args.users_seconds if think else args.seconds, think)  # type: ignore[arg-type]
        mem = rss(workers)
        print(f"gunicorn workers RSS: {', '.join(f'{m:.0f}' for m in mem)} MiB "
              f"(total {sum(mem):.0f} MiB)")
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
