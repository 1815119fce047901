"""Lay out one departmental sheet (title, header, data, blank lines, 合计, footnotes) and write
it as xlsx (xlsxwriter, constant-memory mode) or CSV (GBK or UTF-8 with BOM).

The layout is computed first, so the row number of every data row as a user sees it (1-based,
title and header counted) is known without reading the file back.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tiangong.demo.export_quirks import BLANK_LINE_RATE

Cell = str | float | int | None


@dataclass
class Sheet:
    """One file's content before layout: column-major cells and the truth per data row."""

    source: str
    filename: str
    title: list[str]
    header: list[list[str | None]]  # one or two rows
    columns: list[np.ndarray]  # object arrays of str / float / None, one per column
    uscc: np.ndarray  # true USCC per data row
    code_quirk: np.ndarray
    name_quirk: np.ndarray
    total: list[Cell]  # the 合计 row
    footnotes: list[str]
    units: dict[str, str] = field(default_factory=dict)
    merges: list[tuple[int, int, str]] = field(default_factory=list)  # upper row: c0, c1, text
    sheet_name: str = "Sheet1"
    encoding: str | None = None  # CSV only: "gbk" or "utf-8-sig"
    # more truth per data row (the tenant party of a tenancy file): column → values
    extra_truth: dict[str, np.ndarray] = field(default_factory=dict)
    # the ledger's expected reason per data row ("" = used; `tiangong.demo.export_noise`);
    # None: every data row is a record to be used
    expect: np.ndarray | None = None

    @property
    def n_rows(self) -> int:
        return int(self.uscc.size)


@dataclass(frozen=True)
class Layout:
    data_rows: np.ndarray  # 1-based file row of each data row
    blank_rows: np.ndarray  # blank lines between data rows
    total_row: int
    footnote_rows: tuple[int, ...]
    header_rows: tuple[int, ...]
    last_row: int


def layout(sheet: Sheet, rng: np.random.Generator) -> Layout:
    """Title lines, an optional blank line, header, data with blank lines, 合计, blank, notes."""
    row = len(sheet.title) + int(rng.random() < 0.5)
    header_rows = tuple(row + 1 + k for k in range(len(sheet.header)))
    row = header_rows[-1]
    n = sheet.n_rows
    k = int(rng.binomial(max(n - 1, 0), BLANK_LINE_RATE)) if n > 1 else 0
    before = np.sort(rng.choice(np.arange(1, n), k, replace=False)) if k else np.empty(0, int)
    shift = np.searchsorted(before, np.arange(n), side="right")
    data = row + 1 + np.arange(n) + shift
    blanks = row + before + np.arange(1, k + 1) if k else np.empty(0, dtype=np.int64)
    total = row + n + k + 1
    notes = tuple(total + 2 + i for i in range(len(sheet.footnotes)))
    return Layout(data.astype(np.int64), blanks.astype(np.int64), total, notes, header_rows,
                  notes[-1] if notes else total)


def write_xlsx(sheet: Sheet, lay: Layout, path: Path) -> None:
    write_book([(sheet, lay)], path)


def write_book(parts: list[tuple[Sheet, Layout]], path: Path) -> None:
    """Several sheets in one workbook, in the order given (a department's export with more
    than one source)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_urls": False,
                                         "strings_to_formulas": False,
                                         "strings_to_numbers": False})
    for sheet, lay in parts:
        _write_sheet(wb, sheet, lay)
    wb.close()


def _write_sheet(wb: Any, sheet: Sheet, lay: Layout) -> None:
    ws = wb.add_worksheet(sheet.sheet_name)
    bold = wb.add_format({"bold": True, "align": "center"})
    for i, text in enumerate(sheet.title):
        ws.write_string(i, 0, text, bold)
    for r, cells in zip(lay.header_rows, sheet.header, strict=True):
        merged = {c0: (c1, text) for upper, (c0, c1, text) in
                  ((r == lay.header_rows[0], m) for m in sheet.merges) if upper}
        c = 0
        while c < len(cells):
            if c in merged:
                c1, text = merged[c]
                ws.merge_range(r - 1, c, r - 1, c1, text, bold)
                c = c1 + 1
                continue
            if cells[c] is not None:
                ws.write_string(r - 1, c, str(cells[c]), bold)
            c += 1
    numbers = iter(lay.data_rows.tolist())
    for values in zip(*sheet.columns, strict=True):
        r = next(numbers)
        for c, v in enumerate(values):
            if v is None:
                continue
            if isinstance(v, str):
                ws.write_string(r - 1, c, v)
            else:
                ws.write_number(r - 1, c, v)
    for c, v in enumerate(sheet.total):
        if isinstance(v, str):
            ws.write_string(lay.total_row - 1, c, v)
        elif v is not None:
            ws.write_number(lay.total_row - 1, c, v)
    for r, text in zip(lay.footnote_rows, sheet.footnotes, strict=True):
        ws.write_string(r - 1, 0, text)


def _text(v: Cell) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v) if v != int(v) else str(int(v))
    return str(v)


def write_csv(sheet: Sheet, lay: Layout, path: Path) -> None:
    width = len(sheet.header[0])
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    rows: list[list[str]] = [[""] * 0 for _ in range(lay.last_row)]
    for i, text in enumerate(sheet.title):
        rows[i] = [text] + [""] * (width - 1)
    for r, cells in zip(lay.header_rows, sheet.header, strict=True):
        rows[r - 1] = [_text(c) for c in cells]
    for r, values in zip(lay.data_rows.tolist(), zip(*sheet.columns, strict=True), strict=True):
        rows[r - 1] = [_text(v) for v in values]
    rows[lay.total_row - 1] = [_text(v) for v in sheet.total]
    for r, text in zip(lay.footnote_rows, sheet.footnotes, strict=True):
        rows[r - 1] = [text]
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(sheet.encoding or "utf-8"))
