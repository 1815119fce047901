"""From a RawTable of text cells to canonical columns in canonical units, with a quality report.

This is the step where meaning is assigned: headers become canonical names, declared units are
converted with an explicit, recorded factor (用地面积(平方米) × 0.0015 → 亩), and each cell is
parsed by the column's kind. Everything that was changed, excluded or could not be read becomes
a `QualityRow`, so the analyst can audit the load without re-reading the source.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from tiangong.errors import DataError
from tiangong.intake.columns import FileOptions, is_mapped, resolve_header
from tiangong.intake.headers import (
    CANONICAL_UNIT,
    UNITS,
    ColumnSpec,
    UnitSettings,
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
from tiangong.intake.values import (
    CellProblem,
    normalize_ids,
    parse_dates,
    parse_numbers,
    per_distinct,
)

# What identifies one record of a source, for the duplicate check: a firm has several 户号,
# 宗地, pollutants, months, events and tenants, so only a repeated combination is a duplicate.
DUPLICATE_KEYS: dict[str, tuple[str, ...]] = {
    "registry": ("uscc",), "tax": ("uscc",), "statistics": ("uscc",),
    "electricity": ("uscc", "account", "period"), "land": ("uscc", "parcel_no"),
    "environment": ("uscc", "pollutant"), "events": ("uscc", "event_type", "event_date"),
    "tenancy": ("uscc", "tenant_name"),
}
_TITLE_UNIT = re.compile(r"单位[:：]\s*([^\s,，;；)）]+)")


@dataclass(frozen=True)
class Conversion:
    """A unit conversion applied to a whole column: canonical = value × factor."""

    column: str
    header: str
    unit: str
    canonical_unit: str
    factor: float
    declared_in: str  # "header" | "title" | "manifest"


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


def to_canonical(raw: RawTable, source: str, settings: UnitSettings | None = None,
                 options: FileOptions | None = None) -> Intake:
    """Map headers, convert units and parse cells; see the module docstring. `options` (from a
    manifest) maps headers first (those headers win over synonyms) and declares units."""
    options = options or FileOptions()
    file, sheet = str(raw.path), raw.sheet or ""
    out = Intake(source, raw, pd.DataFrame(index=raw.index))
    title_unit = _title_unit(raw.title)

    def note(p: CellProblem, column: str) -> None:
        out.quality.append(QualityRow(file, sheet, p.row, column, p.value, p.rule, p.severity,
                                      p.action))

    for ex in raw.excluded:
        if ex.reason != "blank":
            out.quality.append(QualityRow(file, sheet, ex.row, "", ex.text[:200],
                                          f"excluded_{ex.reason}", "info", "row not loaded"))
    seen = out.columns
    for header in sorted(raw.headers, key=lambda h: not is_mapped(h, options.columns)):
        spec = resolve_header(header, source, options.columns)
        if spec is None:
            out.unmatched.append(header)
            continue
        if spec.name in seen:
            out.quality.append(QualityRow(file, sheet, None, header, "", "duplicate_column",
                                          "warning", f"ignored; {seen[spec.name]!r} used"))
            continue
        seen[spec.name] = header
        _load_column(out, spec, header, title_unit, settings, note, options.units.get(spec.name))
    return out


def _load_column(out: Intake, spec: ColumnSpec, header: str, title_unit: str | None,
                 settings: UnitSettings | None, add: Callable[[CellProblem, str], None],
                 declared: str | None = None) -> None:
    cells = out.raw.text(header)
    if spec.kind == "id":
        values, problems = per_distinct(normalize_ids, cells)
    elif spec.kind == "date":
        values, problems = per_distinct(parse_dates, cells)
    elif spec.kind == "number":
        unit, where = _header_unit(header), "header"
        if declared is not None:  # the manifest's word; a different header unit is reported
            if unit is not None and unit.lower() != declared.lower():
                out.quality.append(QualityRow(
                    str(out.raw.path), out.raw.sheet or "", None, header, unit,
                    "unit_from_manifest", "warning",
                    f"header says {unit}; the manifest's {declared} applied"))
            unit, where = declared, "manifest"
        elif unit is None and title_unit is not None and spec.quantity is not None \
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
        values, problems = per_distinct(_text_cells, cells)
    for p in problems:
        add(p, header)
    out.frame[spec.name] = values


def _text_cells(cells: pd.Series) -> tuple[pd.Series, list[CellProblem]]:
    """Text columns (names, towns): trimmed, None when empty."""
    values = cells.astype("string").str.strip().astype(object)
    return values.where(values.notna() & (values != ""), None), []


def load(path: str | Path, source: str, sheet: str | int | None = None,
         settings: UnitSettings | None = None,
         bounds: Mapping[str, tuple[str, str | None, float | None, float | None]] | None = None,
         duplicate_keys: tuple[str, ...] | None = None,
         options: FileOptions | None = None) -> Intake:
    """Read, canonicalise and check one departmental file: the whole intake of one file.

    duplicate_keys: the columns that identify a record (default: `DUPLICATE_KEYS` of the
    source, those the file has). options: a manifest's sheet, encoding, headers and units."""
    if duplicate_keys is None:
        duplicate_keys = DUPLICATE_KEYS.get(source, ("uscc",))
    raw = read_table(path, source, sheet, options)
    intake = to_canonical(raw, source, settings, options)
    file, sheet_name, frame = str(intake.raw.path), intake.raw.sheet or "", intake.frame
    if "uscc" in frame.columns:
        header = intake.columns["uscc"]
        cells = pd.DataFrame({header: intake.raw.text(header)})
        intake.quality += check_uscc(cells, file, sheet_name, column=header)
    intake.quality += check_duplicates(frame, file, sheet_name, duplicate_keys)
    intake.quality += check_impossible(frame, file, sheet_name)
    intake.quality += check_plausibility(frame, file, sheet_name, bounds)
    return intake


def load_many(jobs: Sequence[tuple[Path, str, FileOptions | None]],
              settings: UnitSettings | None = None,
              workers: int | None = None) -> list[Intake | DataError]:
    """`load` each (path, source, options), in `workers` threads (default: up to 2 or the CPU
    count); results in the order of `jobs`, a DataError in place of a file that failed.

    Threads pay off because calamine and Arrow's kernels release the GIL; the biggest files
    start first so the threads finish together. Each file is loaded exactly as alone."""
    def one(job: tuple[Path, str, FileOptions | None]) -> Intake | DataError:
        path, source, options = job
        try:
            return load(path, source, settings=settings, options=options)
        except DataError as err:
            return err

    n = workers if workers is not None else min(2, os.cpu_count() or 1)
    if n <= 1 or len(jobs) <= 1:
        return [one(job) for job in jobs]
    order = sorted(range(len(jobs)), key=lambda i: -Path(jobs[i][0]).stat().st_size)
    with ThreadPoolExecutor(max_workers=n) as pool:
        done = dict(zip(order, pool.map(one, [jobs[i] for i in order]), strict=True))
    return [done[i] for i in range(len(jobs))]
