"""Parse text cells into numbers, dates and IDs, vectorised, with one problem per bad cell.

Departments send "1,234.5", "１２３４", "1，234", "(1,234)", "12.5万元", "-" for missing and
dates as 2022-03-01, 2022/3/1, 2022年3月1日, 20220301 or Excel serials. Parsing runs in Arrow
compute kernels over a whole column (a province sends millions of cells); a cell that cannot be
read becomes missing and is reported (never guessed), so the quality report says which cells
were lost and why.

The rules are Python's: NFKC as `unicodedata` does it (Arrow's kernel does not recompose, so
only non-ASCII cells go through Python), and the regular expressions' \\s and \\d are spelled
out as Python's Unicode classes for RE2, whose own are ASCII only (`patterns`).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import sys
import unicodedata
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

MISSING_MARKERS = frozenset({"", "-", "--", "—", "——", "/", "\\", "无", "NA", "N/A", "NULL",
                             "null", "nan", "NaN", "#N/A"})
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01 with Lotus' 1900-02-29 bug
_MAX_SERIAL = 2958465  # 9999-12-31


def _re2_classes(*classes: str) -> list[str]:
    """The characters Python's `re` matches with each class (e.g. \\s), as RE2 ranges."""
    every = "".join(map(chr, range(sys.maxunicode + 1)))
    return ["".join(f"\\x{{{m.start():x}}}" if m.end() - m.start() == 1
                    else f"\\x{{{m.start():x}}}-\\x{{{m.end() - 1:x}}}"
                    for m in re.finditer(c + "+", every)) for c in classes]


@functools.cache
def patterns() -> dict[str, str]:
    """RE2 patterns with Python's classes (\\s: Unicode whitespace, \\d: Unicode decimal
    digits), so Arrow's kernels read cells as Python's `re` would. Built on first use."""
    space, digit = _re2_classes(r"\s", r"\d")
    d = f"[{digit}]"
    return {
        "separators": f"[{space},']",
        "number": (rf"^(?P<num>[-+]?(?:{d}+\.?{d}*|\.{d}+)(?:[eE][-+]?{d}+)?)"
                   rf"(?P<tail>[^{digit}.]*)$"),
        "ymd": (rf"^(?P<y>{d}{{4}})[-/.年](?P<m>{d}{{1,2}})[-/.月](?P<d>{d}{{1,2}})日?"
                rf"(?:[ T]{d}.*)?$"),
        "compact": rf"^(?P<y>{d}{{4}})(?P<m>{d}{{2}})(?P<d>{d}{{2}})$",
        "serial": rf"^{d}{{1,7}}(?:\.0+)?$",
        "floaty_id": rf"^{d}+\.0+$",
        "id_drop": f"[{space}\\-\\x{{2010}}-\\x{{2014}}]",
        "blank": f"^[{space}]*$",
    }


_PLAIN_NUMBER = r"^-?[0-9]+(?:\.[0-9]+)?$"  # most cells: no sign, separator, unit or NFKC


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


def _arrow(series: pd.Series) -> pa.Array:
    """A Series of text (object or "string") as one Arrow string array, nulls for missing."""
    if isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow":
        arr = pa.array(series.array)
    else:
        arr = pa.array(series.astype("string").array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr if arr.type == pa.string() else pc.cast(arr, pa.string())


def _nfkc(arr: pa.Array) -> pa.Array:
    """unicodedata's NFKC; ASCII cells are left alone (they are NFKC already)."""
    other = pc.invert(pc.fill_null(pc.string_is_ascii(arr), True))
    rows = np.flatnonzero(other.to_numpy(zero_copy_only=False))
    if rows.size == 0:
        return arr
    fixed = [unicodedata.normalize("NFKC", v) for v in arr.take(pa.array(rows)).to_pylist()]
    return pc.replace_with_mask(arr, other, pa.array(fixed, arr.type))


def _text(series: pd.Series) -> pa.Array:
    """NFKC (full-width digits, ，and （） to ASCII) and trimmed, as an Arrow string array."""
    return pc.utf8_trim_whitespace(_nfkc(_arrow(series)))


def _np(mask: pa.Array | pa.ChunkedArray, default: bool = False) -> np.ndarray:
    return np.asarray(pc.fill_null(mask, default).to_numpy(zero_copy_only=False), dtype=bool)


def _missing(s: pa.Array) -> np.ndarray:
    return _np(pc.is_null(s)) | _np(pc.is_in(s, pa.array(sorted(MISSING_MARKERS), s.type)))


def _where(mask: np.ndarray, a: pa.Array, b: pa.Array) -> pa.Array:
    return pc.if_else(pa.array(mask), a, b)


def parse_numbers(series: pd.Series, unit: str | None = None
                  ) -> tuple[pd.Series, list[CellProblem]]:
    """Text → float64 (NaN when missing or unreadable) plus the problems found.

    Thousands separators and spaces are removed, "(1,234)" is −1234, a trailing unit in the
    cell is stripped: silently when it equals the header's `unit`, else with a warning because
    the header's unit is what gets applied.
    """
    s = _text(series)
    n = len(s)
    missing = _missing(s)
    num = np.full(n, np.nan)
    tail = np.full(n, "", dtype=object)
    plain = _np(pc.match_substring_regex(s, _PLAIN_NUMBER))
    if plain.any():
        num[plain] = pc.cast(s.filter(pa.array(plain)), pa.float64()).to_numpy()
    rest = np.flatnonzero(~plain & ~_np(pc.is_null(s)))
    if rest.size:
        t = pc.replace_substring_regex(s.take(pa.array(rest)), patterns()["separators"], "")
        paren = _np(pc.match_substring_regex(t, r"^\(.*\)$"))
        t = _where(paren, pc.binary_join_element_wise("-", pc.utf8_slice_codeunits(t, 1, -1),
                                                      ""), t)
        parts = pc.extract_regex(t, patterns()["number"])
        text = pc.struct_field(parts, "num")
        ascii_ = _np(pc.string_is_ascii(text))  # Arabic-Indic digits etc. are not read
        values = np.full(len(rest), np.nan)
        if ascii_.any():
            values[ascii_] = pc.cast(text.filter(pa.array(ascii_)), pa.float64()).to_numpy()
        tails = np.asarray(pc.fill_null(pc.struct_field(parts, "tail"), "")
                           .to_numpy(zero_copy_only=False), dtype=object)
        pct = tails == "%"
        values = np.where(pct, values / 100.0, values)
        num[rest] = values
        tail[rest] = tails
    is_pct = tail == "%"
    bad = ~missing & np.isnan(num)
    foreign = ~missing & ~np.isnan(num) & (tail != "") & ~is_pct
    if unit is not None and foreign.any():
        lower = np.asarray(pc.utf8_lower(pa.array(tail[foreign].tolist(), pa.string()))
                           .to_numpy(zero_copy_only=False), dtype=object)
        foreign[np.flatnonzero(foreign)[lower == unit.lower()]] = False
    problems = _problems(s, series.index, bad, "not_a_number", "error", "set missing")
    problems += _problems(s, series.index, foreign, "unit_text_in_cell", "warning",
                          f"text after the number ignored; header unit {unit or '-'} applied")
    num[missing] = np.nan
    return pd.Series(num, index=series.index, dtype="float64", name="num"), problems


def _problems(s: pa.Array, index: pd.Index, mask: np.ndarray, rule: str, severity: str,
              action: str) -> list[CellProblem]:
    """One problem per row in `mask`, with the cell's normalised text, in row order."""
    rows = np.flatnonzero(mask)
    if rows.size == 0:
        return []
    cells = s.take(pa.array(rows)).to_pylist()
    return [CellProblem(row_number(index[int(i)]), str(v), rule, severity, action)
            for i, v in zip(rows, cells, strict=True)]


def _groups(s: pa.Array, pattern: str) -> tuple[pa.Array, pa.Array, pa.Array]:
    parts = pc.extract_regex(s, pattern)
    return pc.struct_field(parts, "y"), pc.struct_field(parts, "m"), pc.struct_field(parts, "d")


def parse_dates(series: pd.Series) -> tuple[pd.Series, list[CellProblem]]:
    """Text → object Series of `datetime.date` or None, from the forms in the module docstring.

    Five-digit-or-shorter whole numbers are Excel serials; eight digits are YYYYMMDD.
    """
    s = _text(series)
    n = len(s)
    missing = _missing(s)
    ymd = _groups(s, patterns()["ymd"])
    compact = _groups(s, patterns()["compact"])
    y, m, d = (pc.coalesce(a, b) for a, b in zip(ymd, compact, strict=True))
    matched = _np(pc.is_valid(y))
    ascii_ = matched & _np(pc.string_is_ascii(pc.binary_join_element_wise(y, m, d, "")))
    days = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)  # days since 1970, or none
    if ascii_.any():
        keep = pa.array(ascii_)
        yy, mm, dd = (pc.cast(a.filter(keep), pa.int64()).to_numpy() for a in (y, m, d))
        ok = (yy >= 1) & (yy <= 9999) & (mm >= 1) & (mm <= 12) & (dd >= 1)
        month = np.where(ok, (yy - 1970) * 12 + mm - 1, 0).astype("datetime64[M]")
        first = month.astype("datetime64[D]")
        length = ((month + 1).astype("datetime64[D]") - first).astype(np.int64)
        ok &= dd <= length
        got = (first + (dd - 1)).astype(np.int64)
        days[np.flatnonzero(ascii_)[ok]] = got[ok]
    for i in np.flatnonzero(matched & ~ascii_):  # non-ASCII digits: Python's int() reads them
        try:
            value = dt.date(int(y[i].as_py()), int(m[i].as_py()), int(d[i].as_py()))
        except ValueError:
            continue
        days[i] = (value - dt.date(1970, 1, 1)).days
    # a serial written in other digits is not read (pandas' to_numeric did not read it either)
    serial = ~matched & _np(pc.match_substring_regex(s, patterns()["serial"]))
    serial &= _np(pc.string_is_ascii(s))
    if serial.any():
        ser = pc.cast(s.filter(pa.array(serial)), pa.float64()).to_numpy()
        ok = (ser >= 1) & (ser <= _MAX_SERIAL)
        epoch = (_EXCEL_EPOCH - dt.date(1970, 1, 1)).days
        days[np.flatnonzero(serial)[ok]] = epoch + ser[ok].astype(np.int64)
    found = days != np.iinfo(np.int64).min
    out = np.full(n, None, dtype=object)
    if found.any():
        out[found] = days[found].astype("datetime64[D]").astype(object)
    out[missing] = None
    problems = _problems(s, series.index, ~missing & ~found, "not_a_date", "error",
                         "set missing")
    return pd.Series(out, index=series.index, dtype=object), problems


def normalize_ids(series: pd.Series) -> tuple[pd.Series, list[CellProblem]]:
    """IDs stay text: NFKC, no spaces or hyphens, upper case; a trailing ".0" (an ID that went
    through a float) is removed and reported, since its leading zeros may be gone too."""
    s = _text(series)
    missing = _missing(s)
    t = pc.utf8_upper(pc.replace_substring_regex(s, patterns()["id_drop"], ""))
    floaty = _np(pc.match_substring_regex(t, patterns()["floaty_id"]))
    if floaty.any():
        t = _where(floaty, pc.replace_substring_regex(t, r"\.0+$", ""), t)
    problems = _problems(s, series.index, floaty, "id_read_as_number", "warning",
                         "'.0' removed; check leading zeros")
    cells = np.asarray(t.to_numpy(zero_copy_only=False), dtype=object)
    cells[missing] = None
    return pd.Series(cells, index=series.index, dtype=object), problems


def per_distinct(parse: Callable[[pd.Series], tuple[pd.Series, list[CellProblem]]],
                 series: pd.Series) -> tuple[pd.Series, list[CellProblem]]:
    """`parse` once per distinct cell, spread back over the rows: the same values and problems
    in the same order, with less work where cells repeat (a firm's code and name on each of its
    monthly rows, the same few dates)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    if len(uniques) > len(series) // 2:
        return parse(series)
    values, found = parse(pd.Series(uniques, dtype=series.dtype))
    spread = pd.Series(values.to_numpy()[codes], index=series.index, dtype=values.dtype)
    problems: list[CellProblem] = []
    for rule in dict.fromkeys(p.rule for p in found):  # rule by rule, rows in order
        mine = {p.row: p for p in found if p.rule == rule}
        rows = np.flatnonzero(np.isin(codes, list(mine)))
        problems += [CellProblem(row_number(series.index[int(i)]), mine[codes[i]].value, rule,
                                 mine[codes[i]].severity, mine[codes[i]].action) for i in rows]
    return spread, problems
