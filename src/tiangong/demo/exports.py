"""Departmental exports of one data year as a county receives them, with the truth kept aside.

`write_exports` turns the canonical demo tables into the files the departments send (名录
xlsx, tax CSV in GBK, electricity xlsx by 户号, land parcels xlsx, the 规上 statistics report
with a two-row merged header, environment CSV with a BOM, events xlsx with their levels, and
the tenancy list 出租方 / 承租方 in 平方米), with the mess
real exports have (title rows, 合计 rows, blank lines, footnotes, numbers as text, full-width
digits, missing / mistyped / old-style codes, name variants) at the rates in
`tiangong.demo.export_quirks`. `out_dir/_truth/` keeps, for every data row (file, sheet, row as
seen in the file), the true USCC and the quirks applied, and the canonical totals per
enterprise, so intake accuracy and reconciliation can be measured; `_truth/ledger.parquet`
says, for every physical row of every file (title, header, blank, 合计 and note rows included),
what intake's row-level ledger must record: used for which firm, or excluded / quarantined and
why (with `variation`, sheets also carry rows to be set aside: `tiangong.demo.export_noise`).
Deterministic per seed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from tiangong.demo import export_noise as noise
from tiangong.demo import export_sources as src
from tiangong.demo.export_relations import tenancy
from tiangong.demo.export_variation import vary
from tiangong.demo.export_writers import Layout, Sheet, layout, write_book, write_csv

TRUTH_DIR = "_truth"
TOTAL_COLUMNS = ("eval_tax", "revenue", "land_area", "electricity", "emissions", "value_added",
                 "energy_tce", "employees", "rd_expense", "tech_invest", "water")


@dataclass(frozen=True)
class ExportFile:
    """One written file: where, what source, its units and its row counts."""

    path: Path
    source: str
    sheet: str | None  # worksheet name; None for CSV
    encoding: str | None  # CSV encoding; None for xlsx
    units: dict[str, str]  # canonical column → unit declared in the header
    header_rows: tuple[int, ...]  # 1-based file rows of the header
    data_rows: int  # enterprise records
    excluded_rows: int  # rows after the header that are not records (blank, 合计, notes)
    seconds: float


@dataclass(frozen=True)
class ExportManifest:
    out_dir: Path
    seed: int
    year: int
    files: tuple[ExportFile, ...]
    truth_rows: Path  # parquet: file, sheet, row, source, uscc, code_written, quirks
    truth_totals: Path  # parquet: canonical totals per enterprise
    truth_ledger: Path  # parquet: file, sheet, row, status, reason, uscc of every physical row
    seconds: float

    @property
    def rows(self) -> int:
        return sum(f.data_rows for f in self.files)

    def by_source(self, source: str) -> list[ExportFile]:
        return [f for f in self.files if f.source == source]


def _frame(table: pa.Table | pd.DataFrame) -> pd.DataFrame:
    return table if isinstance(table, pd.DataFrame) else table.to_pandas()


def write_exports(tables: dict[str, pa.Table], out_dir: str | Path, seed: int, year: int,
                  environment_layout: str | None = None,
                  variation: bool = False) -> ExportManifest:
    """Write the departmental files of `year` into `out_dir` and the truth into `_truth/`.

    tables: the output of `tiangong.demo.generate` (enterprises, events and tenancies).
    environment_layout: "rows" (one row per pollutant) or "columns" (a column per pollutant
    plus 排放总量); None picks one from the seed.
    variation: exports as an unseen county sends them, varied per seed
    (`tiangong.demo.export_variation`): file names that say nothing or name another
    department, several sources in one workbook as Sheet1, Sheet2 … in shuffled order, monthly
    electricity one row per month or one column per month, tax in two of 元 / 千元 / 万元.
    """
    start = time.perf_counter()
    out = Path(out_dir)
    (out / TRUTH_DIR).mkdir(parents=True, exist_ok=True)
    ent = _frame(tables["enterprises"])
    ent = ent[ent["year"] == year].reset_index(drop=True)
    if ent.empty:
        raise ValueError(f"no enterprises in year {year}")
    ev = _frame(tables["events"]) if "events" in tables else pd.DataFrame(
        columns=["uscc", "year", "event_type", "event_date", "description"])
    ev = ev[ev["year"] == year]

    def rng(k: int) -> np.random.Generator:
        return np.random.default_rng([seed, year, k])

    if environment_layout is None:
        environment_layout = "columns" if rng(0).random() < 0.5 else "rows"
    if environment_layout not in ("rows", "columns"):
        raise ValueError("environment_layout must be 'rows' or 'columns'")
    wide = variation and rng(10).random() < 0.5
    elec_sheets, accounts = src.electricity(ent, rng(3), year, wide=wide)
    land_sheets, land_sums = src.land(ent, rng(4), year)
    tax_units = ("元", "千元", "万元") if variation else ("元", "万元")
    sheets: list[Sheet] = [*src.registry(ent, rng(1), year),
                           *src.tax(ent, rng(2), year, tax_units),
                           *elec_sheets, *land_sheets, *src.statistics(ent, rng(5), year),
                           *src.environment(ent, rng(6), year, environment_layout == "columns"),
                           *src.events(ent, ev, rng(7), year)]
    if "tenancies" in tables:
        sheets += tenancy(ent, _frame(tables["tenancies"]), rng(8), year)
    if variation:
        names = dict(zip(ent["uscc"], ent["name"], strict=True))
        sheets = [noise.land_uses(s, rng(20), names) if s.source == "land" else s
                  for s in sheets]
        sheets = [noise.duplicate_rows(s, rng(30 + k)) for k, s in enumerate(sheets)]
        sheets = vary(sheets, rng(11))
    files, truth, fates = [], [], []
    lays = [layout(sheet, rng(100 + k)) for k, sheet in enumerate(sheets)]
    books: dict[str, list[int]] = {}
    for k, sheet in enumerate(sheets):
        books.setdefault(sheet.filename, []).append(k)
    for k, sheet in enumerate(sheets):
        t0 = time.perf_counter()
        lay = lays[k]
        path = out / sheet.filename
        if sheet.encoding is not None:
            write_csv(sheet, lay, path)
        elif books[sheet.filename][0] == k:
            write_book([(sheets[i], lays[i]) for i in books[sheet.filename]], path)
        excluded = lay.last_row - lay.header_rows[-1] - sheet.n_rows
        files.append(ExportFile(path, sheet.source, None if sheet.encoding else sheet.sheet_name,
                                sheet.encoding, dict(sheet.units), lay.header_rows,
                                sheet.n_rows, excluded, time.perf_counter() - t0))
        expect = noise.expectations(sheet)
        record = expect == ""
        name = "" if sheet.encoding else sheet.sheet_name
        truth.append(pd.DataFrame({
            "file": sheet.filename, "sheet": name, "row": lay.data_rows, "source": sheet.source,
            "uscc": sheet.uscc, "code_written": sheet.columns[_code_column(sheet)],
            "code_quirk": sheet.code_quirk, "name_quirk": sheet.name_quirk,
            **sheet.extra_truth}).loc[record])
        fates.append(_fates(sheet, lay, expect))
    rows_path = out / TRUTH_DIR / "rows.parquet"
    rows = pd.concat(truth, ignore_index=True)
    for col in ("code_written", *sorted({c for s in sheets for c in s.extra_truth})):
        rows[col] = rows[col].astype("string")
    rows.reset_index(drop=True).to_parquet(rows_path, index=False)
    ledger_path = out / TRUTH_DIR / "ledger.parquet"
    pd.concat(fates, ignore_index=True).to_parquet(ledger_path, index=False)
    totals_path = out / TRUTH_DIR / "totals.parquet"
    _totals(ent, ev, accounts, land_sums).to_parquet(totals_path, index=False)
    return ExportManifest(out, seed, year, tuple(files), rows_path, totals_path, ledger_path,
                          time.perf_counter() - start)


def _fates(sheet: Sheet, lay: Layout, expect: np.ndarray) -> pd.DataFrame:
    """What the row-level ledger must say of every physical row of one sheet: title, blank,
    header, 合计 and notes rows excluded with intake's reason, each data row used for its firm
    or set aside with the reason its noise kind calls for (`tiangong.demo.export_noise`)."""
    n_title = len(sheet.title)
    rows = np.arange(1, lay.last_row + 1)
    reason = np.full(rows.size, "blank", dtype=object)
    reason[:n_title] = "title"
    reason[np.asarray(lay.header_rows) - 1] = "header"
    reason[lay.total_row - 1] = "total"
    reason[np.asarray(lay.footnote_rows, dtype=np.int64) - 1] = "footnote"
    reason[lay.data_rows - 1] = expect
    uscc = np.full(rows.size, None, dtype=object)
    used = lay.data_rows[expect == ""] - 1
    uscc[used] = sheet.uscc[expect == ""]
    status = np.where(reason == "", "used", np.where(
        reason == noise.INVALID_AREA, "quarantined", "excluded")).astype(object)
    return pd.DataFrame({"file": sheet.filename,
                         "sheet": "" if sheet.encoding else sheet.sheet_name, "row": rows,
                         "status": status,
                         "reason": np.where(reason == "", np.array(None, dtype=object), reason),
                         "uscc": uscc})


def _code_column(sheet: Sheet) -> int:
    header = sheet.header[0]
    names = ("统一社会信用代码", "纳税人识别号", "出租方统一社会信用代码")
    return next(i for i, h in enumerate(header) if h in names)


def _totals(ent: pd.DataFrame, ev: pd.DataFrame, accounts: pd.Series,
            land_sums: pd.DataFrame) -> pd.DataFrame:
    """Canonical values per enterprise (万元, 亩, 万kWh, 吨 …) plus what the files add up to."""
    out = ent[["uscc", "name", "size_class", "town_name", "industry_code",
               *TOTAL_COLUMNS]].copy()
    key = out["uscc"]
    out["accounts"] = key.map(accounts).fillna(0).astype(np.int64)
    out["parcels"] = key.map(land_sums["parcels"]).fillna(0).astype(np.int64)
    out["land_area_m2"] = key.map(land_sums["land_area_m2"])
    out["events"] = key.map(ev["uscc"].value_counts()).fillna(0).astype(np.int64)
    return out.reset_index(drop=True)
