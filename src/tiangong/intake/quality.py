"""The quality report: one row per problem, and the checks that produce them.

A county analyst fixes departmental data in Excel, so every problem names the file, sheet, the
row number they see, the column, the value, the rule, its severity and what intake did about
it. Implausible values are flagged, never dropped: the scheme decides what is excluded, and a
firm with an extreme but real value must not vanish from the evaluation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import astuple, dataclass, fields
from pathlib import Path

import pandas as pd

from tiangong.identity import is_valid_org_code, is_valid_uscc, normalize_uscc, uscc_check_char
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


def check_uscc(frame: pd.DataFrame, file: str, sheet: str = "",
               column: str = "uscc") -> list[QualityRow]:
    """GB 32100 check and the embedded GB 11714 organisation-code check, after normalisation."""
    out = []
    for row, raw in frame[column].items():
        found = uscc_problem(None if pd.isna(raw) else str(raw))
        if found:
            rule, severity, action = found
            value = "" if pd.isna(raw) else str(raw)
            out.append(QualityRow(file, sheet, row_number(row), column, value, rule, severity,
                                  action))
    return out


def check_duplicates(frame: pd.DataFrame, file: str, sheet: str = "",
                     keys: tuple[str, ...] = ("uscc",)) -> list[QualityRow]:
    """Every occurrence after the first of the same key (e.g. uscc, or uscc + account)."""
    present = [k for k in keys if k in frame.columns]
    if not present:
        return []
    sub = frame.loc[frame[present].notna().all(axis=1), present]
    rows = pd.Series(sub.index, index=sub.index)
    first = rows.groupby([sub[k] for k in present]).transform("min")
    out = []
    for row, first_row in first[first != rows].items():
        out.append(QualityRow(file, sheet, row_number(row), "+".join(present),
                              "/".join(str(sub.at[row, k]) for k in present), "duplicate",
                              "warning", f"kept; first seen in row {int(first_row)}"))
    return out


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


def write_quality_workbook(rows: Iterable[QualityRow], path: str | Path) -> Path:
    """One sheet 质量报告 with Chinese headers; widths set by hand because XlsxWriter's autofit
    under-sizes Chinese text."""
    import xlsxwriter

    path = Path(path)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("质量报告")
    bold = wb.add_format({"bold": True})
    widths = (30, 12, 8, 16, 24, 34, 10, 44)
    for c, (head, width) in enumerate(zip(HEADERS_ZH, widths, strict=True)):
        ws.write(0, c, head, bold)
        ws.set_column(c, c, width)
    n = 0
    for n, row in enumerate(rows, start=1):
        for c, v in enumerate(astuple(row)):
            if v is None or v == "":
                continue
            ws.write_number(n, c, v) if isinstance(v, int) else ws.write_string(n, c, str(v))
    ws.autofilter(0, 0, max(n, 1), len(fields(QualityRow)) - 1)
    ws.freeze_panes(1, 0)
    wb.close()
    return path
