"""A cheap loopback load generator for the platform benchmarks: asyncio, one keep-alive HTTP/1.1
connection per simulated user, in one thread of one process.

Why not threads with http.client: 50 Python threads on the same 2 cores as the server spend
their CPU on the GIL and on http.client's header parsing, and that CPU is taken from the server
being measured. Here each request costs a few tens of microseconds of this process's CPU, and
`run` reports the CPU this process used so the reader can see what the generator took.

Two load models (state which one a number comes from):
- "stress": closed loop, zero think time: each user sends its next request as soon as the
  previous answer arrived (a saturation test: latency then measures queueing, not the page);
- "users": each user waits a think time drawn uniformly from [think_min, think_max] seconds
  between an answer and its next request (a person reading the page), starting at a random
  offset in the first think interval so users do not arrive in lockstep.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Outcome:
    """Latencies (seconds) by label, errors (non-200 or connection failures), wall seconds,
    and this process's CPU seconds during the run."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: int = 0
    wall: float = 0.0
    cpu: float = 0.0

    def every(self) -> list[float]:
        return [v for vs in self.latencies.values() for v in vs]


class Connection:
    """One keep-alive connection sending GETs with a session cookie."""

    def __init__(self, port: int, cookie: str) -> None:
        self.port, self.cookie = port, cookie
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def get(self, path: str) -> tuple[int, bytes]:
        """One GET; a connection the server closed while idle is reopened once."""
        for attempt in (0, 1):
            try:
                if self.writer is None:
                    await self._open()
                return await self._get(path)
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def _get(self, path: str) -> tuple[int, bytes]:
        assert self.reader is not None and self.writer is not None
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {self.cookie}"
                          "\r\nConnection: keep-alive\r\n\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in
                   (line.partition(":") for line in lines[1:] if line)}
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                parts.append(await self.reader.readexactly(size + 2))
                if size == 0:
                    break
            body = b"".join(p[:-2] for p in parts)
        else:  # no length: the server closes the connection after the body
            body = await self.reader.read()
            self.close()
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class User:
    """A simulated user: its session cookie, a label for the report (its role), and what it
    asks for (`paths(rng)` gives the next path)."""

    cookie: str
    label: str
    paths: Callable[[random.Random], str]


async def _timed_get(conn: Connection, path: str, into: list[float], out: Outcome) -> None:
    """One GET timed into `into`; anything but a 200 (a redirect, a failure) counts as an error."""
    t = time.perf_counter()
    try:
        status, _ = await conn.get(path)
    except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
        status = 0
    into.append(time.perf_counter() - t)
    out.errors += status != 200


async def _drive(port: int, users: list[User], seconds: float, think: tuple[float, float] | None,
                 seed: int, rounds: int | None = None) -> Outcome:
    out = Outcome()
    stop_at = time.perf_counter() + seconds

    async def one(i: int, user: User) -> None:
        rng = random.Random(seed * 1000 + i)
        conn = Connection(port, user.cookie)
        mine = out.latencies.setdefault(user.label, [])
        if think is not None:
            await asyncio.sleep(rng.uniform(0, think[1]))
        sent = 0
        while (sent < rounds) if rounds is not None else (time.perf_counter() < stop_at):
            sent += 1
            await _timed_get(conn, user.paths(rng), mine, out)
            if think is not None:
                await asyncio.sleep(rng.uniform(*think))
        conn.close()

    t0, c0 = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one(i, u) for i, u in enumerate(users)))
    out.wall, out.cpu = time.perf_counter() - t0, time.process_time() - c0
    return out


def run(port: int, users: list[User], seconds: float, think: tuple[float, float] | None = None,
        seed: int = 0, rounds: int | None = None) -> Outcome:
    """Drive `users` against 127.0.0.1:`port` for `seconds` (requests started before the end
    are completed and counted), or, with `rounds`, until each user has sent that many;
    think=None is the stress model, (lo, hi) the users model."""
    return asyncio.run(_drive(port, users, seconds, think, seed, rounds))


def pct(values: list[float], q: int) -> float:
    """The q-th percentile in milliseconds (inclusive method); nan when empty."""
    if len(values) > 1:
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000
    return values[0] * 1000 if values else float("nan")


def summary(values: list[float]) -> dict[str, Any]:
    return {"n": len(values), "p50": pct(values, 50), "p95": pct(values, 95),
            "p99": pct(values, 99), "max": max(values) * 1000 if values else float("nan")}


def fetch_once(port: int, cookie: str, path: str) -> tuple[int, float]:
    """One GET on a new connection: (status, seconds)."""
    async def go() -> tuple[int, float]:
        conn = Connection(port, cookie)
        t = time.perf_counter()
        status, _ = await conn.get(path)
        seconds = time.perf_counter() - t
        conn.close()
        return status, seconds
    return asyncio.run(go())


def run_lists(port: int, users: list[tuple[str, str, list[str]]]) -> Outcome:
    """Every user (cookie, label, paths) requests its paths once, in order, all users at once
    with zero think time (e.g. the first views of pages whose figures are then cached)."""
    async def go() -> Outcome:
        out = Outcome()

        async def one(cookie: str, label: str, paths: list[str]) -> None:
            conn = Connection(port, cookie)
            mine = out.latencies.setdefault(label, [])
            for path in paths:
                await _timed_get(conn, path, mine, out)
            conn.close()

        t0, c0 = time.perf_counter(), time.process_time()
        await asyncio.gather(*(one(*u) for u in users))
        out.wall, out.cpu = time.perf_counter() - t0, time.process_time() - c0
        return out
    return asyncio.run(go())
