"""The built-in 黄岩区 2022 scheme against the worked numbers of docs/domain.md §4.

Every expected number is written out from the published formula, never taken from the code:
规上 = 亩均税收/24.097×30 + 亩均增加值/136.16×20 + 单位能耗增加值/2.694×20
     + 单位排放增加值/4929.81×10 + 全员劳动生产率/18.14×10 + R&D占比/0.0302×10
规下 = 亩均税收/11.5932×50 + 单位用电税收/0.2352×50
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest
from conftest import tables

from tiangong.evaluation.evaluate import Evaluation, evaluate
from tiangong.evaluation.scheme.loader import load_scheme

TOL = 1e-9

# The worked 规上 firm of §4.
ABOVE = dict(eval_tax=300.0, land_area=10.0, value_added=1500.0, energy_tce=500.0,
             emissions=0.25, employees=80.0, rd_expense=400.0, revenue=10000.0)
ABOVE_ITEMS = {
    "tax_per_mu": 300 / 10 / 24.097 * 30,
    "va_per_mu": 1500 / 10 / 136.16 * 20,
    "va_per_energy": 1500 / 500 / 2.694 * 20,
    "va_per_emission": 1500 / 0.25 / 4929.81 * 10,
    "labour_productivity": 1500 / 80 / 18.14 * 10,
    "rd_share": 400 / 10000 / 0.0302 * 10,
}
ABOVE_PUBLISHED = {
    "tax_per_mu": "37.3490", "va_per_mu": "22.0329", "va_per_energy": "22.2717",
    "va_per_emission": "12.1709", "labour_productivity": "10.3363", "rd_share": "13.2450",
}
# The worked 规下 firm: tax 60, land 5, electricity 200 (万kWh).
BELOW = dict(eval_tax=60.0, land_area=5.0, electricity=200.0)
BELOW_ITEMS = {"tax_per_mu": 60 / 5 / 11.5932 * 50, "tax_per_kwh": 60 / 200 / 0.2352 * 50}


def _above(uscc: str, **kw: Any) -> dict[str, Any]:
    return {"uscc": uscc, "size_class": "above", **ABOVE, **kw}


def _below(uscc: str, **kw: Any) -> dict[str, Any]:
    return {"uscc": uscc, "size_class": "below", **BELOW, **kw}


def _run(rows: list[dict[str, Any]], events: list[dict[str, Any]] | None = None) -> Evaluation:
    return evaluate(load_scheme("huangyan_2022"), tables(rows, events), 2022)


def _by_uscc(ev: Evaluation) -> dict[str, dict[str, Any]]:
    return {r["uscc"]: r for r in ev.results.to_pylist()}


def test_worked_above_firm_items_and_total() -> None:
    row = _by_uscc(_run([_above("91331003A00000001X")]))["91331003A00000001X"]
    assert row["group"] == "above"
    for ind, expected in ABOVE_ITEMS.items():
        assert row[f"points_{ind}"] == pytest.approx(expected, abs=TOL), ind
        assert f"{row[f'points_{ind}']:.4f}" == ABOVE_PUBLISHED[ind], ind
        assert row[f"imputed_{ind}"] is None
    total = sum(ABOVE_ITEMS.values())
    assert row["score"] == pytest.approx(total, abs=TOL)
    assert f"{row['score']:.4f}" == "117.4058"
    assert row["items_score"] == pytest.approx(total, abs=TOL)
    assert row["bonus"] == 0 and row["penalty"] == 0
    # indicator values in their published units (R&D share a fraction, not a percent)
    assert row["value_tax_per_mu"] == pytest.approx(30.0)
    assert row["value_va_per_emission"] == pytest.approx(6000.0)
    assert row["value_rd_share"] == pytest.approx(0.04)
    # a 规上 firm is not scored on the 规下 items
    assert row["points_tax_per_kwh"] is None


def test_worked_below_firm_items_and_total() -> None:
    row = _by_uscc(_run([_below("91331003B00000001X")]))["91331003B00000001X"]
    assert row["group"] == "below"
    for ind, expected in BELOW_ITEMS.items():
        assert row[f"points_{ind}"] == pytest.approx(expected, abs=TOL), ind
    assert f"{row['points_tax_per_mu']:.4f}" == "51.7545"
    assert f"{row['points_tax_per_kwh']:.4f}" == "63.7755"
    assert row["value_tax_per_kwh"] == pytest.approx(0.3)  # 元/kWh = 万元/万kWh
    assert row["score"] == pytest.approx(sum(BELOW_ITEMS.values()), abs=TOL)
    assert f"{row['score']:.4f}" == "115.5300"
    assert row["points_va_per_mu"] is None


def test_missing_emission_data_gets_mean_item_score_of_firms_with_data() -> None:
    rows = [
        _above("91331003E00000001X", value_added=1500.0, emissions=0.25),  # 6000 万元/吨
        _above("91331003E00000002X", value_added=1500.0, emissions=0.75),  # 2000
        _above("91331003E00000003X", value_added=1800.0, emissions=0.2),  # 9000
        _above("91331003E00000004X", value_added=1500.0, emissions=None),  # no emission data
        _above("91331003E00000005X", value_added=1500.0, emissions=0.0),  # zero = no data
        _below("91331003E00000006X"),  # another group: not in the 规上 mean
    ]
    res = _by_uscc(_run(rows))
    per_firm = [6000 / 4929.81 * 10, 2000 / 4929.81 * 10, 9000 / 4929.81 * 10]
    published = ["12.1709", "4.0570", "18.2563"]
    for i, (expected, text) in enumerate(zip(per_firm, published, strict=True), start=1):
        pts = res[f"91331003E0000000{i}X"]["points_va_per_emission"]
        assert pts == pytest.approx(expected, abs=TOL)
        assert f"{pts:.4f}" == text
        assert res[f"91331003E0000000{i}X"]["imputed_va_per_emission"] is None
    mean = (6000 / 4929.81 * 10 + 2000 / 4929.81 * 10 + 9000 / 4929.81 * 10) / 3
    fourth = res["91331003E00000004X"]
    assert fourth["value_va_per_emission"] is None
    assert fourth["points_va_per_emission"] == pytest.approx(mean, abs=TOL)
    assert f"{fourth['points_va_per_emission']:.4f}" == "11.4947"
    assert fourth["imputed_va_per_emission"] == "missing:group_mean"
    # the other items of the fourth firm are computed normally
    assert fourth["points_tax_per_mu"] == pytest.approx(300 / 10 / 24.097 * 30, abs=TOL)
    # ASSUMPTION in the built-in scheme: zero emissions are treated like missing data
    fifth = res["91331003E00000005X"]
    assert fifth["points_va_per_emission"] == pytest.approx(mean, abs=TOL)
    assert fifth["imputed_va_per_emission"] == "zero_denominator:group_mean"
    # the imputed firm's total is the sum of its items with the mean in place
    others = sum(v for k, v in ABOVE_ITEMS.items() if k != "va_per_emission")
    assert fourth["score"] == pytest.approx(others + mean, abs=TOL)


def test_other_missing_values_score_zero_as_the_scheme_states() -> None:
    res = _by_uscc(_run([_above("91331003M00000001X", rd_expense=None, energy_tce=0.0)]))
    row = res["91331003M00000001X"]
    assert row["points_rd_share"] == 0.0
    assert row["imputed_rd_share"] == "missing:zero"
    assert row["points_va_per_energy"] == 0.0
    assert row["imputed_va_per_energy"] == "zero_denominator:zero"
    # the only firm with emission data is itself: its own item score stands
    expected = (ABOVE_ITEMS["tax_per_mu"] + ABOVE_ITEMS["va_per_mu"]
                + ABOVE_ITEMS["va_per_emission"] + ABOVE_ITEMS["labour_productivity"])
    assert row["score"] == pytest.approx(expected, abs=TOL)


def test_negative_tax_is_floored_at_zero_points() -> None:
    row = _by_uscc(_run([_above("91331003N00000001X", eval_tax=-50.0)]))["91331003N00000001X"]
    assert row["value_tax_per_mu"] == pytest.approx(-5.0)
    assert row["points_tax_per_mu"] == 0.0


def test_below_firms_under_three_mu_are_not_evaluated() -> None:
    rows = [
        _below("91331003L00000001X", land_area=2.999),
        _below("91331003L00000002X", land_area=3.0),  # 3 亩 is in (≥ 3)
        _below("91331003L00000003X", land_area=None),  # unknown land: not in the group
        _above("91331003L00000004X", land_area=1.0),  # 规上: no land minimum
    ]
    res = _by_uscc(_run(rows))
    for uscc in ("91331003L00000001X", "91331003L00000003X"):
        row = res[uscc]
        assert row["group"] is None and row["class"] is None and row["score"] is None
        assert row["rank"] is None
        assert row["class_label"] == "未纳入评价"
    # issue 15, point 20: the results (and so every output and `explain`) name the condition
    # each group asks and what the firm has
    assert res["91331003L00000001X"]["class_reason"] == (
        "不符合任何评价组的纳入条件：规上工业企业：规模为规下（要求为规上）；"
        "规下工业企业：用地面积2.999亩（要求不低于3亩）")  # as the source has it, not "3.0亩"
    assert res["91331003L00000003X"]["class_reason"] == (
        "不符合任何评价组的纳入条件：规上工业企业：规模为规下（要求为规上）；"
        "规下工业企业：用地面积缺失（要求不低于3亩）")
    assert res["91331003L00000002X"]["group"] == "below"
    assert res["91331003L00000002X"]["score"] == pytest.approx(
        60 / 3 / 11.5932 * 50 + 60 / 200 / 0.2352 * 50, abs=TOL)
    assert res["91331003L00000004X"]["group"] == "above"
    # nobody disappears: excluded firms stay in the results
    assert len(res) == 4


def _twenty_above(prefix: str = "91331003R") -> list[dict[str, Any]]:
    # distinct taxes 400, 390, ..., 210: rank i+1 for tax 400 - 10 i
    return [_above(f"{prefix}{i:08d}X", eval_tax=400.0 - 10 * i) for i in range(20)]


def test_special_classes_exempt_and_not_yet_evaluated() -> None:
    rows = [
        *_twenty_above(),
        _above("91331003S00000001X", industry_code="4411", eval_tax=9999.0),  # 电力: 免评
        _above("91331003S00000002X", founded_date=dt.date(2021, 6, 1), eval_tax=9999.0),  # T
        _above("91331003S00000003X", founded_date=dt.date(2020, 1, 1)),  # 2 years: evaluated
        _below("91331003S00000004X", industry_code="4610"),  # 水: 免评 in 规下 too
    ]
    res = _by_uscc(_run(rows))
    exempt = res["91331003S00000001X"]
    assert exempt["special_class"] == "免评" and exempt["class"] == "免评"
    assert exempt["class_label"] == "免于评价"
    assert exempt["score"] is None  # scored: false
    assert exempt["rank"] is None
    assert "免于评价" in exempt["class_reason"]
    t = res["91331003S00000002X"]
    assert t["special_class"] == "T" and t["class"] == "T" and t["class_label"] == "暂不评价"
    assert t["score"] is not None  # scored: true, shown
    assert t["rank"] is None
    assert "暂不评价" in t["class_reason"]
    assert res["91331003S00000003X"]["special_class"] is None
    assert res["91331003S00000003X"]["class"] in ("A", "B", "C", "D")
    assert res["91331003S00000004X"]["class"] == "免评"
    # neither special class counts in the quota denominator: 20 + the 2-year-old firm
    sizes = {r["partition_size"] for r in res.values() if r["group"] == "above"}
    assert sizes == {21}
    # the huge taxes of the special firms do not push anyone down the ranking
    assert res["91331003R00000000X"]["rank"] == 1


def _class_counts(ev: Evaluation, group: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in ev.results.to_pylist():
        if r["group"] == group and r["special_class"] is None:
            counts[r["class"]] = counts.get(r["class"], 0) + 1
    return counts


def test_assumed_quotas_round_half_up_per_group() -> None:
    ev = _run(_twenty_above())
    n = 20
    a = math.floor(n * 0.20 + 0.5)
    b = math.floor(n * 0.60 + 0.5)
    c = math.floor(n * 0.95 + 0.5)
    assert _class_counts(ev, "above") == {"A": a, "B": b - a, "C": c - b, "D": n - c}
    res = _by_uscc(ev)
    assert [res[f"91331003R{i:08d}X"]["class"] for i in range(20)] == (
        ["A"] * 4 + ["B"] * 8 + ["C"] * 7 + ["D"])
    assert res["91331003R00000000X"]["class_label"] == "优先发展类"
    assert res["91331003R00000019X"]["class_label"] == "倒逼整治类"


def test_adjustments_major_safety_accident_and_environmental_violation() -> None:
    rows = _twenty_above()
    events = [
        # top firm (A): major safety accident → D
        {"uscc": "91331003R00000000X", "year": 2022, "event_type": "safety_accident",
         "severity": "major"},
        # rank 2 (A): a general accident does not trigger the veto
        {"uscc": "91331003R00000001X", "year": 2022, "event_type": "safety_accident",
         "severity": "general"},
        # rank 5 (B): environmental violation → one class down
        {"uscc": "91331003R00000004X", "year": 2022, "event_type": "env_violation"},
        # rank 20 (D): downgrade cannot go below the last class
        {"uscc": "91331003R00000019X", "year": 2022, "event_type": "env_violation"},
        # rank 3 (A): an event of another year does not count
        {"uscc": "91331003R00000002X", "year": 2021, "event_type": "safety_accident",
         "severity": "major"},
    ]
    res = _by_uscc(_run(rows, events))
    top = res["91331003R00000000X"]
    assert top["class"] == "D" and top["policy_class"] == "D"
    assert "安全生产事故" in top["class_reason"]
    assert top["rank"] == 1  # the ranking itself is unchanged
    assert res["91331003R00000001X"]["class"] == "A"
    assert res["91331003R00000002X"]["class"] == "A"
    down = res["91331003R00000004X"]
    assert down["class"] == "C"
    assert "环境违法" in down["class_reason"]
    assert res["91331003R00000019X"]["class"] == "D"
    # the quota places of the others are not refilled by an adjustment
    assert res["91331003R00000003X"]["class"] == "A"
    assert res["91331003R00000005X"]["class"] == "B"


def test_every_firm_has_a_chinese_class_reason() -> None:
    rows = [*_twenty_above(), _below("91331003X00000001X"),
            _below("91331003X00000002X", land_area=1.0),
            _above("91331003X00000003X", industry_code="4500")]
    ev = _run(rows)
    for r in ev.results.to_pylist():
        reason = r["class_reason"]
        assert reason and any("\u4e00" <= ch <= "\u9fff" for ch in reason), r["uscc"]
