"""Altair (Vega-Lite) charts of index robustness and regional results, labelled in Chinese.

Every chart carries its data inline (`alt.InlineData`), so a saved spec or HTML page needs no
other file, and Altair's 5000-row limit on DataFrames does not apply. Inputs are the library's
own tables: `monte_carlo(...).summary`, `sobol_indices(...).indices` and `regions.aggregate(...)`.
"""

from __future__ import annotations

import itertools
import json
import math
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeAlias

import altair as alt
import pandas as pd

from tiangong.regions.measures import CLASSES, column_labels
from tiangong.report.boundaries import match_boundaries, region_code

# fonts that carry Chinese glyphs, first the one Debian's fonts-noto-cjk installs; viewers
# (browsers, vl-convert's PNG renderer) take the first family they have
CJK_FONT = ('"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", '
            '"WenQuanYi Micro Hei", sans-serif')
Chart: TypeAlias = alt.Chart | alt.LayerChart | alt.FacetChart
# schemes name their classes differently (黄岩 D 倒逼整治类, 淮安 D 限制发展): without the
# scheme's labels, a chart says only the code
CLASS_LABELS: dict[str, str] = {c: f"{c}类" for c in ("A", "B", "C", "D")}
CLASS_COLOURS = ("#1a9850", "#91cf60", "#fc8d59", "#d73027")
CHOICE_LABELS: dict[str, str] = {
    "weights": "权重", "normalisation": "标准化方法", "aggregation": "汇总方法",
    "imputation": "缺失值插补", "benchmarks": "基准值", "weighting": "赋权方法",
    "winsorisation": "缩尾上限"}


def _clean(value: Any) -> Any:
    """JSON-safe scalar: NaN/NaT → None, numpy scalars → Python."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _clean(v) for k, v in row.items()} for row in df.to_dict("records")]


def _styled(chart: Chart, title: str, subtitle: str | None = None) -> Chart:
    t = alt.Title(title, subtitle=subtitle) if subtitle else alt.Title(title)
    return chart.properties(title=t).configure(font=CJK_FONT)


def rank_interval_chart(summary: pd.DataFrame, names: Mapping[Any, str] | pd.Series | None = None,
                        *, title: str = "排名稳健性:中位排名与5%–95%排名区间",
                        top: int | None = None) -> Chart:
    """One row per unit, sorted by median rank: a rule from q05 to q95, a point at the median and
    a tick at the nominal rank. `names` maps the summary's index (unit codes) to display names;
    `top` keeps only the best `top` units by median rank."""
    missing = [c for c in ("nominal", "median", "q05", "q95") if c not in summary.columns]
    if missing:
        raise ValueError(f"summary lacks columns {', '.join(missing)}")
    df = summary.copy()
    df["code"] = [str(i) for i in df.index]
    lookup = dict(names) if names is not None else {}
    df["unit"] = [str(lookup.get(i, lookup.get(str(i), str(i)))) for i in df.index]
    df = df.sort_values(["median", "nominal"], kind="stable")
    if top is not None:
        df = df.head(top)
    if df["unit"].duplicated().any():  # two units with one name would share a row
        df["unit"] = df["unit"] + "(" + df["code"] + ")"
    order = list(df["unit"])
    cols = ["code", "unit", "nominal", "median", "q05", "q95"] + (
        ["mean"] if "mean" in df.columns else [])
    base = alt.Chart(alt.InlineData(values=_records(df[cols])))
    y = alt.Y("unit:N", sort=order, title="评价对象")
    rank_scale = alt.Scale(reverse=True, zero=False, nice=False)
    tooltip = [alt.Tooltip("unit:N", title="评价对象"), alt.Tooltip("code:N", title="代码"),
               alt.Tooltip("nominal:Q", title="名义排名"),
               alt.Tooltip("median:Q", title="中位排名"),
               alt.Tooltip("q05:Q", title="5%分位排名"),
               alt.Tooltip("q95:Q", title="95%分位排名")]
    rule = base.mark_rule(strokeWidth=2, color="#7f7f7f").encode(
        x=alt.X("q05:Q", title="排名(1 = 最好)", scale=rank_scale,
                axis=alt.Axis(tickMinStep=1, format="d")), x2="q95:Q", y=y,
        tooltip=tooltip)
    point = base.mark_point(filled=True, size=60, color="#1f77b4").encode(
        x=alt.X("median:Q", scale=rank_scale), y=y, tooltip=tooltip)
    tick = base.mark_tick(color="#d62728", thickness=2, size=14).encode(
        x=alt.X("nominal:Q", scale=rank_scale), y=y, tooltip=tooltip)
    layered = alt.layer(rule, point, tick).properties(
        width=480, height=alt.Step(16) if len(order) > 0 else 200)
    return _styled(layered, title, "灰线:5%–95%排名区间;蓝点:中位排名;红色刻度:名义排名")


def sobol_chart(indices: pd.DataFrame, *, title: str = "敏感性分析:Sobol指数",
                labels: Mapping[str, str] | None = None) -> Chart:
    """Grouped bars of first-order (S1) and total (ST) Sobol indices per uncertain choice, with
    error bars of ± the bootstrap confidence half-width (S1_conf / ST_conf)."""
    missing = [c for c in ("S1", "ST") if c not in indices.columns]
    if missing:
        raise ValueError(f"indices lack columns {', '.join(missing)}")
    names = {**CHOICE_LABELS, **(labels or {})}
    rows = []
    for choice, row in indices.iterrows():
        label = names.get(str(choice), str(choice))
        for kind, kind_label in (("S1", "一阶指数 S1"), ("ST", "总效应指数 ST")):
            value = float(row[kind])
            conf = float(row.get(f"{kind}_conf", 0.0) or 0.0)
            if math.isnan(conf):
                conf = 0.0
            rows.append({"choice": str(choice), "choice_label": label, "kind": kind_label,
                         "value": _clean(value), "low": _clean(value - conf),
                         "high": _clean(value + conf)})
    base = alt.Chart(alt.InlineData(values=rows))
    x = alt.X("choice_label:N", title="不确定的选择", sort=None, axis=alt.Axis(labelAngle=0))
    offset = alt.XOffset("kind:N", sort=["一阶指数 S1", "总效应指数 ST"])
    colour = alt.Color("kind:N", title="指数", sort=["一阶指数 S1", "总效应指数 ST"],
                       scale=alt.Scale(range=["#4c78a8", "#f58518"]))
    tooltip = [alt.Tooltip("choice_label:N", title="选择"), alt.Tooltip("kind:N", title="指数"),
               alt.Tooltip("value:Q", title="数值", format=".3f"),
               alt.Tooltip("low:Q", title="置信下限", format=".3f"),
               alt.Tooltip("high:Q", title="置信上限", format=".3f")]
    bars = base.mark_bar().encode(
        x=x, xOffset=offset, color=colour, tooltip=tooltip,
        y=alt.Y("value:Q", title="Sobol指数(排名平均变动的方差占比)"))
    errors = base.mark_errorbar(ticks=True, color="black").encode(
        x=x, xOffset=offset, y=alt.Y("low:Q", title=""), y2="high:Q")
    layered = alt.layer(bars, errors).properties(width=alt.Step(40), height=300)
    return _styled(layered, title, "误差线:自助法置信区间")


def _latest_year(df: pd.DataFrame, year: int | None) -> pd.DataFrame:
    if "year" not in df.columns:
        return df
    if year is None:
        years = df["year"].dropna()
        if years.empty:
            return df
        year = int(years.max())
    return df[df["year"] == year]


def _region_label(df: pd.DataFrame) -> pd.Series:
    codes = df["region_code"].map(region_code) if "region_code" in df.columns else pd.Series(
        [str(i) for i in df.index], index=df.index)
    if "region_name" not in df.columns:
        return codes
    names = df["region_name"].astype("string")
    label = names.fillna(codes).astype(str)
    dup = label.duplicated(keep=False)
    return label.where(~dup, label + "(" + codes + ")")


def class_share_chart(regions_df: pd.DataFrame, *, year: int | None = None,
                      title: str = "各区域A/B/C/D类企业占比",
                      class_labels: Mapping[str, str] | None = None) -> Chart:
    """Stacked horizontal bars of the A/B/C/D shares per region (one year: `year`, or the latest
    year in the table), with the counts in the tooltip. class_labels: the scheme's label per
    class code (legend `A类(优先发展类)`); default the codes alone."""
    names = {c: (f"{c}类({class_labels[c]})" if class_labels and class_labels.get(c)
                 else CLASS_LABELS[c]) for c in CLASSES}
    shares = [f"share_{c}" for c in CLASSES]
    missing = [c for c in shares if c not in regions_df.columns]
    if missing:
        raise ValueError(f"the regions table lacks columns {', '.join(missing)}")
    df = _latest_year(regions_df, year).copy()
    df["region"] = _region_label(df)
    order = list(df.sort_values("share_A", ascending=False, kind="stable")["region"])
    rows = []
    for _, r in df.iterrows():
        for rank, c in enumerate(CLASSES):
            n = r.get(f"n_{c}")
            rows.append({"region": r["region"], "cls": names[c], "order": rank,
                         "share": _clean(r[f"share_{c}"]), "n": _clean(n)})
    chart = alt.Chart(alt.InlineData(values=rows)).mark_bar().encode(
        y=alt.Y("region:N", sort=order, title="区域"),
        x=alt.X("share:Q", stack="normalize", title="占A–D类企业比重",
                axis=alt.Axis(format="%")),
        color=alt.Color("cls:N", title="类别", sort=[names[c] for c in CLASSES],
                        scale=alt.Scale(domain=[names[c] for c in CLASSES],
                                        range=list(CLASS_COLOURS))),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("region:N", title="区域"), alt.Tooltip("cls:N", title="类别"),
                 alt.Tooltip("share:Q", title="占比", format=".1%"),
                 alt.Tooltip("n:Q", title="企业数")],
    ).properties(width=420, height=alt.Step(18))
    sub = f"{int(df['year'].iloc[0])}年" if "year" in df.columns and len(df) else None
    return _styled(chart, title, sub)


def _load_geojson(source: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(source, Mapping):
        return dict(source)
    with open(source, encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


def _round_coords(coords: Any, digits: int) -> Any:
    if isinstance(coords, list):
        return [_round_coords(c, digits) for c in coords]
    return round(coords, digits) if isinstance(coords, float) else coords


def _geometry(geometry: Any, digits: int | None) -> Any:
    """The geometry with rounded coordinates and rings wound the way Vega's d3-geo reads them."""
    if not isinstance(geometry, Mapping):
        return geometry
    out = dict(geometry)
    if "coordinates" in out:
        coords = out["coordinates"] if digits is None else _round_coords(out["coordinates"],
                                                                          digits)
        out["coordinates"] = _wound(out.get("type"), coords)
    if isinstance(out.get("geometries"), list):
        out["geometries"] = [_geometry(g, digits) for g in out["geometries"]]
    return out


def wound_geometry(geometry: Any) -> Any:
    """A GeoJSON geometry with exterior rings clockwise and holes counter-clockwise, whichever
    convention the file used (see `_wound`): what d3-geo needs, and what any renderer filling
    with the non-zero rule (ECharts' canvas) needs to leave holes empty."""
    return _geometry(geometry, None)


def _ring_area2(ring: Any) -> float:
    """Twice the signed planar area of a ring in (lon, lat): positive when clockwise."""
    return float(sum((x2 - x1) * (y2 + y1)
                     for (x1, y1, *_), (x2, y2, *_) in itertools.pairwise(ring)))


def _polygon_wound(rings: Any) -> Any:
    if not isinstance(rings, list):
        return rings
    out = []
    for i, ring in enumerate(rings):
        if not isinstance(ring, list) or len(ring) < 4:
            out.append(ring)
            continue
        clockwise = _ring_area2(ring) > 0
        out.append(ring if clockwise == (i == 0) else ring[::-1])
    return out


def _wound(kind: Any, coords: Any) -> Any:
    """Polygons wound as d3-geo expects: exterior rings clockwise, holes counter-clockwise.

    RFC 7946 (GeoJSON, 2016) asks for the opposite (exterior counter-clockwise), and files from
    QGIS or GDAL follow it; d3-geo reads a counter-clockwise exterior ring on the sphere as
    "everything but this polygon", and the map became one filled rectangle. Both conventions
    are accepted here by rewinding each ring by its signed area (regions are far smaller than
    a hemisphere, so the planar sign decides)."""
    if kind == "Polygon":
        return _polygon_wound(coords)
    if kind == "MultiPolygon" and isinstance(coords, list):
        return [_polygon_wound(p) for p in coords]
    return coords


def _map_data(features: Sequence[Mapping[str, Any]]) -> alt.InlineData:
    """The features as one FeatureCollection serialised to a JSON string, which Vega parses
    (format json, property features). Handed to Altair as lists, every coordinate would be
    walked, validated and deep-copied several times over (about 5 s for a 3 MB county map);
    a string is handled as one value."""
    text = json.dumps({"type": "FeatureCollection", "features": list(features)},
                      ensure_ascii=False, separators=(",", ":"))
    return alt.InlineData(values=text,
                          format=alt.JsonDataFormat(type="json", property="features"))


def choropleth(regions_df: pd.DataFrame, geojson: str | Path | Mapping[str, Any],
               value_column: str = "tax_per_mu", code_property: str = "adcode", *,
               year: int | None = None, title: str | None = None,
               name_property: str | None = "name", digits: int | None = 4,
               warn: bool = True, label: str | None = None) -> Chart:
    """Map of `value_column` per region, joined on region code: each GeoJSON feature whose
    `properties[code_property]` equals a row's `region_code` (compared as text) gets that row's
    value and name. Regions with no boundary and boundaries with no data are warned about
    (`warn`; `boundaries.match_boundaries` lists them); the latter are drawn grey. Uses one year
    (`year`, or the latest). Coordinates are rounded to `digits` decimals (4: about 10 m, plenty
    for a county map, and a far smaller page); None keeps them as they are."""
    if "region_code" not in regions_df.columns or value_column not in regions_df.columns:
        raise ValueError(f"the regions table needs columns region_code and {value_column}")
    gj = _load_geojson(geojson)
    features = gj.get("features") if gj.get("type") == "FeatureCollection" else None
    if not isinstance(features, list):
        raise ValueError("the boundary file must be a GeoJSON FeatureCollection")
    df = _latest_year(regions_df, year)
    by_code = {region_code(r["region_code"]): r for r in df.to_dict("records")}
    label = label or column_labels([value_column]).get(value_column, value_column)
    joined = []
    for feat in features:
        props = dict(feat.get("properties") or {})
        code = region_code(props.get(code_property))
        row = by_code.get(code) if code else None
        name = (row or {}).get("region_name") or (props.get(name_property) if name_property
                                                 else None) or code
        joined.append({"type": "Feature", "geometry": _geometry(feat.get("geometry"), digits),
                       "properties": {"region_code": code, "region_name": _clean(name),
                                      "value": _clean(row[value_column]) if row else None}})
    match = match_boundaries(df, features, code_property, name_property)
    if warn and match.no_boundary:
        warnings.warn(f"{len(match.no_boundary)} region(s) have no boundary in the map "
                      f"(property {code_property!r}): "
                      f"{', '.join(c for c, _ in match.no_boundary[:10])}", stacklevel=2)
    if warn and (match.no_data or match.no_code):
        codes = [c for c, _ in match.no_data[:10]] + ["(none)"] * min(match.no_code, 1)
        warnings.warn(f"{len(match.no_data) + match.no_code} boundary feature(s) have no data "
                      f"row and are drawn grey: {', '.join(codes)}", stacklevel=2)
    tooltip = [alt.Tooltip("properties.region_name:N", title="区域"),
               alt.Tooltip("properties.region_code:N", title="区划代码"),
               alt.Tooltip("properties.value:Q", title=label, format=",.2f")]
    base = alt.Chart(_map_data(joined))
    # a grey layer of every boundary under a coloured layer of those with a value: boundaries
    # with no data stay visible (a null colour would be filtered or drawn as the scale minimum)
    empty = base.mark_geoshape(fill="#d9d9d9", stroke="white", strokeWidth=0.5).encode(
        tooltip=tooltip[:2])
    filled = base.transform_filter("isValid(datum.properties.value)").mark_geoshape(
        stroke="white", strokeWidth=0.5).encode(
        color=alt.Color("properties.value:Q", title=label, scale=alt.Scale(scheme="blues")),
        tooltip=tooltip)
    shapes = alt.layer(empty, filled).project(type="mercator").properties(width=520, height=440)
    sub = f"{int(df['year'].iloc[0])}年" if "year" in df.columns and len(df) else None
    return _styled(shapes, title or f"各区域{label}", sub)


__all__: Sequence[str] = ("choropleth", "class_share_chart", "rank_interval_chart",
                          "sobol_chart")
