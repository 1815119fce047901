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
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from tiangong.errors import DataError, Problem
from tiangong.intake.columns import FileOptions
from tiangong.intake.headers import SOURCES
from tiangong.intake.html_tables import html_tables, looks_like_html
from tiangong.intake.sheet import (
    ExcludedRow,
    Grid,
    RawTable,
    from_columns,
    from_grid,
    grid_columns,
    text_column,
)

__all__ = ["EXCEL_SUFFIXES", "TEXT_SUFFIXES", "ExcludedRow", "Grid", "RawTable", "SheetCells",
           "detect_encoding", "read_sheets", "read_table", "sheet_table"]

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


@dataclass
class SheetCells:
    """Every cell of one sheet (a CSV file or an HTML table is one), as string columns with
    empty cells null; row i is the file's row `lines[i]` (CSV: the physical line a record
    starts on, which differs from i + 1 after a quoted line break) or i + 1."""

    name: str | None
    columns: list[pa.Array]
    encoding: str | None = None
    lines: np.ndarray | None = None

    @property
    def n_rows(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    def row_number(self, i: int) -> int:
        return int(self.lines[i]) if self.lines is not None else i + 1


def _decode(path: Path, data: bytes, encoding: str | None) -> tuple[str, str]:
    try:
        enc = encoding or detect_encoding(data)
        return data.decode(enc), enc
    except UnicodeDecodeError as err:
        what = (f"不是 {encoding} 编码的文本（第 {err.start} 字节：{err.reason}），请检查清单中的 "
                "encoding") if encoding else "既不是 UTF-8 也不是 GBK/GB18030 编码的文本，无法读取"
        raise DataError([Problem(what, str(path))]) from None


def _csv_sheets(path: Path, data: bytes, encoding: str | None) -> list[SheetCells]:
    text, enc = _decode(path, data, encoding)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    ends: list[int] = []
    for record in reader:
        rows.append(record)
        ends.append(reader.line_num)
    starts = np.r_[1, np.asarray(ends[:-1], dtype=np.int64) + 1] if ends else \
        np.empty(0, np.int64)
    lines = None if np.array_equal(starts, np.arange(1, len(rows) + 1)) else starts
    return [SheetCells(None, grid_columns(rows, text=True), enc, lines)]


def _excel_sheets(path: Path, sheet: str | int | None) -> list[SheetCells]:
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
    except Exception as err:  # calamine's errors are not one class; the message says why
        raise DataError([Problem(
            "无法作为 Excel 工作簿读取：文件已损坏、不完整（例如拷贝中断），或并不是 Excel 文件。"
            f"请用 Excel 打开确认后重新导出（技术信息：{err}）", str(path))]) from None
    names = list(reader.sheet_names)
    if (isinstance(sheet, str) and sheet not in names) or (
            isinstance(sheet, int) and not 0 <= sheet < len(names)):
        raise DataError([Problem(f"no sheet {sheet!r}; sheets: {names}", str(path),
                                 field=str(sheet))])
    wanted = names if sheet is None else [sheet if isinstance(sheet, str) else names[sheet]]
    out = []
    for name in wanted:
        # skip_rows=0 keeps leading empty rows, so row i of the batch is Excel row i + 1.
        try:
            batch = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string",
                                      eager=True)
            columns = [text_column(c) for c in batch.columns]
        except Exception as err:
            if "empty" in str(err).lower() or "no rows" in str(err).lower():
                columns = []
            else:
                raise DataError([Problem(f"工作表 {name} 无法读取：{err}", str(path),
                                         field=name)]) from None
        out.append(SheetCells(name, columns))
    return out


def read_sheets(path: str | Path, sheet: str | int | None = None,
                encoding: str | None = None) -> list[SheetCells]:
    """Every sheet of a file (or the one named), as text cells; a CSV is one sheet, an "xls"
    that is really an HTML table (as government systems export) one sheet per table.
    A 0-byte or corrupt file raises a DataError that says so in plain Chinese."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
    except OSError as err:
        raise DataError([Problem(f"文件无法打开：{err.strerror}", str(path))]) from None
    if size == 0:
        raise DataError([Problem("文件是空的（0 字节）：导出或拷贝可能没有完成，请重新导出或拷贝",
                                 str(path))])
    if suffix in EXCEL_SUFFIXES or suffix in (".htm", ".html"):
        with path.open("rb") as fh:
            start = fh.read(4096)
        if looks_like_html(start):
            tables, enc = html_tables(path.read_bytes(), encoding)
            if not tables:
                raise DataError([Problem("文件是网页（HTML）而不是 Excel 工作簿，且其中没有表格",
                                         str(path))])
            return [SheetCells(f"表{k + 1}", grid_columns(rows, text=False), enc)
                    for k, rows in enumerate(tables)]
        if suffix in (".htm", ".html"):
            raise DataError([Problem("不是 HTML 表格文件", str(path))])
        return _excel_sheets(path, sheet)
    if suffix in TEXT_SUFFIXES:
        return _csv_sheets(path, path.read_bytes(), encoding)
    if suffix == ".parquet":
        return [SheetCells(None, _parquet_columns(path))]
    raise DataError([Problem(f"unsupported file type {suffix!r}", source=str(path))])


def _parquet_columns(path: Path) -> list[pa.Array]:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    df = table.to_pandas().astype("string")
    return [text_column(pa.concat_arrays([pa.array([name], pa.large_string()),
                                          pa.array(df[name], pa.large_string())]))
            for name in table.column_names]


def sheet_table(cells: SheetCells, path: Path, source: str | None,
                options: FileOptions | None = None) -> RawTable:
    """The RawTable of one sheet: header found, non-data rows set aside (`from_columns`), rows
    numbered as the file's user sees them."""
    options = options or FileOptions()
    if path.suffix.lower() == ".parquet":
        return from_columns(cells.columns, path, None, None, source, first_row=0,
                            header_given=True, mapping=options.columns)
    table = from_columns(cells.columns, path, cells.name, cells.encoding, source,
                         mapping=options.columns)
    return table if cells.lines is None else _renumber(table, cells.lines)


def _renumber(table: RawTable, lines: np.ndarray) -> RawTable:
    """Record numbers → physical lines (a CSV record with a quoted line break spans two)."""
    def at(r: int) -> int:
        return int(lines[r - 1])

    return replace(table, index=pd.Index(lines[table.index.to_numpy() - 1], name="row"),
                   header_rows=tuple(at(r) for r in table.header_rows),
                   excluded=[replace(e, row=at(e.row)) for e in table.excluded],
                   above=[replace(e, row=at(e.row)) for e in table.above])


def read_table(path: str | Path, source: str | None = None, sheet: str | int | None = None,
               options: FileOptions | None = None) -> RawTable:
    """Read one departmental file as text cells (see the module docstring for what is done).

    `source` (a key of `SOURCES`) narrows header detection and makes missing required columns an
    error; `sheet` picks a worksheet (name or 0-based index), else the first sheet with a
    recognisable header is used; `options` (from a manifest) may also give the sheet, the CSV
    encoding and headers mapped to canonical columns.
    """
    path = Path(path)
    options = options or FileOptions()
    if sheet is not None:
        options = replace(options, sheet=sheet)
    if source is not None and source not in SOURCES:
        raise DataError(f"unknown source {source!r}; known: {sorted(SOURCES)}")
    errors: list[DataError] = []
    for cells in read_sheets(path, options.sheet, options.encoding):
        try:
            return sheet_table(cells, path, source, options)
        except DataError as err:
            errors.append(err)
    raise DataError([p for e in errors for p in e.problems] or
                    [Problem("workbook has no sheets", source=str(path))])
