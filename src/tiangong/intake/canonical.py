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

from tiangong.errors import DataError, Problem
from tiangong.intake.columns import FileOptions, column_spec, is_mapped, resolve_header
from tiangong.intake.headers import (
    CANONICAL_UNIT,
    UNITS,
    ColumnSpec,
    UnitSettings,
    normalize_header,
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
    header = re.sub(r"#\d+$", "", header)  # a repeated header, numbered by the reader
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
        if ex.reason in _EXCLUDED_RULES:
            rule, severity, action = _EXCLUDED_RULES[ex.reason]
            out.quality.append(QualityRow(file, sheet, ex.row, "", ex.text[:200], rule,
                                          severity, action))
    groups: dict[str, list[str]] = {}
    for header in sorted(raw.headers, key=lambda h: not is_mapped(h, options.columns)):
        spec = resolve_header(header, source, options.columns)
        if spec is None:
            out.unmatched.append(header)
            continue
        groups.setdefault(spec.name, []).append(header)
    problems: list[Problem] = []
    for name, headers in groups.items():
        spec = column_spec(source, name)
        unit = options.units.get(name)
        if len(headers) == 1:
            out.columns[name] = headers[0]
            _load_column(out, spec, headers[0], title_unit, settings, note, unit)
        elif all(_MONTH.match(split_unit(h.split("|")[-1])[0]) for h in headers) or (
                name in options.sums and all(is_mapped(h, options.columns) for h in headers)):
            _load_parts(out, spec, headers, title_unit, settings, note, unit)
        elif is_mapped(headers[0], options.columns):  # the analyst chose this one
            out.columns[name] = headers[0]
            _load_column(out, spec, headers[0], title_unit, settings, note, unit)
            for other in headers[1:]:
                out.quality.append(QualityRow(file, sheet, None, other, "", "duplicate_column",
                                              "warning", f"未读取：清单指定读取列 {headers[0]!r}"))
        else:
            problems += _same_meaning(out, spec, headers, title_unit, settings, note, unit)
    if problems:
        raise DataError(problems)
    out.conversions = list(dict.fromkeys(out.conversions))
    _check_totals(out)
    return out


_EXCLUDED_RULES = {
    "total": ("excluded_total", "info", "合计行：不作为企业记录读取，已与明细之和核对"),
    "footnote": ("excluded_footnote", "info", "注释行：不读取"),
    "duplicate": ("duplicate_row", "warning", "重复行（除序号外与前面一行完全相同）：不计入，"
                  "请与报送部门核实"),
}
_MONTH = re.compile(r"^(?:0?[1-9]|1[0-2]|[一二三四五六七八九十]|十[一二])月(?:份)?$")


def _load_parts(out: Intake, spec: ColumnSpec, headers: list[str], title_unit: str | None,
                settings: UnitSettings | None, add: Callable[[CellProblem, str], None],
                declared: str | None) -> None:
    """Monthly columns under one header (月度用电量 over 1月 … 12月): each read with its own unit,
    then added; an empty month counts as zero, a row with every month empty stays missing."""
    parts = []
    for k, header in enumerate(headers):
        _load_column(out, spec, header, title_unit, settings, add, declared, f"__part{k}")
        parts.append(out.frame.pop(f"__part{k}"))
    out.frame[spec.name] = pd.concat(parts, axis=1).sum(axis=1, min_count=1)
    out.columns[spec.name] = " + ".join(headers)


def _same_meaning(out: Intake, spec: ColumnSpec, headers: list[str], title_unit: str | None,
                  settings: UnitSettings | None, add: Callable[[CellProblem, str], None],
                  declared: str | None) -> list[Problem]:
    """Two columns that both read as one canonical column (two 实缴税金(元), or 实缴税金 and
    税收合计): identical values are one column read twice (the first is used, noted); different
    values are never resolved by position: the sheet is refused with a question to the analyst."""
    values = []
    for k, header in enumerate(headers):
        _load_column(out, spec, header, title_unit, settings, lambda p, c: None, declared,
                     f"__same{k}")
        values.append(out.frame.pop(f"__same{k}"))
    first = values[0]
    same = all(((v == first) | (v.isna() & first.isna())).all() for v in values[1:])
    if same:
        out.columns[spec.name] = headers[0]
        _load_column(out, spec, headers[0], title_unit, settings, add, declared)
        for other in headers[1:]:
            out.quality.append(QualityRow(str(out.raw.path), out.raw.sheet or "", None, other,
                                          "", "duplicate_column", "info",
                                          f"与 {headers[0]!r} 数值完全相同：只读取一次"))
        return []
    differ = int(sum(((v != first) & ~(v.isna() & first.isna())).sum() for v in values[1:]))
    names = "、".join(f"“{h}”" for h in headers)
    return [Problem(
        f"{names} 几列都表示 {spec.name}，但有 {differ} 行数值不同：intake 不会替您选择其中一列。"
        f"请在清单（--manifest）中为此文件写明读取哪一列，例如 columns: {{\"{headers[1]}\": "
        "null}（见 docs/intake-manifest.md）", str(out.raw.path), field=out.raw.sheet or "")]


def _check_totals(out: Intake) -> None:
    """A file's own 合计 / 总计 / 小计 row against the sum of the rows it covers (小计: the rows
    since the previous total; 合计 / 总计: every data row above it); a difference is reported
    (rows missing from the export, or a duplicate the department counted)."""
    raw, frame = out.raw, out.frame
    totals = [e for e in raw.excluded if e.reason == "total" and e.cells]
    if not totals or not raw.all_headers:
        return
    rows = frame.index.to_numpy()
    previous = 0
    for ex in sorted(totals, key=lambda e: e.row):
        label = normalize_header(next((c for c in ex.cells if c and "计" in c), ""))
        sub = "小计" in label
        covered = (rows < ex.row) & (rows > previous if sub else True)
        previous = ex.row
        for column, header in out.columns.items():
            conv = next((c for c in out.conversions if c.header == header), None)
            if header not in raw.all_headers or column not in frame or \
                    frame[column].dtype.kind != "f":
                continue
            cell = ex.cells[raw.all_headers.index(header)]
            if cell is None:
                continue
            value, problems = parse_numbers(pd.Series([cell], dtype=object),
                                            conv.unit if conv else None)
            if problems or pd.isna(value.iloc[0]):
                continue
            factor = conv.factor if conv else 1.0
            unit = conv.canonical_unit if conv else ""
            stated = float(value.iloc[0]) * factor
            summed = float(frame.loc[covered, column].sum())
            if abs(stated - summed) > 0.01 * factor + 1e-9 * abs(stated):
                out.quality.append(QualityRow(
                    str(raw.path), raw.sheet or "", ex.row, header, cell, "total_mismatch",
                    "warning", f"文件的{label}行为 {stated:,.4f} {unit}，明细之和为 "
                    f"{summed:,.4f} {unit}，相差 {stated - summed:,.4f}：请与报送"
                    "部门核实是否缺行或重复"))


def _load_column(out: Intake, spec: ColumnSpec, header: str, title_unit: str | None,
                 settings: UnitSettings | None, add: Callable[[CellProblem, str], None],
                 declared: str | None = None, target: str | None = None) -> None:
    target = target or spec.name
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
            out.frame[target] = np.nan
            return
        values, problems = parse_numbers(cells, unit)
        if unit is None and spec.quantity in _AMBIGUOUS:
            _ask_unit(out, spec, header, values)
        if unit is not None and spec.quantity is not None:
            out.conversions.append(Conversion(spec.name, header, unit,
                                              CANONICAL_UNIT[spec.quantity], factor, where))
            values = values * factor
    else:
        values, problems = per_distinct(_text_cells, cells)
    for p in problems:
        add(p, header)
    out.frame[target] = values


# quantity → (canonical unit, the smaller unit departments also use, median above which the
# values are far likelier in that smaller unit: a median firm paying 1 亿元 of tax, using 1 亿
# kWh, or holding 2,000 亩 is not a county's median firm)
_AMBIGUOUS = {"money": ("万元", "元", 1e4), "electricity": ("万千瓦时", "千瓦时", 1e4),
              "area": ("亩", "平方米", 2e3)}


def _ask_unit(out: Intake, spec: ColumnSpec, header: str, values: pd.Series) -> None:
    """No unit in the header, a unit row, the title or the manifest: the values are read in
    the canonical unit, and the analyst is asked, loudly when their size says otherwise."""
    canonical, smaller, limit = _AMBIGUOUS[str(spec.quantity)]
    median = float(values.abs().median()) if values.notna().any() else 0.0
    if median > limit:
        out.quality.append(QualityRow(
            str(out.raw.path), out.raw.sheet or "", None, header, f"中位数 {median:,.2f}",
            "unit_ambiguous", "error",
            f"未注明单位，按 {canonical} 读取，但数值中位数 {median:,.0f} 更像以 {smaller} 计："
            f"请在表头或清单 units 中写明单位（例如 units: {{{spec.name}: {smaller}}}）"))
    else:
        out.quality.append(QualityRow(
            str(out.raw.path), out.raw.sheet or "", None, header, "", "unit_not_stated",
            "warning", f"未注明单位，按 {canonical} 读取；如不是，请在清单 units 中写明"))


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
    raw = read_table(path, source, sheet, options)
    return checked(to_canonical(raw, source, settings, options), bounds, duplicate_keys)


def checked(intake: Intake,
            bounds: Mapping[str, tuple[str, str | None, float | None, float | None]] | None = None,
            duplicate_keys: tuple[str, ...] | None = None) -> Intake:
    """The checks of one loaded sheet (codes, duplicate keys, impossible and implausible
    values) added to its quality rows."""
    if duplicate_keys is None:
        duplicate_keys = DUPLICATE_KEYS.get(intake.source, ("uscc",))
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
