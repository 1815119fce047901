"""The regional report from a stored run: class-share bars, a map from the user's GeoJSON,
SVG + PNG + offline HTML, and every region missing from the map or the data listed."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from region_data import TAIZHOU, boundaries, divisions_csv, stored_city_run
from typer.testing import CliRunner

from tiangong.cli.main import app
from tiangong.errors import DataError
from tiangong.regions import read_regions
from tiangong.report import load_boundaries, match_boundaries, regions_report

runner = CliRunner()
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# eight of the nine counties have a boundary (玉环市 331083 has none); 339999 has no data
MAP_CODES: list[object] = [*list(TAIZHOU)[:8], 339999]


@pytest.fixture(scope="module")
def city_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path]:
    folder = tmp_path_factory.mktemp("city")
    store, run_id = stored_city_run(folder)
    return store, run_id, divisions_csv(folder)


@pytest.fixture(scope="module")
def counties(city_run: tuple[Path, str, Path]) -> pd.DataFrame:
    from tiangong.regions import aggregate_run
    from tiangong.runs.store import RunStore

    store, run_id, divisions = city_run
    with RunStore(store) as st:
        return aggregate_run(st, run_id, "county", read_regions(divisions))


def test_report_files_and_what_the_map_leaves_out(tmp_path: Path,
                                                  counties: pd.DataFrame) -> None:
    geo = boundaries(tmp_path / "b.geojson", MAP_CODES)
    made = regions_report(counties, tmp_path / "r", level="county", geojson=geo,
                          code_property="code")
    names = sorted(p.name for p in made.files)
    assert names == ["class_shares.png", "class_shares.svg", "map_tax_per_mu.png",
                     "map_tax_per_mu.svg", "regions_report.html"]
    assert made.year == 2022
    assert made.boundaries is not None
    assert made.boundaries.no_data == [("339999", "方块339999")]
    assert made.boundaries.no_boundary == [("331083", "玉环市")]
    assert made.boundaries.matched == sorted(TAIZHOU)[:8]
    text = "\n".join(made.lines)
    assert "339999" in text and "331083 玉环市" in text
    bars = (tmp_path / "r" / "class_shares.svg").read_text(encoding="utf-8")
    assert "各县(市、区)A/B/C/D类企业占比" in bars
    assert all(name in bars for name in TAIZHOU.values())  # a bar for every county
    picture = (tmp_path / "r" / "map_tax_per_mu.svg").read_text(encoding="utf-8")
    assert "亩均税收" in picture and picture.count("<path") >= 9
    for png in ("class_shares.png", "map_tax_per_mu.png"):
        assert (tmp_path / "r" / png).read_bytes()[:8] == PNG_MAGIC
    page = made.html.read_text(encoding="utf-8")
    assert "地图与数据未对应的区域" in page and "有数据、地图上无边界" in page
    assert "玉环市" in page and "<script src" not in page.lower()
    assert "&lt;NA&gt;" not in page and ">nan<" not in page  # missing cells are blank
    assert page.count('class="chart"') == 2


def test_report_is_byte_identical_when_repeated(tmp_path: Path, counties: pd.DataFrame) -> None:
    geo = boundaries(tmp_path / "b.geojson", MAP_CODES)
    first = regions_report(counties, tmp_path / "1", geojson=geo, code_property="code")
    second = regions_report(counties, tmp_path / "2", geojson=geo, code_property="code")
    for a, b in zip(first.files, second.files, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_numeric_and_12_digit_codes_in_the_boundary_file(counties: pd.DataFrame,
                                                         tmp_path: Path) -> None:
    codes: list[object] = [int(c) for c in list(TAIZHOU)[:4]]
    codes += [f"{c}000000" for c in list(TAIZHOU)[4:]]
    data = json.loads(boundaries(tmp_path / "b.geojson", codes, "adcode").read_text("utf-8"))
    match = match_boundaries(counties, data["features"], "adcode")
    assert match.matched == sorted(TAIZHOU) and not match.no_data and not match.no_boundary


def test_bad_boundary_files_are_named(tmp_path: Path) -> None:
    geo = boundaries(tmp_path / "b.geojson", ["331002"], code_property="adcode")
    with pytest.raises(DataError) as info:
        load_boundaries(geo, "code")
    assert "properties found: adcode, name" in info.value.render()
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection",\n "features": [\n  {,]}', encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_boundaries(broken, "code")
    [problem] = info.value.problems
    assert problem.source == str(broken) and problem.line == 3
    single = tmp_path / "feature.geojson"
    single.write_text('{"type": "Feature", "properties": {}}', encoding="utf-8")
    with pytest.raises(DataError, match="FeatureCollection"):
        load_boundaries(single, "code")


def test_unknown_value_column_lists_the_numeric_ones(tmp_path: Path,
                                                     counties: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="va_per_mu"):
        regions_report(counties, tmp_path, value_column="亩均税收")


def test_regions_report_command(tmp_path: Path, city_run: tuple[Path, str, Path]) -> None:
    store, run_id, divisions = city_run
    geo = boundaries(tmp_path / "b.geojson", MAP_CODES)
    bureau = tmp_path / "bureau.csv"
    bureau.write_bytes("县(市、区),年度,研发经费投入强度(%)\n椒江区,2022,2.9\n黄岩区,2022,3.1\n"
                       .encode("gbk"))
    out = tmp_path / "report"
    result = runner.invoke(app, [
        "regions", "report", "--run", run_id, "--level", "county", "--regions",
        str(divisions), "--geojson", str(geo), "--code-property", "code", "--indicators",
        str(bureau), "--value", "研发经费投入强度", "--store", str(store), "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "1 boundary region(s) have no data and are drawn grey: 339999" in text
    assert "1 region(s) with data have no boundary and are not on the map: 331083 玉环市" in text
    assert "6 region(s) on the map have no value of 研发经费投入强度(%)" in text
    assert "7 region-year(s) of the run have no row in the table" in text
    for name in ("class_shares.svg", "class_shares.png", "map_研发经费投入强度.svg",
                 "map_研发经费投入强度.png", "regions_report.html"):
        assert (out / name).is_file(), name
    picture = (out / "map_研发经费投入强度.svg").read_text(encoding="utf-8")
    assert "研发经费投入强度(%)" in picture
    page = (out / "regions_report.html").read_text(encoding="utf-8")
    # the join report is on the page, in Chinese: 7 counties without a row in the table
    assert "与评价结果的 2 个区域-年度对应" in page
    assert page.count("评价结果中有、指标表中无(指标为空)") == 7
    assert page.count("有边界、无研发经费投入强度(%)数值(灰色)") == 6


def test_regions_report_command_without_a_map(tmp_path: Path,
                                              city_run: tuple[Path, str, Path]) -> None:
    store, run_id, _ = city_run
    result = runner.invoke(app, ["regions", "report", "--run", run_id, "--level", "town",
                                 "--store", str(store), "--out", str(tmp_path / "t")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "t").iterdir()) == [
        "class_shares.png", "class_shares.svg", "regions_report.html"]
    bars = (tmp_path / "t" / "class_shares.svg").read_text(encoding="utf-8")
    assert "各乡镇(街道)A/B/C/D类企业占比" in bars
    # the legend names the classes as the run's scheme (黄岩 2022) does
    assert "D类(倒逼整治类)" in bars and "A类(优先发展类)" in bars
