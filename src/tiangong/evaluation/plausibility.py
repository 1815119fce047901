"""Input values checked before an evaluation: impossible ones refused, implausible ones held
back until the analyst accepts them, doubtful codes reported; never silently scored.

A canonical table may come from anywhere (an intake, a hand-edited CSV, an API). Left
unchecked, `inf` or 1e308 ended in a database conversion traceback, a land area of −5 亩 was
scored, 1e-9 亩 lifted a firm from C to A, and emissions of 1e-16 t moved 467 firms through the
group-mean imputation. The rules (documented in docs/data-format.md):

* **refused** (an error naming file, row and column): a value that is not finite, or whose
  magnitude is 1e15 or more in any unit; a negative value where the column cannot be negative
  (land, energy, electricity, emissions, water, employees, R&D, investment, revenue);
* **implausible** (refused unless the analyst accepts them, `accept_implausible=True` /
  `--accept-implausible`; then kept as warnings of the run): a land area above 0 and below
  0.01 亩 (6.7 m²); energy, electricity or emissions above 0 and below 1e-6 of their unit;
* **reported** (a warning of the run): a USCC whose check characters are wrong.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from tiangong.errors import DataError, Problem
from tiangong.evaluation import canonical
from tiangong.evaluation.sources import InputSet

HUGE = 1e15
TINY = {"land_area": 0.01, "energy_tce": 1e-6, "electricity": 1e-6, "emissions": 1e-6}
SHOWN = 10  # cells listed per rule; the rest are counted
ACCEPT = ("pass --accept-implausible (evaluate(..., accept_implausible=True)) to evaluate them "
          "as they are; they are then kept as warnings of the run")


@dataclass(frozen=True)
class Findings:
    errors: list[Problem]
    implausible: list[Problem]
    warnings: list[str]


def check_values(inputs: InputSet, years: list[int]) -> Findings:
    errors: list[Problem] = []
    implausible: list[Problem] = []
    warnings: list[str] = []
    for table in ("enterprises", "tenancies"):
        numeric = [c for c in canonical.TABLES[table] if c.numeric]
        for source, offset, data in _parts(inputs, table, [c.name for c in numeric], years):
            for col in numeric:
                if col.name not in data.column_names:
                    continue
                values = data.column(col.name).cast(pa.float64())
                finite = pc.is_finite(values)
                bad = pc.or_(pc.invert(finite), pc.greater_equal(pc.abs(values), HUGE))
                errors += _cells(data, bad, source, offset, col.name,
                                 f"{col.label} is not a usable number (infinite, not a number "
                                 f"or {HUGE:.0e} {col.unit} or more)")
                if not col.can_be_negative:
                    errors += _cells(data, pc.and_(finite, pc.less(values, 0)), source, offset,
                                     col.name, f"{col.label} cannot be negative")
                tiny = TINY.get(col.name) if table == "enterprises" else None
                if tiny is not None:
                    mask = pc.and_(pc.greater(values, 0), pc.less(values, tiny))
                    implausible += _cells(data, mask, source, offset, col.name,
                                          f"{col.label} above 0 but below {tiny:g} {col.unit} "
                                          "is implausible")
            if table == "enterprises" and "uscc" in data.column_names:
                warnings += _uscc_warnings(data, source)
    return Findings(errors, implausible, warnings)


def enforce(findings: Findings, accept_implausible: bool) -> list[str]:
    """Raise for refused values (and implausible ones not accepted); the run's warnings."""
    if findings.errors:
        raise DataError(findings.errors, "input values cannot be evaluated; correct them at "
                                         "the source and run again")
    if findings.implausible and not accept_implausible:
        raise DataError(findings.implausible, f"implausible input values; check them, or {ACCEPT}")
    accepted = [f"accepted implausible value: {p}" for p in findings.implausible]
    return accepted + findings.warnings


def _parts(inputs: InputSet, table: str, columns: list[str],
           years: list[int]) -> Iterator[tuple[str, int, pa.Table]]:
    """(source, row offset, rows of the evaluated years with their 1-based row numbers)."""
    wanted = ["uscc", "year", *columns]
    if table in inputs.tables:
        yield table, 0, _of_years(inputs.tables[table], wanted, years, first_row=1)
        return
    for path in inputs.files.get(table, []):
        data = _read(path, wanted)
        if data is not None:  # unreadable: the engine reports it, with line and column
            first = 2 if path.suffix.lower() == ".csv" else 1  # a CSV's line 1 is its header
            yield str(path), 0, _of_years(data, wanted, years, first_row=first)


def _read(path: Path, wanted: list[str]) -> pa.Table | None:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    try:
        if path.suffix.lower() == ".parquet":
            present = set(pq.read_schema(path).names)
            return pq.read_table(path, columns=[c for c in wanted if c in present])
        with pacsv.open_csv(path) as reader:
            present = set(reader.schema.names)
        return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
            include_columns=[c for c in wanted if c in present],
            column_types={c: pa.float64() for c in wanted[2:] if c in present}))
    except (OSError, pa.ArrowException):
        return None


def _of_years(data: pa.Table, wanted: list[str], years: list[int], first_row: int) -> pa.Table:
    data = data.select([c for c in wanted if c in data.column_names])
    rows = pa.array(range(first_row, first_row + data.num_rows), pa.int64())
    data = data.append_column("__row", rows)
    if "year" in data.column_names:
        data = data.filter(pc.is_in(data.column("year").cast(pa.int64()),
                                    pa.array(years, pa.int64())))
    return data


def _cells(data: pa.Table, mask: pa.ChunkedArray, source: str, offset: int, column: str,
           message: str) -> list[Problem]:
    hit = data.filter(pc.fill_null(mask, False))
    if hit.num_rows == 0:
        return []
    rows = hit.column("__row").to_pylist()
    values = hit.column(column).to_pylist()
    usccs = hit.column("uscc").to_pylist() if "uscc" in hit.column_names else [None] * len(rows)
    out = [Problem(f"{message}: {v!r}" + (f" ({u})" if u else ""), source, offset + r, column)
           for r, v, u in zip(rows[:SHOWN], values[:SHOWN], usccs[:SHOWN], strict=True)]
    if len(rows) > SHOWN:
        out.append(Problem(f"{message}: {len(rows) - SHOWN} more rows like these", source,
                           None, column))
    return out


def _uscc_warnings(data: pa.Table, source: str) -> list[str]:
    from tiangong.identity.uscc import is_valid_uscc

    codes = data.column("uscc").to_pylist()
    rows = data.column("__row").to_pylist()
    bad = [(r, c) for r, c in zip(rows, codes, strict=True) if c and not is_valid_uscc(str(c))]
    if not bad:
        return []
    shown = ", ".join(f"{c} (row {r})" for r, c in bad[:5])
    more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
    return [f"{source}: {len(bad)} USCCs fail their check characters (GB 32100-2015): "
            f"{shown}{more}"]
