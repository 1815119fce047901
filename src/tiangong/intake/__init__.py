"""Departmental data intake: read messy exports, map headers, convert units, report quality.

Public surface: `read_table` (text cells + file row numbers), `to_canonical` / `load` (canonical
columns in canonical units with recorded conversions), the quality checks and
`write_quality_workbook`. Linking, aggregation and reconciliation are later stages.
"""

from tiangong.intake.canonical import Conversion, Intake, load, to_canonical
from tiangong.intake.headers import SOURCES, ColumnSpec, UnitSettings, normalize_header, split_unit
from tiangong.intake.quality import (
    DEFAULT_BOUNDS,
    QualityRow,
    check_duplicates,
    check_impossible,
    check_plausibility,
    check_uscc,
    write_quality_workbook,
)
from tiangong.intake.readers import ExcludedRow, RawTable, detect_encoding, read_table
from tiangong.intake.values import CellProblem, normalize_ids, parse_dates, parse_numbers

__all__ = [
    "DEFAULT_BOUNDS",
    "SOURCES",
    "CellProblem",
    "ColumnSpec",
    "Conversion",
    "ExcludedRow",
    "Intake",
    "QualityRow",
    "RawTable",
    "UnitSettings",
    "check_duplicates",
    "check_impossible",
    "check_plausibility",
    "check_uscc",
    "detect_encoding",
    "load",
    "normalize_header",
    "normalize_ids",
    "parse_dates",
    "parse_numbers",
    "read_table",
    "split_unit",
    "to_canonical",
    "write_quality_workbook",
]
