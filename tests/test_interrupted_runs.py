"""A run killed with SIGKILL never leaves two runs mixed in its output folder, and the next
run removes or finishes what it left (issue 15, point 18).

Each interrupted run is a real `tiangong evaluate` process that kills itself with SIGKILL at a
chosen point (before its commit, half-way through moving its files, while the run store
encodes), so the moment is exact rather than a race with a timer.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import tables

TIANGONG = Path(sys.executable).with_name("tiangong")

# the library's functions are wrapped so that the process kills itself at one point
KILL_AT = {
    "before-commit": """
import tiangong.evaluation.outputs.folder as m
m.OutputFolder.commit = lambda self: os.kill(os.getpid(), signal.SIGKILL)
""",
    "mid-move": """
import tiangong.evaluation.outputs.folder as m
real, moved = os.replace, []
def replace(src, dst):
    # a staged file moving out into the folder (not a writer's rename inside the staging)
    if '.tiangong-staging-' in str(src) and '.tiangong-staging-' not in str(dst):
        if moved:
            os.kill(os.getpid(), signal.SIGKILL)
        moved.append(src)
    real(src, dst)
m.os.replace = replace
""",
    "store-encoding": """
import tiangong.runs.store as m
m.RunStore.commit = lambda self, prepared, label='': os.kill(os.getpid(), signal.SIGKILL)
""",
}


def firms(tax_of_3: float) -> list[dict]:
    rows = [dict(uscc=f"91331003MA0000{i:04d}", size_class="above", land_area=10 + i,
                 eval_tax=100 + 20 * i, value_added=1000, energy_tce=300, emissions=1,
                 employees=50, rd_expense=100, revenue=5000) for i in range(12)]
    rows[3]["eval_tax"] = tax_of_3
    return rows


def data_dir(path: Path, tax_of_3: float) -> Path:
    path.mkdir(parents=True)
    for name, table in tables(firms(tax_of_3)).items():
        pq.write_table(table, path / f"{name}.parquet")
    return path


def evaluate(data: Path, out: Path, store: Path, formats: str, tmpdir: Path,
             kill_at: str | None = None) -> subprocess.CompletedProcess[str]:
    args = ["evaluate", "--scheme", "huangyan_2022", "--data", str(data), "--year", "2022",
            "--out", str(out), "--store", str(store), "--formats", formats]
    env = {**os.environ, "TMPDIR": str(tmpdir)}
    if kill_at is None:
        return subprocess.run([str(TIANGONG), *args], capture_output=True, text=True, env=env,
                              timeout=300)
    code = ("import os, signal, sys\n" + KILL_AT[kill_at]
            + "from tiangong.cli.main import main\nsys.argv = ['tiangong'] + sys.argv[1:]\n"
            "main()\n")
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=env, timeout=300)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@pytest.fixture
def setup(tmp_path: Path) -> dict[str, Path]:
    paths = {"old": data_dir(tmp_path / "old", 160), "new": data_dir(tmp_path / "new", 260),
             "out": tmp_path / "out", "store": tmp_path / "runs.duckdb", "tmp": tmp_path / "t"}
    paths["tmp"].mkdir()
    done = evaluate(paths["old"], paths["out"], paths["store"], "parquet,csv,xlsx",
                    paths["tmp"])
    assert done.returncode == 0, done.stdout + done.stderr
    return paths


def test_killed_before_its_commit_the_previous_outputs_stay_whole(
        setup: dict[str, Path]) -> None:
    before = snapshot(setup["out"])
    killed = evaluate(setup["new"], setup["out"], setup["store"], "parquet", setup["tmp"],
                      kill_at="before-commit")
    assert killed.returncode == -signal.SIGKILL
    assert snapshot(setup["out"]) == before  # nothing of the killed run is visible
    assert list(setup["out"].glob(".tiangong-staging-*"))  # its staged files are left …
    again = evaluate(setup["new"], setup["out"], setup["store"], "parquet", setup["tmp"])
    assert again.returncode == 0, again.stderr
    # … and removed by the next run, which replaces the whole publication: no gongshi.xlsx
    # or results.csv of the earlier run beside its results.parquet
    assert sorted(p.name for p in setup["out"].iterdir()) == [".tiangong-outputs.json",
                                                               "results.parquet"]
    assert snapshot(setup["out"])["results.parquet"] != before["results.parquet"]


def test_killed_while_moving_its_files_the_next_run_finishes_the_move(
        setup: dict[str, Path]) -> None:
    before = snapshot(setup["out"])
    killed = evaluate(setup["new"], setup["out"], setup["store"], "parquet,csv,xlsx",
                      setup["tmp"], kill_at="mid-move")
    assert killed.returncode == -signal.SIGKILL
    half = snapshot(setup["out"])
    assert half["gongshi.xlsx"] != before["gongshi.xlsx"]  # the first file was moved,
    assert half["results.parquet"] == before["results.parquet"]  # the others not yet
    # the next command publishing into the folder first finishes the killed run's move …
    from tiangong.evaluation.outputs.folder import recover

    recover(setup["out"])
    finished = snapshot(setup["out"])
    assert not list(setup["out"].glob(".tiangong-staging-*"))
    # … giving exactly what the killed run would have published
    clean = evaluate(setup["new"], setup["out"].with_name("clean"), setup["store"],
                     "parquet,csv,xlsx", setup["tmp"])
    assert clean.returncode == 0, clean.stderr
    assert finished["results.csv"] == snapshot(setup["out"].with_name("clean"))["results.csv"]
    assert finished["results.parquet"] != before["results.parquet"]


def test_killed_while_storing_its_temporary_folder_goes_with_the_next_run(
        setup: dict[str, Path]) -> None:
    before = snapshot(setup["out"])
    killed = evaluate(setup["new"], setup["out"], setup["store"], "parquet", setup["tmp"],
                      kill_at="store-encoding")
    assert killed.returncode == -signal.SIGKILL
    assert snapshot(setup["out"]) == before
    assert list(setup["tmp"].glob("tiangong-store-*"))
    again = evaluate(setup["new"], setup["out"], setup["store"], "parquet", setup["tmp"])
    assert again.returncode == 0, again.stderr
    assert not list(setup["tmp"].glob("tiangong-store-*"))
    assert not list(setup["out"].glob(".tiangong-staging-*"))


def test_leftovers_of_earlier_versions_are_removed(setup: dict[str, Path]) -> None:
    (setup["out"] / ".results.parquet.staged").write_bytes(b"half a file")
    (setup["out"] / ".gongshi.xlsx.tmp").write_bytes(b"half a workbook")
    again = evaluate(setup["new"], setup["out"], setup["store"], "parquet,csv,xlsx",
                     setup["tmp"])
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in setup["out"].iterdir()) == [
        ".tiangong-outputs.json", "gongshi.xlsx", "results.csv", "results.parquet"]
