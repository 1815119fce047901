"""The bulk paths of intake agree with the cell-by-cell rules they replace.

Column-wise code (USCC checks in numpy, parsing once per distinct cell, files loaded in threads,
whitespace and 合计 rows found in Arrow) is checked here against an independent per-cell
reference: `tiangong.identity.is_valid_uscc`, the parser applied to every cell, a sequential
load, Python's own `str.isspace`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tiangong.identity import is_valid_uscc, normalize_uscc
from tiangong.identity.uscc import CHARSET, make_usccs
from tiangong.intake import load, parse_dates, parse_numbers, read_table
from tiangong.intake.canonical import Intake, load_many
from tiangong.intake.quality import check_duplicates, check_uscc, uscc_problem, valid_as_given
from tiangong.intake.values import CellProblem, normalize_ids, per_distinct

Parsed = tuple[pd.Series, list[CellProblem]]


def messy_codes(n: int, seed: int) -> list[str | None]:
    rng = np.random.default_rng(seed)
    codes = make_usccs(rng, n, "330102")
    out: list[str | None] = []
    for c, k in zip(codes, rng.integers(0, 12, n), strict=True):
        out.append({0: c[:5] + CHARSET[(CHARSET.index(c[5]) + 1) % 31] + c[6:],  # typo
                    1: c.lower(), 2: c[8:17], 3: " " + c, 4: c[:17] + "I", 5: None,
                    6: c[:10] + "O" + c[11:], 7: "中" * 18}.get(int(k), c))
    return out


def test_valid_as_given_agrees_with_is_valid_uscc() -> None:
    cells = pd.Series(messy_codes(3000, 1), dtype="string")
    want = [c is not None and is_valid_uscc(c) for c in cells.astype(object).where(
        cells.notna(), None)]
    assert valid_as_given(cells).tolist() == want
    assert 0.25 < np.mean(want) < 0.45  # both kinds are there


def test_check_uscc_once_per_distinct_code_reports_every_row() -> None:
    codes = messy_codes(400, 2)
    cells = pd.Series(codes * 3, index=range(10, 10 + 1200), dtype=object)
    rows = check_uscc(pd.DataFrame({"uscc": cells}), "f.xlsx")
    want = [(r, c) for r, c in zip(range(10, 1210), cells, strict=True)
            if uscc_problem(c) is not None]
    assert [(q.row, q.value or None) for q in rows] == want
    assert {q.rule for q in rows} >= {"uscc_missing", "uscc_normalised", "uscc_invalid",
                                      "org_code_instead_of_uscc"}
    normalised = [q for q in rows if q.rule == "uscc_normalised"]
    assert all(q.action == f"read as {normalize_uscc(q.value)}" for q in normalised)


@pytest.mark.parametrize("parse", [normalize_ids, parse_dates,
                                   lambda s: parse_numbers(s, "万元")])
def test_per_distinct_equals_every_cell(parse: Callable[[pd.Series], Parsed]) -> None:
    base = ["0012", "12.0", "2022-03-01", "２０２２年３月１日", "1,234", "12万元", "abc", None,
            "", "-", "44621", "2022-02-30", " 7 "]
    cells = pd.Series(base * 40, index=range(3, 3 + 520), dtype=object)
    a, pa_ = parse(cells)
    b, pb = per_distinct(parse, cells)
    pd.testing.assert_series_equal(a, b, check_names=False)
    assert [vars(p) for p in pa_] == [vars(p) for p in pb]
    assert pa_  # the parsers do report problems here


def test_monthly_rows_are_not_duplicates(tmp_path: Path) -> None:
    code = make_usccs(np.random.default_rng(3), 1, "330102")[0]
    lines = ["户号,统一社会信用代码,月份,用电量(千瓦时)"]
    lines += [f"0001,{code},2022-{m:02d},100" for m in range(1, 13)]
    # 2nd account; a repeat of account and month with another value (a key duplicate, kept and
    # flagged); a row identical to row 6 (excluded as a duplicate row, never summed)
    lines += [f"0002,{code},2022-01,50", f"0001,{code},2022-03,120", f"0001,{code},2022-03,100"]
    path = tmp_path / "用电.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    intake = load(path, "electricity")
    dups = [(q.row, q.column, q.action) for q in intake.quality if q.rule == "duplicate"]
    assert dups == [(15, "uscc+account+period", "kept; first seen in row 4")]
    assert [(e.row, e.reason) for e in intake.raw.excluded] == [(16, "duplicate")]
    assert [q.row for q in intake.quality if q.rule == "duplicate_row"] == [16]
    assert intake.frame["electricity"].sum() == pytest.approx((12 * 100 + 50 + 120) / 1e4)
    frame = intake.frame
    assert check_duplicates(frame, "x", keys=("uscc",))[0].row == 3  # by code alone: 13 rows


def test_threads_load_like_one_at_a_time(tmp_path: Path) -> None:
    code = make_usccs(np.random.default_rng(4), 1, "330102")[0]
    jobs = []
    for k in range(5):
        path = tmp_path / f"税{k}.csv"
        path.write_text("纳税人识别号,实缴税金(元)\n" + "".join(
            f"{code},{k}000{j}\n" for j in range(k + 1)), encoding="gbk")
        jobs.append((path, "tax", None))
    bad = tmp_path / "税_bad.csv"
    bad.write_text("纳税人识别号,备注\nX,Y\n", encoding="utf-8")
    jobs.insert(2, (bad, "tax", None))
    threaded = load_many(jobs, workers=2)
    alone = load_many(jobs, workers=1)
    assert [type(r).__name__ for r in threaded] == [type(r).__name__ for r in alone] == [
        "Intake", "Intake", "DataError", "Intake", "Intake", "Intake"]
    for a, b in zip(threaded, alone, strict=True):
        if not isinstance(a, Exception):
            assert isinstance(b, Intake)
            pd.testing.assert_frame_equal(a.frame, b.frame)
    assert [len(r.frame) for r in threaded if not isinstance(r, Exception)] == [1, 2, 3, 4, 5]


def test_unusual_whitespace_and_subtotals(tmp_path: Path) -> None:
    code = make_usccs(np.random.default_rng(5), 1, "330102")[0]
    rows = ["纳税人识别号,纳税人名称,实缴税金(元)",
            f"{code},甲厂,100",
            "\u3000,\x1c, ",                   # Python's whitespace only: a blank line
            "小计：,,100",                      # a subtotal
            f"{code},计算机厂,200",             # 计 in a name: data
            "总 计,,300"]
    path = tmp_path / "税.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    raw = read_table(path, "tax")
    assert raw.row_numbers == [2, 5]
    assert [(e.row, e.reason) for e in raw.excluded] == [(3, "blank"), (4, "total"),
                                                         (6, "total")]
    assert all(c.isspace() for c in "\u3000\x1c ")
