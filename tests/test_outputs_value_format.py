"""Value cells "as the source shows them" (issue 15, point 19): 万元 with 2 decimals, a
percentage with its sign, a ratio as a ratio to 4, and a raw quantity (亩, 人) with the source's
own decimals; the value written is the one shown, in the 公示 and the 一企一单 workbooks alike.
Checked on real workbooks read back with openpyxl; every expected cell below is worked by hand."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from test_outputs import LAYOUT, TAX, _results, _table

from tiangong.evaluation.outputs import (
    GroupLayout,
    ItemLayout,
    PublicationLayout,
    write_enterprise_sheets,
    write_gongshi_workbook,
)
from tiangong.evaluation.outputs.value_format import ValueFormat, source_decimals, value_format

LAND = ItemLayout("land", "用地面积", "亩", None)  # rank_only: shown, not scored
RD = ItemLayout("rd_pct", "研发经费占比", "%", 10.0)
RATIO = ItemLayout("ratio", "研发比值", "比值", 10.0)
STAFF = ItemLayout("staff", "从业人员", "人", None)
ABOVE = GroupLayout("above", "规上工业企业", (TAX, LAND, RD, RATIO, STAFF))
MIXED = PublicationLayout(**{**LAYOUT.__dict__, "groups": (ABOVE, LAYOUT.groups[1])})

# the six ranked 规上 firms, in rank order (the T firm has no values: blank cells)
TAX_MU = [30.12345, 29.0, 28.0, 27.0, 26.0, 25.0]
LAND_MU = [12.35, 3.1, 40.0, 7.25, 0.5, 100.0]  # the registry's 0.01 亩: 2 decimals
RD_PCT = [3.456, 0.0, 12.5, 1.0, 2.25, 4.0]
RATIOS = [1 / 3, 0.5, 2 / 3, 0.125, 1.0, 0.0]
STAFF_N = [120.0, 35.0, 8.0, 1500.0, 60.0, 2.0]  # whole people: no decimals


def _mixed() -> object:
    frame = _results()
    above = frame.index[(frame["group"] == "above") & frame["rank"].notna()]
    frame.loc[above, "value_tax_mu"] = TAX_MU
    for item, values in (("land", LAND_MU), ("rd_pct", RD_PCT), ("ratio", RATIOS),
                         ("staff", STAFF_N)):
        frame[f"value_{item}"] = float("nan")
        frame.loc[above, f"value_{item}"] = values
        frame[f"points_{item}"] = float("nan")
        frame[f"imputed_{item}"] = None
    return frame


def test_rules_by_hand() -> None:
    assert value_format("万元/亩", [1 / 3]) == ValueFormat(2)
    assert value_format("万元", [12.0]) == ValueFormat(2)
    assert value_format("%", [1 / 3]) == ValueFormat(2, percent=True)
    assert value_format("亩", LAND_MU) == ValueFormat(2)
    assert value_format("人", [*STAFF_N, None, float("nan")]) == ValueFormat(0)
    assert value_format("比值", RATIOS) == ValueFormat(4)  # computed: no decimals of its own
    assert source_decimals([0.5, 2.25, 1.125]) == 3 and source_decimals([]) == 0
    assert ValueFormat(2).excel == "#,##0.00" and ValueFormat(0).excel == "#,##0"
    assert ValueFormat(2, percent=True).excel == '#,##0.00"%"'
    assert ValueFormat(2).text(1234.5678) == "1,234.57"
    assert ValueFormat(2, percent=True).text(3.456) == "3.46%"
    assert ValueFormat(4).text(1 / 3) == "0.3333" and ValueFormat(0).text(1500.0) == "1,500"


def test_gongshi_value_cells(tmp_path: Path) -> None:
    path = write_gongshi_workbook(_mixed(), MIXED, tmp_path / "公示.xlsx")
    ws = openpyxl.load_workbook(path)["规上工业企业"]
    header, rows = _table(ws)
    at = next(i for i, r in enumerate(ws.iter_rows(values_only=True)) if r and r[0] == "序号")
    first = at + 2  # the worksheet row of rank 1
    col = {h: i + 1 for i, h in enumerate(header)}
    expected = {  # header → (number format, the six values as written, by hand)
        "亩均税收(万元/亩)": ("#,##0.00", [30.12, 29.0, 28.0, 27.0, 26.0, 25.0]),
        "用地面积(亩)": ("#,##0.00", [12.35, 3.1, 40.0, 7.25, 0.5, 100.0]),
        "研发经费占比(%)": ('#,##0.00"%"', [3.46, 0.0, 12.5, 1.0, 2.25, 4.0]),
        "研发比值(比值)": ("#,##0.0000", [0.3333, 0.5, 0.6667, 0.125, 1.0, 0.0]),
        "从业人员(人)": ("#,##0", [120.0, 35.0, 8.0, 1500.0, 60.0, 2.0]),
    }
    for name, (fmt, values) in expected.items():
        cells = [ws.cell(first + i, col[name]) for i in range(6)]
        assert [c.number_format for c in cells] == [fmt] * 6, name
        assert [c.value for c in cells] == pytest.approx(values, abs=1e-12), name
    # the T firm (after the ranked ones) has no values: blank, same format
    t_row = next(i for i, r in enumerate(rows) if r["分类"] == "T类(暂不评价)")
    assert ws.cell(first + t_row, col["用地面积(亩)"]).value is None
    # the other group's sheet: 亩均税收 in 万元/亩 has 2 decimals there too
    other = openpyxl.load_workbook(path)["规下工业企业"]
    _, below = _table(other)
    assert below[0]["亩均税收(万元/亩)"] == 12.0
    assert "#,##0.00##" not in {c.number_format for r in other.iter_rows() for c in r}


def test_enterprise_sheet_shows_the_same_cells(tmp_path: Path) -> None:
    frame = _mixed()
    uscc = frame.loc[0, "uscc"]  # rank 1 of 规上
    path = write_enterprise_sheets(frame, MIXED, tmp_path / "一企一单.xlsx", usccs=[uscc])
    ws = openpyxl.load_workbook(path).worksheets[0]
    cells = {r[0].value: r[1] for r in ws.iter_rows() if r[0].value in (
        "亩均税收", "用地面积", "研发经费占比", "研发比值", "从业人员")}
    assert {k: (c.value, c.number_format) for k, c in cells.items()} == {
        "亩均税收": (30.12, "#,##0.00"), "用地面积": (12.35, "#,##0.00"),
        "研发经费占比": (3.46, '#,##0.00"%"'), "研发比值": (0.3333, "#,##0.0000"),
        "从业人员": (120.0, "#,##0")}
