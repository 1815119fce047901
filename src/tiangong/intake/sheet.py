"""One sheet of text cells: find its header, set non-data rows aside, keep the rest.

Departments put a title above the header, merge two header rows, end with 合计 and footnotes and
leave blank lines. Cells arrive as Arrow string columns (a province sends millions) and rows are
classified column by column: only the header search (the first rows) and the rare candidate rows
(one filled cell, a 计 in an identifying column) are looked at in Python. Each kept row keeps the
row number the user sees (1-based, title and header counted); rows that are not data are
returned as `excluded` with a reason, never dropped silently. `RawTable.frame` (object cells,
None when empty) is built only when asked for.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tiangong.errors import DataError, Problem
from tiangong.intake.columns import is_mapped, mapping_keys, resolve_header
from tiangong.intake.headers import (
    SOURCES,
    all_synonyms,
    known_headers,
    normalize_header,
    split_unit,
)
from tiangong.intake.values import patterns

Grid = list[list[str | None]]

_HEADER_SEARCH_ROWS = 30
_FOOTNOTE = re.compile(
    r"^(注(?![\u4e00-\u9fff])|说明|备注|制表|数据来源|资料来源|填表|审核|负责人)")
_TOTAL = re.compile(r"^[^0-9A-Za-z]{0,12}?(合计|总计|小计)[^0-9A-Za-z]{0,12}$")
# A total row needs 计 in an identifying cell (no other character becomes 计 under NFKC), so
# only rows with one are checked against _TOTAL.
_TOTAL_MARK = "计"


@dataclass(frozen=True)
class ExcludedRow:
    """A row that is in the file but is not an enterprise record."""

    row: int
    reason: str  # "blank" | "total" | "footnote" | "duplicate" | "title" | "header"
    text: str
    cells: tuple[str | None, ...] = ()  # a total row's cells, for the cross-check


@dataclass
class RawTable:
    """Text cells of one sheet or file: one Arrow string column per header, and the file's
    1-based row number of each kept row (`index`)."""

    path: Path
    sheet: str | None
    encoding: str | None
    header_rows: tuple[int, ...]
    headers: list[str]
    columns: dict[str, pa.Array]
    index: pd.Index
    excluded: list[ExcludedRow] = field(default_factory=list)
    title: list[str] = field(default_factory=list)
    above: list[ExcludedRow] = field(default_factory=list)  # title, blank and header rows
    all_headers: list[str] = field(default_factory=list)  # every column, in file order
    _frame: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    @property
    def frame(self) -> pd.DataFrame:
        """The cells as an object DataFrame (str, or None when empty), index = file rows."""
        if self._frame is None:
            data = {i: self.columns[h].to_numpy(zero_copy_only=False)
                    for i, h in enumerate(self.headers)}
            frame = pd.DataFrame(data, index=self.index, dtype=object)
            frame.columns = pd.Index(self.headers)
            self._frame = frame
        return self._frame

    def text(self, header: str) -> pd.Series:
        """One column as a pandas "string" Series (Arrow-backed, no copy), index = file rows."""
        arr = pc.cast(self.columns[header], pa.large_string())
        return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([arr])),
                         index=self.index, name=header, copy=False)

    def __len__(self) -> int:
        return len(self.index)

    @property
    def row_numbers(self) -> list[int]:
        return [int(i) for i in self.index]


def _cell(v: object) -> str | None:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return None
    s = str(v)
    return s if s.strip() else None


def _matches(cell: str | None, known: set[str]) -> bool:
    return cell is not None and split_unit(cell)[0] in known


def combine_header(upper: list[str | None], lower: list[str | None]) -> list[str]:
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


def find_header(grid: Grid, known: set[str]) -> tuple[int, int]:
    """(index of the first header row, number of header rows: 1 or 2); (-1, 0) if none.

    A header row is the first with ≥ 2 cells that are known synonyms; the next row continues the
    header when reading both together recognises more columns than either row alone (a two-row
    merged header; a title or blank row above a one-row header does not qualify).
    """
    count = [sum(_matches(c, known) for c in row) for row in grid[:_HEADER_SEARCH_ROWS + 1]]
    for r in range(min(len(grid), _HEADER_SEARCH_ROWS)):
        double = 0
        if r + 1 < len(grid):
            both = combine_header(grid[r], grid[r + 1])
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
    """blank, footnote or total (合计 / 小计 / 总计 in any cell, wherever it stands, unless the
    identifying cells hold a firm: "小计食品有限公司" with its code is a firm); else None."""
    filled = [c for c in cells if c is not None]
    if not filled:
        return "blank"
    if len(filled) == 1 and _FOOTNOTE.match(normalize_header(filled[0])):
        return "footnote"
    for i, c in enumerate(cells):
        if c is not None and _TOTAL.match(normalize_header(c)):
            code = [cells[j] for j in ident[1:] if j != i and cells[j] is not None
                    and len(normalize_header(cells[j])) >= 9]
            if not code:
                return "total"
    return None


_UNIT_CELL = re.compile(r"^[(\[]?(?:单位[:：]?)?(?P<unit>[^()\[\]:：]+)[)\]]?$")
_COLUMN_NUMBER = re.compile(r"^(栏次|[甲乙丙丁戊己庚辛]|[0-9]{1,3})$")
_SEQUENCE = {"序号", "行号", "顺序号", "编号", "序", "no", "no."}


def _unit_row(cells: list[str | None]) -> list[str | None] | None:
    """The unit of each column when every filled cell of a row is a unit (万元, (吨), 单位：亩),
    else None: a unit row under the header."""
    from tiangong.intake.headers import UNITS

    out: list[str | None] = []
    for c in cells:
        if c is None:
            out.append(None)
            continue
        m = _UNIT_CELL.match(normalize_header(c))
        if not m or m.group("unit").lower() not in UNITS:
            return None
        out.append(m.group("unit"))
    return out if any(out) else None


def _column_numbers(cells: list[str | None]) -> bool:
    """A 栏次 row (甲 乙 1 2 3 …, or a cell 栏次): column labels, not data. The letters must come
    first and in order, the numbers after them consecutive from 1, at least three cells."""
    filled = [normalize_header(c) for c in cells if c is not None]
    if len(filled) < 3 or not all(_COLUMN_NUMBER.match(c) for c in filled):
        return False
    if "栏次" in filled:
        return True
    letters = [c for c in filled if not c.isdigit()]
    digits = filled[len(letters):]
    return "甲乙丙丁戊己庚辛".startswith("".join(letters)) and \
        digits == [str(k) for k in range(1, len(digits) + 1)]


def _duplicates(headers: list[str], data: list[pa.Array], rows: np.ndarray
                ) -> tuple[np.ndarray, dict[int, int]]:
    """Among `rows` (positions of data rows), those identical to an earlier one in every
    column but a running number (序号); returns them and, for each, the earlier row."""
    keys = [i for i, h in enumerate(headers)
            if split_unit(h.split("|")[-1])[0].lower() not in _SEQUENCE]
    if rows.size < 2 or not keys:
        return np.empty(0, dtype=np.int64), {}
    take = pa.array(rows)
    frame = pd.DataFrame({k: pd.arrays.ArrowStringArray(pa.chunked_array(
        [pc.cast(data[i].take(take), pa.large_string())])) for k, i in enumerate(keys)})
    dup = frame.duplicated(keep="first").to_numpy()
    if not dup.any():
        return np.empty(0, dtype=np.int64), {}
    involved = np.flatnonzero(frame.duplicated(keep=False).to_numpy())
    first: dict[tuple[object, ...], int] = {}
    earlier: dict[int, int] = {}
    for pos, cells in zip(involved.tolist(), _rows([data[i] for i in keys],
                                                 rows[involved]), strict=True):
        key = tuple(cells)
        if key in first:
            earlier[int(rows[pos])] = int(rows[first[key]])
        else:
            first[key] = pos
    return rows[dup], earlier


def text_column(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A string column with empty and whitespace-only cells set to null (`_cell` in bulk)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not pa.types.is_string(values.type):
        values = pc.cast(values, pa.string())
    blank = pc.fill_null(pc.match_substring_regex(values, patterns()["blank"]), False)
    return pc.if_else(blank, pa.scalar(None, pa.string()), values)


def grid_columns(grid: Grid | list[list[str]], text: bool = False) -> list[pa.Array]:
    """Rows of cells → string columns, short rows padded with nulls; `text`: every cell is
    already a str (CSV), so none needs converting."""
    columns = []
    for col in zip_longest(*grid):
        cells = col if text else [v if v is None or isinstance(v, str) else _cell(v)
                                  for v in col]
        columns.append(text_column(pa.array(cells, pa.string())))
    return columns


def _rows(columns: list[pa.Array], rows: np.ndarray) -> list[list[str | None]]:
    """The cells of the given rows, in Python (for the few rows looked at one by one)."""
    if not columns or rows.size == 0:
        return [[] for _ in range(rows.size)]
    taken = [c.take(pa.array(rows)).to_pylist() for c in columns]
    return [list(r) for r in zip(*taken, strict=True)]


def from_grid(grid: Grid, path: Path, sheet: str | None, encoding: str | None,
               source: str | None, first_row: int = 1, header_given: bool = False) -> RawTable:
    """`_from_columns` for cells given as rows (callers outside intake)."""
    return from_columns(grid_columns(grid), path, sheet, encoding, source, first_row,
                         header_given)


def from_columns(columns: list[pa.Array], path: Path, sheet: str | None,
                  encoding: str | None, source: str | None, first_row: int = 1,
                  header_given: bool = False,
                  mapping: Mapping[str, str | None] | None = None) -> RawTable:
    """Find the header, set blank / total / footnote rows aside, keep the rest as columns.

    `columns` are string columns with empty cells null (see `_text_column`); row i of them is
    file row `first_row + i`. `mapping`: a manifest's headers → canonical columns, which count
    as known headers and identify the code and name columns too.
    """
    n_rows = len(columns[0]) if columns else 0
    head: Grid = _rows(columns, np.arange(min(n_rows, _HEADER_SEARCH_ROWS + 1)))
    known = all_synonyms(source) if source else known_headers()
    if mapping:
        keys = [p for k in mapping_keys(mapping) for p in k.split("|") if p]
        known = known | set(keys) | {split_unit(k)[0] for k in keys}
    start, n = (0, 1) if header_given else find_header(head, known)
    filled = np.zeros(n_rows, dtype=np.int64)
    for c in columns:
        filled += c.is_valid().to_numpy(zero_copy_only=False)
    if start < 0:
        nonempty = np.flatnonzero(filled)
        seen = [c for c in _rows(columns, nonempty[:1])[0] if c] if nonempty.size else []
        raise DataError([Problem(f"no header row found (first non-empty row: {seen})",
                                 source=str(path), field=sheet or "")])
    headers = (combine_header(head[start], head[start + 1]) if n == 2
               else [normalize_header(c) for c in head[start]])
    above = [ExcludedRow(first_row + r, "title" if any(head[r]) else "blank",
                         " ".join(c for c in head[r] if c)) for r in range(start)]
    above += [ExcludedRow(first_row + start + k, "header", " ".join(
        c for c in head[start + k] if c)) for k in range(n)] if not header_given else []
    # a unit row or a 栏次 row right under the header: part of the header, not data
    while not header_given and start + n < len(head):
        cells = head[start + n]
        units = _unit_row(cells)
        if units is not None:
            headers = [h if u is None or split_unit(h.split("|")[-1])[1] else f"{h}({u})"
                       for h, u in zip_longest(headers, units[:len(headers)], fillvalue=None)
                       if h is not None]
            above.append(ExcludedRow(first_row + start + n, "unit_row",
                                     " ".join(c for c in cells if c)))
        elif _column_numbers(cells):
            above.append(ExcludedRow(first_row + start + n, "column_numbers",
                                     " ".join(c for c in cells if c)))
        else:
            break
        n += 1
    headers = _dedupe(headers)
    ident = [0] + [i for i, h in enumerate(headers)
                   if (spec := resolve_header(h, source or "registry", mapping)) and spec.name in
                   ("uscc", "name")]
    first_data = start + n
    data = [c.slice(first_data) for c in columns]
    count = filled[first_data:]
    candidate = count <= 1
    for c in data:
        mark = pc.match_substring(c, _TOTAL_MARK)
        candidate |= pc.fill_null(mark, False).to_numpy(zero_copy_only=False)
    reason = np.full(count.size, None, dtype=object)
    reason[count == 0] = "blank"
    check = np.flatnonzero(candidate & (count > 0))
    for row, cells in zip(check.tolist(), _rows(data, check), strict=True):
        reason[row] = _classify(cells, ident)
    dups, earlier = _duplicates(headers, data, np.flatnonzero(pd.isna(reason)))
    reason[dups] = "duplicate"
    out = np.flatnonzero(pd.notna(reason))
    texts = _rows(data, out)
    number0 = first_row + first_data
    excluded = [ExcludedRow(number0 + int(r), str(reason[r]),
                            (f"与第 {number0 + earlier[int(r)]} 行相同（序号除外）: "
                             if reason[r] == "duplicate" else "")
                            + " ".join(c for c in cells if c),
                            tuple(cells) if reason[r] == "total" else ())
                for r, cells in zip(out.tolist(), texts, strict=True)]
    keep_rows = pa.array(pd.isna(reason))
    kept = {h: c.filter(keep_rows) for h, c in zip(headers, data, strict=True)}
    keep = [h for h in headers
            if not (h.startswith("__col") and kept[h].null_count == len(kept[h]))]
    index = pd.Index(number0 + np.flatnonzero(pd.isna(reason)), name="row", dtype=np.int64)
    title = [" ".join(c for c in r if c) for r in head[:start] if any(r)]
    header_rows = tuple(first_row + start + k for k in range(n)) if not header_given else ()
    table = RawTable(path, sheet, encoding, header_rows, keep, {h: kept[h] for h in keep},
                     index, excluded, title, above, headers)
    if source:
        _require(table, source, mapping)
    return table


def _require(table: RawTable, source: str,
             mapping: Mapping[str, str | None] | None = None) -> None:
    """Every required column of the source must be recognised, and every header a manifest
    maps must be in the file; each problem lists the headers the file has."""
    found = {spec.name for h in table.headers if (spec := resolve_header(h, source, mapping))}
    missing = [s for s in SOURCES[source] if s.required and s.name not in found]
    problems = []
    if missing:
        wanted = "; ".join(f"{s.name} ({' / '.join(s.synonyms[:4])})" for s in missing)
        problems.append(Problem(f"required column(s) not found: {wanted}; headers found: "
                                f"{table.headers}", source=str(table.path),
                                field=table.sheet or ""))
    for key in mapping or {}:
        if not any(is_mapped(h, {key: None}) for h in table.headers):
            problems.append(Problem(f"the manifest maps header {key!r}, which this file does "
                                    f"not have; headers found: {table.headers}",
                                    source=str(table.path), field=table.sheet or ""))
    if problems:
        raise DataError(problems)
