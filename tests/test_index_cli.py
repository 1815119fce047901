"""The index commands on real files: configuration errors with lines, a hand-checked index."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tiangong.cli.main import app
from tiangong.errors import SchemeError
from tiangong.index.config import load_index_config

runner = CliRunner()

CONFIG = """\
id: demo_index
name: 示例县域指数
indicators:
  tax_per_mu: {label: 亩均税收, direction: 1}
  energy_per_va: {label: 单位增加值能耗, direction: -1}
hierarchy:
  index: {tax_per_mu: 1, energy_per_va: 1}
spec: {treat_outliers: false, normalisation: minmax, low: 0, high: 100}
uncertainty:
  weights: {spread: 0.25}
  aggregation: [arithmetic, geometric]
"""

TABLE = """region_code,region_name,year,tax_per_mu,energy_per_va
330001,甲县,2024,10,1
330002,乙县,2024,20,3
330003,丙县,2024,30,2
330001,甲县,2023,99,9
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "index.yaml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "regions.csv").write_text(TABLE, encoding="utf-8")
    return tmp_path / "index.yaml", tmp_path / "regions.csv"


def test_index_build_matches_hand_arithmetic(files: tuple[Path, Path], tmp_path: Path) -> None:
    config, data = files
    result = runner.invoke(app, ["index", "build", "--config", str(config), "--data", str(data),
                                 "--year", "2024", "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "o" / "demo_index_index.csv", dtype={"region_code": str},
                        encoding="utf-8-sig").set_index("region_code")
    # min-max to 0..100: tax 10/20/30 -> 0/50/100; energy is a cost: 1/3/2 -> 100/0/50
    assert table.loc["330001", "index"] == pytest.approx(50.0)
    assert table.loc["330002", "index"] == pytest.approx(25.0)
    assert table.loc["330003", "index"] == pytest.approx(75.0)
    assert table["rank"].to_dict() == {"330003": 1, "330001": 2, "330002": 3}
    assert table.loc["330003", "name"] == "丙县"


def test_index_uncertainty_writes_rank_intervals(files: tuple[Path, Path],
                                                 tmp_path: Path) -> None:
    config, data = files
    # geometric means need values > 0: normalise onto [1, 100]
    config.write_text(CONFIG.replace("low: 0", "low: 1"), encoding="utf-8")
    args = ["index", "uncertainty", "--config", str(config), "--data", str(data), "--year",
            "2024", "--runs", "200", "--seed", "3", "--out", str(tmp_path / "u"), "--sobol", "64",
            "--report"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(tmp_path / "u" / "demo_index_rank_uncertainty.csv",
                          dtype={"region_code": str}, encoding="utf-8-sig")
    assert list(summary.columns[:3]) == ["region_code", "name", "nominal"]
    assert (summary["q05"] <= summary["median"]).all()
    assert (summary["median"] <= summary["q95"]).all()
    html = (tmp_path / "u" / "demo_index_report.html").read_text(encoding="utf-8")
    assert "排名稳健性" in html and "丙县" in html and 'src="http' not in html
    assert (tmp_path / "u" / "demo_index_rank_intervals.svg").is_file()
    sobol = pd.read_csv(tmp_path / "u" / "demo_index_sobol.csv", encoding="utf-8-sig")
    assert set(sobol["choice"]) == {"weights", "aggregation"}
    again = runner.invoke(app, args)
    assert again.exit_code == 0
    assert (tmp_path / "u" / "demo_index_rank_uncertainty.csv").read_text(encoding="utf-8-sig") \
        == summary.to_csv(index=False, float_format="%.10g")


def _html_tables(page: str) -> list[list[list[str]]]:
    """Every data table of a report page as rows of cell texts (header rows included)."""
    return [[re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
             for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, flags=re.S)]
            for table in re.findall(r'<table class="dataframe data">(.*?)</table>', page,
                                    flags=re.S)]


def test_uncertainty_report_tables_have_chinese_headers(files: tuple[Path, Path],
                                                        tmp_path: Path) -> None:
    config, data = files
    config.write_text(CONFIG.replace("low: 0", "low: 1"), encoding="utf-8")
    result = runner.invoke(app, ["index", "uncertainty", "--config", str(config), "--data",
                                 str(data), "--year", "2024", "--runs", "200", "--seed", "3",
                                 "--out", str(tmp_path / "u"), "--sobol", "64", "--report"])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "u" / "demo_index_report.html").read_text(encoding="utf-8")
    ranks, sobol = _html_tables(page)
    assert ranks[0] == ["", "评价对象", "名义排名", "中位排名", "5%分位排名", "95%分位排名",
                        "平均排名"]
    assert ranks[1][0] == "代码"
    assert sobol[0] == ["", "一阶指数 S1", "S1 置信区间半宽", "总效应指数 ST",
                        "ST 置信区间半宽"]
    assert sobol[1][0] == "不确定的选择"
    assert sorted(r[0] for r in sobol[2:]) == sorted(["权重", "汇总方法"])
    # each row under its header: the CSV (identifiers, for code) holds the same figures
    summary = pd.read_csv(tmp_path / "u" / "demo_index_rank_uncertainty.csv",
                          dtype={"region_code": str}, encoding="utf-8-sig")
    assert list(summary.columns[2:]) == ["nominal", "median", "q05", "q95", "mean"]
    shown = {r[0]: r[1:] for r in ranks[2:]}
    assert sorted(shown) == sorted(summary["region_code"])
    for r in summary.to_dict("records"):
        row = shown[str(r["region_code"])]
        assert row[:2] == [r["name"], str(r["nominal"])]
        assert row[2:5] == [f"{r['median']:.2f}", f"{r['q05']:.2f}", f"{r['q95']:.2f}"]
    english = {"name", "nominal", "median", "q05", "q95", "mean", "S1", "S1_conf", "ST",
               "ST_conf", "choice", "region_code", "weights", "aggregation"}
    assert not english & {cell for table in (ranks, sobol) for row in table for cell in row}


def test_bad_index_configuration_names_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(CONFIG.replace("direction: -1", "direction: 2").replace(
        "index: {tax_per_mu: 1, energy_per_va: 1}", "index: {tax_per_mu: 1, water: 1}"),
        encoding="utf-8")
    with pytest.raises(SchemeError) as info:
        load_index_config(bad)
    text = info.value.render()
    assert "bad.yaml:5" in text and "indicators.energy_per_va.direction" in text


# --- unit groups and denominators (issue 16, points 4 and 11) -----------------------------

GROUPED = """\
id: grouped
name: 分组补缺示例
group_column: mountain
indicators:
  x1: {label: 指标一}
  x2: {label: 指标二}
hierarchy:
  index: {x1: 1, x2: 1}
spec: {imputation: group_mean, treat_outliers: false}
uncertainty:
  imputation: [group_mean, group_median]
"""

GROUPED_TABLE = """region_code,year,x1,x2,mountain
A,2024,10,2,1
B,2024,20,,1
C,2024,30,4,1
D,2024,40,10,0
E,2024,50,20,0
"""


def test_group_imputation_from_the_configuration_and_cli(tmp_path: Path) -> None:
    # By hand: B's x2 is missing; its group (mountain = 1) has x2 = 2 and 4, mean 3 (the mean
    # over all units would be 9). min-max onto [0, 100]: x1 = 0, 25, 50, 75, 100;
    # x2 = (2, 3, 4, 10, 20) -> 0, 100/18, 200/18, 800/18, 100. Equal weights:
    # B = (25 + 5.5556)/2 = 15.2778 < C = (50 + 11.111)/2 = 30.5556, so B ranks 4th
    # (with the overall mean B would get (25 + 38.889)/2 = 31.94 and rank 3rd).
    (tmp_path / "g.yaml").write_text(GROUPED, encoding="utf-8")
    (tmp_path / "g.csv").write_text(GROUPED_TABLE, encoding="utf-8")
    result = runner.invoke(app, ["index", "build", "--config", str(tmp_path / "g.yaml"),
                                 "--data", str(tmp_path / "g.csv"), "--year", "2024",
                                 "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "o" / "grouped_index.csv", encoding="utf-8-sig",
                        index_col=0)
    assert table.loc["B", "index"] == pytest.approx((25 + 100 / 18) / 2)
    assert table["rank"].to_dict() == {"E": 1, "D": 2, "C": 3, "B": 4, "A": 5}
    result = runner.invoke(app, ["index", "uncertainty", "--config", str(tmp_path / "g.yaml"),
                                 "--data", str(tmp_path / "g.csv"), "--year", "2024",
                                 "--runs", "50", "--out", str(tmp_path / "u")])
    assert result.exit_code == 0, result.output


def test_group_imputation_without_a_group_column_is_a_configuration_error(
        tmp_path: Path) -> None:
    path = tmp_path / "g.yaml"
    path.write_text(GROUPED.replace("group_column: mountain\n", ""), encoding="utf-8")
    with pytest.raises(SchemeError) as info:
        load_index_config(path)
    text = info.value.render()
    assert "g.yaml:8" in text and "spec.imputation" in text and "group_column" in text
    assert "g.yaml:10" in text and "uncertainty.imputation" in text


PER_CAPITA = """\
id: percap
name: 人均示例
indicators:
  gdp: {label: 地区生产总值, unit: 亿元}
hierarchy:
  index: {gdp: 1}
denominators:
  gdp: {by: population, scale: 10000, unit: 元/人}
spec: {treat_outliers: false}
"""


def test_denominators_per_capita_from_a_unit_table(tmp_path: Path) -> None:
    # gdp (亿元) / population (万人) x 10000 = 元 per person: A 100/50 -> 20000,
    # B 300/100 -> 30000, C 120/80 -> 15000. min-max: A (20000 - 15000)/15000 x 100 = 33.33,
    # B 100, C 0 -- undenominated, A (100) would rank below C (120).
    (tmp_path / "p.yaml").write_text(PER_CAPITA, encoding="utf-8")
    (tmp_path / "d.csv").write_text("region_code,year,gdp\nA,2024,100\nB,2024,300\n"
                                    "C,2024,120\nA,2023,1\nB,2023,1\nC,2023,1\n",
                                    encoding="utf-8")
    (tmp_path / "units.csv").write_text("region_code,population\nA,50\nB,100\nC,80\n",
                                        encoding="utf-8")
    args = ["index", "build", "--config", str(tmp_path / "p.yaml"), "--data",
            str(tmp_path / "d.csv"), "--year", "2024", "--out", str(tmp_path / "o")]
    result = runner.invoke(app, [*args, "--unit-data", str(tmp_path / "units.csv")])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "o" / "percap_index.csv", encoding="utf-8-sig",
                        index_col=0)
    assert table["index"].to_dict() == pytest.approx({"B": 100.0, "A": 100 / 3, "C": 0.0})
    # without --unit-data the denominator must be a column of --data: said so, no traceback
    result = runner.invoke(app, args)
    assert result.exit_code != 0 and "population" in str(result.exception)
    # a zero population: C's value is missing, and the command says so
    (tmp_path / "units.csv").write_text("region_code,population\nA,50\nB,100\nC,0\n",
                                        encoding="utf-8")
    result = runner.invoke(app, [*args, "--unit-data", str(tmp_path / "units.csv")])
    assert result.exit_code == 0, result.output
    assert "denominator 'population' is missing or zero for 1 unit(s) (C)" in result.output


def test_coinr_style_uncertainty_options_in_the_configuration(files: tuple[Path, Path],
                                                              tmp_path: Path) -> None:
    config, data = files
    config.write_text(CONFIG.replace("low: 0, high: 100}", "low: 1, high: 100, z_mean: 10, "
                                     "z_sd: 2, winmax: 3}")
                      .replace("  weights: {spread: 0.25}\n  aggregation: [arithmetic, "
                               "geometric]\n",
                               "  weights: {spread: 0.25, levels: [1]}\n"
                               "  normalisation: [minmax, zscore]\n"
                               "  winmax: [1, 5]\n  sobol_estimator: coinr\n"),
                      encoding="utf-8")
    loaded = load_index_config(config)
    assert (loaded.spec.z_mean, loaded.spec.z_sd, loaded.spec.winmax) == (10.0, 2.0, 3)
    assert loaded.uncertainty.winmax == (1, 5)
    assert loaded.uncertainty.weights is not None and loaded.uncertainty.weights.levels == (1,)
    result = runner.invoke(app, ["index", "uncertainty", "--config", str(config), "--data",
                                 str(data), "--year", "2024", "--runs", "50", "--sobol", "16",
                                 "--out", str(tmp_path / "u")])
    assert result.exit_code == 0, result.output
    sobol = pd.read_csv(tmp_path / "u" / "demo_index_sobol.csv", encoding="utf-8-sig")
    assert list(sobol["choice"]) == ["weights", "winsorisation", "normalisation"]
