"""Page load runs for the services queue and the portfolio benchmarks, on the shared generator.

The load model, printed with every result:
- the server is gunicorn started by `tiangong serve`'s own `run_gunicorn` (gthread worker
  class, its workers and threads), on loopback, against the benchmark's database;
- `users` virtual users, each with its own session cookie (a different signed-in user), each
  on its own keep-alive connection of the shared load generator `_loadgen` (asyncio, one
  process);
- "stress" mode: closed loop with zero think time (each user sends its next request as soon
  as the previous answer is read), `rounds` requests per user: the server's worst case;
- "users" mode: each user waits a uniform 1–3 s think time between requests (a person reading
  the page), for `duration` seconds: the load 50 people at their desks put on it.
Reported: requests, errors (non-200 or failed), p50 / p95 / max latency, throughput.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import _loadgen


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
    """gunicorn started through `tiangong serve`'s own `run_gunicorn` (same worker class,
    workers and threads); yields the base URL once it answers."""
    server = subprocess.Popen(
        [sys.executable, "-c", "from tiangong.cli.serve import run_gunicorn; "
         f"run_gunicorn('127.0.0.1', {port})"], env={**os.environ, **env})
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


def run(url: str, cookies: Sequence[str], mode: str, rounds: int = 20,
        duration: float = 60.0, seed: int = 1) -> Result:
    """Drive `url` with one simulated user per cookie in the given mode ("stress": `rounds`
    requests each, zero think time; "users": 1–3 s think time for `duration` seconds), through
    the one load generator of the benchmarks (`_loadgen`: asyncio, keep-alive connections)."""
    if mode not in ("stress", "users"):
        raise ValueError(f"unknown mode {mode!r}")
    parts = urllib.parse.urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    users = [_loadgen.User(cookie, "all", lambda _rng: path) for cookie in cookies]
    if mode == "stress":
        out = _loadgen.run(parts.port or 80, users, 0.0, None, seed, rounds=rounds)
    else:
        out = _loadgen.run(parts.port or 80, users, duration, (1.0, 3.0), seed)
    lat = sorted(out.every())
    return Result(mode, len(cookies), len(lat), out.errors, _loadgen.pct(lat, 50),
                  _loadgen.pct(lat, 95), lat[-1] * 1000 if lat else float("nan"),
                  len(lat) / out.wall if out.wall else float("nan"))


def session_cookies(users: Sequence[object]) -> list[str]:
    """A signed-in session for each user (Django's session store, as a login would)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    out = []
    for user in users:
        s = SessionStore()
        s[SESSION_KEY] = str(user.pk)  # type: ignore[attr-defined]
        s[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]  # else: not signed in
        s[HASH_SESSION_KEY] = user.get_session_auth_hash()  # type: ignore[attr-defined]
        s.create()
        out.append(f"{settings.SESSION_COOKIE_NAME}={s.session_key}")
    return out
