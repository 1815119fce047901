"""Regional aggregation: expected numbers are worked out by hand in the comments."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tiangong.demo.generator import generate
from tiangong.errors import DataError
from tiangong.evaluation.evaluate import evaluate
from tiangong.regions import aggregate, aggregate_run, column_labels, read_regions, with_labels
from tiangong.regions.divisions import ZHEJIANG_MOUNTAIN_VERSIONS, Regions
from tiangong.runs.store import RunStore

SHARED = Path("/work/shared/data/zhejiang_divisions.csv")
T1, T2 = "331003001", "331003002"


def firm(uscc: str, town: str, cls: str | None, year: int = 2022, group: str | None = "below",
         special: str | None = None, **values: Any) -> dict[str, Any]:
    return {"uscc": uscc, "year": year, "county_code": town[:6], "town_code": town,
            "town_name": {T1: "东城街道", T2: "西城街道"}.get(town, "某镇"), "group": group,
            "special_class": special, "class": cls, **values}


def split(rows: list[dict[str, Any]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(results, inputs) frames from combined rows."""
    res_cols = ["uscc", "year", "county_code", "town_code", "town_name", "group",
                "special_class", "class"]
    df = pd.DataFrame(rows)
    inputs = df.drop(columns=[c for c in res_cols[2:] if c in df.columns])
    inputs["size_class"] = "below"
    return df[res_cols], inputs


# Town 1: f1 (10 亩, tax 100, va 200, energy 50, A), f2 (90 亩, tax 90, va 300, energy 30, D).
# Town 2: f3 (20 亩, tax 40, va missing, energy 10, B), f4 (30 亩, tax 30, va 100, energy missing,
# B), f5 (5 亩, tax missing, not in any group), f6 (10 亩, tax 20, va 50, energy 5, special T).
ROWS_2022 = [
    firm("F1", T1, "A", group="above", land_area=10.0, eval_tax=100.0, value_added=200.0,
         energy_tce=50.0),
    firm("F2", T1, "D", land_area=90.0, eval_tax=90.0, value_added=300.0, energy_tce=30.0),
    firm("F3", T2, "B", land_area=20.0, eval_tax=40.0, value_added=None, energy_tce=10.0),
    firm("F4", T2, "B", land_area=30.0, eval_tax=30.0, value_added=100.0, energy_tce=None),
    firm("F5", T2, None, group=None, land_area=5.0, eval_tax=None),
    firm("F6", T2, "T", special="T", land_area=10.0, eval_tax=20.0, value_added=50.0,
         energy_tce=5.0),
]
# 2021: town 1 tax 95 on 100 亩 (F1 50, F2 45), F1 class B; town 2: F3 300 tax on 60 亩.
ROWS_2021 = [
    firm("F1", T1, "B", year=2021, group="above", land_area=10.0, eval_tax=50.0),
    firm("F2", T1, "D", year=2021, land_area=90.0, eval_tax=45.0),
    firm("F3", T2, "B", year=2021, land_area=60.0, eval_tax=300.0),
]


@pytest.fixture(scope="module")
def towns() -> pd.DataFrame:
    return aggregate(*split(ROWS_2022), level="town").set_index("region_code")


def test_ratios_are_ratios_of_sums_over_firms_reporting_both(towns: pd.DataFrame) -> None:
    # town 1: (100 + 90) / (10 + 90) = 1.9, not the mean of 10 and 1 (5.5)
    assert towns.loc[T1, "tax_per_mu"] == pytest.approx(1.9)
    # town 2: F5 has no tax, so its 5 亩 leave the denominator: (40+30+20)/(20+30+10) = 1.5
    assert towns.loc[T2, "tax_per_mu"] == pytest.approx(1.5)
    assert towns.loc[T2, "land"] == pytest.approx(65.0)  # totals keep every firm's land
    assert towns.loc[T2, "tax"] == pytest.approx(90.0)
    # energy per value added: town 1 (50+30)/(200+300) = 0.16; town 2 only F6: 5/50 = 0.1
    assert towns.loc[T1, "energy_per_va"] == pytest.approx(0.16)
    assert towns.loc[T2, "energy_per_va"] == pytest.approx(0.1)
    assert towns.loc[T1, "region_name"] == "东城街道"
    assert towns.loc[T1, "parent_code"] == "331003"


def test_counts_and_class_shares(towns: pd.DataFrame) -> None:
    t1, t2 = towns.loc[T1], towns.loc[T2]
    assert (t1["n_enterprises"], t1["n_A"], t1["n_D"], t1["n_rated"]) == (2, 1, 1, 2)
    assert (t1["share_A"], t1["share_D"], t1["share_B"]) == (0.5, 0.5, 0.0)
    # town 2: 4 firms, 3 in a group (F5 is not), 2 rated B, 1 special (T)
    assert (t2["n_enterprises"], t2["n_evaluated"], t2["n_excluded"]) == (4, 3, 1)
    assert (t2["n_B"], t2["n_rated"], t2["n_special"]) == (2, 2, 1)
    assert t2["share_B"] == 1.0
    assert t2["share_special"] == pytest.approx(1 / 3)
    assert (t1["n_group_above"], t1["n_group_below"], t2["n_group_below"]) == (1, 1, 3)


def test_share_of_parent(towns: pd.DataFrame) -> None:
    # county tax 190 + 90 = 280; land 100 + 65 = 165
    assert towns.loc[T1, "tax_share_parent"] == pytest.approx(190 / 280)
    assert towns.loc[T2, "land_share_parent"] == pytest.approx(65 / 165)
    assert towns.loc[T2, "n_enterprises_share_parent"] == pytest.approx(4 / 6)


def test_year_on_year_from_prior_pair_frame_or_multi_year_results() -> None:
    current = split(ROWS_2022)
    prior = split(ROWS_2021)
    out = aggregate(*current, level="town", prior=prior).set_index("region_code")
    assert list(out["year"].unique()) == [2022]
    # town 1 tax 95 → 190: +100 %; tax per mu 0.95 → 1.9: +100 %; A share 0 → 0.5
    assert out.loc[T1, "tax_yoy"] == pytest.approx(1.0)
    assert out.loc[T1, "tax_per_mu_yoy"] == pytest.approx(1.0)
    assert out.loc[T1, "share_A_diff"] == pytest.approx(0.5)
    # town 2 tax per mu 5.0 → 1.5: −70 %; rank 1 → 2 (town 1 went 2 → 1)
    assert out.loc[T2, "tax_per_mu_yoy"] == pytest.approx(-0.7)
    assert out.loc[T1, "tax_per_mu_rank_change"] == 1
    assert out.loc[T2, "tax_per_mu_rank_change"] == -1
    # an earlier aggregate frame or one two-year table give the same numbers
    before = aggregate(*prior, level="town")
    again = aggregate(*current, level="town", prior=before).set_index("region_code")
    assert again.loc[T2, "tax_per_mu_yoy"] == pytest.approx(-0.7)
    both = aggregate(*split(ROWS_2021 + ROWS_2022), level="town")
    assert both[both["year"] == 2022].set_index("region_code").loc[T1, "tax_yoy"] == \
        pytest.approx(1.0)
    assert math.isnan(both[both["year"] == 2021]["tax_yoy"].iloc[0])


def county_rows() -> list[dict[str, Any]]:
    # city 331000: 331002 5.0 (50/10), 331003 5.0 (100/20), 331004 3.0 (30/10);
    # float noise: 331021 (0.1+0.2)/2 and 331022 0.3/2 are equal at 12 digits → tie
    return [
        firm("A1", "331004001", "A", eval_tax=30.0, land_area=10.0),
        firm("A2", "331003001", "A", eval_tax=100.0, land_area=20.0),
        firm("A3", "331002001", "B", eval_tax=50.0, land_area=10.0),
        firm("A4", "331022001", "B", eval_tax=0.3, land_area=2.0),
        firm("A5", "331021001", "B", eval_tax=0.1, land_area=1.0),
        firm("A6", "331021002", "B", eval_tax=0.2, land_area=1.0),
        firm("A7", "330102001", "C", eval_tax=1.0, land_area=1.0),
    ]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ranks_with_ties_are_deterministic(seed: int) -> None:
    rows = county_rows()
    np.random.default_rng(seed).shuffle(rows)
    out = aggregate(*split(rows), level="county").set_index("region_code")
    rank = out["tax_per_mu_rank"].to_dict()
    tied = out["tax_per_mu_rank_tied"].to_dict()
    # peers = same city: 331002 and 331003 tie at 5.0 → code order; 331004 third;
    # 331021/331022 tie at 0.15 → code order, both tied for 4th
    assert [rank[c] for c in ("331002", "331003", "331004", "331021", "331022")] == \
        [1, 2, 3, 4, 5]
    assert [tied[c] for c in ("331002", "331003", "331004", "331021", "331022")] == \
        [1, 1, 3, 4, 4]
    assert out.loc["331002", "tax_per_mu_n_peers"] == 5
    assert (rank["330102"], out.loc["330102", "tax_per_mu_n_peers"]) == (1, 1)  # 杭州 alone
    everyone = aggregate(*split(rows), level="county", peers="all").set_index("region_code")
    assert everyone.loc["330102", "tax_per_mu_rank"] == 4  # 1.0 is below 5, 5, 3
    assert everyone.loc["331021", "tax_per_mu_rank"] == 5


def test_city_level_and_lower_is_better_direction() -> None:
    out = aggregate(*split(county_rows()), level="city",
                    rank_by={"tax_per_mu": True, "land": False}).set_index("region_code")
    # 台州 331000: (30+100+50+0.3+0.1+0.2)/(10+20+10+2+1+1) = 180.6/44; 杭州 1.0
    assert out.loc["331000", "tax_per_mu"] == pytest.approx(180.6 / 44)
    assert out.loc["331000", "parent_code"] == "330000"
    assert out.loc["330100", "land_rank"] == 1  # smallest land ranks first when asked


@pytest.fixture
def regions_csv(tmp_path: Path) -> Path:
    path = tmp_path / "regions.csv"
    path.write_text(
        "code,name,level,parent_code,m2021,m2024,island\n"
        "331000,台州市,city,330000,,,\n"
        "331002,椒江区,district,331000,0,0,0\n"
        "331003,黄岩区,district,331000,1,0,0\n"
        "331004,路桥区,district,331000,0,1,0\n"
        "331021,玉环县,county,331000,0,0,1\n"
        "331022,三门县,county,331000,1,1,0\n", encoding="utf-8")
    return path


def test_attribute_groups_follow_membership_of_the_year(regions_csv: Path) -> None:
    regs = read_regions(regions_csv, versions={"mountain": [("m2021", 2021), ("m2024", 2024)]})
    members = regs.attribute("mountain", [2022, 2024])
    ones = members[members["value"] == "1"]
    assert sorted(ones[ones["year"] == 2022]["code"]) == ["331003", "331022"]
    assert sorted(ones[ones["year"] == 2024]["code"]) == ["331004", "331022"]
    rows = county_rows()
    rows += [{**r, "year": 2024} for r in rows]
    out = aggregate(*split(rows), level="mountain", regions=regs).set_index(
        ["year", "region_code"])
    # 2022 mountain: 331003 (100/20) + 331022 (0.3/2) → 100.3/22; 2024: 331004 + 331022
    assert out.loc[(2022, "1"), "tax_per_mu"] == pytest.approx(100.3 / 22)
    assert out.loc[(2024, "1"), "tax_per_mu"] == pytest.approx(30.3 / 12)
    assert out.loc[(2022, "1"), "tax_share_parent"] == pytest.approx(100.3 / 181.6)
    # 330102 is not in the table: its group is unknown (NA) but it is still counted
    assert out.loc[2022]["n_enterprises"].sum() == 7
    ranked = aggregate(*split(rows), level="county", regions=regs, peers="mountain")
    r22 = ranked[ranked["year"] == 2022].set_index("region_code")
    assert r22.loc["331022", "tax_per_mu_rank"] == 2  # behind 331003 among 2022 mountain
    assert r22.loc["331002", "region_name"] == "椒江区"


def test_bad_inputs_raise_data_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="neither"):
        aggregate(*split(ROWS_2022), level="nowhere")
    path = tmp_path / "dupe.csv"
    path.write_text("code,name,level\n331003,黄岩区,county\n331003,黄岩,county\n"
                    "331004,路桥,planet\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_regions(path)
    text = str(info.value)
    assert "dupe.csv:3 [code]" in text and "dupe.csv:4 [level]" in text


def test_default_hierarchy_from_codes() -> None:
    regs = Regions.from_codes(["331003001", "330102"])
    levels = regs.units.set_index("code")["level"].to_dict()
    assert levels == {"330000": "province", "330100": "city", "330102": "county",
                      "331000": "city", "331003": "county", "331003001": "town"}
    assert regs.ancestor(pd.Series(["331003001"]), "city").tolist() == ["331000"]


def test_every_column_has_a_chinese_label(towns: pd.DataFrame) -> None:
    frame = towns.reset_index()
    labels = column_labels(frame.columns, {"above": "规上"})
    assert all(labels[c] != c for c in frame.columns), [c for c in labels if labels[c] == c]
    assert labels["tax_per_mu"] == "亩均税收(万元/亩)"
    assert labels["n_group_above"] == "参评企业数(规上)"
    assert labels["tax_per_mu_rank_change"] == "亩均税收(万元/亩)排名变化(上升为正)"
    assert "亩均税收(万元/亩)" in with_labels(frame).columns


def test_demo_county_towns_reconcile_with_inputs() -> None:
    ev = evaluate("huangyan_2022", generate("county", 1), 2022)
    towns = aggregate(ev.results, ev.inputs, "town")
    county = aggregate(ev.results, ev.inputs, "county")
    assert len(county) == 1 and county["region_code"].iloc[0] == "331003"
    inputs = ev.inputs["enterprises"].to_pandas()
    inputs = inputs[inputs["year"] == 2022]
    for source, total in (("land_area", "land"), ("eval_tax", "tax"),
                          ("value_added", "value_added"), ("energy_tce", "energy"),
                          ("employees", "employees")):
        assert towns[total].sum() == pytest.approx(county[total].iloc[0], rel=1e-12)
        assert county[total].iloc[0] == pytest.approx(inputs[source].sum(), rel=1e-12)
    results = ev.results.to_pandas()
    assert towns["n_enterprises"].sum() == len(results) == county["n_enterprises"].iloc[0]
    assert towns["n_A"].sum() == (results["class"] == "A").sum()
    assert towns["tax_share_parent"].sum() == pytest.approx(1.0)
    assert sorted(towns["tax_per_mu_rank"].tolist()) == list(range(1, len(towns) + 1))


@pytest.mark.skipif(not SHARED.exists(), reason="shared Zhejiang divisions file not present")
def test_reads_the_shared_zhejiang_divisions_file() -> None:
    regs = read_regions(SHARED, versions=ZHEJIANG_MOUNTAIN_VERSIONS)
    assert regs.units["level"].value_counts().to_dict() == {"county": 90, "city": 11}
    mountain = regs.attribute("mountain_county", [2022, 2023, 2024, 2025])
    sizes = mountain[mountain["value"] == "1"].groupby("year").size().to_dict()
    assert sizes == {2022: 26, 2023: 26, 2024: 25, 2025: 22}
    island = regs.attribute("island_county", [2022])
    assert (island["value"] == "1").sum() == 6
    out = aggregate(*split(county_rows()), level="city", regions=regs).set_index("region_code")
    assert out.loc["331000", "region_name"] == "台州市"


def test_population_filter() -> None:
    rated = aggregate(*split(ROWS_2022), level="town", population="rated").set_index(
        "region_code")
    # town 2 without F5 (no group) and F6 (special): tax (40+30)/(20+30) = 1.4
    assert rated.loc[T2, "n_enterprises"] == 2
    assert rated.loc[T2, "tax_per_mu"] == pytest.approx(1.4)


def test_stored_run_aggregates_like_the_evaluation(tmp_path: Path) -> None:
    data = generate(400, 3)
    ev = evaluate("huangyan_2022", data, 2022)
    with RunStore(tmp_path / "runs.duckdb") as store:
        rid = store.save(ev).id
        stored = aggregate_run(store, rid, "town")
    direct = aggregate(ev.results, ev.inputs, "town")
    pd.testing.assert_frame_equal(stored, direct)


def test_aggregate_xlsx_is_byte_identical_when_rerun(tmp_path: Path) -> None:
    import time

    import openpyxl
    from typer.testing import CliRunner

    from tiangong.cli.main import app

    ev = evaluate("huangyan_2022", generate(400, 3), 2022)
    with RunStore(tmp_path / "runs.duckdb") as store:
        rid = store.save(ev).id
        expected = aggregate_run(store, rid, "town").set_index("region_code")
    books = []
    for n in (1, 2):
        if n == 2:
            time.sleep(1.1)  # a creation stamp taken from the clock would now differ
        book = tmp_path / f"towns{n}.xlsx"
        result = CliRunner().invoke(app, ["regions", "aggregate", "--run", rid, "--level",
                                          "town", "--store", str(tmp_path / "runs.duckdb"),
                                          "--out", str(book)])
        assert result.exit_code == 0, result.output
        books.append(book.read_bytes())
    assert books[0] == books[1]
    sheet = openpyxl.load_workbook(tmp_path / "towns1.xlsx").worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert "亩均税收(万元/亩)" in header and "tax_per_mu" not in header
    code_at, tax_at = header.index("区划代码"), header.index("亩均税收(万元/亩)")
    got = {r[code_at]: r[tax_at] for r in rows[1:]}
    assert all(isinstance(code, str) for code in got)  # codes stay text
    assert got == pytest.approx(expected["tax_per_mu"].to_dict(), rel=1e-12)
