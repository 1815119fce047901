"""Impossible and implausible input values are caught before an evaluation, naming file, row
and column; never scored silently and never a database traceback (issue 15, point 14)."""

from __future__ import annotations

from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from conftest import tables

from tiangong.errors import DataError
from tiangong.evaluation.evaluate import evaluate
from tiangong.identity.uscc import org_code_check_char, uscc_check_char


def valid(i: int) -> str:
    """A USCC whose two check characters hold (GB 11714 inside, GB 32100 at the end)."""
    body = f"MA{i:06d}"
    first17 = "91331003" + body + org_code_check_char(body)
    return first17 + uscc_check_char(first17)


def firms() -> list[dict]:
    return [dict(uscc=valid(i), size_class="above", land_area=10 + i, eval_tax=100 + 20 * i,
                 value_added=1000, energy_tce=300, emissions=1, employees=50, rd_expense=100,
                 revenue=5000) for i in range(12)]


def with_value(column: str, value: float, row: int = 3) -> list[dict]:
    rows = firms()
    rows[row][column] = value
    return rows


@pytest.mark.parametrize("column, value, says", [
    ("eval_tax", float("inf"), "评价税收 is not a usable number"),
    ("value_added", float("-inf"), "工业增加值 is not a usable number"),
    ("revenue", 1e308, "营业收入 is not a usable number"),
    ("land_area", float("nan"), "用地面积 is not a usable number"),
    ("land_area", -5.0, "用地面积 cannot be negative"),
    ("emissions", -0.5, "主要污染物排放量 cannot be negative"),
])
def test_impossible_values_are_refused_with_file_row_and_column(
        tmp_path: Path, column: str, value: float, says: str) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for name, table in tables(with_value(column, value)).items():
        pq.write_table(table, data / f"{name}.parquet")
    with pytest.raises(DataError) as caught:
        evaluate("huangyan_2022", data, 2022)
    (problem,) = caught.value.problems
    # the fourth data row of the file (row 4: Parquet rows are counted from 1)
    assert problem.source == str(data / "enterprises.parquet") and problem.line == 4
    assert problem.field == column and says in problem.message and valid(3) in problem.message


def test_a_csv_row_is_named_by_its_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for name, table in tables(with_value("land_area", -5.0, row=0)).items():
        pacsv.write_csv(table, data / f"{name}.csv")
    with pytest.raises(DataError) as caught:
        evaluate("huangyan_2022", data, 2022)
    (problem,) = caught.value.problems
    assert str(problem).startswith(f"{data / 'enterprises.csv'}:2 [land_area]: 用地面积 cannot "
                                   "be negative: -5.0")


@pytest.mark.parametrize("column, value", [("land_area", 1e-9), ("emissions", 1e-16)])
def test_implausible_values_need_the_analysts_acceptance(column: str, value: float) -> None:
    data = tables(with_value(column, value))
    with pytest.raises(DataError, match="implausible input values") as caught:
        evaluate("huangyan_2022", data, 2022)
    (problem,) = caught.value.problems
    assert problem.line == 4 and problem.field == column
    ev = evaluate("huangyan_2022", data, 2022, accept_implausible=True)
    assert any(w.startswith("accepted implausible value: enterprises:4 [" + column)
               for w in ev.warnings)


def test_an_invalid_uscc_is_reported_with_the_run() -> None:
    rows = firms()
    rows[5]["uscc"] = rows[5]["uscc"][:-1] + ("0" if rows[5]["uscc"][-1] != "0" else "1")
    ev = evaluate("huangyan_2022", tables(rows), 2022)
    (warning,) = [w for w in ev.warnings if "check character" in w]
    assert warning.startswith("enterprises: 1 USCCs fail their check characters (GB 32100-2015)"
                              ": "
                              f"{rows[5]['uscc']} (row 6)")


def test_the_cli_refuses_in_one_message_and_accepts_on_request(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tiangong.cli.main import app

    data = tmp_path / "data"
    data.mkdir()
    for name, table in tables(with_value("land_area", 1e-9)).items():
        pq.write_table(table, data / f"{name}.parquet")
    args = ["evaluate", "--scheme", "huangyan_2022", "--data", str(data), "--out",
            str(tmp_path / "out"), "--store", str(tmp_path / "s.duckdb")]
    refused = CliRunner().invoke(app, args)
    assert isinstance(refused.exception, DataError)
    assert "--accept-implausible" in refused.exception.title
    accepted = CliRunner().invoke(app, [*args, "--accept-implausible"])
    assert accepted.exit_code == 0, accepted.output
    assert "accepted implausible value" in accepted.output
