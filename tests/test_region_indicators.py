"""Regional indicator tables on real files (GBK CSV, xlsx): reading, checks, joining to a run.

Expected values are the numbers written into the files by the tests themselves; the end-to-end
index is recomputed here by hand (min–max to 0..100, mean of two) from the joined table.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from region_data import TAIZHOU, divisions_csv, stored_city_run
from typer.testing import CliRunner

from tiangong.cli.main import app
from tiangong.errors import DataError
from tiangong.index.config import load_index_config, read_indicator_table
from tiangong.regions import (
    IndicatorTable,
    Regions,
    join_indicators,
    read_indicators,
    read_regions,
)

runner = CliRunner()

BUREAU_CSV = """\
2022年台州市各县(市、区)主要经济指标
县(市、区),所属市,年度,研发经费投入强度（%）,规上工业增加值(亿元)
椒江区,台州市,2022,2.9,"1,234.5"
黄岩区,台州市,2022年,3.1%,800
路桥区,台州市,2022,-,"  12 "
台州市,,2022,2.8,"5,000"
合计,,,,"2,046.5"
注：数据来源于统计年鉴
"""


@pytest.fixture
def regions(tmp_path: Path) -> Regions:
    return read_regions(divisions_csv(tmp_path))


def gbk(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("gbk"))
    return path


def test_bureau_csv_in_gbk_with_title_units_and_total_rows(tmp_path: Path,
                                                           regions: Regions) -> None:
    table = read_indicators(gbk(tmp_path / "统计局.csv", BUREAU_CSV), regions, "county")
    v = table.values.set_index("region_code")
    assert list(v.index) == ["331002", "331003", "331004"]  # matched by name, sorted by code
    assert v.loc["331002", "region_name"] == "椒江区"
    assert v.loc["331002", "规上工业增加值"] == 1234.5  # thousands separator in a text cell
    assert v.loc["331004", "规上工业增加值"] == 12.0
    assert v.loc["331003", "研发经费投入强度"] == 3.1  # "3.1%" under a (%) header stays 3.1
    assert np.isnan(v.loc["331004", "研发经费投入强度"])  # "-" is missing, not an error
    assert (v["year"] == 2022).all()  # "2022年" is 2022
    assert table.units == {"研发经费投入强度": "%", "规上工业增加值": "亿元"}
    assert table.indicators == ["研发经费投入强度", "规上工业增加值"]
    assert table.text_columns == ["所属市"]
    assert table.headers["研发经费投入强度"] == "研发经费投入强度(%)"
    assert table.rows == [3, 4, 5]  # file rows, title and header counted
    # the city's own row, the 合计 row and the footnote are set aside with reasons, not lost
    aside = {(e.row, e.reason) for e in table.excluded}
    assert aside == {(6, "total"), (7, "total"), (8, "footnote")}
    assert any("台州市" in e.text for e in table.excluded if e.row == 6)


def test_xlsx_with_cover_sheet_numeric_and_12_digit_codes(tmp_path: Path,
                                                           regions: Regions) -> None:
    book = openpyxl.Workbook()
    cover = book.active
    cover.title = "说明"  # a cover sheet first: the table is found on the next one
    cover.append(["本表由统计局提供"])
    sheet = book.create_sheet("指标")
    sheet.append(["表1 各县市区指标"])
    sheet.append([])
    sheet.append(["行政区划代码", "名称", "年份", "GDP (亿元)", "增速(%)"])
    sheet.append([331002, "椒江区", 2022, "1,000.5", 5.5])  # code and year as numbers
    sheet.append(["331003000000", "黄岩区", "2022年", 800, "6.1%"])
    sheet.append([331022, "三门", 2022, 300, 4])  # short name: the code decides, noted
    path = tmp_path / "指标.xlsx"
    book.save(path)
    table = read_indicators(path, regions, "county")
    v = table.values.set_index("region_code")
    assert list(v.index) == ["331002", "331003", "331022"]
    assert v["GDP"].tolist() == [1000.5, 800.0, 300.0]
    assert v["增速"].tolist() == [5.5, 6.1, 4.0]
    assert v.loc["331022", "region_name"] == "三门县"  # the divisions table's name
    assert table.rows == [4, 5, 6]
    assert any("三门县" in n and "三门" in n for n in table.notes)


def test_every_problem_is_reported_together_with_file_row_and_column(
        tmp_path: Path, regions: Regions) -> None:
    text = ("区划代码,区域名称,年度,亩均增加值(万元/亩),研发强度\n"
            "331002,椒江区,2022,一百,2.5%\n"       # 2: not a number
            "331003,黄岩区,2022,12万元,3\n"        # 3: unit in the cell differs from the header
            "331003,黄岩区,2022,13,3\n"            # 4: the same region and year again
            "331099,某某区,2022,1,1\n"             # 5: unknown code
            ",黄岩,2022,1,1\n"                     # 6: unknown name (near: 黄岩区)
            "331004,椒江区,2022,1,1\n"             # 7: code and name of different regions
            "331022,三门县,二〇二二,1,1\n")        # 8: not a year
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_indicators(path, regions, "county")
    got = {(p.line, p.field) for p in info.value.problems}
    assert got == {(2, "亩均增加值(万元/亩)"), (3, "亩均增加值(万元/亩)"), (4, "区划代码"),
                   (5, "区划代码"), (6, "区域名称"), (7, "区划代码"), (8, "年度"),
                   (1, "研发强度")}  # 1: "2.5%" next to bare numbers, no unit in the header
    text = info.value.render()
    assert all(p.source == str(path) for p in info.value.problems)
    assert "column D: '一百' is not a number" in text
    assert "first on row 3" in text and "331099" in text and "黄岩区 331003" in text
    assert "路桥区" in text and "'二〇二二'" in text


def test_year_column_or_year_option(tmp_path: Path, regions: Regions) -> None:
    path = tmp_path / "no_year.csv"
    path.write_text("区划代码,指标甲\n331002,1\n331003,2\n", encoding="utf-8")
    with pytest.raises(DataError, match="no year column"):
        read_indicators(path, regions, "county")
    table = read_indicators(path, regions, "county", year=2023)
    assert table.values["year"].tolist() == [2023, 2023]


def test_without_a_divisions_table_well_formed_codes_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "codes.csv"
    path.write_text("region_code,year,x\n331002,2022,1\n330106,2022,2\n12345,2022,3\n",
                    encoding="utf-8")
    derived = Regions.from_codes(["331002"])
    with pytest.raises(DataError) as info:
        read_indicators(path, derived, "county", known_only=False)
    [problem] = info.value.problems
    assert problem.line == 4 and "12345" in problem.message
    path.write_text("region_code,year,x\n331002,2022,1\n330106,2022,2\n", encoding="utf-8")
    table = read_indicators(path, derived, "county", known_only=False)
    assert table.values["region_code"].tolist() == ["330106", "331002"]


def aggregates() -> pd.DataFrame:
    return pd.DataFrame({"year": [2022, 2022, 2022],
                         "region_code": pd.array(["331002", "331003", "331004"], "string"),
                         "region_name": pd.array(["椒江区", "黄岩区", "路桥区"], "string"),
                         "level": "county", "tax_per_mu": [20.0, 27.0, 21.0]})


def small_table(tmp_path: Path, regions: Regions, column: str = "研发强度") -> IndicatorTable:
    path = tmp_path / "small.csv"
    path.write_text(f"区划代码,区域名称,年度,{column}\n331003,黄岩区,2022,3.1\n"
                    "331002,椒江区,2022,2.9\n330106,西湖区,2022,4.0\n", encoding="utf-8")
    return read_indicators(path, regions, "county")


def test_left_join_lists_both_sides(tmp_path: Path, regions: Regions) -> None:
    joined, report = join_indicators(aggregates(), small_table(tmp_path, regions))
    assert joined["region_code"].tolist() == ["331002", "331003", "331004"]
    assert joined["研发强度"].tolist()[:2] == [2.9, 3.1]
    assert np.isnan(joined["研发强度"].iloc[2])
    assert joined["tax_per_mu"].tolist() == [20.0, 27.0, 21.0]
    assert report.matched == 2
    assert report.only_run["region_code"].tolist() == ["331004"]
    assert report.only_file[["row", "region_code"]].values.tolist() == [[4, "330106"]]
    text = "\n".join(report.lines())
    assert "331004 路桥区" in text and "row 4 2022 330106 西湖区" in text
    assert "not in the joined table" in text


def test_outer_join_keeps_the_table_rows(tmp_path: Path, regions: Regions) -> None:
    joined, report = join_indicators(aggregates(), small_table(tmp_path, regions), "outer")
    assert joined["region_code"].tolist() == ["330106", "331002", "331003", "331004"]
    west = joined.iloc[0]
    assert west["region_name"] == "西湖区" and west["level"] == "county"
    assert west["研发强度"] == 4.0 and np.isnan(west["tax_per_mu"])
    assert "added with empty aggregates" in "\n".join(report.lines())


def test_a_column_named_like_an_aggregate_is_refused(tmp_path: Path,
                                                     regions: Regions) -> None:
    with pytest.raises(DataError, match="tax_per_mu"):
        join_indicators(aggregates(), small_table(tmp_path, regions, "tax_per_mu"))


CONFIG = """\
id: taizhou
name: 台州县域亩均效益指数
indicators:
  tax_per_mu: {label: 亩均税收, direction: 1}
  研发经费投入强度: {label: 研发经费投入强度, direction: 1}
hierarchy:
  index: {tax_per_mu: 1, 研发经费投入强度: 1}
spec: {treat_outliers: false, normalisation: minmax, low: 0, high: 100}
"""


@pytest.fixture(scope="module")
def city_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path]:
    folder = tmp_path_factory.mktemp("city")
    store, run_id = stored_city_run(folder)
    return store, run_id, divisions_csv(folder)


def bureau_all_counties(path: Path) -> Path:
    rows = "".join(f"{name},2022,{1.5 + 0.25 * i}\n" for i, name in
                   enumerate(TAIZHOU.values()))
    return gbk(path, "县(市、区),年度,研发经费投入强度(%)\n" + rows)


def minmax(x: pd.Series) -> pd.Series:
    return 100 * (x - x.min()) / (x.max() - x.min())


@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ".parquet"])
def test_demo_run_aggregate_join_then_index_build(tmp_path: Path, suffix: str,
                                                  city_run: tuple[Path, str, Path]) -> None:
    store, run_id, divisions = city_run
    bureau = bureau_all_counties(tmp_path / "bureau.csv")
    joined = tmp_path / f"joined{suffix}"
    args = ["regions", "aggregate", "--run", run_id, "--level", "county", "--regions",
            str(divisions), "--indicators", str(bureau), "--store", str(store), "--out",
            str(joined), "--format", "csv"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "9 region-year(s) matched the run" in result.output
    config = tmp_path / "index.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    result = runner.invoke(app, ["index", "build", "--config", str(config), "--data",
                                 str(joined), "--year", "2022", "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    index = pd.read_csv(tmp_path / "o" / "taizhou_index.csv", dtype={"region_code": str},
                        encoding="utf-8-sig").set_index("region_code")
    assert sorted(index.index) == sorted(TAIZHOU)
    assert index.loc["331083", "name"] == "玉环市"
    # recompute the index from the joined table: min-max each indicator, mean of the two
    table = read_indicator_table(joined, load_index_config(config), 2022)
    assert table["研发经费投入强度"].to_dict() == {c: 1.5 + 0.25 * i
                                               for i, c in enumerate(TAIZHOU)}
    expected = (minmax(table["tax_per_mu"]) + minmax(table["研发经费投入强度"])) / 2
    assert index["index"].sort_index().to_numpy() == pytest.approx(
        expected.sort_index().to_numpy())
    # and the run's own figures came through the join unchanged
    direct = runner.invoke(app, ["regions", "aggregate", "--run", run_id, "--level", "county",
                                 "--store", str(store), "--format", "csv"])
    plain = pd.read_csv(pd.io.common.StringIO(direct.output), dtype={"region_code": str})
    assert table["tax_per_mu"].sort_index().to_numpy() == pytest.approx(
        plain.set_index("region_code")["tax_per_mu"].sort_index().to_numpy(), rel=1e-12)


def test_joined_xlsx_is_deterministic_and_describes_its_columns(
        tmp_path: Path, city_run: tuple[Path, str, Path]) -> None:
    store, run_id, divisions = city_run
    bureau = bureau_all_counties(tmp_path / "bureau.csv")
    outputs = []
    for n in (1, 2):
        out = tmp_path / f"j{n}.xlsx"
        result = runner.invoke(app, ["regions", "aggregate", "--run", run_id, "--level",
                                     "county", "--regions", str(divisions), "--indicators",
                                     str(bureau), "--store", str(store), "--out", str(out)])
        assert result.exit_code == 0, result.output
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    book = openpyxl.load_workbook(tmp_path / "j1.xlsx")
    assert book.sheetnames == ["data", "列说明"]
    header = [c.value for c in book["data"][1]]
    assert header[:3] == ["year", "region_code", "region_name"]
    assert isinstance(book["data"]["B2"].value, str)  # codes stay text
    described = {r[0]: r[1:] for r in book["列说明"].iter_rows(min_row=2, values_only=True)}
    assert described["tax_per_mu"][0] == "亩均税收(万元/亩)"
    assert described["研发经费投入强度"][:2] == ("研发经费投入强度(%)", "%")


def test_cli_reports_bad_indicator_rows_without_traceback(
        tmp_path: Path, city_run: tuple[Path, str, Path], monkeypatch, capsys) -> None:
    store, run_id, divisions = city_run
    bad = gbk(tmp_path / "bad.csv", "县(市、区),年度,指标\n椒江区,2022,abc\n某某县,2022,1\n")
    from tiangong.cli.main import main

    monkeypatch.setattr("sys.argv", ["tiangong", "regions", "aggregate", "--run", run_id,
                                     "--level", "county", "--regions", str(divisions),
                                     "--indicators", str(bad), "--store", str(store)])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert f"{bad}:2 [指标]" in err and f"{bad}:3 [县(市、区)]" in err
    assert "Traceback" not in err
