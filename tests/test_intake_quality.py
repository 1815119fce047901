"""Quality checks and the quality workbook, with expected rows worked out by hand."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from tiangong.identity import uscc_check_char
from tiangong.intake import (
    QualityRow,
    check_duplicates,
    check_impossible,
    check_plausibility,
    check_uscc,
    load,
    write_quality_workbook,
)
from tiangong.intake.quality import uscc_problem

GOOD = "91331003MAM6FCGN7J"


def _wrong_check(code: str) -> str:
    """Same code with another (wrong) 18th character."""
    right = uscc_check_char(code[:17])
    return code[:17] + ("1" if right != "1" else "2")


@pytest.mark.parametrize(("raw", "rule"), [
    (GOOD, None),
    ("９１３３１００３ｍａｍ６ｆｃｇｎ７ｊ", "uscc_normalised"),
    (" 91331003-MAM6FCGN-7J ", "uscc_normalised"),
    (_wrong_check(GOOD), "uscc_check_char_probable_typo"),
    (GOOD[:8] + "MAM6FCGX" + GOOD[16:], "uscc_invalid"),  # org code body broken too
    ("330300000012345", "old_registration_number"),
    ("MAM6FCGN7", "org_code_instead_of_uscc"),
    ("9133100", "uscc_length"),
    (None, "uscc_missing"),
    ("", "uscc_missing"),
])
def test_uscc_rules(raw: str | None, rule: str | None) -> None:
    found = uscc_problem(raw)
    assert (found[0] if found else None) == rule


def test_probable_typo_names_the_right_check_char() -> None:
    found = uscc_problem(_wrong_check(GOOD))
    assert found is not None and found[2].endswith("should be J")


def test_check_uscc_rows_are_file_rows() -> None:
    frame = pd.DataFrame({"uscc": [GOOD, "bad", None]}, index=[5, 6, 9])
    rows = check_uscc(frame, "a.xlsx", "用地")
    assert [(r.row, r.rule, r.severity) for r in rows] == [
        (6, "uscc_length", "error"), (9, "uscc_missing", "error")]


def test_duplicates_point_to_first_occurrence() -> None:
    frame = pd.DataFrame({"uscc": [GOOD, "B", GOOD, None, None, "B"]}, index=[3, 4, 5, 6, 7, 8])
    rows = check_duplicates(frame, "f.csv")
    assert [(r.row, r.action) for r in rows] == [
        (5, "kept; first seen in row 3"), (8, "kept; first seen in row 4")]


def test_duplicates_on_two_keys() -> None:
    frame = pd.DataFrame({"uscc": ["A", "A", "A"], "account": ["1", "2", "1"]}, index=[2, 3, 4])
    rows = check_duplicates(frame, "f.csv", keys=("uscc", "account"))
    assert [(r.row, r.column, r.value) for r in rows] == [(4, "uscc+account", "A/1")]


def test_impossible_values() -> None:
    frame = pd.DataFrame({"land_area": [-1.5, 10.0, 3.0], "employees": [5.0, 0.0, 0.0],
                          "value_added": [1.0, 250.0, 0.0]}, index=[2, 3, 4])
    rows = check_impossible(frame, "s.xlsx")
    assert [(r.row, r.column, r.rule) for r in rows] == [
        (2, "land_area", "negative_land_area"),
        (3, "employees", "zero_employees_with_value_added")]


def test_plausibility_flags_and_bounds_are_configurable() -> None:
    # 6000 万元 / 10 亩 = 600 万元/亩 > 500; 400 / 1 = 400 fine; land 0 → ratio undefined
    frame = pd.DataFrame({"eval_tax": [6000.0, 400.0, 50.0], "land_area": [10.0, 1.0, 0.0]},
                         index=[2, 3, 4])
    rows = check_plausibility(frame, "t.csv")
    assert [(r.row, r.rule, r.value) for r in rows] == [(2, "implausible_tax_per_mu", "600")]
    strict = {"tax_per_mu": ("eval_tax", "land_area", None, 300.0)}
    rows = check_plausibility(frame, "t.csv", bounds=strict)
    assert [r.row for r in rows] == [2, 3]
    assert len(frame) == 3  # flagged, never dropped


def test_quality_workbook_has_chinese_headers(tmp_path: Path) -> None:
    rows = [QualityRow("税务.csv", "", 7, "纳税人识别号", "X", "uscc_length", "error",
                       "1 characters; kept as given"),
            QualityRow("用地.xlsx", "用地", None, "用地面积", "公顷?", "unknown_unit", "error",
                       "column not loaded")]
    path = write_quality_workbook(rows, tmp_path / "质量报告.xlsx")
    ws = openpyxl.load_workbook(path).active
    assert ws is not None
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    assert values[0] == ["文件", "工作表", "行号", "列", "值", "规则", "严重程度", "处理"]
    # rules, severities and actions in Chinese (issue 14); details of an action kept
    assert values[1] == ["税务.csv", None, 7, "纳税人识别号", "X", "统一社会信用代码位数不对",
                         "错误", "共 1 位；按原样保留"]
    assert values[2][2] is None and values[2][5:] == ["单位无法识别", "错误", "该列未读取"]


def test_load_reports_every_problem_with_its_csv_row(tmp_path: Path) -> None:
    text = ("统一社会信用代码,纳税人名称,入库税收(万元),开票销售收入(万元)\n"
            f"{GOOD},甲,\"6,000\",abc\n"
            f"{_wrong_check(GOOD)},乙,12,10\n"
            f"{GOOD},甲,1,1\n"
            "小计,,6013,11\n")
    path = tmp_path / "tax.csv"
    path.write_text(text, encoding="utf-8")
    intake = load(path, "tax")
    got = {(q.row, q.column, q.rule) for q in intake.quality}
    assert got == {
        (2, "开票销售收入(万元)", "not_a_number"),
        (3, "统一社会信用代码", "uscc_check_char_probable_typo"),
        (4, "uscc", "duplicate"),
        (5, "", "excluded_total"),
    }
    assert intake.frame["eval_tax"].tolist() == [6000.0, 12.0, 1.0]
    assert all(q.file == str(path) for q in intake.quality)
