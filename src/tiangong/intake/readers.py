"""Read departmental exports (xlsx/xls, CSV, Parquet) into a sheet of text cells.

Every cell is read as text: parsing numbers, dates and IDs happens later and reports problems per
cell, and an ID read as a number has already lost its leading zeros. xlsx, xls (BIFF8), xlsb and
ods go through calamine (fastexcel) into Arrow columns; CSV is decoded as UTF-8 (with or without
BOM) or GB18030, detected, unless a manifest names the encoding. What a sheet's rows are (title,
header, data, 合计, footnotes) is decided in `tiangong.intake.sheet`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path

import pyarrow as pa

from tiangong.errors import DataError, Problem
from tiangong.intake.columns import FileOptions
from tiangong.intake.headers import SOURCES
from tiangong.intake.sheet import (
    ExcludedRow,
    Grid,
    RawTable,
    from_columns,
    from_grid,
    grid_columns,
    text_column,
)

__all__ = ["EXCEL_SUFFIXES", "TEXT_SUFFIXES", "ExcludedRow", "Grid", "RawTable",
           "detect_encoding", "read_table"]

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
_from_grid = from_grid  # the name regions.indicators imports


def _looks_misdecoded(text: str) -> bool:
    """Short GBK text can be valid UTF-8 ("统一" in GBK decodes as "ͳһ"): such text has more
    Latin-1/Greek/Cyrillic… (U+0080–U+07FF) characters than CJK ones."""
    odd = sum(0x80 <= ord(c) < 0x800 for c in text)
    return odd > 0 and odd > sum(0x3400 <= ord(c) < 0xA000 for c in text)


def detect_encoding(data: bytes) -> str:
    """utf-8-sig when a BOM is present, else utf-8, else gb18030 (a superset of GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        data.decode("gb18030")  # raises for files that are neither
        return "gb18030"
    if _looks_misdecoded(text):
        try:
            data.decode("gb18030")
        except UnicodeDecodeError:
            return "utf-8"
        return "gb18030"
    return "utf-8"


def _read_csv(path: Path, source: str | None, options: FileOptions) -> RawTable:
    data = path.read_bytes()
    try:
        enc = options.encoding or detect_encoding(data)
        text = data.decode(enc)
    except UnicodeDecodeError as err:
        what = f"not {options.encoding} text ({err.reason} at byte {err.start})" \
            if options.encoding else "neither UTF-8 nor GBK/GB18030 text"
        raise DataError([Problem(what, str(path))]) from None
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return from_columns(grid_columns(rows, text=True), path, None, enc, source,
                         mapping=options.columns)


def _read_excel(path: Path, source: str | None, options: FileOptions) -> RawTable:
    import fastexcel

    sheet = options.sheet

    try:
        reader = fastexcel.read_excel(str(path))
    except Exception as err:  # calamine's errors are not one class; the message says why
        raise DataError([Problem(f"not a readable workbook: {err}", str(path))]) from None
    names = [sheet] if sheet is not None else list(reader.sheet_names)
    if (isinstance(sheet, str) and sheet not in reader.sheet_names) or (
            isinstance(sheet, int) and not 0 <= sheet < len(reader.sheet_names)):
        raise DataError([Problem(f"no sheet {sheet!r}; sheets: {reader.sheet_names}",
                                 str(path), field=str(sheet))])
    errors: list[DataError] = []
    for name in names:
        # skip_rows=0 keeps leading empty rows, so row i of the batch is Excel row i + 1.
        batch = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string",
                                  eager=True)
        columns = [text_column(c) for c in batch.columns]
        label = name if isinstance(name, str) else reader.sheet_names[name]
        try:
            return from_columns(columns, path, label, None, source, mapping=options.columns)
        except DataError as err:
            errors.append(err)
    raise DataError([p for e in errors for p in e.problems] or
                    [Problem("workbook has no sheets", source=str(path))])


def _read_parquet(path: Path, source: str | None, options: FileOptions) -> RawTable:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    df = table.to_pandas().astype("string")
    columns = [text_column(pa.concat_arrays([pa.array([name], pa.large_string()),
                                              pa.array(df[name], pa.large_string())]))
               for name in table.column_names]
    return from_columns(columns, path, None, None, source, first_row=0, header_given=True,
                         mapping=options.columns)


def read_table(path: str | Path, source: str | None = None, sheet: str | int | None = None,
               options: FileOptions | None = None) -> RawTable:
    """Read one departmental file as text cells (see the module docstring for what is done).

    `source` (a key of `SOURCES`) narrows header detection and makes missing required columns an
    error; `sheet` picks a worksheet (name or 0-based index), else the first sheet with a
    recognisable header is used; `options` (from a manifest) may also give the sheet, the CSV
    encoding and headers mapped to canonical columns.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    options = options or FileOptions()
    if sheet is not None:
        options = replace(options, sheet=sheet)
    if source is not None and source not in SOURCES:
        raise DataError(f"unknown source {source!r}; known: {sorted(SOURCES)}")
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(path, source, options)
    if suffix in TEXT_SUFFIXES:
        return _read_csv(path, source, options)
    if suffix == ".parquet":
        return _read_parquet(path, source, options)
    raise DataError([Problem(f"unsupported file type {suffix!r}", source=str(path))])
