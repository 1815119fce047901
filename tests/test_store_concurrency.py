"""The run store shared by real processes: readers beside readers and writers, two evaluations
at once, and a writer that cannot wait (issue 15, point 15).

Every process here is a real one (the installed `tiangong` console script, or a Python process
holding the DuckDB file the way a running command does); nothing is simulated.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from conftest import tables

TIANGONG = Path(sys.executable).with_name("tiangong")


def firms() -> list[dict]:
    return [dict(uscc=f"91331003MA0000{i:04d}", size_class="above", land_area=10 + i,
                 eval_tax=100 + 20 * i, value_added=1000, energy_tce=300, emissions=1,
                 employees=50, rd_expense=100, revenue=5000) for i in range(12)]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    for name, table in tables(firms()).items():
        pq.write_table(table, folder / f"{name}.parquet")
    return folder


def tiangong(*args: str, wait: str | None = None) -> subprocess.Popen[str]:
    env = dict(os.environ)
    if wait is not None:
        env["TIANGONG_STORE_WAIT"] = wait
    return subprocess.Popen([str(TIANGONG), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=180)
    return proc.returncode, out, err


class Holder:
    """Another process holding the store open (read-only: a reader; else: a writer), as a
    running command does, until `release()` (or `seconds` at most)."""

    def __init__(self, store: Path, *, read_only: bool, seconds: float = 60) -> None:
        stamp = time.time_ns()
        ready = store.with_name(f"held-{stamp}")
        self.release_file = store.with_name(f"release-{stamp}")
        code = (f"import duckdb, pathlib, time\n"
                f"con = duckdb.connect({str(store)!r}, read_only={read_only})\n"
                f"pathlib.Path({str(ready)!r}).touch()\n"
                f"end = time.monotonic() + {seconds}\n"
                f"while time.monotonic() < end and not "
                f"pathlib.Path({str(self.release_file)!r}).exists():\n"
                f"    time.sleep(0.02)\n"
                f"con.close()\n")
        self.proc = subprocess.Popen([sys.executable, "-c", code])
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert self.proc.poll() is None, "the holder process failed to open the store"
            assert time.monotonic() < deadline
            time.sleep(0.02)

    def release(self) -> None:
        self.release_file.touch()

    def __enter__(self) -> Holder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        self.proc.wait(timeout=120)


def wait_for_line(proc: subprocess.Popen[str], needle: str) -> str:
    """Read `proc`'s stderr until a line holding `needle` (the process is then waiting)."""
    assert proc.stderr is not None
    seen = ""
    for line in proc.stderr:
        seen += line
        if needle in line:
            return seen
    raise AssertionError(f"{needle!r} never printed; stderr: {seen}")


def evaluate_args(data: Path, out: Path, store: Path) -> list[str]:
    return ["evaluate", "--scheme", "huangyan_2022", "--data", str(data), "--year", "2022",
            "--out", str(out), "--store", str(store), "--formats", "parquet,csv"]


def stored_runs(store: Path) -> list[str]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return [r[0] for r in con.execute("SELECT id FROM runs ORDER BY seq").fetchall()]
    finally:
        con.close()


@pytest.fixture
def store(tmp_path: Path, data: Path) -> Path:
    """A store holding one run."""
    path = tmp_path / "runs.duckdb"
    code, out, err = finish(tiangong(*evaluate_args(data, tmp_path / "first", path)))
    assert code == 0, out + err
    return path


def test_readers_do_not_exclude_each_other(store: Path) -> None:
    with Holder(store, read_only=True):
        started = time.monotonic()
        code, out, err = finish(tiangong("runs", "list", "--store", str(store), "--format",
                                         "csv"))
        took = time.monotonic() - started
    assert code == 0, err
    assert out.splitlines()[1].startswith("R0001,")
    assert "waiting" not in err and took < 60  # answered while the other reader held it


def test_a_reader_waits_for_a_writer_and_says_so(store: Path) -> None:
    with Holder(store, read_only=False) as holder:
        proc = tiangong("runs", "list", "--store", str(store), "--format", "csv")
        said = wait_for_line(proc, "waiting up to 120 s to read it")
        assert "in use by another process (PID " in said
        holder.release()
        code, out, err = finish(proc)
    assert code == 0, err
    assert out.splitlines()[1].startswith("R0001,")


def test_an_evaluation_beside_a_writer_waits_and_its_run_is_kept(store: Path, data: Path,
                                                                  tmp_path: Path) -> None:
    with Holder(store, read_only=False) as holder:
        proc = tiangong(*evaluate_args(data, tmp_path / "second", store))
        wait_for_line(proc, "waiting up to 120 s to write it")
        holder.release()
        code, out, err = finish(proc)
    assert code == 0, out + err
    assert "run R0002" in out
    assert stored_runs(store) == ["R0001", "R0002"]
    assert (tmp_path / "second" / "results.parquet").is_file()


def test_two_evaluations_at_once_both_land(store: Path, data: Path, tmp_path: Path) -> None:
    # started together while a third process writes, so that both must wait and then take
    # turns at the lock
    with Holder(store, read_only=False) as holder:
        procs = [tiangong(*evaluate_args(data, tmp_path / f"par{i}", store)) for i in range(2)]
        for proc in procs:
            wait_for_line(proc, "waiting up to 120 s to write it")
        holder.release()
        results = [finish(p) for p in procs]
    assert [r[0] for r in results] == [0, 0], results
    assert stored_runs(store) == ["R0001", "R0002", "R0003"]
    a, b = (tmp_path / "par0" / "results.csv"), (tmp_path / "par1" / "results.csv")
    assert a.read_bytes() == b.read_bytes()


def test_a_store_busy_past_the_bound(store: Path, data: Path, tmp_path: Path) -> None:
    with Holder(store, read_only=False, seconds=150):
        started = time.monotonic()
        code, out, err = finish(tiangong("runs", "list", "--store", str(store), wait="1"))
        took = time.monotonic() - started
        assert code == 2 and took < 60  # gave up long before the holder let go
        lines = [line for line in err.splitlines() if line.strip()]
        assert lines[-1].strip().endswith("try again when it has finished, or wait longer "
                                          "with TIANGONG_STORE_WAIT=SECONDS")
        assert "Traceback" not in err
        # the evaluation is not lost: outputs published, the run kept in a side store
        code, out, err = finish(tiangong(*evaluate_args(data, tmp_path / "busy", store),
                                         wait="1"))
    assert code == 0, out + err
    assert (tmp_path / "busy" / "results.parquet").is_file()
    sides = sorted(tmp_path.glob("runs.busy-*.duckdb"))
    assert len(sides) == 1 and f"--store {sides[0]}" in " ".join(err.split())
    assert stored_runs(sides[0]) == ["R0001"]
    assert stored_runs(store) == ["R0001"]
