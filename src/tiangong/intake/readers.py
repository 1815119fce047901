"""Read departmental exports (xlsx/xls, CSV, Parquet) into a grid of text cells.

Every cell is read as text: parsing numbers, dates and IDs happens later and reports problems per
cell, and an ID read as a number has already lost its leading zeros. Each kept row carries the
row number the user sees in Excel or a text editor (1-based, title and header rows counted), so
a quality report can send them to the exact line. Rows that are not data (blank lines, 合计 /
小计 totals, footnotes) are returned as `excluded` with a reason, never dropped silently.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tiangong.errors import DataError, Problem
from tiangong.intake.headers import (
    SOURCES,
    all_synonyms,
    known_headers,
    match_header,
    normalize_header,
    split_unit,
)

Grid = list[list[str | None]]

_HEADER_SEARCH_ROWS = 30
_FOOTNOTE = re.compile(
    r"^(注(?![\u4e00-\u9fff])|说明|备注|制表|数据来源|资料来源|填表|审核|负责人)")
_TOTAL = re.compile(r"^[^0-9A-Za-z]{0,12}?(合计|总计|小计)[^0-9A-Za-z]{0,12}$")


@dataclass(frozen=True)
class ExcludedRow:
    """A row that is in the file but is not an enterprise record."""

    row: int
    reason: str  # "blank" | "total" | "footnote"
    text: str


@dataclass
class RawTable:
    """Text cells of one sheet or file; `frame.index` holds the file's 1-based row numbers."""

    path: Path
    sheet: str | None
    encoding: str | None
    header_rows: tuple[int, ...]
    headers: list[str]
    frame: pd.DataFrame
    excluded: list[ExcludedRow] = field(default_factory=list)
    title: list[str] = field(default_factory=list)

    @property
    def row_numbers(self) -> list[int]:
        return [int(i) for i in self.frame.index]


def _cell(v: object) -> str | None:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return None
    s = str(v)
    return s if s.strip() else None


def _matches(cell: str | None, known: set[str]) -> bool:
    return cell is not None and split_unit(cell)[0] in known


def _combine(upper: list[str | None], lower: list[str | None]) -> list[str]:
    """Two header rows → "上级|下级"; a merged upper cell (only its first cell has text) is
    forward-filled over the columns that have a lower header."""
    out: list[str] = []
    last: str | None = None
    for up, low in zip(upper, lower, strict=True):
        if up is not None:
            last = up
        top = up if up is not None else (last if low is not None else None)
        parts = [normalize_header(p) for p in (top, low) if p is not None]
        out.append("|".join(dict.fromkeys(parts)))
    return out


def _find_header(grid: Grid, known: set[str]) -> tuple[int, int]:
    """(index of the first header row, number of header rows: 1 or 2); (-1, 0) if none.

    A header row is the first with ≥ 2 cells that are known synonyms; the next row continues the
    header when reading both together recognises more columns than either row alone (a two-row
    merged header; a title or blank row above a one-row header does not qualify).
    """
    count = [sum(_matches(c, known) for c in row) for row in grid[:_HEADER_SEARCH_ROWS + 1]]
    for r in range(min(len(grid), _HEADER_SEARCH_ROWS)):
        double = 0
        if r + 1 < len(grid):
            both = _combine(grid[r], grid[r + 1])
            double = sum(any(_matches(p, known) for p in h.split("|") if p) for h in both)
        if double >= 2 and double > count[r] and double > count[r + 1]:
            return r, 2
        if count[r] >= 2:
            return r, 1
    return -1, 0


def _dedupe(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, h in enumerate(headers):
        h = h or f"__col{i + 1}"
        seen[h] = seen.get(h, 0) + 1
        out.append(h if seen[h] == 1 else f"{h}#{seen[h]}")
    return out


def _classify(cells: list[str | None], ident: list[int]) -> str | None:
    filled = [c for c in cells if c is not None]
    if not filled:
        return "blank"
    if len(filled) == 1 and _FOOTNOTE.match(normalize_header(filled[0])):
        return "footnote"
    for i in ident:
        c = cells[i]
        if c is not None and _TOTAL.match(normalize_header(c)):
            return "total"
    return None


def _from_grid(grid: Grid, path: Path, sheet: str | None, encoding: str | None,
               source: str | None, first_row: int = 1, header_given: bool = False) -> RawTable:
    width = max((len(r) for r in grid), default=0)
    grid = [[_cell(v) for v in r] + [None] * (width - len(r)) for r in grid]
    known = all_synonyms(source) if source else known_headers()
    start, n = (0, 1) if header_given else _find_header(grid, known)
    if start < 0:
        seen = next(([c for c in r if c] for r in grid if any(r)), [])
        raise DataError([Problem(f"no header row found (first non-empty row: {seen})",
                                 source=str(path), field=sheet or "")])
    headers = (_combine(grid[start], grid[start + 1]) if n == 2
               else [normalize_header(c) for c in grid[start]])
    headers = _dedupe(headers)
    ident = [0] + [i for i, h in enumerate(headers)
                   if (spec := match_header(h, source or "registry")) and spec.name in
                   ("uscc", "name")]
    rows, numbers, excluded = [], [], []
    for offset, cells in enumerate(grid[start + n:]):
        number = first_row + start + n + offset
        reason = _classify(cells, ident)
        if reason is None:
            rows.append(cells)
            numbers.append(number)
        else:
            excluded.append(ExcludedRow(number, reason, " ".join(c for c in cells if c)))
    frame = pd.DataFrame(rows, columns=headers, index=pd.Index(numbers, name="row"), dtype=object)
    keep = [h for h in headers if not (h.startswith("__col") and frame[h].isna().all())]
    title = [" ".join(c for c in r if c) for r in grid[:start] if any(r)]
    header_rows = tuple(first_row + start + k for k in range(n)) if not header_given else ()
    table = RawTable(path, sheet, encoding, header_rows, keep, frame[keep], excluded, title)
    if source:
        _require(table, source)
    return table


def _require(table: RawTable, source: str) -> None:
    """Every required column of the source must be recognised; list what the file has."""
    found = {spec.name for h in table.headers if (spec := match_header(h, source))}
    missing = [s for s in SOURCES[source] if s.required and s.name not in found]
    if missing:
        wanted = "; ".join(f"{s.name} ({' / '.join(s.synonyms[:4])})" for s in missing)
        raise DataError([Problem(f"required column(s) not found: {wanted}; headers found: "
                                 f"{table.headers}", source=str(table.path),
                                 field=table.sheet or "")])


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


def _read_csv(path: Path, source: str | None) -> RawTable:
    data = path.read_bytes()
    enc = detect_encoding(data)
    text = data.decode(enc)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    grid: Grid = [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    return _from_grid(grid, path, None, enc, source)


def _read_excel(path: Path, source: str | None, sheet: str | int | None) -> RawTable:
    import fastexcel

    reader = fastexcel.read_excel(str(path))
    names = [sheet] if sheet is not None else list(reader.sheet_names)
    errors: list[DataError] = []
    for name in names:
        # skip_rows=0 keeps leading empty rows, so row i of the batch is Excel row i + 1.
        batch = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string",
                                  eager=True)
        df = batch.to_pandas().astype(object)
        grid: Grid = df.where(df.notna(), None).values.tolist()
        label = name if isinstance(name, str) else reader.sheet_names[name]
        try:
            return _from_grid(grid, path, label, None, source)
        except DataError as err:
            errors.append(err)
    raise DataError([p for e in errors for p in e.problems] or
                    [Problem("workbook has no sheets", source=str(path))])


def _read_parquet(path: Path, source: str | None) -> RawTable:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    df = table.to_pandas().astype("string").astype(object)
    grid: Grid = [list(table.column_names), *df.where(df.notna(), None).values.tolist()]
    return _from_grid(grid, path, None, None, source, first_row=0, header_given=True)


def read_table(path: str | Path, source: str | None = None,
               sheet: str | int | None = None) -> RawTable:
    """Read one departmental file as text cells (see the module docstring for what is done).

    `source` (a key of `SOURCES`) narrows header detection and makes missing required columns an
    error; `sheet` picks a worksheet, else the first sheet with a recognisable header is used.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if source is not None and source not in SOURCES:
        raise DataError(f"unknown source {source!r}; known: {sorted(SOURCES)}")
    if suffix in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"):
        return _read_excel(path, source, sheet)
    if suffix in (".csv", ".txt", ".tsv"):
        return _read_csv(path, source)
    if suffix == ".parquet":
        return _read_parquet(path, source)
    raise DataError([Problem(f"unsupported file type {suffix!r}", source=str(path))])
