"""The command line on real files: exit codes, messages, outputs, and its generated reference."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from conftest import tables
from typer.testing import CliRunner

from tiangong.cli.docs import render_cli_reference
from tiangong.cli.main import app
from tiangong.errors import TiangongError

runner = CliRunner()
DOCS = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def firms(tax_of_3: float = 160) -> list[dict]:
    rows = [dict(uscc=f"91331003MA0000{i:04d}", size_class="above", land_area=10 + i,
                 eval_tax=100 + 20 * i, value_added=1000, energy_tce=300, emissions=1,
                 employees=50, rd_expense=100, revenue=5000) for i in range(12)]
    rows[3]["eval_tax"] = tax_of_3
    return rows


def write_dir(path: Path, rows: list[dict], fmt: str = "parquet") -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for name, table in tables(rows).items():
        if fmt == "parquet":
            pq.write_table(table, path / f"{name}.parquet")
        else:
            pacsv.write_csv(table, path / f"{name}.csv")
    return path


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture
def store(tmp_path: Path) -> str:
    return str(tmp_path / "runs.duckdb")


def test_scheme_check_reports_ok_and_problems(tmp_path: Path, monkeypatch, capsys) -> None:
    code, text = run("scheme", "check", "huangyan_2022")
    assert code == 0 and "OK" in text and "亩均税收" in text
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nname: y\nindicators: {}\ngroups: []\n", encoding="utf-8")
    from tiangong.cli.main import main

    monkeypatch.setattr("sys.argv", ["tiangong", "scheme", "check", str(bad)])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    assert "bad.yaml" in capsys.readouterr().err


def test_evaluate_writes_outputs_and_stores_the_run(tmp_path: Path, store: str) -> None:
    data = write_dir(tmp_path / "data", firms(), fmt="csv")
    out = tmp_path / "out"
    code, text = run("evaluate", "--scheme", "huangyan_2022", "--data", str(data), "--year",
                     "2022", "--out", str(out), "--store", store,
                     "--formats", "parquet,csv,xlsx,sheets", "--hide-ranks")
    assert code == 0, text
    assert "run R0001: 12 enterprises" in text
    for name in ("results.parquet", "results.csv", "gongshi.xlsx", "enterprise_sheets.xlsx"):
        assert (out / name).is_file(), name
    results = pq.read_table(out / "results.parquet")
    assert {"uscc", "name", "group", "score", "class", "rank"} <= set(results.column_names)
    code, text = run("runs", "list", "--store", store, "--format", "csv")
    assert code == 0 and text.startswith("id,") and "R0001" in text
    code, text = run("runs", "show", "R0001", "--store", store, "--statements")
    assert code == 0 and "huangyan_2022" in text and "CREATE" not in text and "-- ranked" in text
    code, text = run("explain", "--run", "latest", "--enterprise", "91331003MA00000005",
                     "--store", store, "--no-what-if")
    assert code == 0 and "亩均税收" in text and "等级" in text


def test_the_stored_results_are_the_published_results_file(tmp_path: Path, store: str) -> None:
    # the store encodes results.parquet once for the run and the output folder
    import duckdb

    data = write_dir(tmp_path / "data", firms())
    out = tmp_path / "out"
    code, text = run("evaluate", "--scheme", "huangyan_2022", "--data", str(data), "--year",
                     "2022", "--out", str(out), "--store", store, "--formats", "parquet")
    assert code == 0, text
    con = duckdb.connect(store, read_only=True)
    kept = con.execute("SELECT parquet FROM run_results WHERE run_id = 'R0001'").fetchone()
    con.close()
    assert kept is not None and kept[0] == (out / "results.parquet").read_bytes()
    # nothing staged left; the manifest names the files of the publication
    assert sorted(p.name for p in out.iterdir()) == [".tiangong-outputs.json", "results.parquet"]
    code, text = run("evaluate", "--scheme", "huangyan_2022", "--data", str(data), "--year",
                     "2022", "--out", str(tmp_path / "unstored"), "--no-store",
                     "--formats", "parquet")
    assert code == 0, text
    assert (tmp_path / "unstored" / "results.parquet").read_bytes() == kept[0]


def test_runs_diff_shows_who_changed_and_why(tmp_path: Path, store: str) -> None:
    for i, tax in enumerate((160, 900)):
        data = write_dir(tmp_path / f"d{i}", firms(tax))
        code, text = run("evaluate", "--scheme", "huangyan_2022", "--data", str(data),
                         "--out", str(tmp_path / f"o{i}"), "--store", store, "--formats",
                         "parquet")
        assert code == 0, text
    code, text = run("runs", "diff", "R0001", "R0002", "--store", store, "--format", "json",
                     "--out", str(tmp_path / "diff.csv"))
    assert code == 0, text
    assert "评价税收 160 → 900" in text
    assert "91331003MA00000003" in (tmp_path / "diff.csv").read_text(encoding="utf-8-sig")


def test_missing_data_folder_is_one_clear_error(tmp_path: Path, store: str) -> None:
    result = runner.invoke(app, ["evaluate", "--scheme", "huangyan_2022", "--data",
                                 str(tmp_path / "nowhere"), "--store", store])
    assert result.exit_code != 0
    assert "data folder not found" in str(result.exception)


def test_cli_reference_is_up_to_date() -> None:
    expected = render_cli_reference()
    assert DOCS.read_text(encoding="utf-8") == expected, (
        "docs/cli.md is stale: run `uv run python -m tiangong.cli.docs > docs/cli.md`")


def test_data_format_reference_is_up_to_date() -> None:
    from tiangong.evaluation.data_docs import render_data_formats

    path = DOCS.parent / "data-formats.md"
    assert path.read_text(encoding="utf-8") == render_data_formats(), (
        "docs/data-formats.md is stale: run "
        "`uv run python -m tiangong.evaluation.data_docs > docs/data-formats.md`")


def test_unreadable_csv_values_are_reported_with_file_line_and_column(tmp_path: Path) -> None:
    from tiangong.errors import DataError
    from tiangong.evaluation.evaluate import evaluate

    data = write_dir(tmp_path / "data", firms(), fmt="csv")
    path = data / "enterprises.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(",140,", ",一百四十,", 1)  # eval_tax of the third firm
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        evaluate("huangyan_2022", data, 2022)
    [problem] = info.value.problems
    assert (problem.source, problem.line, problem.field) == (str(path), 4, "eval_tax")
    assert "'一百四十' is not a number" in problem.message


def test_regions_aggregate_from_a_stored_run(tmp_path: Path, store: str) -> None:
    rows = firms()
    for i, r in enumerate(rows):
        r["town_code"] = "331003001" if i < 6 else "331003002"
    data = write_dir(tmp_path / "data", rows)
    code, text = run("evaluate", "--scheme", "huangyan_2022", "--data", str(data), "--out",
                     str(tmp_path / "o"), "--store", store, "--formats", "parquet")
    assert code == 0, text
    code, text = run("regions", "aggregate", "--run", "latest", "--level", "town", "--store",
                     store, "--format", "csv", "--out", str(tmp_path / "towns.csv"))
    assert code == 0, text
    import pandas as pd

    towns = pd.read_csv(tmp_path / "towns.csv", dtype={"region_code": str})
    first = towns.set_index("region_code").loc["331003001"]
    # 亩均税收 of the town from sums: (100+120+140+160+180+200) / (10+11+12+13+14+15)
    assert first["tax_per_mu"] == pytest.approx(900 / 75)
    # the workbook for people: Chinese headers, group labels and level names (issue 15, 19)
    code, text = run("regions", "aggregate", "--run", "latest", "--level", "town", "--store",
                     store, "--out", str(tmp_path / "towns.xlsx"))
    assert code == 0, text
    book = pd.read_excel(tmp_path / "towns.xlsx", sheet_name="汇总表", header=None)
    cells = {str(v) for v in book.to_numpy().ravel() if pd.notna(v)}
    assert "参评企业数(规上工业企业)" in cells and "乡镇(街道)" in cells
    assert not {c for c in cells if "(above)" in c or c == "town"}


def test_demo_generate_writes_canonical_tables_and_exports(tmp_path: Path) -> None:
    code, text = run("demo", "generate", "--scale", "county", "--seed", "3", "--exports",
                     "--out", str(tmp_path / "g"))
    assert code == 0, text
    assert pq.read_table(tmp_path / "g" / "enterprises.parquet").num_rows > 3000
    exported = sorted(p.name for p in (tmp_path / "g" / "exports").iterdir())
    assert "01_企业名录.xlsx" in exported and "_truth" in exported


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """One run of `tiangong demo` (exports → intake → evaluation → platform database), shared by
    the tests that read what it printed and wrote: it is the slowest command of the suite."""
    root = tmp_path_factory.mktemp("demo")
    store = str(root / "runs.duckdb")
    code, text = run("demo", "--out", str(root / "demo"), "--store", store, "--seed", "2")
    assert code == 0, text
    return root, store, text


def test_demo_main_job_goes_from_exports_through_intake_to_the_gongshi(
        demo_run: tuple[Path, str, str], tmp_path: Path) -> None:
    root, store, text = demo_run
    out = root / "demo"
    assert "intake:" in text and "0 quarantined" in text
    # ... and the platform database beside the store, with the published run and demo logins
    assert (Path(store).parent / "tiangong_platform.sqlite3").is_file()
    assert "http://127.0.0.1:8000" in text and "已发布评价运行 R0001：3000 家企业" in text
    # a year chinese-calendar does not have yet (2027 in December 2026) is one informational
    # line saying what the platform does with its dates, not the CalendarMissing error text
    assert "工作日历中没有" not in text and "无法计算工作日期限" not in text
    if "工作日历：" in text:
        line = next(x for x in text.splitlines() if "工作日历：" in x)
        assert line.startswith("  工作日历：") and "不按周末推算" in line, line
        assert "tiangong manage seed_calendar" in line and "--upgrade-package" in line, line
    for username in ("analyst", "town", "tax", "firm", "supervisor", "admin"):
        assert f" {username} " in text, username
    for name in ("exports/01_企业名录.xlsx", "canonical/enterprises.parquet",
                 "canonical/quality.xlsx", "canonical/reconciliation.csv", "gongshi.xlsx",
                 "results.parquet"):
        assert (out / name).is_file(), name
    results = pq.read_table(out / "results.parquet")
    assert results.num_rows == 3000
    assert set(results.column("class").drop_null().to_pylist()) >= {"A", "B", "C", "D"}
    assert results.column("town_code").null_count == 0
    # The intake is kept in the store with the run: evaluating it again reads the same tables.
    code, listed = run("intakes", "list", "--store", store, "--format", "csv")
    assert code == 0 and "I0001,2022" in listed.replace(" ", ""), listed
    code, text = run("evaluate", "--scheme", "huangyan_2022", "--year", "2022", "--out",
                     str(tmp_path / "again"), "--store", store, "--formats", "parquet")
    assert code == 0, text
    assert pq.read_table(tmp_path / "again" / "results.parquet").equals(results)


def test_the_commands_the_demo_suggests_work_as_printed(demo_run: tuple[Path, str, str]) -> None:
    # issue 15, point 21: after `python3 -m uv run tiangong demo` a bare `tiangong` is not on
    # the shell's PATH; the suggested commands are run here by a shell without the venv on it
    import os
    import subprocess

    text = demo_run[2]
    after = text.split("next:\n", 1)[1].splitlines()
    # the indented lines right after "next:" (the platform's block follows, unindented)
    suggested = [line for line in after[:next((i for i, s in enumerate(after)
                                                if not s.startswith("  ")), len(after))]]
    assert len(suggested) == 2, after[:5]
    venv_bin = str(Path(sys.executable).parent)
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p != venv_bin)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV",)} | {"PATH": path}
    for line in suggested:
        done = subprocess.run(line.strip(), shell=True, capture_output=True, text=True, env=env,
                              cwd=Path(__file__).resolve().parents[1], timeout=600)
        assert done.returncode == 0, (line, done.stderr[-1000:])


def test_evaluate_with_stability_writes_class_probabilities(tmp_path: Path, store: str) -> None:
    data = write_dir(tmp_path / "data", firms())
    code, text = run("evaluate", "--scheme", "huangyan_2022", "--data", str(data), "--out",
                     str(tmp_path / "o"), "--store", store, "--formats", "parquet",
                     "--stability", "40", "--uncertainty", "0.2")
    assert code == 0, text
    import pandas as pd

    stab = pd.read_csv(tmp_path / "o" / "stability.csv", encoding="utf-8-sig")
    assert len(stab) == 12 and {"p_keep", "p_up", "p_down", "modal_class"} <= set(stab.columns)
    assert ((stab["p_keep"] + stab["p_up"] + stab["p_down"]) - 1).abs().max() < 1e-9


@pytest.mark.parametrize("bad, says", [
    (["--formats", "parquet,pdf"], "--formats: unknown output format(s) pdf"),
    (["--stability", "-5"], "--stability: -5 replications"),
    (["--uncertainty", "1.5", "--stability", "10"], "--uncertainty: 1.5 must be a fraction"),
    (["--engine", "spork"], "--engine: 'spork' is not an engine"),
])
def test_options_are_checked_before_any_work(tmp_path: Path, store: str, bad: list[str],
                                             says: str) -> None:
    # issue 15, point 16: these were refused only after the run was computed and stored
    data = write_dir(tmp_path / "data", firms())
    result = runner.invoke(app, ["evaluate", "--scheme", "huangyan_2022", "--data", str(data),
                                 "--out", str(tmp_path / "out"), "--store", store, *bad])
    assert isinstance(result.exception, TiangongError)  # main() prints it, exit code 2
    assert says in str(result.exception)
    assert not Path(store).exists() and not (tmp_path / "out").exists()  # nothing was done


def test_print_format_is_checked_when_the_command_line_is_read(store: str) -> None:
    result = runner.invoke(app, ["runs", "list", "--store", store, "--format", "xml"])
    assert result.exit_code == 2 and "choose table, json or csv" in result.output


def test_one_vocabulary_version_and_short_help() -> None:
    # issue 15, point 23
    from tiangong import __version__

    code, text = run("--version")
    assert code == 0 and text.strip() == f"tiangong {__version__}"
    for args in (["-h"], ["runs", "-h"], ["regions", "aggregate", "-h"], ["explain", "-h"]):
        code, text = run(*args)
        assert code == 0 and "Usage:" in text, args
    for args in (["regions", "aggregate", "-h"], ["runs", "diff", "-h"], ["award", "-h"]):
        code, text = run(*args)
        assert "--out" in text and "--output" not in text, args


def test_explain_takes_a_name_as_well_as_a_code(tmp_path: Path, store: str) -> None:
    data = write_dir(tmp_path / "data", firms())
    code, text = run("evaluate", "--scheme", "huangyan_2022", "--data", str(data), "--year",
                     "2022", "--out", str(tmp_path / "out"), "--store", store)
    assert code == 0, text
    # conftest names the firms 企业<last four digits of the USCC>
    by_name = run("explain", "--run", "latest", "--enterprise", "企业0005", "--store", store,
                  "--no-what-if")
    by_code = run("explain", "--run", "latest", "--enterprise", "91331003MA00000005",
                  "--store", store, "--no-what-if")
    assert by_name == by_code and by_name[0] == 0
    assert by_name[1].startswith("企业0005（91331003MA00000005）")
    result = runner.invoke(app, ["explain", "--run", "latest", "--enterprise", "企业000",
                                 "--store", store, "--no-what-if"])
    assert "matches 10 enterprises" in str(result.exception)
    as_json = run("explain", "--run", "latest", "--enterprise", "企业0005", "--store", store,
                  "--no-what-if", "--format", "json")
    assert as_json[0] == 0 and '"uscc": "91331003MA00000005"' in as_json[1]


def test_an_absent_year_lists_the_years_present(tmp_path: Path, store: str) -> None:
    # issue 15, point 21: the message said "years present: none" (the years were filtered
    # before they were counted)
    data = write_dir(tmp_path / "data", firms())  # every row is of 2022
    result = runner.invoke(app, ["evaluate", "--scheme", "huangyan_2022", "--data", str(data),
                                 "--year", "2023", "--out", str(tmp_path / "out"), "--store",
                                 store])
    assert "no enterprise rows for 2023 (the evaluation year); years present in the data: " \
           "2022" in str(result.exception)


def test_a_scheme_on_another_year_warns_and_titles_carry_the_year(tmp_path: Path) -> None:
    import openpyxl
    from conftest import tables as make

    from tiangong.evaluation.evaluate import evaluate
    from tiangong.evaluation.publish import publish

    rows = [{**r, "year": 2023} for r in firms()]
    data = make(rows)
    ev = evaluate("huangyan_2022", data, 2023)
    assert any("written for data year 2022 and is evaluated on 2023" in w for w in ev.warnings)
    (path,) = publish(ev.results, ev.scheme.scheme, 2023, "R0001", tmp_path, ["xlsx"])
    summary = openpyxl.load_workbook(path)["汇总"]
    assert summary["A1"].value == "黄岩区2023年度工业企业亩均效益综合评价结果公示"
    shown = {summary.cell(r, 1).value: summary.cell(r, 2).value for r in range(2, 6)}
    assert shown["评价方案"] == "黄岩区2023年度工业企业亩均效益综合评价"  # the title, not the id
    assert shown["评价年度"] == "2023年度"


def test_explain_several_enterprises_with_one_reading(tmp_path: Path, store: str) -> None:
    """`--enterprise` repeated: each explanation as when asked alone, in the order asked; a
    firm not in the run is named before any search starts, with every other such firm."""
    data = write_dir(tmp_path / "data", firms())
    code, text = run("evaluate", "--scheme", "huangyan_2022", "--data", str(data), "--year",
                     "2022", "--out", str(tmp_path / "out"), "--store", store)
    assert code == 0, text
    alone = [run("explain", "--run", "latest", "--enterprise", e, "--store", store)
             for e in ("企业0005", "91331003MA00000002")]
    assert all(code == 0 for code, _ in alone)
    code, both = run("explain", "--run", "latest", "--enterprise", "企业0005", "--enterprise",
                     "91331003MA00000002", "--store", store)
    assert code == 0 and both == alone[0][1] + "\n" + alone[1][1]
    code, as_json = run("explain", "--run", "latest", "--enterprise", "企业0005",
                        "--enterprise", "企业0002", "--store", store, "--format", "json")
    listed = json.loads(as_json)
    assert code == 0 and [x["row"]["uscc"] for x in listed] == ["91331003MA00000005",
                                                                  "91331003MA00000002"]
    result = runner.invoke(app, ["explain", "--run", "latest", "--enterprise", "无此企业",
                                 "--enterprise", "企业0005", "--enterprise", "91331003XX",
                                 "--store", store])
    message = str(result.exception)
    assert "enterprise 无此企业 is not in run R0001" in message
    assert "enterprise 91331003XX is not in run R0001" in message


CONSOLE_SCRIPT = """
import atexit, sys
atexit.register(lambda: sys.__stderr__.write("TEARDOWN-RAN\\n"))
from tiangong.cli.main import run
sys.argv = ["tiangong", *sys.argv[1:]]
run()
"""


def test_explain_ends_the_process_at_once_with_its_output_whole(tmp_path: Path,
                                                                 store: str) -> None:
    """The console script (`main.run`) skips the interpreter's teardown after `explain`, which
    only read and printed (0.1 s of an explanation, issue 15.22): the explanation is printed
    whole and the exit code kept; other commands, and a failing explain, exit normally."""
    import subprocess
    import sys

    data = write_dir(tmp_path / "data", firms())
    code, text = run("evaluate", "--scheme", "huangyan_2022", "--data", str(data), "--year",
                     "2022", "--out", str(tmp_path / "out"), "--store", store)
    assert code == 0, text
    _, expected = run("explain", "--run", "latest", "--enterprise", "企业0005", "--store", store)

    def console(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", CONSOLE_SCRIPT, *args],
                              capture_output=True, text=True, timeout=120)

    done = console("explain", "--run", "latest", "--enterprise", "企业0005", "--store", store)
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected and "如何升档" in done.stdout
    assert "TEARDOWN-RAN" not in done.stderr
    failed = console("explain", "--run", "latest", "--enterprise", "无此企业", "--store", store)
    assert failed.returncode == 2 and "无此企业" in failed.stderr
    assert "TEARDOWN-RAN" in failed.stderr
    listed = console("runs", "list", "--store", store)
    assert listed.returncode == 0 and "R0001" in listed.stdout
    assert "TEARDOWN-RAN" in listed.stderr


def test_explain_reads_enterprises_from_standard_input_and_answers_each(
        tmp_path: Path, store: str) -> None:
    """`--enterprise -`: each line of standard input explained as when asked alone, a blank
    line after each; a blank line skipped; a name the run lacks reported on stderr without
    ending the session, and the exit code 2 at the end; `--format json` one object per line;
    `-` beside other enterprises refused before the run is read."""
    data = write_dir(tmp_path / "data", firms())
    code, text = run("evaluate", "--scheme", "huangyan_2022", "--data", str(data), "--year",
                     "2022", "--out", str(tmp_path / "out"), "--store", store)
    assert code == 0, text
    alone = [runner.invoke(app, ["explain", "--run", "latest", "--enterprise", e, "--store",
                                 store]).stdout for e in ("企业0005", "91331003MA00000002")]
    asked = ["explain", "--run", "latest", "--enterprise", "-", "--store", store]
    result = runner.invoke(app, asked, input="企业0005\n\n无此企业\n91331003MA00000002\n")
    assert result.exit_code == 2
    assert result.stdout == alone[0] + "\n" + alone[1] + "\n"
    assert "enterprise 无此企业 is not in run R0001" in result.stderr
    fine = runner.invoke(app, [*asked, "--format", "json"],
                         input="企业0005\n91331003MA00000002\n")
    assert fine.exit_code == 0, fine.output
    lines = fine.stdout.splitlines()
    assert [json.loads(x)["row"]["uscc"] for x in lines] == ["91331003MA00000005",
                                                              "91331003MA00000002"]
    assert json.loads(lines[0])["what_if"]  # the what-if searched, as for one enterprise
    mixed = runner.invoke(app, [*asked, "--enterprise", "企业0005"], input="企业0002\n")
    assert mixed.exit_code != 0 and "give it alone" in str(mixed.exception)
