"""Regional aggregates of a run joined with an indicator table, and who was on one side only.

The joined table is what a composite index is built from (`tiangong index build --data`): one
row per region and year, the run's totals and ratios next to the bureau's figures. A region
that the run has and the file lacks (or the reverse: a county outside the run, a year the run
does not cover) must be visible, because the index silently ranks whoever is in the table; so
the join returns a report listing both sides, and the rows of the file that matched no region
of the run are either listed (left join) or kept with empty aggregates (outer join).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from tiangong.errors import DataError, Problem
from tiangong.regions.aggregate import aggregate_run
from tiangong.regions.divisions import Regions
from tiangong.regions.indicators import KEYS, IndicatorTable, read_indicators
from tiangong.regions.measures import column_labels, with_labels

if TYPE_CHECKING:
    from tiangong.runs.store import RunStore

How = Literal["left", "outer"]


@dataclass(frozen=True)
class JoinReport:
    """What matched, and the region-years found on one side only (year, code, name[, row])."""

    source: str
    how: How
    matched: int
    only_run: pd.DataFrame
    only_file: pd.DataFrame
    table: IndicatorTable

    def lines(self, limit: int = 20) -> list[str]:
        """Plain sentences for a terminal or a report; at most `limit` regions per list."""
        t = self.table
        out = [f"{self.source}: {len(t.values)} rows, {len(t.indicators)} indicator(s) "
               f"({', '.join(t.indicators)}); {self.matched} region-year(s) matched the run"]
        if len(self.only_run):
            out.append(f"{len(self.only_run)} region-year(s) of the run have no row in the "
                       f"table (kept, indicators empty): {_listing(self.only_run, limit)}")
        if len(self.only_file):
            fate = ("added with empty aggregates" if self.how == "outer"
                    else "not in the joined table")
            out.append(f"{len(self.only_file)} row(s) of the table match no region of the run "
                       f"({fate}): {_listing(self.only_file, limit)}")
        out += [f"row {e.row} set aside ({e.reason}): {e.text}" for e in t.excluded]
        out += t.notes
        return out


    def summary_zh(self) -> str:
        """One sentence in Chinese for the report page."""
        t = self.table
        return (f"指标表 {Path(self.source).name}:{len(t.values)} 行,{len(t.indicators)} 个指标"
                f"({'、'.join(t.indicators)}),与评价结果的 {self.matched} 个区域-年度对应。")

    def frame(self) -> pd.DataFrame:
        """Everything not matched, in Chinese (情况, 年度, 区划代码, 区域名称, 文件行号)."""
        fate = "已加入,汇总数为空" if self.how == "outer" else "未纳入汇总表"
        parts = [("评价结果中有、指标表中无(指标为空)", self.only_run.assign(row=None)),
                 (f"指标表中有、评价结果中无({fate})", self.only_file)]
        rows: list[tuple[Any, ...]] = [
            (what, r["year"], r["region_code"], r["region_name"], r["row"], None)
            for what, part in parts for r in part.to_dict("records")]
        rows += [("指标表中剔除的行(合计、上级区域、脚注等)", None, None, None, e.row, e.text)
                 for e in self.table.excluded]
        out = pd.DataFrame(rows, columns=["情况", "年度", "区划代码", "区域名称", "文件行号",
                                          "行内容"])
        return out.astype({"年度": "Int64", "文件行号": "Int64"})


def _listing(frame: pd.DataFrame, limit: int) -> str:
    items = []
    for r in frame.head(limit).to_dict("records"):
        where = f"row {r['row']} " if "row" in r and pd.notna(r["row"]) else ""
        name = r.get("region_name")
        items.append(f"{where}{r['year']} {r['region_code']}"
                     + (f" {name}" if isinstance(name, str) else ""))
    more = f" … and {len(frame) - limit} more" if len(frame) > limit else ""
    return "; ".join(items) + more


def join_indicators(aggregates: pd.DataFrame, table: IndicatorTable,
                    how: How = "left") -> tuple[pd.DataFrame, JoinReport]:
    """Aggregates (one row per year and region) with the table's columns, on code and year.

    how="left" keeps exactly the run's regions; "outer" also keeps the table's other rows with
    empty aggregates. A column name present on both sides is an error rather than a silent
    suffix: rename the column in the file.
    """
    clash = [c for c in (*table.indicators, *table.text_columns) if c in aggregates.columns]
    if clash:
        raise DataError([Problem(f"column {table.headers[c]!r} has the name of a column the run "
                                 "already gives; rename it in the file", table.source, field=c)
                         for c in clash])
    agg = aggregates.copy()
    agg["region_code"] = agg["region_code"].astype("string")
    agg["year"] = agg["year"].astype("int64")
    ind = table.values.copy()
    ind["row"] = table.rows
    counts = [c for c in agg.columns if pd.api.types.is_integer_dtype(agg[c]) and c != "year"]
    merged = agg.merge(ind.drop(columns=["region_name", "row"]), on=list(KEYS), how=how,
                       indicator=True, validate="one_to_one", sort=False)
    side = merged.pop("_merge")
    keys = ["year", "region_code", "region_name"]
    only_run = merged.loc[side == "left_only", keys].reset_index(drop=True)
    in_run = pd.MultiIndex.from_frame(agg[list(KEYS)])
    only_file = ind.loc[~pd.MultiIndex.from_frame(ind[list(KEYS)]).isin(in_run),
                        ["row", *keys]].reset_index(drop=True)
    if how == "outer":  # counts stay whole numbers where the table added empty rows
        merged = merged.astype({c: "Int64" for c in counts})
        names = ind.set_index(list(KEYS))["region_name"]
        missing = merged["region_name"].isna()
        keyed = pd.MultiIndex.from_frame(merged.loc[missing, list(KEYS)])
        merged.loc[missing, "region_name"] = names.reindex(keyed).to_numpy()
        if "level" in merged and agg["level"].notna().any():
            merged["level"] = merged["level"].fillna(agg["level"].dropna().iloc[0])
    merged = merged.sort_values(["year", "region_code"], kind="stable", na_position="last")
    report = JoinReport(table.source, how, int((side == "both").sum()), only_run, only_file,
                        table)
    return merged.reset_index(drop=True), report


def aggregate_with_indicators(store: RunStore, run_id: str, level: str, indicators: str | Path,
                              regions: Regions | None = None, *, year: int | None = None,
                              sheet: str | int | None = None, how: How = "left",
                              prior_run: str | None = None, **options: Any
                              ) -> tuple[pd.DataFrame, JoinReport]:
    """`aggregate_run` at `level`, then the indicator file read, checked and joined to it.

    Rows are matched against `regions` plus the run's own regions; without a divisions table,
    well-formed codes of `level` outside the run are accepted (and reported as file-only).
    """
    table = aggregate_run(store, run_id, level, regions, prior_run, **options)
    seen = table.dropna(subset=["region_code"])
    names = {str(c): str(n) for c, n in zip(seen["region_code"], seen["region_name"],
                                            strict=True) if pd.notna(n)}
    base = regions if regions is not None else Regions.from_codes([])
    regs = base.with_codes(seen["region_code"].astype(str).tolist(), names)
    read = read_indicators(indicators, regs, level, year=year, sheet=sheet,
                           known_only=regions is not None)
    return join_indicators(table, read, how)


def describe_columns(frame: pd.DataFrame, report: JoinReport | None = None,
                     run_id: str = "") -> pd.DataFrame:
    """One row per column: identifier, Chinese label, unit and where it came from."""
    labels = column_labels(list(frame.columns))
    t = report.table if report is not None else None
    rows = []
    for c in map(str, frame.columns):
        if t is not None and c in t.headers:
            rows.append((c, t.headers[c], t.units.get(c, ""), t.source))
        else:
            rows.append((c, labels.get(c, c), "", f"run {run_id}".strip()))
    return pd.DataFrame(rows, columns=["列名", "中文名称", "单位", "来源"])


def write_table(frame: pd.DataFrame, path: Path, columns: pd.DataFrame | None = None, *,
                labels: bool = False, group_labels: dict[str, str] | None = None) -> Path:
    """Write .csv (UTF-8 with BOM), .parquet or .xlsx with the identifiers as the header row, so
    that `tiangong index build --data` reads it as is; the xlsx also gets a 列说明 sheet
    (`columns`). labels: Chinese headers instead (`with_labels`; sheet 汇总表), for people
    rather than for `index build`. Same table, same bytes: the workbook's creation date is fixed."""
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".csv", ".xlsx"):
        raise DataError([Problem(f"cannot write {suffix or 'a file without suffix'}; use .csv, "
                                 ".parquet or .xlsx", str(path))])
    path.parent.mkdir(parents=True, exist_ok=True)
    shown = with_labels(frame, group_labels) if labels else frame
    if suffix == ".parquet":
        shown.to_parquet(path, index=False)
    elif suffix == ".csv":
        shown.to_csv(path, index=False, encoding="utf-8-sig")
    else:
        _write_xlsx(shown, path, columns, _data_year(frame), "汇总表" if labels else "data")
    return path


def _data_year(frame: pd.DataFrame) -> int | None:
    """The latest year of the table (None without one), which dates the workbook."""
    years = pd.to_numeric(frame.get("year", pd.Series(dtype="float64")), errors="coerce")
    return int(years.max()) if years.notna().any() else None


def _write_xlsx(frame: pd.DataFrame, path: Path, columns: pd.DataFrame | None,
                year: int | None, sheet_name: str = "data") -> None:
    """The table on `sheet_name` (and `列说明` when given), built in memory with a fixed
    creation stamp (1 January after the data year) as the 公示 workbook is, so that a re-run
    gives the same bytes; written atomically."""
    from xlsxwriter.workbook import Workbook

    from tiangong.evaluation.outputs.layout import created_at, write_atomic

    buffer = io.BytesIO()
    book = Workbook(buffer, {"in_memory": True, "strings_to_numbers": False,
                             "strings_to_urls": False, "nan_inf_to_errors": True})
    book.set_properties({"author": "tiangong",
                         "created": created_at(year if year is not None else 1999)})
    for name, sheet_frame in ((sheet_name, frame), ("列说明", columns)):
        if sheet_frame is None:
            continue
        sheet = book.add_worksheet(name)
        for j, col in enumerate(sheet_frame.columns):
            sheet.write_string(0, j, str(col))
            for i, value in enumerate(sheet_frame[col].tolist(), start=1):
                if value is None or value is pd.NA or (isinstance(value, float)
                                                       and value != value):
                    continue
                if isinstance(value, bool):
                    sheet.write_boolean(i, j, value)
                elif not isinstance(value, int | float):
                    sheet.write_string(i, j, str(value))
                else:
                    sheet.write_number(i, j, float(value))
    book.close()
    write_atomic(path, buffer.getvalue())
