"""A minimal load generator for the platform's page benchmarks (services queue, portfolio).

The load model, printed with every result:
- the server is gunicorn configured as `tiangong serve` configures it (gthread worker class,
  2 workers × 4 threads, timeout 120 s), on loopback, against the benchmark's database;
- `users` virtual users, each with its own session cookie (a different signed-in user), each
  in its own client thread;
- "stress" mode: closed loop with zero think time (each user sends its next request as soon
  as the previous answer is read), `rounds` requests per user: the server's worst case;
- "users" mode: each user waits a uniform 1–3 s think time between requests (a person reading
  the page), for `duration` seconds: the load 50 people at their desks put on it.
Reported: requests, errors (non-200 or failed), p50 / p95 / max latency, throughput.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass
class Result:
    mode: str
    users: int
    requests: int
    errors: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    per_second: float

    def line(self, what: str, target_ms: float) -> str:
        verdict = "met" if self.p95_ms <= target_ms and not self.errors else "NOT met"
        return (f"{what}, {self.mode} mode, {self.users} users: {self.requests} requests, "
                f"errors {self.errors}, p50 {self.p50_ms:.0f} ms, p95 {self.p95_ms:.0f} ms, "
                f"max {self.max_ms:.0f} ms, {self.per_second:.1f} pages/s "
                f"(target p95 ≤ {target_ms:.0f} ms: {verdict})")


@contextmanager
def gunicorn(env: dict[str, str], port: int) -> Iterator[str]:
    """gunicorn as `tiangong serve` runs it (see tiangong.cli.serve._gunicorn); yields the
    base URL once it answers."""
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tiangong.platform.wsgi:application",
         "--worker-class", "gthread", "--workers", "2", "--threads", "4", "--timeout", "120",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"], env={**os.environ, **env})
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base}/", timeout=5).read()  # the login page
                break
            except Exception:
                time.sleep(0.5)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def _get(url: str, cookie: str) -> bool:
    try:
        with urllib.request.urlopen(urllib.request.Request(
                url, headers={"Cookie": cookie}), timeout=120) as r:
            r.read()
            return r.status == 200
    except Exception:
        return False


def run(url: str, cookies: Sequence[str], mode: str, rounds: int = 20,
        duration: float = 60.0, seed: int = 1) -> Result:
    """Drive `url` with one thread per cookie in the given mode ("stress" or "users")."""
    if mode not in ("stress", "users"):
        raise ValueError(f"unknown mode {mode!r}")
    lat: list[float] = []
    errors = [0]
    lock = threading.Lock()
    end = time.perf_counter() + duration

    def client(i: int, cookie: str) -> None:
        rng = random.Random(seed * 1000 + i)
        if mode == "users":  # people do not all click in the same instant
            time.sleep(rng.uniform(0, 3))
        n = 0
        while (n < rounds) if mode == "stress" else (time.perf_counter() < end):
            t = time.perf_counter()
            ok = _get(url, cookie)
            with lock:
                lat.append(time.perf_counter() - t)
                errors[0] += not ok
            n += 1
            if mode == "users":
                time.sleep(rng.uniform(1, 3))

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i, c)) for i, c in enumerate(cookies)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    lat.sort()

    def q(p: float) -> float:
        return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else float("nan")

    return Result(mode, len(cookies), len(lat), errors[0], q(0.5), q(0.95),
                  lat[-1] * 1000 if lat else float("nan"), len(lat) / wall)


def session_cookies(users: Sequence[object]) -> list[str]:
    """A signed-in session for each user (Django's session store, as a login would)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    out = []
    for user in users:
        s = SessionStore()
        s[SESSION_KEY] = str(user.pk)  # type: ignore[attr-defined]
        s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        s[HASH_SESSION_KEY] = user.get_session_auth_hash()  # type: ignore[attr-defined]
        s.create()
        out.append(f"{settings.SESSION_COOKIE_NAME}={s.session_key}")
    return out
