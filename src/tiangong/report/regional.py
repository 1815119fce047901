"""The regional report: class mix per region, a map, and the table, as files and one HTML page.

What a county's 亩均办 or a province hands to its leaders: the A/B/C/D shares of each region as
bars, a choropleth of one measure (亩均税收 by default, or any imported indicator) on the
region's own boundary file, and the figures. Every chart is written as SVG (text stays text)
and PNG (for slides), and all of it in one HTML page that opens with no network. Regions left off
a chart — no boundary, no data, no rated enterprises — are listed on the page, not dropped.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from tiangong.errors import DataError, Problem
from tiangong.regions.measures import CLASSES, column_labels
from tiangong.report.boundaries import BoundaryMatch, load_boundaries, match_boundaries
from tiangong.report.charts import choropleth, class_share_chart
from tiangong.report.html import write_html_report
from tiangong.report.render import save_chart

if TYPE_CHECKING:
    from tiangong.regions.join import JoinReport

LEVEL_LABELS = {"town": "乡镇(街道)", "county": "县(市、区)", "city": "设区市", "province": "省"}
_TABLE_COLUMNS = ("region_code", "region_name", "n_enterprises", "n_evaluated",
                  *(f"n_{c}" for c in CLASSES), *(f"share_{c}" for c in CLASSES), "tax_per_mu",
                  "tax_per_mu_rank")


@dataclass(frozen=True)
class RegionsReport:
    """The files written, the year shown, and what the report says was left off a chart."""

    html: Path
    files: list[Path]
    year: int | None
    boundaries: BoundaryMatch | None
    lines: list[str] = field(default_factory=list)  # left-off regions and warnings, in words


def regions_report(table: pd.DataFrame, out_dir: str | Path, *, level: str = "county",
                   geojson: str | Path | None = None, code_property: str = "adcode",
                   name_property: str | None = "name", value_column: str = "tax_per_mu",
                   year: int | None = None, title: str | None = None,
                   value_label: str | None = None,
                   join: JoinReport | None = None,
                   class_labels: Mapping[str, str] | None = None) -> RegionsReport:
    """Write class_shares.svg/.png, map_<value>.svg/.png (with `geojson`) and
    regions_report.html for one year (`year`, or the latest) of an aggregate (or joined) table.

    value_label: the mapped value's name with its unit (default: its Chinese label); join: the
    report of the indicator join that made `table`, shown on the page; class_labels: the
    run's scheme's label per class code, for the legend.
    """
    out = Path(out_dir)
    rows, shown = _one_year(table, value_column, year)
    where = LEVEL_LABELS.get(level, level)
    lines: list[str] = []
    sections: list[tuple[str | None, object]] = []
    rated = rows["n_rated"].fillna(0) > 0 if "n_rated" in rows else rows["share_A"].notna()
    bars = class_share_chart(rows[rated], title=f"各{where}A/B/C/D类企业占比",
                             class_labels=class_labels)
    files = _save(bars, out / "class_shares", lines)
    sections.append((f"各{where}A/B/C/D类企业占比", bars))
    if (~rated).any():
        lines.append(f"{int((~rated).sum())} region(s) have no enterprise rated A–D and are not "
                     "in the class chart: " + "; ".join(_named(rows[~rated])))
        sections.append((None, "以下区域无A–D类企业,未列入类别图:" + "；".join(
            _named(rows[~rated]))))
    match = None
    if geojson is not None:
        data = load_boundaries(geojson, code_property)
        match = match_boundaries(rows, data["features"], code_property, name_property)
        lines += match.lines()
        label = value_label or column_labels([value_column])[value_column]
        picture = choropleth(rows, data, value_column, code_property, year=shown,
                             title=f"各{where}{label}", name_property=name_property, warn=False,
                             label=label)
        files += _save(picture, out / f"map_{value_column}", lines)
        sections += [(f"{label}地图", picture), (None, match.summary_zh())]
        mismatches = match.frame()
        blank = rows[rows["region_code"].isin(match.matched) & rows[value_column].isna()]
        if len(blank):
            lines.append(f"{len(blank)} region(s) on the map have no value of {label} and are "
                         "drawn grey: " + "; ".join(_named(blank)))
            mismatches = pd.concat([mismatches, pd.DataFrame({
                "情况": f"有边界、无{label}数值(灰色)", "区划代码": blank["region_code"],
                "区域名称": blank["region_name"]})], ignore_index=True)
        if len(mismatches):
            sections.append(("地图与数据未对应的区域", mismatches.set_index("情况")))
    if join is not None:
        sections += [("指标表与评价结果的对应", join.summary_zh())]
        if len(join.frame()):
            sections.append((None, join.frame().set_index("情况")))
    sections.append((f"{where}汇总表", _display(rows, value_column)))
    sections += [(None, f"提示:{line}") for line in lines if "font" in line]
    html = write_html_report(out / "regions_report.html",
                             title or f"各{where}亩均效益评价报告({shown}年)", sections)
    return RegionsReport(html, [*files, html], shown, match, lines)


def _one_year(table: pd.DataFrame, value_column: str, year: int | None
              ) -> tuple[pd.DataFrame, int | None]:
    """The rows of the year shown (`year`, else the latest), after checking the table."""
    if table.empty or "region_code" not in table.columns:
        raise DataError([Problem("the regional table is empty", "report")])
    if value_column not in table.columns:
        numeric = [c for c in table.columns if pd.api.types.is_numeric_dtype(table[c])
                   and c != "year"]
        raise DataError([Problem(f"no column {value_column!r} to map; numeric columns: "
                                 f"{', '.join(map(str, numeric))}", "report", field="value")])
    years = sorted(pd.to_numeric(table["year"]).dropna().astype(int).unique().tolist())
    shown = year if year is not None else (years[-1] if years else None)
    if shown is not None and shown not in years:
        raise DataError([Problem(f"no rows for {shown}; years in the table: "
                                 f"{', '.join(map(str, years))}", "report", field="year")])
    return (table[pd.to_numeric(table["year"]) == shown] if shown is not None else table), shown


def _save(chart: object, stem: Path, lines: list[str]) -> list[Path]:
    """SVG and PNG of one chart; a warning (e.g. no CJK font for the PNG) becomes a line."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        paths = [save_chart(chart, stem.with_suffix(s)) for s in (".svg", ".png")]
    lines += [f"{stem.name}: {w.message}" for w in caught]
    return paths


def _named(rows: pd.DataFrame) -> list[str]:
    return [f"{c} {n}" if isinstance(n, str) else str(c)
            for c, n in zip(rows["region_code"], rows.get("region_name", rows["region_code"]),
                            strict=True)]


def _display(rows: pd.DataFrame, value_column: str) -> pd.DataFrame:
    """The figures with Chinese headers; shares as percentages."""
    cols = [c for c in dict.fromkeys([*_TABLE_COLUMNS, value_column]) if c in rows.columns]
    shown = rows[cols].copy()
    for c in CLASSES:
        if f"share_{c}" in shown:
            shown[f"share_{c}"] = shown[f"share_{c}"].map(
                lambda v: "" if pd.isna(v) else f"{v:.1%}")
    for c in ("region_code", "region_name"):
        shown[c] = shown[c].astype("string").fillna("")
    return shown.rename(columns=column_labels(cols)).set_index("区划代码")
