"""The built-in schemes load, validate and evaluate; 淮安 2024 against hand arithmetic.

淮安 2024 (docs/domain.md §4, "less exact"): items 亩均税收 45, 亩均销售收入 35, 单位能(电)耗税收
20, each `weight × value / (2 × prior-year group mean)` capped at its weight (ASSUMPTION in the
file), plus bonus steps, minus 5 per tenant. Expected numbers below are written out from that
formula, never taken from the code.
"""

from __future__ import annotations

import datetime as dt
import re
from importlib import resources
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import tables
from pydantic import BaseModel

from tiangong.errors import DataError
from tiangong.evaluation import canonical
from tiangong.evaluation.evaluate import Evaluation, evaluate
from tiangong.evaluation.publish import publish
from tiangong.evaluation.scheme import classification, model
from tiangong.evaluation.scheme.loader import builtin_ids, load_scheme
from tiangong.evaluation.scheme.validate import check_scheme

BUILTINS = ["huangyan_2022", "huaian_2024", "template"]
COUNTY = "320803"  # 淮安区
TOL = 1e-9


@pytest.mark.parametrize("scheme_id", BUILTINS)
def test_builtin_loads_and_validates(scheme_id: str) -> None:
    assert scheme_id in builtin_ids()
    loaded = load_scheme(scheme_id)
    assert loaded.scheme.id == scheme_id
    assert loaded.source == f"builtin:{scheme_id}"
    assert check_scheme(loaded.scheme) == []


@pytest.mark.parametrize("scheme_id", ["huangyan_2022", "huaian_2024"])
def test_every_assumption_is_marked_in_the_file(scheme_id: str) -> None:
    loaded = load_scheme(scheme_id)
    assert loaded.scheme.assumptions
    assert loaded.text.count("# ASSUMPTION") >= 3


def test_huaian_scheme_states_the_published_facts() -> None:
    s = load_scheme("huaian_2024").scheme
    assert s.classification.partition_by == ("county_code",)
    assert s.classification.quotas == {"A": 20, "B": 60, "C": 95, "D": 100}
    for group in s.groups:
        weights = [i.weight for i in group.items]
        assert weights == [45, 35, 20]
        for item in group.items:
            assert item.benchmark is not None
            assert (item.benchmark.kind, item.benchmark.factor) == ("prior_year_mean", 2)
    below = s.groups[1].select
    assert below.land_area is not None
    assert (below.land_area.min, below.land_area.min_inclusive) == (3, True)


# ── 淮安 2024 on two years of hand-made data ───────────────────────────────────────────────


def _firm(uscc: str, year: int, size: str = "above", **kw: Any) -> dict[str, Any]:
    return {"uscc": uscc, "year": year, "county_code": COUNTY, "size_class": size, **kw}


PRIOR = [  # 2023: the benchmarks come from these
    _firm("P1", 2023, land_area=10, eval_tax=100, revenue=1000, energy_tce=50),
    _firm("P2", 2023, land_area=20, eval_tax=100, revenue=3000, energy_tce=100),
    _firm("Q1", 2023, "below", land_area=5, eval_tax=10, revenue=100, electricity=20),
    _firm("Q2", 2023, "below", land_area=4, eval_tax=20, revenue=300, electricity=10),
    # a utility in 2023 is T and must not enter the prior-year mean
    _firm("P9", 2023, land_area=1, eval_tax=1000, revenue=9000, energy_tce=1,
          industry_code="4411"),
]
CURRENT = [  # 2024
    _firm("F1", 2024, land_area=10, eval_tax=180, revenue=2000, energy_tce=90,
          rd_expense=80, tech_invest=1200),
    _firm("F2", 2024, land_area=10, eval_tax=50, revenue=500, energy_tce=0),
    _firm("F3", 2024, land_area=10, eval_tax=60, revenue=800, energy_tce=30,
          production_date=dt.date(2023, 6, 1)),
    _firm("F4", 2024, land_area=10, eval_tax=20, revenue=300, energy_tce=None),
    _firm("U1", 2024, land_area=10, eval_tax=90, revenue=900, energy_tce=9,
          industry_code="4511"),
    _firm("G1", 2024, "below", land_area=3, eval_tax=6, revenue=90, electricity=4),
    _firm("G2", 2024, "below", land_area=2.9, eval_tax=6, revenue=90, electricity=4),
]
TENANCIES = [{"year": 2024, "landlord_uscc": "F1", "tenant_uscc": "X1", "land_area": 1.0}]


def _run(rows: list[dict[str, Any]]) -> Evaluation:
    return evaluate(load_scheme("huaian_2024"), tables(rows, tenancies=TENANCIES), 2024)


@pytest.fixture(scope="module")
def huaian() -> dict[str, dict[str, Any]]:
    return {r["uscc"]: r for r in _run(PRIOR + CURRENT).results.to_pylist()}


def test_huaian_hand_computed_score_of_one_firm(huaian: dict[str, dict[str, Any]]) -> None:
    # prior-year 规上 means (P9 is T in 2023 and left out):
    #   亩均税收 (100/10 + 100/20) / 2 = 7.5 → benchmark 15
    #   亩均销售收入 (1000/10 + 3000/20) / 2 = 125 → benchmark 250
    #   单位能耗税收 (100/50 + 100/100) / 2 = 1.5 → benchmark 3
    tax = min(45 * (180 / 10) / 15, 45)  # 54 → capped at 45
    sales = min(35 * (2000 / 10) / 250, 35)  # 28
    energy = min(20 * (180 / 90) / 3, 20)  # 13.333…
    bonus = 2 + 2  # R&D 80/2000 = 4 % (≥ 3 %: +2); 技改 1200 万元 (≥ 1000: +2)
    penalty = 5 * 1  # one tenant
    expected = tax + sales + energy + bonus - penalty
    row = huaian["F1"]
    assert row["points_tax_per_mu"] == pytest.approx(45, abs=TOL)
    assert row["points_revenue_per_mu"] == pytest.approx(28, abs=TOL)
    assert row["points_tax_per_energy"] == pytest.approx(40 / 3, abs=TOL)
    assert row["bonus"] == pytest.approx(4, abs=TOL)
    assert row["penalty"] == pytest.approx(5, abs=TOL)
    assert row["score"] == pytest.approx(expected, abs=TOL)
    assert expected == pytest.approx(85.3333333333, abs=1e-9)
    assert row["class"] == "A"


def test_huaian_zero_and_missing_energy_cost_three_points(
        huaian: dict[str, dict[str, Any]]) -> None:
    f2, f4 = huaian["F2"], huaian["F4"]
    assert f2["points_tax_per_energy"] == -3
    assert f4["points_tax_per_energy"] == -3
    # F2: 45 × 5/15 + 35 × 50/250 − 3 = 15 + 7 − 3
    assert f2["score"] == pytest.approx(15 + 7 - 3, abs=TOL)
    # F4: 45 × 2/15 + 35 × 30/250 − 3 = 6 + 4.2 − 3
    assert f4["score"] == pytest.approx(6 + 4.2 - 3, abs=TOL)


def test_huaian_below_group_uses_its_own_prior_year_mean(
        huaian: dict[str, dict[str, Any]]) -> None:
    # 规下 prior means: 亩均税收 (2 + 5)/2 = 3.5 → 7; 亩均销售收入 (20 + 75)/2 = 47.5 → 95;
    # 单位电耗税收 (10/20 + 20/10)/2 = 1.25 → 2.5
    g1 = huaian["G1"]
    assert g1["group"] == "below"  # exactly 3 亩 is in (≥ 3)
    expected = min(45 * 2 / 7, 45) + min(35 * 30 / 95, 35) + min(20 * 1.5 / 2.5, 20)
    assert g1["score"] == pytest.approx(expected, abs=TOL)
    assert huaian["G2"]["group"] is None  # 2.9 亩 is not evaluated
    assert huaian["G2"]["class"] is None


def test_huaian_t_for_utilities_and_recent_production(
        huaian: dict[str, dict[str, Any]]) -> None:
    for uscc in ("U1", "F3"):  # division 45; production started 2023 (1 year < 2)
        assert huaian[uscc]["class"] == "T"
        assert huaian[uscc]["score"] is None  # scored: false
        assert huaian[uscc]["rank"] is None


def test_huaian_classes_per_county(huaian: dict[str, dict[str, Any]]) -> None:
    # ranked: F1 85.3, G1 ≈ 35.9, F2 19, F4 7.2 → 4 firms (T not counted), rounded half up:
    # A ≤ round(0.8) = 1, B ≤ round(2.4) = 2, C ≤ round(3.8) = 4, D the rest (none)
    classes = {u: huaian[u]["class"] for u in ("F1", "G1", "F2", "F4")}
    assert classes == {"F1": "A", "G1": "B", "F2": "C", "F4": "C"}
    assert {huaian[u]["partition_size"] for u in classes} == {4}


def test_huaian_needs_the_prior_year() -> None:
    with pytest.raises(DataError, match="prior year"):
        _run(CURRENT)


# ── the template runs end to end ────────────────────────────────────────────────────────────


def _t(uscc: str, year: int, **kw: Any) -> dict[str, Any]:
    base = dict(size_class="above", land_area=10.0, eval_tax=100.0, value_added=500.0,
                revenue=3000.0, energy_tce=100.0, emissions=1.0, employees=50.0,
                rd_expense=60.0, electricity=100.0)
    return {"uscc": uscc, "year": year, **base, **kw}


def test_template_evaluates_with_every_special_class() -> None:
    rows = [_t(f"P{i}", 2023, eval_tax=50.0 + 10 * i) for i in range(5)]
    rows += [_t(f"F{i:02d}", 2024, eval_tax=30.0 + 15 * i, value_added=300.0 + 50 * i)
             for i in range(12)]
    rows += [_t("U01", 2024, industry_code="4411"),
             _t("N01", 2024, founded_date=dt.date(2023, 5, 1)),
             _t("R01", 2024, production_date=dt.date(2021, 3, 1)),
             _t("L01", 2024, land_area=None),
             _t("S01", 2024, size_class="below", land_area=2.0, eval_tax=20.0)]
    ev = evaluate(load_scheme("template"), tables(rows), 2024)
    by = {r["uscc"]: r for r in ev.results.to_pylist()}
    assert by["U01"]["class"] == "免评" and by["U01"]["score"] is None
    assert by["N01"]["class"] == "T"
    assert by["L01"]["class"] == "T"  # missing land: the rule of tax_per_mu
    assert by["R01"]["class"] == "不定等级" and by["R01"]["policy_class"] == "B"
    assert by["S01"]["class"] == "仅计算"
    # compute-only: tax 20 / 2 亩 = 10 万元/亩 against the constant 11.5932, weight 100
    assert by["S01"]["score"] == pytest.approx(100 * 10 / 11.5932, abs=TOL)
    assert {by[f"F{i:02d}"]["class"] for i in range(12)} <= {"A", "B", "C", "D"}
    assert by["F11"]["class"] == "A"


def test_template_publishes_with_the_default_outputs(tmp_path: Path) -> None:
    """Issue 15.11: the template lists revenue_per_mu as rank_only and scores it in no group;
    the 公示 shows its value and no points column (there are no points), instead of refusing
    the results for lacking points_revenue_per_mu."""
    rows = [_t(f"P{i}", 2023, eval_tax=50.0 + 10 * i) for i in range(5)]
    rows += [_t(f"F{i:02d}", 2024, eval_tax=30.0 + 15 * i) for i in range(12)]
    loaded = load_scheme("template")
    ev = evaluate(loaded, tables(rows), 2024)
    paths = publish(ev.results, loaded.scheme, 2024, "r1", tmp_path, ("parquet", "csv", "xlsx"))
    assert [p.name for p in paths] == ["results.parquet", "results.csv", "gongshi.xlsx"]
    book = openpyxl.load_workbook(paths[2], read_only=True)
    cells = [c for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row]
    assert "亩均营业收入(万元/亩)" in cells and "亩均营业收入得分" not in cells
    assert 3000.0 / 10.0 in cells  # revenue 3000 万元 / 10 亩


# ── the reference documents every key ───────────────────────────────────────────────────────

DOC = Path(__file__).resolve().parents[1] / "docs" / "scheme-format.md"


def _models() -> list[type[BaseModel]]:
    found = []
    for module in (model, classification):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseModel) and \
                    value.__module__ == module.__name__:
                found.append(value)
    return found


@pytest.mark.parametrize("cls", _models(), ids=lambda c: c.__name__)
def test_every_scheme_key_is_documented(cls: type[BaseModel]) -> None:
    text = DOC.read_text(encoding="utf-8")
    for name, info in cls.model_fields.items():
        key = info.alias or name
        assert f"`{key}`" in text, f"{cls.__name__}.{key} is not in docs/scheme-format.md"


def test_every_variable_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    names = [c.name for c in canonical.ENTERPRISE_COLUMNS] + list(canonical.DERIVED_VARIABLES)
    missing = [n for n in names if not re.search(rf"`{n}`", text)]
    assert not missing


def test_builtin_files_are_package_data() -> None:
    files = {f.name for f in resources.files("tiangong.evaluation.scheme.builtin").iterdir()}
    assert {f"{b}.yaml" for b in BUILTINS} <= files
