"""Every item-scoring family of docs/domain.md §3, on small inline schemes.

Expected points are written out from the family's formula in each test (w·x/b, the affine
min–max, w·(2 − x/b), step tables, per-unit bonus and penalty), never computed by the code under
test. Firms are all 规上 in one group unless a test says otherwise.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from typing import Any

import pytest
from conftest import tables

from tiangong.errors import DataError, SchemeError
from tiangong.evaluation.evaluate import Evaluation, evaluate
from tiangong.evaluation.scheme.loader import LoadedScheme, parse_scheme

TOL = 1e-9

INDICATORS = """\
indicators:
  tax_per_mu: {label: 亩均税收, expr: eval_tax / land_area, unit: 万元/亩}
  rev_per_mu: {label: 亩均营业收入, expr: revenue / land_area, unit: 万元/亩}
  rev_per_energy: {label: 单位能耗营业收入, expr: revenue / energy_tce, unit: 万元/吨标准煤}
  energy_per_rev: {label: 单位营业收入能耗, expr: energy_tce / revenue, unit: 吨标准煤/万元}
  staff: {label: 职工人数, expr: employees, unit: 人}
"""
SPECIALS = """\
special_classes:
  - {code: T, label: 暂不评价, when: "age_years < 2", scored: true, in_denominator: false}
"""
CLASSES = """\
classification:
  classes: [{code: A, label: 优先发展类}, {code: B, label: 提升发展类},
            {code: C, label: 调控帮扶类}, {code: D, label: 倒逼整治类}]
  method: quota
  quotas: {A: 20, B: 60, C: 95, D: 100}
  rounding: floor
  ties: tiebreak
  tiebreak: [{by: eval_tax, order: desc}]
"""


def make_scheme(items: str, *, group_extra: str = "",
                defaults: str = "defaults: {missing: zero, zero_denominator: zero}\n",
                specials: str = SPECIALS, select: str = "{size_class: [above]}") -> LoadedScheme:
    """A one-group scheme; `items` and `group_extra` are YAML lines at group-key indentation."""
    text = (
        "id: family_test\nname: 评分方法测试\n" + INDICATORS + defaults + specials
        + "groups:\n  - id: all\n    label: 规上工业企业\n"
        + f"    select: {select}\n    items:\n"
        + textwrap.indent(textwrap.dedent(items).strip("\n"), "      ") + "\n"
        + textwrap.indent(textwrap.dedent(group_extra).strip("\n"), "    ")
        + ("\n" if group_extra else "") + CLASSES
    )
    return parse_scheme(text, "inline.yaml")


def firm(uscc: str, **kw: Any) -> dict[str, Any]:
    return {"uscc": uscc, "size_class": "above", "land_area": 10.0, **kw}


def run(scheme: LoadedScheme, rows: list[dict[str, Any]], **kw: Any) -> dict[str, dict[str, Any]]:
    year = kw.pop("year", 2022)
    ev = evaluate(scheme, tables(rows, **kw), year)
    return {r["uscc"]: r for r in ev.results.to_pylist()}


def evaluation(scheme: LoadedScheme, rows: list[dict[str, Any]]) -> Evaluation:
    return evaluate(scheme, tables(rows), 2022)


# --- ratio to a benchmark: w·x/b ------------------------------------------------------------


def test_ratio_to_published_constant() -> None:
    s = make_scheme("- {indicator: rev_per_mu, method: ratio, weight: 40, benchmark: 25.5}")
    res = run(s, [firm("U1", revenue=300.0), firm("U2", revenue=80.0, land_area=4.0)])
    assert res["U1"]["points_rev_per_mu"] == pytest.approx(40 * (300 / 10) / 25.5, abs=TOL)
    assert res["U2"]["points_rev_per_mu"] == pytest.approx(40 * (80 / 4) / 25.5, abs=TOL)
    assert res["U1"]["score"] == pytest.approx(40 * 30 / 25.5, abs=TOL)


def test_ratio_to_current_group_mean() -> None:
    s = make_scheme("""
        - indicator: rev_per_mu
          method: ratio
          weight: 40
          benchmark: {kind: group_mean}
        """)
    rows = [firm("U1", revenue=100.0), firm("U2", revenue=200.0), firm("U3", revenue=600.0),
            firm("U4"),  # no revenue: not in the mean, scores 0 (missing: zero)
            # T firm (scored, not evaluated): not in the benchmark either
            firm("U5", revenue=9000.0, founded_date=dt.date(2022, 3, 1))]
    res = run(s, rows)
    mean = (10 + 20 + 60) / 3
    for uscc, x in (("U1", 10), ("U2", 20), ("U3", 60)):
        assert res[uscc]["points_rev_per_mu"] == pytest.approx(40 * x / mean, abs=TOL)
    assert res["U4"]["points_rev_per_mu"] == 0.0
    assert res["U5"]["special_class"] == "T"
    assert res["U5"]["points_rev_per_mu"] == pytest.approx(40 * 900 / mean, abs=TOL)


def test_group_mean_times_factor() -> None:
    s = make_scheme("""
        - indicator: rev_per_mu
          method: ratio
          weight: 40
          benchmark: {kind: group_mean, factor: 1.5}
        """)
    res = run(s, [firm("U1", revenue=100.0), firm("U2", revenue=300.0)])
    assert res["U1"]["points_rev_per_mu"] == pytest.approx(40 * 10 / (1.5 * 20), abs=TOL)
    assert res["U2"]["points_rev_per_mu"] == pytest.approx(40 * 30 / (1.5 * 20), abs=TOL)


PRIOR = """
- indicator: rev_per_mu
  method: ratio
  weight: 45
  benchmark: {kind: prior_year_mean, factor: 2}
"""


def test_ratio_to_prior_year_mean_times_k() -> None:
    """淮安: benchmark ≈ 2 × the county's prior-year mean."""
    s = make_scheme(PRIOR)
    rows = [
        firm("U1", year=2021, revenue=100.0), firm("U2", year=2021, revenue=300.0),
        firm("U9", year=2021, revenue=500.0),  # closed in 2022: still in the prior-year mean
        firm("U1", revenue=450.0), firm("U2", revenue=900.0),
        firm("U3", revenue=150.0),  # new in 2022
    ]
    res = run(s, rows)
    benchmark = 2 * (10 + 30 + 50) / 3
    assert set(res) == {"U1", "U2", "U3"}  # only the evaluation year is in the results
    assert res["U1"]["points_rev_per_mu"] == pytest.approx(45 * 45 / benchmark, abs=TOL)
    assert res["U2"]["points_rev_per_mu"] == pytest.approx(45 * 90 / benchmark, abs=TOL)
    assert res["U3"]["points_rev_per_mu"] == pytest.approx(45 * 15 / benchmark, abs=TOL)
    ev = evaluate(s, tables(rows), 2022)
    bm = ev.benchmarks.to_pylist()
    assert bm[0]["benchmark_kind"] == "prior_year_mean"
    assert bm[0]["benchmark"] == pytest.approx(benchmark, abs=TOL)


def test_prior_year_mean_leaves_out_that_years_special_classes() -> None:
    """The prior year is evaluated with its own events: a firm set aside then is not averaged."""
    specials = SPECIALS.replace('when: "age_years < 2"',
                                'when: "age_years < 2 or events.construction >= 1"')
    s = make_scheme(PRIOR, specials=specials)
    rows = [firm("U1", year=2021, revenue=100.0), firm("U2", year=2021, revenue=300.0),
            firm("U9", year=2021, revenue=5000.0),  # under construction in 2021: T then
            firm("U1", revenue=450.0), firm("U9", revenue=900.0)]
    events = [{"uscc": "U9", "year": 2021, "event_type": "construction"}]
    res = run(s, rows, events=events)
    benchmark = 2 * (10 + 30) / 2
    assert res["U9"]["special_class"] is None  # no event in 2022
    assert res["U1"]["points_rev_per_mu"] == pytest.approx(45 * 45 / benchmark, abs=TOL)
    assert res["U9"]["points_rev_per_mu"] == pytest.approx(45 * 90 / benchmark, abs=TOL)


def test_prior_year_benchmark_without_prior_year_rows_is_refused() -> None:
    s = make_scheme(PRIOR)
    with pytest.raises(DataError, match="2021"):
        run(s, [firm("U1", revenue=450.0)])


def test_ratio_to_group_max() -> None:
    s = make_scheme("""
        - {indicator: rev_per_mu, method: ratio, weight: 20, benchmark: {kind: group_max}}
        """)
    res = run(s, [firm("U1", revenue=100.0), firm("U2", revenue=400.0), firm("U3", revenue=250.0)])
    for uscc, x in (("U1", 10), ("U2", 40), ("U3", 25)):
        assert res[uscc]["points_rev_per_mu"] == pytest.approx(20 * x / 40, abs=TOL)


def test_cap_and_floor_on_item_points() -> None:
    s = make_scheme("""
        - {indicator: rev_per_mu, method: ratio, weight: 40, benchmark: 20, cap: 60, floor: 10}
        - {indicator: tax_per_mu, method: ratio, weight: 30, benchmark: 5, floor: 0}
        """)
    rows = [firm("U1", revenue=500.0, eval_tax=20.0),  # 40·50/20 = 100 → cap 60
            firm("U2", revenue=30.0, eval_tax=-20.0),  # 40·3/20 = 6 → floor 10; tax < 0 → 0
            firm("U3", revenue=200.0, eval_tax=40.0)]  # inside both bounds
    res = run(s, rows)
    assert res["U1"]["points_rev_per_mu"] == 60.0
    assert res["U1"]["points_tax_per_mu"] == pytest.approx(30 * 2 / 5, abs=TOL)
    assert res["U2"]["points_rev_per_mu"] == 10.0
    assert res["U2"]["points_tax_per_mu"] == 0.0
    assert res["U3"]["points_rev_per_mu"] == pytest.approx(40 * 20 / 20, abs=TOL)
    assert res["U3"]["points_tax_per_mu"] == pytest.approx(30 * 4 / 5, abs=TOL)
    assert res["U2"]["score"] == pytest.approx(10.0, abs=TOL)


def test_floor_null_keeps_negative_points() -> None:
    s = make_scheme(
        "- {indicator: tax_per_mu, method: ratio, weight: 30, benchmark: 5, floor: null}")
    res = run(s, [firm("U1", eval_tax=-20.0)])
    assert res["U1"]["points_tax_per_mu"] == pytest.approx(30 * (-2) / 5, abs=TOL)


def test_floor_must_be_stated_for_tax_items() -> None:
    with pytest.raises(SchemeError, match="floor"):
        make_scheme("- {indicator: tax_per_mu, method: ratio, weight: 30, benchmark: 5}")


# --- affine min–max: w·(low + (high − low)·(x − min)/(max − min))/100 ----------------------------


def test_minmax_default_20_to_100() -> None:
    s = make_scheme("- {indicator: rev_per_mu, method: minmax, weight: 50}")
    rows = [firm("U1", revenue=100.0), firm("U2", revenue=200.0), firm("U3", revenue=500.0),
            firm("U4")]  # missing: not the group minimum, scores 0 (missing: zero)
    res = run(s, rows)
    lo, hi = 10, 50
    for uscc, x in (("U1", 10), ("U2", 20), ("U3", 50)):
        expected = 50 * (20 + 80 * (x - lo) / (hi - lo)) / 100
        assert res[uscc]["points_rev_per_mu"] == pytest.approx(expected, abs=TOL)
    assert res["U1"]["points_rev_per_mu"] == pytest.approx(50 * 0.2, abs=TOL)
    assert res["U3"]["points_rev_per_mu"] == pytest.approx(50.0, abs=TOL)
    assert res["U4"]["points_rev_per_mu"] == 0.0


def test_minmax_custom_low_and_high() -> None:
    s = make_scheme("- {indicator: rev_per_mu, method: minmax, weight: 50, low: 40, high: 90}")
    res = run(s, [firm("U1", revenue=100.0), firm("U2", revenue=200.0),
                  firm("U3", revenue=500.0)])
    for uscc, x in (("U1", 10), ("U2", 20), ("U3", 50)):
        expected = 50 * (40 + (90 - 40) * (x - 10) / (50 - 10)) / 100
        assert res[uscc]["points_rev_per_mu"] == pytest.approx(expected, abs=TOL)


def test_minmax_all_equal_scores_high() -> None:
    # max = min: every firm is both best and worst; documented as the 'high' share of the weight
    s = make_scheme("- {indicator: rev_per_mu, method: minmax, weight: 50, low: 40, high: 90}")
    res = run(s, [firm("U1", revenue=100.0), firm("U2", revenue=100.0)])
    assert res["U1"]["points_rev_per_mu"] == pytest.approx(50 * 90 / 100, abs=TOL)


# --- inverse ratio for lower-is-better: w·(2 − x/b), 0 when x ≥ 2b ------------------------------


def test_inverse_ratio_to_constant() -> None:
    s = make_scheme("- {indicator: energy_per_rev, method: inverse, weight: 20, benchmark: 0.5}")
    rows = [firm(f"U{i}", revenue=100.0, energy_tce=e)
            for i, e in enumerate((25.0, 50.0, 99.0, 100.0, 150.0, 0.0), start=1)]
    res = run(s, rows)
    for i, x in ((1, 0.25), (2, 0.5), (3, 0.99)):
        assert res[f"U{i}"]["points_energy_per_rev"] == pytest.approx(20 * (2 - x / 0.5),
                                                                      abs=TOL)
    assert res["U2"]["points_energy_per_rev"] == pytest.approx(20.0, abs=TOL)  # x = b → w
    assert res["U4"]["points_energy_per_rev"] == 0.0  # x = 2b
    assert res["U5"]["points_energy_per_rev"] == 0.0  # x > 2b
    # zero energy is a value (0), not a zero denominator: the best score 2w
    assert res["U6"]["points_energy_per_rev"] == pytest.approx(40.0, abs=TOL)


def test_inverse_ratio_to_group_mean() -> None:
    s = make_scheme("""
        - {indicator: energy_per_rev, method: inverse, weight: 20, benchmark: {kind: group_mean}}
        """)
    res = run(s, [firm("U1", revenue=100.0, energy_tce=20.0),
                  firm("U2", revenue=100.0, energy_tce=60.0)])
    b = (0.2 + 0.6) / 2
    assert res["U1"]["points_energy_per_rev"] == pytest.approx(20 * (2 - 0.2 / b), abs=TOL)
    assert res["U2"]["points_energy_per_rev"] == pytest.approx(20 * (2 - 0.6 / b), abs=TOL)


# --- rank only, step tables ---------------------------------------------------------------------


def test_rank_only_scores_nothing_and_ranks_by_the_indicator() -> None:
    text = (
        "id: rank_only\nname: 按亩均税收排序\n" + INDICATORS
        + "groups:\n  - id: all\n    label: 全部\n    select: {size_class: [above]}\n"
        "    items: [{indicator: tax_per_mu, method: rank_only}]\n"
        + CLASSES.replace("  method: quota", "  rank_by: tax_per_mu\n  method: quota")
    )
    s = parse_scheme(text, "inline.yaml")
    rows = [firm(f"U{i}", eval_tax=float(t)) for i, t in enumerate((30, 90, 10, 50, 70), 1)]
    ev = evaluation(s, rows)
    assert "points_tax_per_mu" not in ev.results.column_names
    assert ev.benchmarks.num_rows == 0
    res = {r["uscc"]: r for r in ev.results.to_pylist()}
    assert [res[f"U{i}"]["rank"] for i in range(1, 6)] == [4, 1, 5, 3, 2]
    assert all(r["score"] is None and r["items_score"] is None for r in res.values())
    # 5 firms, floor: A ≤ ⌊1⌋, B ≤ ⌊3⌋, C ≤ ⌊4.75⌋ = 4, D the rest
    assert [res[f"U{i}"]["class"] for i in (2, 5, 4, 1, 3)] == ["A", "B", "B", "C", "D"]


def test_step_table_item() -> None:
    s = make_scheme("""
        - indicator: staff
          method: steps
          steps: [{at_least: 50, points: 3}, {at_least: 200, points: 8}, {at_least: 100, points: 5}]
        """)
    rows = [firm(f"U{i}", employees=e)
            for i, e in enumerate((10.0, 50.0, 99.0, 100.0, 250.0), start=1)]
    res = run(s, rows)
    assert [res[f"U{i}"]["points_staff"] for i in range(1, 6)] == [0.0, 3.0, 3.0, 5.0, 8.0]


def test_step_table_item_with_group_mean_for_missing_data() -> None:
    s = make_scheme("""
        - indicator: staff
          method: steps
          steps: [{at_least: 50, points: 3}, {at_least: 100, points: 5}]
          missing: group_mean
        """)
    rows = [firm("U1", employees=60.0), firm("U2", employees=120.0), firm("U3")]
    res = run(s, rows)
    assert res["U3"]["points_staff"] == pytest.approx((3 + 5) / 2, abs=TOL)
    assert res["U3"]["imputed_staff"] == "missing:group_mean"


def test_minmax_item_with_group_mean_for_missing_data() -> None:
    s = make_scheme("- {indicator: rev_per_mu, method: minmax, weight: 50, missing: group_mean}")
    rows = [firm("U1", revenue=100.0), firm("U2", revenue=300.0), firm("U3", revenue=200.0),
            firm("U4")]
    res = run(s, rows)
    pts = [50 * (20 + 80 * (x - 10) / (30 - 10)) / 100 for x in (10, 30, 20)]
    assert res["U4"]["points_rev_per_mu"] == pytest.approx(sum(pts) / 3, abs=TOL)


# --- bonus and penalty items --------------------------------------------------------------------

BASE_ITEM = "- {indicator: rev_per_mu, method: ratio, weight: 100, benchmark: 10}"


def test_bonus_per_unit_with_cap_and_bonus_steps() -> None:
    s = make_scheme(BASE_ITEM, group_extra="""
        bonus:
          - {id: rd_bonus, label: 研发加分, expr: rd_expense / 100, per_unit: 1, cap: 5}
          - id: staff_bonus
            label: 就业加分
            expr: employees
            steps: [{at_least: 100, points: 2}, {at_least: 500, points: 4}]
        """)
    rows = [firm("U1", revenue=100.0, rd_expense=250.0, employees=120.0),
            firm("U2", revenue=100.0, rd_expense=800.0, employees=600.0),
            firm("U3", revenue=100.0)]  # no data: no bonus
    res = run(s, rows)
    assert res["U1"]["value_rd_bonus"] == pytest.approx(2.5)
    assert res["U1"]["points_rd_bonus"] == pytest.approx(2.5)
    assert res["U1"]["points_staff_bonus"] == 2.0
    assert res["U1"]["bonus"] == pytest.approx(4.5)
    assert res["U1"]["score"] == pytest.approx(100 * 10 / 10 + 2.5 + 2.0, abs=TOL)
    assert res["U2"]["points_rd_bonus"] == 5.0  # 8 → cap 5
    assert res["U2"]["points_staff_bonus"] == 4.0
    assert res["U3"]["bonus"] == 0.0
    assert res["U3"]["score"] == pytest.approx(100.0, abs=TOL)


def test_penalty_per_tenant_is_uncapped() -> None:
    s = make_scheme(BASE_ITEM, group_extra="""
        penalties:
          - {id: tenants, label: 出租扣分, expr: tenant_count, per_unit: 5}
        """)
    rows = [firm("L1", revenue=300.0), firm("L2", revenue=300.0), firm("L3", revenue=300.0)]
    tenancies = [
        {"year": 2022, "landlord_uscc": "L1", "tenant_uscc": f"T{i}", "land_area": 1.0}
        for i in range(5)
    ] + [
        # the same tenant on two parcels counts once
        {"year": 2022, "landlord_uscc": "L2", "tenant_uscc": "T9", "land_area": 1.0},
        {"year": 2022, "landlord_uscc": "L2", "tenant_uscc": "T9", "land_area": 2.0},
        # a tenancy of another year does not count
        {"year": 2021, "landlord_uscc": "L3", "tenant_uscc": "T8", "land_area": 1.0},
    ]
    res = run(s, rows, tenancies=tenancies)
    assert res["L1"]["value_tenants"] == 5.0
    assert res["L1"]["points_tenants"] == pytest.approx(25.0)
    assert res["L1"]["penalty"] == pytest.approx(25.0)
    assert res["L1"]["score"] == pytest.approx(100 * 30 / 10 - 5 * 5, abs=TOL)
    assert res["L2"]["penalty"] == pytest.approx(5.0)
    assert res["L3"]["penalty"] == 0.0


def test_total_cap_and_floor() -> None:
    s = make_scheme(BASE_ITEM, group_extra="""
        penalties:
          - {id: tenants, label: 出租扣分, expr: tenant_count, per_unit: 50}
        total: {cap: 150, floor: 0}
        """)
    rows = [firm("U1", revenue=300.0), firm("U2", revenue=50.0), firm("U3", revenue=120.0)]
    tenancies = [{"year": 2022, "landlord_uscc": "U2", "tenant_uscc": "T1"}]
    res = run(s, rows, tenancies=tenancies)
    assert res["U1"]["score"] == 150.0  # 300 → cap
    assert res["U2"]["score"] == 0.0  # 50 − 50·1 = 0 … and never below
    assert res["U3"]["score"] == pytest.approx(120.0, abs=TOL)


def test_same_bonus_id_with_two_definitions_is_refused() -> None:
    text = (
        "id: two_groups\nname: 两组加分\n" + INDICATORS
        + "defaults: {missing: zero, zero_denominator: zero}\ngroups:\n"
        "  - id: above\n    label: 规上\n    select: {size_class: [above]}\n"
        f"    items: [{BASE_ITEM[2:]}]\n"
        "    bonus: [{id: rd_bonus, label: 研发加分, expr: rd_expense / 100, per_unit: 1}]\n"
        "  - id: below\n    label: 规下\n    select: {size_class: [below]}\n"
        f"    items: [{BASE_ITEM[2:]}]\n"
        "    bonus: [{id: rd_bonus, label: 研发加分, expr: rd_expense / 50, per_unit: 2}]\n"
        + CLASSES
    )
    with pytest.raises(SchemeError, match="rd_bonus"):
        parse_scheme(text, "inline.yaml")


# --- missing data and zero denominators ---------------------------------------------------------


def _rule_scheme(rule: str, kind: str) -> LoadedScheme:
    return make_scheme(f"""
        - {{indicator: rev_per_mu, method: ratio, weight: 60, benchmark: 10}}
        - {{indicator: rev_per_energy, method: ratio, weight: 40, benchmark: 2, {kind}: {rule}}}
        """)


RULE_ROWS = [
    firm("U1", revenue=200.0, energy_tce=50.0),  # 20 万元/亩, 4 万元/吨
    firm("U2", revenue=100.0, energy_tce=100.0),  # 10, 1
    firm("U3", revenue=300.0, energy_tce=None),  # energy missing
    firm("U4", revenue=300.0, energy_tce=0.0),  # zero denominator
]
OK_POINTS = {"U1": 40 * 4 / 2, "U2": 40 * 1 / 2}


@pytest.mark.parametrize(("kind", "flagged", "other"),
                         [("missing", "U3", "U4"), ("zero_denominator", "U4", "U3")])
@pytest.mark.parametrize("rule", ["zero", "group_mean", "{penalty: 3}", "reweight"])
def test_missing_and_zero_denominator_rules(kind: str, flagged: str, other: str,
                                            rule: str) -> None:
    res = run(_rule_scheme(rule, kind), RULE_ROWS)
    for uscc, pts in OK_POINTS.items():
        assert res[uscc]["points_rev_per_energy"] == pytest.approx(pts, abs=TOL)
        assert res[uscc]["imputed_rev_per_energy"] is None
    row = res[flagged]
    first = 60 * 30 / 10
    expected_points, expected_score, name = {
        "zero": (0.0, first, "zero"),
        "group_mean": ((40 * 4 / 2 + 40 * 1 / 2) / 2, first + (40 * 4 / 2 + 40 * 1 / 2) / 2,
                       "group_mean"),
        "{penalty: 3}": (-3.0, first - 3, "penalty 3"),
        # the missing item's weight is spread over the others: 60 → 100
        "reweight": (None, first * 100 / 60, "reweight"),
    }[rule]
    if expected_points is None:
        assert row["points_rev_per_energy"] is None
    else:
        assert row["points_rev_per_energy"] == pytest.approx(expected_points, abs=TOL)
    assert row["score"] == pytest.approx(expected_score, abs=TOL)
    assert row["imputed_rev_per_energy"] == f"{kind}:{name}"
    assert row["special_class"] is None and row["rank"] is not None
    # the other case falls to the scheme default (zero)
    assert res[other]["points_rev_per_energy"] == 0.0
    assert res[other]["score"] == pytest.approx(first, abs=TOL)


@pytest.mark.parametrize(("kind", "flagged"), [("missing", "U3"), ("zero_denominator", "U4")])
def test_rule_special_class_moves_the_firm_to_t(kind: str, flagged: str) -> None:
    res = run(_rule_scheme("{special_class: T}", kind), RULE_ROWS)
    row = res[flagged]
    assert row["special_class"] == "T" and row["class"] == "T"
    assert row["rank"] is None
    assert "暂不评价" in row["class_reason"]
    # not counted among the evaluated: 3 firms in the quota denominator
    assert {r["partition_size"] for r in res.values()} == {3}


def test_a_scheme_silent_on_missing_data_is_refused() -> None:
    with pytest.raises(SchemeError, match="missing"):
        make_scheme("- {indicator: rev_per_mu, method: ratio, weight: 60, benchmark: 10}",
                    defaults="defaults: {zero_denominator: zero}\n")


def test_a_scheme_silent_on_zero_denominators_is_refused() -> None:
    with pytest.raises(SchemeError, match="zero"):
        make_scheme("- {indicator: rev_per_mu, method: ratio, weight: 60, benchmark: 10}",
                    defaults="defaults: {missing: zero}\n")


def test_a_rule_naming_an_undefined_special_class_is_refused() -> None:
    with pytest.raises(SchemeError, match="X9"):
        make_scheme("""
            - {indicator: rev_per_mu, method: ratio, weight: 60, benchmark: 10,
               missing: {special_class: X9}}
            """)


def test_non_positive_group_benchmark_gives_no_points_and_a_warning() -> None:
    s = make_scheme("""
        - {indicator: tax_per_mu, method: ratio, weight: 30, benchmark: {kind: group_mean},
           floor: null}
        - {indicator: rev_per_mu, method: ratio, weight: 10, benchmark: 10}
        """)
    rows = [firm("U1", eval_tax=-30.0, revenue=100.0), firm("U2", eval_tax=10.0, revenue=100.0)]
    ev = evaluation(s, rows)
    res = {r["uscc"]: r for r in ev.results.to_pylist()}
    # mean (−3 + 1)/2 = −1: dividing by it would reward the refund; the item is left empty
    assert res["U1"]["points_tax_per_mu"] is None and res["U2"]["points_tax_per_mu"] is None
    assert res["U1"]["score"] == pytest.approx(10.0, abs=TOL)
    assert any("tax_per_mu" in w for w in ev.warnings)
