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
