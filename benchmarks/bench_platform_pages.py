"""Benchmark: the 驾驶舱 and the enterprise page under 50 concurrent logged-in users (issue 11).

Setup, untimed: a synthetic province (`tiangong.demo.generator.generate`, 120,000 enterprises,
90 counties, ~1,400 towns) evaluated with the built-in 黄岩 2022 scheme into a run store under
`bench_data/` (reused when present); a fresh platform database (PostgreSQL database
--pgdatabase dropped and recreated, or an SQLite file in a temp folder), migrated; province,
cities and counties created, then the run published at province level with the evaluation
app's real code (`publishing.prepare` + `write_results`, what its background task runs) and the
dashboard's read model filled (`dashboard.readmodel.fill`, timed and printed: the publication-
time cost of the precompute). 50 users: 30 county analysts (30 counties), 10 town officials,
6 city analysts, 4 province analysts.

Timed: gunicorn (gthread, --workers, 4 threads each) on 127.0.0.1 serving
`tiangong.platform.wsgi`; 50 client threads on loopback, each logged in through the real
login form (its own session cookie, keep-alive connection), request for --seconds each:
  1. the enterprise page (evaluation:result_detail) of random published firms in the user's
     scope;
  2. the 驾驶舱 (/dashboard/), alternating the unfiltered page and a group / industry filter.
The dashboard's figures are cached per scope, filters and set of current publications (they
never change once published), so the load phase mostly measures cached pages; the first
request of each role's scope is timed alone beforehand ("cold").
Prints p50 / p95 / p99 per page (and per role for the dashboard), throughput, errors, and the
gunicorn workers' RSS. Target: p95 ≤ 500 ms on PostgreSQL. Not a test.

    uv run python benchmarks/bench_platform_pages.py --db postgres
    uv run python benchmarks/bench_platform_pages.py --db sqlite
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
YEAR = 2022
PASSWORD = "Bench-pass-2026"
USERS = {"county_analyst": 30, "town_official": 10, "city_analyst": 6, "province_analyst": 4}


def build_store(scale: str, seed: int) -> tuple[Path, str]:
    from tiangong.demo.generator import generate
    from tiangong.evaluation.evaluate import evaluate
    from tiangong.runs import RunStore

    path = ROOT / "bench_data" / f"dashboard_{scale}_s{seed}.duckdb"
    if path.exists():
        with RunStore(path, read_only=True) as st:
            ids = [r.id for r in st.list()]
        if ids:
            return path, ids[0]
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    with RunStore(path) as st:
        run = st.save(evaluate("huangyan_2022", generate(scale, seed, year=YEAR, years=1), YEAR),
                      label="bench")
    print(f"setup: generated and evaluated a {scale} run in {time.perf_counter() - t:.1f} s")
    return path, run.id


def database_env(db: str, pgdatabase: str) -> dict[str, str]:
    env = {"DJANGO_SETTINGS_MODULE": "tiangong.platform.settings",
           "TIANGONG_SECRET_KEY": "bench-only-secret-key-" + "x" * 40}
    if db == "postgres":
        env.update(TIANGONG_DB="postgres", PGDATABASE=pgdatabase,
                   PGHOST=os.environ.get("PGHOST", "localhost"),
                   PGUSER=os.environ.get("PGUSER", "tiangong"),
                   PGPASSWORD=os.environ.get("PGPASSWORD", "tiangong"))
    else:
        folder = Path(tempfile.mkdtemp(prefix="tiangong-bench-pages-"))
        env["TIANGONG_PLATFORM_DB"] = str(folder / "platform.sqlite3")
        env["TIANGONG_MEDIA_ROOT"] = str(folder / "media")
    return env


def setup_database(db: str, pgdatabase: str) -> None:
    if db == "postgres":
        import psycopg

        with psycopg.connect(dbname="postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{pgdatabase}"')
            conn.execute(f'CREATE DATABASE "{pgdatabase}"')
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def publish(store: Path, run_id: str) -> Any:
    from tiangong.platform.core.models import Region
    from tiangong.platform.dashboard.readmodel import fill
    from tiangong.platform.evaluation.publishing import prepare, write_results
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
    today = dt.date.today()
    t = time.perf_counter()
    pub = prepare(str(store), run_id, province, today, today + dt.timedelta(days=7),
                  hide_ranks=True, user=None)
    out = write_results(pub, lambda done, total, message: None)
    print(f"published {out['published']:,} enterprises ({len(cities)} cities, "
          f"{len(counties)} counties) in {time.perf_counter() - t:.1f} s")
    pub.refresh_from_db()
    t = time.perf_counter()
    n = fill(pub)
    print(f"dashboard read model: {n:,} cells filled in {time.perf_counter() - t:.2f} s "
          "(publication-time precompute)")
    return pub


@dataclass
class BenchUser:
    username: str
    role: str
    result_ids: list[int] = field(default_factory=list)


def make_users(pub: Any, rng: random.Random) -> list[BenchUser]:
    from django.contrib.auth.hashers import make_password

    from tiangong.platform.core.models import Region, User
    from tiangong.platform.evaluation.models import PublishedResult

    towns = list(Region.objects.filter(level="town").order_by("code"))
    counties = [r for r in Region.objects.filter(level="county").order_by("code")]
    cities = list(Region.objects.filter(level="city").order_by("code"))
    province = Region.objects.get(level="province")
    pools = {"county_analyst": rng.sample(counties, USERS["county_analyst"]),
             "town_official": rng.sample(towns, USERS["town_official"]),
             "city_analyst": rng.sample(cities, min(USERS["city_analyst"], len(cities))),
             "province_analyst": [province] * USERS["province_analyst"]}
    hashed = make_password(PASSWORD)
    out = []
    for role, regions in pools.items():
        for i, region in enumerate(regions):
            name = f"bench_{role}_{i}"
            User.objects.create(username=name, role=role, region=region, password=hashed,
                                last_name=name)
            ids = list(PublishedResult.objects.filter(
                publication=pub, region__path__startswith=region.path)
                .values_list("pk", flat=True)[:2000])
            out.append(BenchUser(name, role, ids))
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Session:
    """One logged-in user on one keep-alive connection (cookies kept by hand)."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        """One request; a keep-alive connection the server closed while idle is reopened once."""
        try:
            return self._request(method, path, body)
        except (http.client.RemoteDisconnected, ConnectionError):
            self.conn.close()
            return self._request(method, path, body)

    def _request(self, method: str, path: str, body: str | None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
                   "Host": "127.0.0.1"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = "http://127.0.0.1/login/"
        self.conn.request(method, path, body=body, headers=headers)
        resp = self.conn.getresponse()
        text = resp.read().decode("utf-8", "replace")
        for name, value in resp.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return resp.status, text

    def login(self, username: str) -> None:
        _, page = self.request("GET", "/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if token is None:
            raise RuntimeError("no CSRF token on the login page")
        status, _ = self.request("POST", "/login/", urlencode(
            {"csrfmiddlewaretoken": token.group(1), "username": username,
             "password": PASSWORD}))
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login of {username} failed: HTTP {status}")


def drive(sessions: list[tuple[BenchUser, Session]], paths: Any, seconds: float
          ) -> tuple[dict[str, list[float]], int, float]:
    """Every session requests `paths(user, rng)` in a loop for `seconds`; latencies by role."""
    latencies: dict[str, list[float]] = {}
    errors = [0]
    lock = threading.Lock()
    start = threading.Barrier(len(sessions) + 1)
    stop_at = [0.0]

    def worker(user: BenchUser, session: Session, seed: int) -> None:
        rng = random.Random(seed)
        mine: list[float] = []
        start.wait()
        while time.perf_counter() < stop_at[0]:
            path = paths(user, rng)
            t = time.perf_counter()
            try:
                status, _ = session.request("GET", path)
            except (OSError, http.client.HTTPException):
                status = 0
            mine.append(time.perf_counter() - t)
            if status != 200:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.setdefault(user.role, []).extend(mine)

    threads = [threading.Thread(target=worker, args=(u, s, i))
               for i, (u, s) in enumerate(sessions)]
    for th in threads:
        th.start()
    stop_at[0] = time.perf_counter() + seconds
    t0 = time.perf_counter()
    start.wait()
    for th in threads:
        th.join()
    return latencies, errors[0], time.perf_counter() - t0


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000 if len(
        values) > 1 else (values[0] * 1000 if values else float("nan"))


def report(label: str, latencies: dict[str, list[float]], errors: int, wall: float) -> None:
    every = [v for vs in latencies.values() for v in vs]
    print(f"{label}: {len(every):,} requests in {wall:.1f} s = {len(every) / wall:,.1f} req/s; "
          f"p50 {pct(every, 50):.0f} ms, p95 {pct(every, 95):.0f} ms, p99 {pct(every, 99):.0f} "
          f"ms; non-200: {errors}")
    for role, vs in sorted(latencies.items()):
        print(f"    {role:17s} n={len(vs):6,d}  p50 {pct(vs, 50):6.0f} ms  "
              f"p95 {pct(vs, 95):6.0f} ms")


def worker_rss(master: int) -> list[float]:
    """RSS (MiB) of gunicorn's worker processes (children of the master)."""
    out = []
    for pid in subprocess.run(["pgrep", "-P", str(master)], capture_output=True,
                              text=True).stdout.split():
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    out.append(int(line.split()[1]) / 1024)
        except FileNotFoundError:
            pass
    return out


def dashboard_path(user: BenchUser, rng: random.Random) -> str:
    pick = rng.random()
    if pick < 0.6:
        return "/dashboard/"
    if pick < 0.8:
        return "/dashboard/?group=" + rng.choice(["above", "below"])
    return "/dashboard/?industry=" + rng.choice(["13", "26", "33", "34", "38", "39"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--pgdatabase", default="tiangong_bench_pages")
    parser.add_argument("--scale", default="province")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()

    store, run_id = build_store(args.scale, args.seed)
    env = database_env(args.db, args.pgdatabase)
    os.environ.update(env)
    setup_database(args.db, args.pgdatabase)
    rng = random.Random(args.seed)
    pub = publish(store, run_id)
    users = make_users(pub, rng)
    from django.db import connection

    print(f"database: {connection.vendor}; python {sys.version.split()[0]}; "
          f"{os.cpu_count()} cores; gunicorn {args.workers} workers × 4 threads; "
          f"{len(users)} users")
    connection.close()

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tiangong.platform.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
         "--worker-class", "gthread", "--threads", "4", "--timeout", "120",
         "--log-level", "warning"], env={**os.environ, **env}, start_new_session=True)
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
        sessions = []
        for u in users:
            s = Session(port)
            s.login(u.username)
            sessions.append((u, s))
        # Cold: the first 驾驶舱 of each role's scope, one at a time (its figures not cached).
        seen: set[str] = set()
        for u, sess in sessions:
            if u.role not in seen:
                seen.add(u.role)
                t = time.perf_counter()
                status, _ = sess.request("GET", "/dashboard/")
                print(f"cold 驾驶舱 of a {u.role}: {(time.perf_counter() - t) * 1000:.0f} ms "
                      f"(HTTP {status}, figures computed, nothing cached)")
        # Warm-up: every worker imports, opens its connection and fills its caches.
        drive(sessions, dashboard_path, 5)
        lat, err, wall = drive(
            sessions, lambda u, r: f"/evaluation/results/{r.choice(u.result_ids)}/",
            args.seconds)
        report("enterprise page (evaluation:result_detail)", lat, err, wall)
        lat, err, wall = drive(sessions, dashboard_path, args.seconds)
        report("驾驶舱 (/dashboard/, 60 % unfiltered, 40 % group/industry filter)", lat, err,
               wall)
        rss = worker_rss(server.pid)
        print(f"gunicorn workers RSS: {', '.join(f'{m:.0f}' for m in rss)} MiB "
              f"(total {sum(rss):.0f} MiB); target p95 ≤ 500 ms on PostgreSQL")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
