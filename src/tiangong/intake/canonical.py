"""From a RawTable of text cells to canonical columns in canonical units, with a quality report.

This is the step where meaning is assigned: headers become canonical names, declared units are
converted with an explicit, recorded factor (用地面积(平方米) × 0.0015 → 亩), and each cell is
parsed by the column's kind. Everything that was changed, excluded or could not be read becomes
a `QualityRow`, so the analyst can audit the load without re-reading the source.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from tiangong.intake.headers import (
    CANONICAL_UNIT,
    UNITS,
    ColumnSpec,
    UnitSettings,
    match_header,
    split_unit,
    unit_factor,
)
from tiangong.intake.quality import (
    QualityRow,
    check_duplicates,
    check_impossible,
    check_plausibility,
    check_uscc,
)
from tiangong.intake.readers import RawTable, read_table
from tiangong.intake.values import CellProblem, normalize_ids, parse_dates, parse_numbers

_TITLE_UNIT = re.compile(r"单位[:：]\s*([^\s,，;；)）]+)")


@dataclass(frozen=True)
class Conversion:
    """A unit conversion applied to a whole column: canonical = value × factor."""

    column: str
    header: str
    unit: str
    canonical_unit: str
    factor: float
    declared_in: str  # "header" | "title"


@dataclass
class Intake:
    """One file loaded: canonical frame (index = file row numbers) and everything noted."""

    source: str
    raw: RawTable
    frame: pd.DataFrame
    conversions: list[Conversion] = field(default_factory=list)
    quality: list[QualityRow] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # canonical name → file header


def _header_unit(header: str) -> str | None:
    for part in reversed([p for p in header.split("|") if p]):
        unit = split_unit(part)[1]
        if unit is not None:
            return unit
    return None


def _title_unit(title: list[str]) -> str | None:
    for line in title:
        m = _TITLE_UNIT.search(line)
        if m and m.group(1).lower() in UNITS:
            return m.group(1)
    return None


def to_canonical(raw: RawTable, source: str,
                 settings: UnitSettings | None = None) -> Intake:
    """Map headers, convert units and parse cells; see the module docstring."""
    file, sheet = str(raw.path), raw.sheet or ""
    out = Intake(source, raw, pd.DataFrame(index=raw.frame.index))
    title_unit = _title_unit(raw.title)

    def note(p: CellProblem, column: str) -> None:
        out.quality.append(QualityRow(file, sheet, p.row, column, p.value, p.rule, p.severity,
                                      p.action))

    for ex in raw.excluded:
        if ex.reason != "blank":
            out.quality.append(QualityRow(file, sheet, ex.row, "", ex.text[:200],
                                          f"excluded_{ex.reason}", "info", "row not loaded"))
    seen = out.columns
    for header in raw.headers:
        spec = match_header(header, source)
        if spec is None:
            out.unmatched.append(header)
            continue
        if spec.name in seen:
            out.quality.append(QualityRow(file, sheet, None, header, "", "duplicate_column",
                                          "warning", f"ignored; {seen[spec.name]!r} used"))
            continue
        seen[spec.name] = header
        _load_column(out, spec, header, title_unit, settings, note)
    return out


def _load_column(out: Intake, spec: ColumnSpec, header: str, title_unit: str | None,
                 settings: UnitSettings | None,
                 add: Callable[[CellProblem, str], None]) -> None:
    cells = out.raw.frame[header]
    if spec.kind == "id":
        values, problems = normalize_ids(cells)
    elif spec.kind == "date":
        values, problems = parse_dates(cells)
    elif spec.kind == "number":
        unit, where = _header_unit(header), "header"
        if unit is None and title_unit is not None and spec.quantity is not None \
                and UNITS[title_unit.lower()][0] == spec.quantity:
            unit, where = title_unit, "title"
        try:
            factor = unit_factor(spec, unit, settings)
        except ValueError as err:
            out.quality.append(QualityRow(str(out.raw.path), out.raw.sheet or "", None, header,
                                          unit or "", "unknown_unit", "error",
                                          f"column not loaded: {err}"))
            out.frame[spec.name] = np.nan
            return
        values, problems = parse_numbers(cells, unit)
        if unit is not None and spec.quantity is not None:
            out.conversions.append(Conversion(spec.name, header, unit,
                                              CANONICAL_UNIT[spec.quantity], factor, where))
            values = values * factor
    else:
        values = cells.astype("string").str.strip().astype(object)
        values = values.where(values.notna() & (values != ""), None)
        problems = []
    for p in problems:
        add(p, header)
    out.frame[spec.name] = values


def load(path: str | Path, source: str, sheet: str | int | None = None,
         settings: UnitSettings | None = None,
         bounds: Mapping[str, tuple[str, str | None, float | None, float | None]] | None = None,
         duplicate_keys: tuple[str, ...] = ("uscc",)) -> Intake:
    """Read, canonicalise and check one departmental file: the whole intake of one file."""
    intake = to_canonical(read_table(path, source, sheet), source, settings)
    file, sheet_name, frame = str(intake.raw.path), intake.raw.sheet or "", intake.frame
    if "uscc" in frame.columns:
        header = intake.columns["uscc"]
        raw = intake.raw.frame[[header]].rename(columns={header: "uscc"})
        intake.quality += [replace(q, column=header) for q in check_uscc(raw, file, sheet_name)]
    intake.quality += check_duplicates(frame, file, sheet_name, duplicate_keys)
    intake.quality += check_impossible(frame, file, sheet_name)
    intake.quality += check_plausibility(frame, file, sheet_name, bounds)
    return intake
