"""The quality report: one row per problem, and the checks that produce them.

A county analyst fixes departmental data in Excel, so every problem names the file, sheet, the
row number they see, the column, the value, the rule, its severity and what intake did about
it. Implausible values are flagged, never dropped: the scheme decides what is excluded, and a
firm with an extreme but real value must not vanish from the evaluation.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tiangong.identity import is_valid_org_code, is_valid_uscc, normalize_uscc, uscc_check_char
from tiangong.identity.uscc_bulk import valid_usccs
from tiangong.intake.report_zh import SEVERITY_ZH, action_zh, rule_zh
from tiangong.intake.values import row_number


@dataclass(frozen=True)
class QualityRow:
    """One problem in one cell (or one row, with column "")."""

    file: str
    sheet: str
    row: int | None
    column: str
    value: str
    rule: str
    severity: str  # "error" | "warning" | "info"
    action: str


HEADERS_ZH = ("文件", "工作表", "行号", "列", "值", "规则", "严重程度", "处理")

# ratio or value bounds: (numerator, denominator or None, lower, upper), canonical units.
DEFAULT_BOUNDS: dict[str, tuple[str, str | None, float | None, float | None]] = {
    "tax_per_mu": ("eval_tax", "land_area", None, 500.0),  # 万元/亩
    "land_area": ("land_area", None, None, 20000.0),  # 亩
    "employees": ("employees", None, None, 200000.0),
    "electricity_per_mu": ("electricity", "land_area", None, 2000.0),  # 万kWh/亩
}


def uscc_problem(raw: str | None) -> tuple[str, str, str] | None:
    """(rule, severity, action) for one USCC cell, or None when it is valid as given."""
    if raw is None or not str(raw).strip():
        return "uscc_missing", "error", "row kept; link by name later"
    code = normalize_uscc(str(raw))
    if is_valid_uscc(code):
        return None if code == raw else ("uscc_normalised", "info", f"read as {code}")
    if len(code) == 15 and code.isdigit():
        return "old_registration_number", "warning", "15-digit 注册号: needs a lookup"
    if len(code) == 9 and is_valid_org_code(code):
        return "org_code_instead_of_uscc", "warning", "organisation code: needs a lookup"
    if len(code) != 18:
        return "uscc_length", "error", f"{len(code)} characters; kept as given"
    if is_valid_org_code(code[8:17]):
        try:
            expected = uscc_check_char(code[:17])
        except ValueError:
            return "uscc_bad_character", "error", "kept as given"
        return ("uscc_check_char_probable_typo", "warning",
                f"organisation code valid; check char should be {expected}")
    return "uscc_invalid", "error", "both check characters fail; kept as given"


def valid_as_given(cells: pd.Series) -> np.ndarray:
    """True where a cell is already a valid USCC exactly as written (18 characters of the code
    alphabet, both check characters right): the bulk of any export, checked with numpy."""
    return valid_usccs(cells)


def check_uscc(frame: pd.DataFrame, file: str, sheet: str = "",
               column: str = "uscc") -> list[QualityRow]:
    """GB 32100 check and the embedded GB 11714 organisation-code check, after normalisation.

    Each distinct cell is checked once; cells valid as written are found in bulk
    (`valid_as_given`), only the others are looked at one by one."""
    cells = frame[column]
    codes, uniques = pd.factorize(cells, use_na_sentinel=False)  # a firm's code repeats
    found = [uscc_problem(None if pd.isna(u) else str(u)) if not ok else None
             for u, ok in zip(uniques, valid_as_given(pd.Series(uniques)), strict=True)]
    bad = np.array([f is not None for f in found], dtype=bool)
    out = []
    for i in np.flatnonzero(bad[codes]).tolist():
        raw = uniques[codes[i]]
        problem = found[codes[i]]
        assert problem is not None
        rule, severity, action = problem
        out.append(QualityRow(file, sheet, row_number(cells.index[i]), column,
                              "" if pd.isna(raw) else str(raw), rule, severity, action))
    return out


def check_duplicates(frame: pd.DataFrame, file: str, sheet: str = "",
                     keys: tuple[str, ...] = ("uscc",)) -> list[QualityRow]:
    """Every occurrence after the first of the same key (e.g. uscc, or uscc + account)."""
    present = [k for k in keys if k in frame.columns]
    if not present:
        return []
    sub = frame.loc[frame[present].notna().all(axis=1), present]
    key = np.zeros(len(sub), dtype=np.int64)
    for k in present:  # one integer per distinct combination of the key columns
        codes, uniques = pd.factorize(sub[k])
        key = pd.factorize(key * len(uniques) + codes)[0]
    rows = sub.index.to_numpy(dtype=np.int64)
    first = np.full(int(key.max()) + 1 if key.size else 0, np.iinfo(np.int64).max)
    np.minimum.at(first, key, rows)
    first_row = first[key]
    dup = np.flatnonzero(first_row != rows)
    if dup.size == 0:
        return []
    values = ["/".join(v) for v in zip(*(sub[k].iloc[dup].astype(str) for k in present),
                                       strict=True)]
    column = "+".join(present)
    return [QualityRow(file, sheet, row_number(row), column, value, "duplicate", "warning",
                       f"kept; first seen in row {int(seen)}")
            for row, seen, value in zip(rows[dup], first_row[dup], values, strict=True)]


def check_impossible(frame: pd.DataFrame, file: str, sheet: str = "") -> list[QualityRow]:
    """Values no real firm can have: negative amounts, zero employees with value added."""
    out = []
    for col in ("land_area", "electricity", "employees", "energy_tce", "water", "emissions"):
        if col in frame.columns:
            for row, v in frame.loc[frame[col] < 0, col].items():
                out.append(QualityRow(file, sheet, row_number(row), col, f"{v:g}",
                                      f"negative_{col}", "error",
                                      "kept; excluded by the scheme's rules"))
    if {"employees", "value_added"} <= set(frame.columns):
        mask = (frame["employees"] == 0) & (frame["value_added"] > 0)
        for row, v in frame.loc[mask, "value_added"].items():
            out.append(QualityRow(file, sheet, row_number(row), "employees", "0",
                                  "zero_employees_with_value_added", "error",
                                  f"kept; value added {v:g}"))
    return out


def check_plausibility(frame: pd.DataFrame, file: str, sheet: str = "",
                       bounds: Mapping[str, tuple[str, str | None, float | None, float | None]]
                       | None = None) -> list[QualityRow]:
    """Flag (never drop) values or ratios outside configurable bounds; see DEFAULT_BOUNDS."""
    out = []
    for rule, (num, den, lo, hi) in (DEFAULT_BOUNDS if bounds is None else bounds).items():
        if num not in frame.columns or (den is not None and den not in frame.columns):
            continue
        value = frame[num] if den is None else frame[num] / frame[den].where(frame[den] > 0)
        flag = pd.Series(False, index=frame.index)
        if lo is not None:
            flag |= value < lo
        if hi is not None:
            flag |= value > hi
        for row, v in value[flag].items():
            out.append(QualityRow(file, sheet, row_number(row), num, f"{v:g}",
                                  f"implausible_{rule}", "warning",
                                  f"flagged, kept; bounds [{lo}, {hi}]"))
    return out


def write_quality_workbook(rows: Iterable[QualityRow], path: str | Path,
                           sheets: Mapping[str, pd.DataFrame] | None = None) -> Path:
    """Sheet 质量报告, entirely in Chinese (rules, severities and actions through
    `tiangong.intake.report_zh`), then each of `sheets` (e.g. 对账, the reconciliation) as a
    plain table. Widths are set by hand because XlsxWriter's autofit under-sizes Chinese
    text; the workbook is built in memory with a fixed creation stamp, so the same rows give
    the same bytes."""
    import xlsxwriter

    path = Path(path)
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False,
                                      "strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"author": "tiangong", "created": WORKBOOK_CREATED})
    ws = wb.add_worksheet("质量报告")
    bold = wb.add_format({"bold": True})
    widths = (30, 12, 8, 16, 24, 34, 10, 44)
    for c, (head, width) in enumerate(zip(HEADERS_ZH, widths, strict=True)):
        ws.write(0, c, head, bold)
        ws.set_column(c, c, width)
    n = 0
    write_string, write_number = ws.write_string, ws.write_number
    for n, row in enumerate(rows, start=1):
        for c, v in enumerate((row.file, row.sheet, row.row, row.column, row.value,
                               rule_zh(row.rule), SEVERITY_ZH.get(row.severity, row.severity),
                               action_zh(row.rule, row.action))):
            if v is None or v == "":
                continue
            write_number(n, c, v) if isinstance(v, int) else write_string(n, c, str(v))
    ws.autofilter(0, 0, max(n, 1), len(fields(QualityRow)) - 1)
    ws.freeze_panes(1, 0)
    for name, frame in (sheets or {}).items():
        _table_sheet(wb, name, frame, bold)
    wb.close()
    path.write_bytes(buffer.getvalue())
    return path


WORKBOOK_CREATED = datetime(2000, 1, 1, tzinfo=UTC)


def _table_sheet(wb: Any, name: str, frame: pd.DataFrame, bold: Any) -> None:
    """A DataFrame as a sheet: header row, numbers as numbers, missing values as empty cells."""
    ws = wb.add_worksheet(name)
    for c, head in enumerate(frame.columns):
        ws.write_string(0, c, str(head), bold)
        ws.set_column(c, c, 12 if c else 30)
    for r, values in enumerate(frame.itertuples(index=False, name=None), start=1):
        for c, v in enumerate(values):
            if v is None or v is pd.NA or v == "" or (isinstance(v, float) and math.isnan(v)):
                continue
            if isinstance(v, (bool, np.bool_)):
                ws.write_boolean(r, c, bool(v))
            elif isinstance(v, (int, float, np.integer, np.floating)):
                ws.write_number(r, c, float(v))
            else:
                ws.write_string(r, c, str(v))
    ws.freeze_panes(1, 0)
