"""Opening the run store when other processes use it too.

DuckDB lets one process write a file, or several read it, never both at once: a second writer,
or a reader beside a writer, fails at once with "Could not set lock on file". The CLI and the
platform's worker share one store, so a failure there would throw away a finished evaluation.
Hence: readers open the file read-only (readers never exclude each other), writers hold the
lock only for the short insert (all encoding happens before, `tiangong.runs.store.save_run`),
and whoever finds the file locked waits, bounded, says so once, and tries again. Only when the
bound passes does it give up with one line; a writer then keeps its run in a side store rather
than losing it (`save_run`).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from tiangong.errors import Problem, TiangongError

DEFAULT_WAIT_S = 120.0
WAIT_ENV = "TIANGONG_STORE_WAIT"

Notify = Callable[[str], None]


class StoreBusy(TiangongError):
    """The run store stayed locked by another process for longer than the wait allowed."""


def store_wait(wait: float | None = None) -> float:
    """Seconds to wait for a locked store: `wait`, else $TIANGONG_STORE_WAIT, else 120."""
    if wait is not None:
        return max(0.0, wait)
    raw = os.environ.get(WAIT_ENV, "").strip()
    if not raw:
        return DEFAULT_WAIT_S
    try:
        return max(0.0, float(raw))
    except ValueError:
        raise TiangongError(f"${WAIT_ENV} must be a number of seconds, not {raw!r}") from None


def _conflict(err: duckdb.Error) -> str | None:
    """Who holds the lock ("PID 1234"), "" when unknown; None when `err` is no lock conflict."""
    text = str(err)
    if "Could not set lock" in text or "Conflicting lock" in text:
        pid = re.search(r"PID (\d+)", text)
        return f"PID {pid.group(1)}" if pid else ""
    if "different configuration" in text:  # a connection of this same process holds it
        return "this process"
    return None


def connect(path: Path, *, read_only: bool, wait: float | None = None,
            on_wait: Notify | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection to `path`, waiting up to `store_wait(wait)` seconds for a lock."""
    bound = store_wait(wait)
    deadline = time.monotonic() + bound
    pause, told = 0.05, False
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as err:
            holder = _conflict(err)
            if holder is None:
                raise TiangongError([Problem(f"cannot open the run store: {err}",
                                             str(path))]) from None
            left = deadline - time.monotonic()
            by = f" ({holder})" if holder else ""
            if left <= 0:
                raise StoreBusy([Problem(
                    f"the run store is in use by another process{by} and stayed so for "
                    f"{bound:g} s; try again when it has finished, or wait longer with "
                    f"{WAIT_ENV}=SECONDS", str(path))]) from None
            if not told and on_wait is not None:
                what = "read" if read_only else "write"
                on_wait(f"the run store {path} is in use by another process{by}; waiting up "
                        f"to {bound:g} s to {what} it (${WAIT_ENV})")
                told = True
            time.sleep(min(pause, left))
            pause = min(pause * 2, 1.0)


def side_store_path(path: Path) -> Path:
    """Where a run goes when `path` stays busy: beside it, named by time and process."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    return path.with_name(f"{path.stem}.busy-{stamp}-{os.getpid()}{path.suffix or '.duckdb'}")
