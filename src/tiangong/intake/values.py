"""Parse text cells into numbers, dates and IDs, vectorised, with one problem per bad cell.

Departments send "1,234.5", "１２３４", "1，234", "(1,234)", "12.5万元", "-" for missing and
dates as 2022-03-01, 2022/3/1, 2022年3月1日, 20220301 or Excel serials. Parsing is done with
pandas string methods over a whole column; a cell that cannot be read becomes missing and is
reported (never guessed), so the quality report says which cells were lost and why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

MISSING_MARKERS = frozenset({"", "-", "--", "—", "——", "/", "\\", "无", "NA", "N/A", "NULL",
                             "null", "nan", "NaN", "#N/A"})
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01 with Lotus' 1900-02-29 bug
_MAX_SERIAL = 2958465  # 9999-12-31


def row_number(label: Hashable) -> int:
    """A frame index label (the file's row number) as int; the frames here are indexed by it."""
    return int(cast(int, label))


@dataclass(frozen=True)
class CellProblem:
    """A cell that parsing changed or could not read; `row` is the frame index (file row)."""

    row: int
    value: str
    rule: str
    severity: str  # "error" | "warning" | "info"
    action: str


def _text(series: pd.Series) -> pd.Series:
    """NFKC (full-width digits, ，and （） to ASCII), trimmed, as pandas "string" dtype."""
    return series.astype("string").str.normalize("NFKC").str.strip()


def _missing(s: pd.Series) -> pd.Series:
    return s.isna() | s.isin(MISSING_MARKERS)


def parse_numbers(series: pd.Series, unit: str | None = None
                  ) -> tuple[pd.Series, list[CellProblem]]:
    """Text → float64 (NaN when missing or unreadable) plus the problems found.

    Thousands separators and spaces are removed, "(1,234)" is −1234, a trailing unit in the
    cell is stripped: silently when it equals the header's `unit`, else with a warning because
    the header's unit is what gets applied.
    """
    s = _text(series)
    missing = _missing(s)
    t = s.str.replace(r"[\s,']", "", regex=True)
    paren = t.str.fullmatch(r"\(.*\)").fillna(False)
    t = t.where(~paren, "-" + t.str.slice(1, -1))
    parts = t.str.extract(r"^(?P<num>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)(?P<tail>[^\d.]*)$")
    num = pd.to_numeric(parts["num"], errors="coerce").astype("float64")
    tail = parts["tail"].fillna("")
    is_pct = tail == "%"
    num = num.where(~is_pct, num / 100.0)
    problems: list[CellProblem] = []
    bad = ~missing & num.isna()
    for row, val in s[bad].items():
        problems.append(CellProblem(row_number(row), str(val), "not_a_number", "error",
                                    "set missing"))
    foreign = ~missing & num.notna() & (tail != "") & ~is_pct
    if unit is not None:
        foreign &= tail.str.lower() != unit.lower()
    for row, val in s[foreign].items():
        problems.append(CellProblem(row_number(row), str(val), "unit_text_in_cell", "warning",
                                    f"text after the number ignored; header unit {unit or '-'}"
                                    " applied"))
    num[missing] = np.nan
    return num, problems


def parse_dates(series: pd.Series) -> tuple[pd.Series, list[CellProblem]]:
    """Text → object Series of `datetime.date` or None, from the forms in the module docstring.

    Five-digit-or-shorter whole numbers are Excel serials; eight digits are YYYYMMDD.
    """
    s = _text(series)
    missing = _missing(s)
    ymd = s.str.extract(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d.*)?$")
    compact = s.str.extract(r"^(\d{4})(\d{2})(\d{2})$")
    ymd = ymd.fillna(compact)
    serial = pd.to_numeric(s.where(s.str.fullmatch(r"\d{1,7}(?:\.0+)?").fillna(False)),
                           errors="coerce")
    out: list[dt.date | None] = []
    problems: list[CellProblem] = []
    for row, text, y, m, d, ser, miss in zip(s.index, s, ymd[0], ymd[1], ymd[2], serial, missing,
                                             strict=True):
        if miss:
            out.append(None)
            continue
        value: dt.date | None = None
        try:
            if isinstance(y, str):
                value = dt.date(int(y), int(m), int(d))
            elif not pd.isna(ser) and 1 <= ser <= _MAX_SERIAL:
                value = _EXCEL_EPOCH + dt.timedelta(days=int(ser))
        except ValueError:
            value = None
        if value is None:
            problems.append(CellProblem(row_number(row), str(text), "not_a_date", "error",
                                        "set missing"))
        out.append(value)
    return pd.Series(out, index=series.index, dtype=object), problems


def normalize_ids(series: pd.Series) -> tuple[pd.Series, list[CellProblem]]:
    """IDs stay text: NFKC, no spaces or hyphens, upper case; a trailing ".0" (an ID that went
    through a float) is removed and reported, since its leading zeros may be gone too."""
    s = _text(series)
    missing = _missing(s)
    t = s.str.replace(r"[\s\-\u2010-\u2014]", "", regex=True).str.upper()
    floaty = t.str.fullmatch(r"\d+\.0+").fillna(False)
    t = t.where(~floaty, t.str.replace(r"\.0+$", "", regex=True))
    problems = [CellProblem(row_number(r), str(v), "id_read_as_number", "warning",
                            "'.0' removed; check leading zeros") for r, v in s[floaty].items()]
    t = t.astype(object).where(~missing & t.notna(), None)
    return t, problems
