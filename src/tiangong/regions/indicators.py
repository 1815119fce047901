"""Regional indicator tables from the statistics bureau: read, matched to regions, checked.

A province's ranking mixes what tiangong computes from enterprise data (a county's 亩均税收 from
sums) with figures only the bureau has (R&D intensity, investment growth, GDP per head). They
arrive as the bureau's own xlsx or CSV: a title row, GBK, numbers stored as text, units in the
headers ("研发经费投入强度(%)"), counties named rather than coded. The file is read with the
intake reader (text cells, file row numbers, 合计 and footnote rows set aside with a reason),
each row's region is matched against the divisions table (by code, or by exact name among the
units of the level joined), and every problem — unknown or ambiguous region, a region-year given
twice, a value that is not a number — is collected and raised together, naming file, row and
column, before anything is joined (`regions.join`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tiangong.errors import DataError, Problem, raise_if_any
from tiangong.intake import ExcludedRow, RawTable, detect_encoding, normalize_header, split_unit
from tiangong.intake.readers import Grid, _from_grid
from tiangong.intake.values import parse_numbers
from tiangong.regions.divisions import LEVELS, Regions
from tiangong.regions.matching import RegionMatcher, check_duplicates

# header spellings of the key columns (compared after NFKC, without spaces, lower case)
CODE_HEADERS = ("region_code", "code", "adcode", "区划代码", "行政区划代码", "统计用区划代码",
                "地区代码", "区域代码", "代码", "县区代码", "区县代码", "县(市、区)代码",
                "县(市区)代码", "乡镇代码", "乡镇(街道)代码", "乡镇街道代码", "城市代码")
NAME_HEADERS = ("region_name", "name", "区域名称", "地区名称", "区划名称", "名称", "区域", "地区",
                "县(市、区)", "县(市区)", "县市区", "县区", "乡镇(街道)", "乡镇街道", "乡镇",
                "设区市", "城市")
YEAR_HEADERS = ("year", "年度", "年份", "统计年度")
KEYS = ("region_code", "year")
_HEADER_SEARCH_ROWS = 30
_TOTAL = re.compile(r"^[^0-9A-Za-z]{0,12}?(合计|总计|小计)[^0-9A-Za-z]{0,12}$|^全(省|市|县|区)$")
_YEAR = re.compile(r"^(\d{4})(?:\.0+)?(?:年度?)?$")


@dataclass(frozen=True)
class IndicatorTable:
    """One row per (region_code, year): region_name, then indicator (float) and text columns."""

    values: pd.DataFrame
    indicators: list[str]  # numeric columns, named by their header without the unit
    text_columns: list[str]  # columns holding no numbers (e.g. 所属市), kept as text
    headers: dict[str, str]  # column → header as written in the file (with its unit)
    units: dict[str, str]  # indicator → unit from its header, where one is given
    source: str
    rows: list[int]  # file row of each row of `values`
    excluded: list[ExcludedRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def column_letter(index: int) -> str:
    """0 → A, 26 → AA: the column as Excel shows it."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _keys(header: str) -> set[str]:
    """A header as compared with the aliases: whole, or without a unit ("县(市、区)" is both a
    header and, to `split_unit`, 县 in the unit 市、区)."""
    h = normalize_header(header).lower()
    return {h, split_unit(h)[0]}


def _load_grids(path: Path, sheet: str | int | None
                ) -> Iterator[tuple[Grid, str | None, str | None]]:
    """Every cell as text (or None), with the sheet name and the CSV encoding; a workbook
    yields `sheet`, or each of its sheets in turn (a cover sheet may come first)."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"):
        import fastexcel

        reader = fastexcel.read_excel(str(path))
        for name in [sheet] if sheet is not None else list(reader.sheet_names):
            # skip_rows=0 keeps leading empty rows, so row i of the batch is Excel row i + 1
            batch = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string",
                                      eager=True)
            df = batch.to_pandas().astype(object)
            label = name if isinstance(name, str) else reader.sheet_names[name]
            yield df.where(df.notna(), None).values.tolist(), label, None
        return
    if suffix in (".csv", ".txt", ".tsv"):
        data = path.read_bytes()
        try:
            encoding = detect_encoding(data)
        except UnicodeDecodeError:
            raise DataError([Problem("neither UTF-8 nor GBK text", str(path))]) from None
        text = data.decode(encoding)
        first = text.split("\n", 1)[0]
        delimiter = "\t" if first.count("\t") > first.count(",") else ","
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        yield [list(r) for r in rows], None, encoding
        return
    raise DataError([Problem(f"unsupported file type {suffix!r} (use xlsx, xls or CSV)",
                             str(path))])


def _header_row(grid: Grid) -> int:
    """Index of the first row naming a region code or name column; -1 if none."""
    wanted = {h.lower() for h in (*CODE_HEADERS, *NAME_HEADERS)}
    for r, row in enumerate(grid[:_HEADER_SEARCH_ROWS]):
        if any(c is not None and _keys(c) & wanted for c in row):
            return r
    return -1


def _pick(headers: Sequence[str], aliases: Sequence[str]) -> str | None:
    keys = {h: _keys(h) for h in headers}
    for alias in aliases:
        for h in headers:
            if alias.lower() in keys[h]:
                return h
    return None


def read_indicators(source: str | Path, regions: Regions, level: str, *,
                    year: int | None = None, sheet: str | int | None = None,
                    known_only: bool = True) -> IndicatorTable:
    """Read and check a regional indicator table (xlsx/xls/CSV, one row per region and year).

    regions: the divisions table the rows are matched against; level: the level of its units the
    rows must be (town, county or city). year: the year of every row when the file has no year
    column. known_only=False also accepts codes missing from `regions` that are well-formed
    codes of `level` (for code-derived division tables). Raises DataError with every problem.
    """
    label = str(source)
    if level not in LEVELS:
        raise DataError([Problem(f"indicator tables are joined at {', '.join(LEVELS[1:])} level, "
                                 f"not {level!r}", label, field="level")])
    sheet_ = _Sheet.read(Path(source), sheet)
    matcher = RegionMatcher(label, regions, level, known_only)
    out, frame, excluded = sheet_.keys(matcher, year)
    table = sheet_.columns(frame, out, matcher)
    raise_if_any(sorted(matcher.problems, key=lambda p: p.line or 0), DataError,
                 f"indicator table {label} has {len(matcher.problems)} problem(s)")
    names = regions.names()
    written = (frame[sheet_.name_col].map(_text) if sheet_.name_col
               else pd.Series(None, index=frame.index, dtype=object))
    out.insert(1, "region_name", pd.Series(
        [names.get(c, n) for c, n in zip(out["region_code"], written, strict=True)],
        index=out.index, dtype="string"))
    out["year"] = out["year"].astype("int64")
    order = out.assign(_row=[int(str(i)) for i in out.index]).sort_values(list(KEYS),
                                                                          kind="stable")
    rows = order.pop("_row").tolist()
    return IndicatorTable(order.reset_index(drop=True), *table, label, rows,
                          sorted(excluded, key=lambda e: e.row), matcher.notes)


@dataclass(frozen=True)
class _Sheet:
    """The text cells of the table below its header row, and which columns are the keys."""

    raw: RawTable
    header_cells: list[str]  # the header row as in the file, normalised, every column
    header_row: int  # 1-based row of the header in the file
    code_col: str | None
    name_col: str | None
    year_col: str | None

    @classmethod
    def read(cls, path: Path, sheet: str | int | None) -> _Sheet:
        if not path.is_file():
            raise DataError([Problem("indicator table not found", str(path))])
        empty: tuple[Grid, str | None, str | None] = ([], None, None)
        grid, sheet_name, encoding = next(
            (loaded for loaded in _load_grids(path, sheet) if _header_row(loaded[0]) >= 0), empty)
        start = _header_row(grid)
        if start < 0:
            raise DataError([Problem(f"no header row naming the region found in the first "
                                     f"{_HEADER_SEARCH_ROWS} rows; name a column "
                                     f"{' / '.join(CODE_HEADERS[:6])} or "
                                     f"{' / '.join(NAME_HEADERS[:4])}", str(path))])
        # the intake reader does the rest: row numbers, blank / 合计 / footnote rows set aside
        raw = _from_grid(grid[start:], path, sheet_name, encoding, None, first_row=start + 1,
                         header_given=True)
        return cls(raw, [normalize_header(c) for c in grid[start]], start + 1,
                   _pick(raw.headers, CODE_HEADERS), _pick(raw.headers, NAME_HEADERS),
                   _pick(raw.headers, YEAR_HEADERS))

    def letter(self, header: str) -> str:
        """The spreadsheet column letter of a (possibly "#2"-deduplicated) header."""
        base, _, n = header.partition("#")
        hits = [i for i, h in enumerate(self.header_cells) if h == base] or [0]
        return column_letter(hits[min(int(n or 1), len(hits)) - 1])

    def keys(self, matcher: RegionMatcher, year: int | None
             ) -> tuple[pd.DataFrame, pd.DataFrame, list[ExcludedRow]]:
        """(region_code, year) of every unit row; the rows kept; the rows set aside."""
        frame, excluded = self.raw.frame, list(self.raw.excluded)
        ident = [c for c in (self.code_col, self.name_col) if c]
        totals = frame[ident].apply(lambda s: s.fillna("").map(normalize_header)
                                    .str.fullmatch(_TOTAL)).any(axis=1)
        excluded += [ExcludedRow(int(r), "total", " ".join(
            str(v) for v in frame.loc[r] if v is not None)) for r in frame.index[totals]]
        frame = frame[~totals]
        if self.year_col is None and year is None:
            matcher.problem(f"no year column ({' / '.join(YEAR_HEADERS)}); add one or give the "
                            "year of the table", self.header_row)
        columns = (self.code_col or "", self.name_col or "")
        codes = [matcher.region(int(str(r)),
                                _id(_text(cells.get(self.code_col)) if self.code_col else None),
                                _text(cells.get(self.name_col)) if self.name_col else None,
                                columns) for r, cells in frame.iterrows()]
        parent = frame.index.isin(list(matcher.parents))
        excluded += [ExcludedRow(r, "total", f"上级区域 {t}") for r, t in matcher.parents.items()]
        frame = frame[~parent]
        if frame.empty and not matcher.problems:
            matcher.problem(f"no row names a {matcher.level}", self.header_row)
        years = [year if self.year_col is None else self._year(r, c.get(self.year_col), matcher)
                 for r, c in frame.iterrows()]
        out = pd.DataFrame({"region_code": pd.array([c for c, p in zip(codes, parent, strict=True)
                                                     if not p], dtype="string"),
                            "year": pd.array(years, dtype="Int64")}, index=frame.index)
        check_duplicates(out, matcher, self.code_col or self.name_col or "")
        return out, frame, excluded

    def _year(self, row: object, cell: object, matcher: RegionMatcher) -> int | None:
        text = _text(cell)
        m = _YEAR.match(text or "")
        if m is None:
            matcher.problem(f"column {self.letter(self.year_col or '')}: year {text!r} is not a "
                            "year such as 2024", int(str(row)), self.year_col or "")
            return None
        return int(m.group(1))

    def columns(self, frame: pd.DataFrame, out: pd.DataFrame, matcher: RegionMatcher
                ) -> tuple[list[str], list[str], dict[str, str], dict[str, str]]:
        """Add every other column to `out`: numbers (indicators) or, if none is, text."""
        indicators: list[str] = []
        text_columns: list[str] = []
        units: dict[str, str] = {}
        headers: dict[str, str] = {}
        keys = {self.code_col, self.name_col, self.year_col}
        for header in self.raw.headers:
            if header in keys or header.startswith("__col"):
                continue
            letter = self.letter(header)
            base, unit = split_unit(header.partition("#")[0])
            if base in headers or "#" in header or base in ("region_code", "region_name", "year"):
                matcher.problem(f"column {letter}: {base} appears more than once",
                                self.header_row, header)
                continue
            headers[base] = header
            values, cell_problems = parse_numbers(frame[header], unit)
            text = frame[header].astype("string").str.strip()
            if values.notna().sum() == 0 and any(p.rule == "not_a_number" for p in cell_problems):
                text_columns.append(base)
                out[base] = text
                matcher.notes.append(f"column {letter} ({header}) holds no numbers; kept as "
                                     "text, not an indicator")
                continue
            out[base] = _percent(values, text, unit, matcher, letter, header, self.header_row)
            for p in cell_problems:
                if p.rule == "not_a_number":
                    matcher.problem(f"column {letter}: {p.value!r} is not a number", p.row,
                                    header)
                elif p.rule == "unit_text_in_cell":
                    matcher.problem(f"column {letter}: {p.value!r} carries a unit the header does "
                                    f"not ({unit or 'none'}); put the unit in the header", p.row,
                                    header)
            indicators.append(base)
            if unit:
                units[base] = unit
        return indicators, text_columns, headers, units


def _percent(values: pd.Series, text: pd.Series, unit: str | None, reader: RegionMatcher,
             letter: str, header: str, header_row: int) -> pd.Series:
    """"2.5%" is read as 0.025; under a "(%)" header it stays 2.5, like the bare "2.5" next
    to it. A column mixing "2.5%" and "2.5" with no unit is ambiguous and reported."""
    marked = text.str.endswith("%").fillna(False) & values.notna()
    if unit == "%":
        return values.where(~marked, values * 100.0)
    bare = values.notna() & ~marked
    if marked.any() and bare.any():
        reader.problem(f"column {letter}: some values end in % and others do not (rows "
                       f"{', '.join(str(int(str(i))) for i in text.index[bare][:5])} have no "
                       "%); write the unit once in the header, e.g. 指标(%)", header_row, header)
    return values


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    s = normalize_header(value)
    return s or None


def _id(value: str | None) -> str | None:
    """A code cell as text: "331003.0" (a code that went through a float) → "331003"."""
    if value is None:
        return None
    return re.sub(r"\.0+$", "", value.replace("-", "").upper())
