"""The hand-over on generated data through the real run store: two years of a demo county's
departmental exports are taken in (intakes I0001 = 2021, I0002 = 2022); the demo portfolio's
projects are linked to that county's firms; a firm that is 规下 (or absent) in I0001 and 规上 in
I0002 is detected as 新升规 with I0002's month; 达产 commitments are checked against I0002's
enterprise rows, and a hand-made case pins the tolerance arithmetic."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tiangong.cli.main import app
from tiangong.demo import generate
from tiangong.demo.exports import write_exports
from tiangong.demo.projects import generate_projects
from tiangong.projects.config import load_config
from tiangong.projects.handover import (
    Roster,
    check_commitments,
    detect_upgrades,
    link_problems,
    rosters_from_store,
)
from tiangong.projects.portfolio import Portfolio
from tiangong.runs import RunStore, intake_table, list_intakes

SEED, YEAR = 7, 2022
CONFIG = load_config()


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Portfolio]:
    root = tmp_path_factory.mktemp("handover")
    tables = generate(400, SEED, year=YEAR, years=2)
    store = root / "runs.duckdb"
    runner = CliRunner()
    for y in (YEAR - 1, YEAR):
        manifest = write_exports(tables, root / f"exports_{y}", SEED, y)
        result = runner.invoke(app, ["intake", str(manifest.out_dir), "--year", str(y),
                                     "--out", str(root / f"canonical_{y}"), "--store",
                                     str(store)])
        assert result.exit_code == 0, result.output
    portfolio = generate_projects(tables["enterprises"], SEED, YEAR, n=60)
    return store, portfolio


def test_new_above_scale_detected_from_the_next_intake(stored: tuple[Path, Portfolio]) -> None:
    store, p = stored
    rosters = rosters_from_store(store)
    assert [(r.label, r.year) for r in rosters] == [("I0001", 2021), ("I0002", 2022)]
    with RunStore(store, read_only=True) as st:
        records = list_intakes(st)
        sizes = {r.year: intake_table(st, r, "enterprises").to_pandas()
                 .set_index("uscc")["size_class"] for r in records}
        month_2022 = records[1].created_at[:7]
    found = detect_upgrades(p, rosters)
    upgraded = found[found["status"] == "新升规"]
    assert len(upgraded) >= 2
    for row in upgraded.itertuples():
        # the definition, read straight from the stored intakes
        assert sizes[2022][row.uscc] == "above"
        assert sizes[2021].get(row.uscc, "absent") != "above"
        assert (row.roster, row.year, row.month) == ("I0002", 2022, month_2022)
    for row in found[found["status"] == "已是规上"].itertuples():
        assert sizes[2021][row.uscc] == "above"
    for row in found[found["status"] == "尚未规上"].itertuples():
        assert sizes[2022][row.uscc] == "below"
    # every project in production was linked to a firm the intakes know
    assert link_problems(p, CONFIG, rosters, dt.date(YEAR, 9, 30)).empty


def test_capacity_commitments_against_the_review_year(stored: tuple[Path, Portfolio]) -> None:
    store, p = stored
    with RunStore(store, read_only=True) as st:
        review = intake_table(st, list_intakes(st)[1], "enterprises").to_pandas()
    checked = check_commitments(p, CONFIG, review, YEAR)
    tax = checked[checked["indicator"] == "tax_per_mu"]
    unknown = tax[tax["holds"].isna()]
    assert unknown["reason"].str.contains("无法复核").all()  # no data: said, not failed
    tax = tax[tax["holds"].notna()]
    assert set(tax["holds"]) == {True, False}  # the demo has both outcomes
    firms = review.set_index("uscc")
    for row in tax.itertuples():
        actual = firms.at[row.uscc, "eval_tax"] / firms.at[row.uscc, "land_area"]
        assert row.actual == pytest.approx(actual)
        assert row.holds == (actual >= row.committed * 0.95)


def test_tolerance_by_hand() -> None:
    # firm: 评价税收 290 万元 on 10 亩 → 亩均税收 29.0; tolerance 5 %:
    # committed 30 → limit 28.5 → holds; committed 31 → limit 29.45 → fails
    projects = pd.DataFrame([{"project_id": pid, "name": pid, "town_name": "甲镇",
                              "county_code": "", "town_code": "", "team": "t",
                              "industry_code": "3421", "uscc": "U1",
                              "total_investment": 10000, "fixed_investment": 8000,
                              "land_mu": 10} for pid in ("P30", "P31")])
    stages = pd.DataFrame([{"project_id": "P30", "stage": "sign", "planned": "2020-01-01",
                            "actual": "2020-01-01"}])
    commitments = pd.DataFrame([{"project_id": "P30", "indicator": "tax_per_mu", "value": 30},
                                {"project_id": "P31", "indicator": "tax_per_mu", "value": 31}])
    p = Portfolio(projects, stages, commitments=commitments).normalised()
    review = pd.DataFrame([{"uscc": "U1", "year": 2022, "eval_tax": 290.0, "land_area": 10.0,
                            "value_added": 0.0, "energy_tce": 1.0}])
    got = check_commitments(p, CONFIG, review, 2022).set_index("project_id")
    assert list(got["holds"]) == [True, False]
    assert got.at["P30", "limit"] == pytest.approx(28.5)
    assert got.at["P31", "reason"] == ("亩均税收：实际 29.00 万元/亩，承诺 31.00，须 ≥ 29.45"
                                       "（容差 5%）→ 未达标")
    # not in the review data: said so, not counted as a failure
    missing = check_commitments(p, CONFIG, review.assign(uscc="U2"), 2022)
    assert missing["holds"].isna().all()
    assert "评价数据中无该企业" in missing["reason"].iloc[0]


def test_roster_months_order() -> None:
    """A firm below in the first roster and above in the second is 新升规 in the second."""
    projects = pd.DataFrame([{"project_id": "P", "name": "P", "town_name": "甲镇",
                              "county_code": "", "town_code": "", "team": "t",
                              "industry_code": "3421", "uscc": "U1", "total_investment": 1.0,
                              "fixed_investment": 1.0, "land_mu": 1.0}])
    p = Portfolio(projects, pd.DataFrame(columns=["project_id", "stage", "planned", "actual"])
                  ).normalised()
    r1 = Roster("A", 2023, "2024-02", pd.DataFrame({"uscc": ["U1"], "size_class": ["below"]}))
    r2 = Roster("B", 2024, "2025-02", pd.DataFrame({"uscc": ["U1"], "size_class": ["above"]}))
    got = detect_upgrades(p, [r2, r1]).iloc[0]
    assert (got["status"], got["roster"], got["month"]) == ("新升规", "B", "2025-02")
    assert got["before"] == "A（2023）中为规下"
