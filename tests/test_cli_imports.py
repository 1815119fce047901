"""Issue 15.24: `tiangong --help` and every error path answer without importing the heavy
libraries (pandas, DuckDB, pyarrow, NumPy, rich: each costs a large part of the 0.3 s they may
take). Checked by what is imported, not by a clock: the process runs the command-line entry
point and reports which of them `sys.modules` holds at exit. (`benchmarks/bench_cli.py`
measures the time.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("pandas", "duckdb", "pyarrow", "numpy", "rich")

RUN = f"""
import json, sys
from tiangong.cli.main import main
sys.argv = ["tiangong", *json.loads(sys.argv[1])]
try:
    main()
    code = 0
except SystemExit as exit:
    code = exit.code
heavy = [m for m in {HEAVY!r} if m in sys.modules]
sys.__stdout__.write("\\nRESULT " + json.dumps({{"code": code, "heavy": heavy}}) + "\\n")
"""


def run(args: list[str]) -> tuple[dict[str, object], str]:
    done = subprocess.run([sys.executable, "-c", RUN, json.dumps(args)], capture_output=True,
                          text=True, timeout=60)
    line = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")][-1]
    return json.loads(line.removeprefix("RESULT ")), done.stderr


def test_importing_the_command_line_imports_nothing_heavy() -> None:
    done = subprocess.run([sys.executable, "-c", "import sys, tiangong.cli.main; print("
                           f"[m for m in {HEAVY!r} if m in sys.modules])"],
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["--version"], ["evaluate", "--help"],
                                  ["evaluat"]])
def test_help_imports_nothing_heavy(args: list[str]) -> None:
    result, _ = run(args)
    assert result["heavy"] == []


def test_error_paths_import_nothing_heavy(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.duckdb")
    cases = [
        (["evaluate", "--scheme", "no_such_scheme", "--data", str(tmp_path)],
         "no scheme file or built-in scheme named 'no_such_scheme'"),
        (["evaluate", "--scheme", "huangyan_2022", "--data", str(tmp_path), "--formats",
          "parquet,pdf"], "--formats: unknown output format(s) pdf"),
        (["evaluate", "--scheme", "huangyan_2022", "--data", str(tmp_path), "--stability",
          "-5"], "--stability: -5 replications"),
        (["evaluate", "--scheme", "huangyan_2022", "--data", str(tmp_path / "nowhere")],
         "--data: data folder not found"),
        (["runs", "list", "--store", missing], "no run store here yet"),
        (["explain", "--run", "latest", "--enterprise", "x", "--store", missing],
         "no run store here yet"),
    ]
    for args, message in cases:
        result, stderr = run(args)
        assert result == {"code": 2, "heavy": []}, (args, stderr)
        assert stderr.startswith("error:") and message in stderr, (args, stderr)


def test_explain_with_what_if_does_not_import_pandas(tmp_path: Path) -> None:
    """Issue 15.22: pandas costs 0.2 s of the 1 s an explanation may take; the explanation's
    lookups go through DuckDB (`evaluation.arrow_sql`), so nothing on its path imports it."""
    from conftest import tables

    from tiangong.evaluation.evaluate import evaluate
    from tiangong.runs import RunStore

    firms = [dict(uscc=f"91331003MA0001{i:04d}", size_class="below", land_area=30.0,
                  eval_tax=20.0 + 10 * i, electricity=100.0) for i in range(5)]
    with RunStore(tmp_path / "runs.duckdb") as st:
        st.save(evaluate("huangyan_2022", tables(firms), 2022))
    result, stderr = run(["explain", "--run", "latest", "--enterprise", firms[0]["uscc"],
                          "--store", str(tmp_path / "runs.duckdb")])
    assert result["code"] == 0, stderr
    assert "pandas" not in result["heavy"]
    assert "duckdb" in result["heavy"]  # the explanation did run
