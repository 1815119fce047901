"""Charts for people: rank intervals, Sobol bars, class mix, choropleth; SVG/PNG/HTML output."""

from __future__ import annotations

import itertools
import json
import re
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tiangong.report import (
    choropleth,
    class_share_chart,
    rank_interval_chart,
    save_chart,
    sobol_chart,
    write_html_report,
)
from tiangong.report.render import MissingCJKFontWarning, cjk_font_directory

ZHEJIANG = Path("/work/shared/data/zhejiang_counties.geojson")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def summary() -> pd.DataFrame:
    return pd.DataFrame({"nominal": [1, 3, 2], "median": [1.0, 2.5, 2.0], "q05": [1, 1, 1],
                         "q95": [2, 3, 3], "mean": [1.2, 2.4, 2.1]}, index=["u1", "u2", "u3"])


@pytest.fixture
def indices() -> pd.DataFrame:
    return pd.DataFrame({"S1": [0.5, 0.2], "S1_conf": [0.05, float("nan")], "ST": [0.7, 0.3],
                         "ST_conf": [0.06, 0.04]},
                        index=pd.Index(["weights", "normalisation"], name="choice"))


@pytest.fixture
def regions() -> pd.DataFrame:
    return pd.DataFrame({
        "year": [2023] * 3, "region_code": ["330102", "330105", "330106"],
        "region_name": ["上城区", "拱墅区", "西湖区"],
        "share_A": [0.2, 0.1, 0.3], "share_B": [0.5, 0.6, 0.4], "share_C": [0.2, 0.2, 0.2],
        "share_D": [0.1, 0.1, 0.1], "n_A": [2, 1, 3], "n_B": [5, 6, 4], "n_C": [2, 2, 2],
        "n_D": [1, 1, 1], "tax_per_mu": [30.5, 20.1, None]})


def _square(code: Any, x: float) -> dict[str, Any]:
    ring = [[x, 30.0], [x + 1, 30.0], [x + 1, 31.0], [x, 31.0], [x, 30.0]]
    return {"type": "Feature", "properties": {"adcode": code, "name": f"方块{code}"},
            "geometry": {"type": "Polygon", "coordinates": [ring[::-1]]}}


@pytest.fixture
def squares() -> dict[str, Any]:
    # codes as numbers, as in AMap/DataV files; the table holds them as text
    return {"type": "FeatureCollection",
            "features": [_square(330102, 120.0), _square(330105, 121.0),
                         _square(330106, 122.0)]}


def _svg_text(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<svg")
    return text


def test_rank_interval_chart_svg(tmp_path: Path, summary: pd.DataFrame) -> None:
    chart = rank_interval_chart(summary, names={"u1": "杭州甲公司", "u2": "宁波乙公司"})
    spec = chart.to_dict()
    units = [r["unit"] for r in spec["datasets"][next(iter(spec["datasets"]))]] if (
        "datasets" in spec) else [r["unit"] for r in spec["data"]["values"]]
    assert units == ["杭州甲公司", "u3", "宁波乙公司"]  # by median rank; unnamed keeps its code
    svg = _svg_text(save_chart(chart, tmp_path / "rank.svg"))
    assert "排名稳健性" in svg and "杭州甲公司" in svg


def test_sobol_chart_svg(tmp_path: Path, indices: pd.DataFrame) -> None:
    svg = _svg_text(save_chart(sobol_chart(indices), tmp_path / "sobol.svg"))
    assert "Sobol指数" in svg and "权重" in svg and "总效应指数 ST" in svg


def test_class_share_chart_svg(tmp_path: Path, regions: pd.DataFrame) -> None:
    older = regions.assign(year=2022, region_name="旧年")
    svg = _svg_text(save_chart(class_share_chart(pd.concat([older, regions]), class_labels={
        "A": "优先发展类", "D": "限制发展类"}), tmp_path / "cls.svg"))
    assert "A类(优先发展类)" in svg and "D类(限制发展类)" in svg and "B类" in svg
    assert "西湖区" in svg and "2023年" in svg
    assert "旧年" not in svg  # the latest year only


def _map_properties(chart: Any) -> dict[str, dict[str, Any]]:
    """The properties of every feature the map draws, by region code, as Vega will read them:
    the chart's data (inline or a named top-level dataset), parsed by its declared format."""
    spec = chart.to_dict()
    data = spec["data"]
    values = spec["datasets"][data["name"]] if "name" in data else data["values"]
    fmt = data.get("format", {})
    if isinstance(values, str):
        assert fmt.get("type") == "json"
        values = json.loads(values)
    features = values[fmt["property"]] if fmt.get("property") else values
    props = [f["properties"] for f in features]
    assert all(f["type"] == "Feature" and f["geometry"] for f in features)
    return {p["region_code"]: p for p in props}


def test_choropleth_joins_every_region(tmp_path: Path, regions: pd.DataFrame,
                                       squares: dict[str, Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every region has a boundary and vice versa
        chart = choropleth(regions, squares, "tax_per_mu", "adcode")
    drawn = _map_properties(chart)
    assert sorted(drawn) == ["330102", "330105", "330106"]
    assert drawn["330102"]["value"] == 30.5 and drawn["330105"]["value"] == 20.1
    assert drawn["330106"]["value"] is None  # no 亩均税收: drawn grey
    assert drawn["330105"]["region_name"] == "拱墅区"
    svg = _svg_text(save_chart(chart, tmp_path / "map.svg"))
    assert "亩均税收" in svg
    assert svg.count("<path") >= 3


def test_choropleth_hands_the_map_to_vega_as_one_json_string(
        regions: pd.DataFrame, squares: dict[str, Any]) -> None:
    # as nested lists Altair walks, validates and copies every coordinate (5 s for a 3 MB
    # county map); as one string it does not, and Vega parses it (format json, features)
    spec = choropleth(regions, squares, "tax_per_mu", "adcode").to_dict()
    values = spec["datasets"][spec["data"]["name"]]
    assert isinstance(values, str)
    assert spec["data"]["format"] == {"type": "json", "property": "features"}
    assert json.loads(values)["features"][0]["geometry"]["coordinates"][0][0] == [120.0, 30.0]


def test_choropleth_warns_about_unmatched(regions: pd.DataFrame,
                                          squares: dict[str, Any]) -> None:
    squares["features"] = [*squares["features"][:2], _square(339999, 125.0)]
    with pytest.warns(UserWarning) as record:
        choropleth(regions, squares, "tax_per_mu", "adcode")
    text = " ".join(str(w.message) for w in record)
    assert "330106" in text and "339999" in text


def test_choropleth_rejects_non_collection(regions: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="FeatureCollection"):
        choropleth(regions, {"type": "Feature"}, "tax_per_mu", "adcode")


def test_png_has_png_header(tmp_path: Path, summary: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingCJKFontWarning)
        path = save_chart(rank_interval_chart(summary), tmp_path / "rank.png")
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 1000


def test_png_warns_without_cjk_font(tmp_path: Path, summary: pd.DataFrame) -> None:
    if cjk_font_directory() is not None:
        pytest.skip("a CJK font is installed here")
    with pytest.warns(MissingCJKFontWarning, match="fonts-noto-cjk"):
        save_chart(rank_interval_chart(summary), tmp_path / "rank.png")


def test_json_and_unknown_suffix(tmp_path: Path, indices: pd.DataFrame) -> None:
    spec = json.loads(save_chart(sobol_chart(indices), tmp_path / "s.json").read_text("utf-8"))
    assert spec["title"]["text"] == "敏感性分析:Sobol指数"
    with pytest.raises(ValueError, match=r"\.pdf"):
        save_chart(sobol_chart(indices), tmp_path / "s.pdf")


def _external_sources(page: str) -> list[str]:
    return re.findall(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*[\"']?"
                      r"(?:https?:)?//[^>]*>", page, flags=re.IGNORECASE)


def test_offline_html_report(tmp_path: Path, summary: pd.DataFrame, indices: pd.DataFrame,
                             regions: pd.DataFrame, squares: dict[str, Any]) -> None:
    regions = regions.assign(region_name=["上城区", "拱墅区", "西湖区</script>"])
    path = write_html_report(tmp_path / "r.html", "天工评价报告", [
        ("排名稳健性", rank_interval_chart(summary)),
        ("敏感性", sobol_chart(indices)),
        ("类别结构", class_share_chart(regions)),
        ("地图", choropleth(regions, squares, "tax_per_mu", "adcode")),
        ("区域汇总表", regions),
        (None, "说明文字"),
    ])
    page = path.read_text(encoding="utf-8")
    assert _external_sources(page) == []
    assert "<script src" not in page.lower()
    assert "vegaEmbed" in page and "天工评价报告" in page and "区域汇总表" in page
    assert page.count('class="chart"') == 4
    assert "<table" in page and "拱墅区" in page
    # a data value cannot close the script element early
    assert page.lower().count("</script>") == page.lower().count("<script>")


def test_html_by_suffix(tmp_path: Path, summary: pd.DataFrame) -> None:
    page = save_chart(rank_interval_chart(summary), tmp_path / "c.html").read_text("utf-8")
    assert "排名稳健性" in page and _external_sources(page) == []


def _clockwise_exteriors(chart: Any) -> list[bool]:
    spec = chart.to_dict()
    data = spec["layer"][0].get("data") or spec.get("data")
    values = spec["datasets"][data["name"]] if "name" in data else data["values"]
    features = json.loads(values)["features"] if isinstance(values, str) else values
    out = []
    for f in features:
        ring = f["geometry"]["coordinates"][0]
        area2 = sum((x2 - x1) * (y2 + y1) for (x1, y1), (x2, y2) in itertools.pairwise(ring))
        out.append(area2 > 0)
    return out


def test_choropleth_draws_rfc7946_rings_as_regions_not_a_rectangle(
        tmp_path: Path, regions: pd.DataFrame, squares: dict[str, Any]) -> None:
    """RFC 7946 files wind exterior rings counter-clockwise; d3-geo (inside Vega) then fills the
    whole map but the region. The same squares in either winding must give the same picture."""
    rfc = json.loads(json.dumps(squares))
    for f in rfc["features"]:
        f["geometry"]["coordinates"] = [r[::-1] for r in f["geometry"]["coordinates"]]
    assert _clockwise_exteriors(choropleth(regions, rfc, "tax_per_mu", "adcode")) == [True] * 3
    as_d3 = save_chart(choropleth(regions, squares, "tax_per_mu", "adcode"), tmp_path / "a.png")
    as_rfc = save_chart(choropleth(regions, rfc, "tax_per_mu", "adcode"), tmp_path / "b.png")
    assert as_rfc.read_bytes() == as_d3.read_bytes()


def test_choropleth_keeps_holes_as_holes(regions: pd.DataFrame) -> None:
    outer = [[0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [0.0, 4.0], [0.0, 0.0]]  # counter-clockwise
    hole = [[1.0, 1.0], [1.0, 2.0], [2.0, 2.0], [2.0, 1.0], [1.0, 1.0]]  # clockwise
    gj = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"adcode": "330102"},
         "geometry": {"type": "Polygon", "coordinates": [outer, hole]}}]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chart = choropleth(regions, gj, "tax_per_mu", "adcode")
    spec = chart.to_dict()
    data = spec["layer"][0].get("data") or spec.get("data")
    values = spec["datasets"][data["name"]] if "name" in data else data["values"]
    rings = json.loads(values)["features"][0]["geometry"]["coordinates"]
    assert rings[0] == outer[::-1] and rings[1] == hole[::-1]


@pytest.mark.skipif(not ZHEJIANG.exists(), reason="shared Zhejiang county boundaries absent")
def test_choropleth_on_zhejiang_counties(tmp_path: Path) -> None:
    df = pd.DataFrame({"region_code": ["330102", "330106", "330110"],
                       "region_name": ["上城区", "西湖区", "余杭区"],
                       "tax_per_mu": [40.0, 35.0, 20.0]})
    with pytest.warns(UserWarning, match="no data row"):  # the other counties are grey
        chart = choropleth(df, ZHEJIANG, "tax_per_mu", "adcode")
    drawn = _map_properties(chart)
    assert len(drawn) == 90
    assert {c: drawn[c]["value"] for c in df["region_code"]} == {
        "330102": 40.0, "330106": 35.0, "330110": 20.0}
    assert drawn["330110"]["region_name"] == "余杭区"
    assert "亩均税收" in _svg_text(save_chart(chart, tmp_path / "zj.svg"))
