"""Issue 15.1, 15.2, 15.4, 15.5: class rules real schemes have.

- several selection stages, any class, from the top or bottom of the ranking, each by its own
  measure (安阳: A from the top by one measure, then the worst class from the bottom by
  another);
- item points as values in a ranking measure, and a measure per group;
- quota tables per group (温岭: 规上 20/80/95, 规下 5/75/95);
- ranking partitions by any categorical variable, independent of the benchmark population.

Every expected class is worked by hand in the comments.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from conftest import tables

from tiangong.errors import SchemeError
from tiangong.evaluation.evaluate import evaluate
from tiangong.evaluation.scheme.loader import LoadedScheme, parse_scheme

CLASSES4 = "  classes: [{code: A, label: A类}, {code: B, label: B类}, {code: C, label: C类}," \
           " {code: D, label: D类}]\n"


def scheme(groups: str, classification: str, indicators: str = "") -> LoadedScheme:
    text = ("id: classes_test\nname: 分类测试\nindicators:\n"
            "  tax_per_mu: {label: 亩均税收, expr: eval_tax / land_area}\n" + indicators
            + "defaults: {missing: zero, zero_denominator: zero}\n"
            + "groups:\n" + groups + "classification:\n" + classification)
    return parse_scheme(text, "classes.yaml")


def run(s: LoadedScheme, rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    full = [{"size_class": "above", "land_area": 1.0, **r} for r in rows]
    return {r["uscc"]: r for r in evaluate(s, tables(full), 2022).results.to_pylist()}


TAX_ITEM = "      - {indicator: tax_per_mu, method: ratio, weight: 100, benchmark: 1, floor: 0}\n"


# --- 15.1: stages choosing any class ------------------------------------------------------------

STAGES = scheme(
    "  - id: g\n    label: 工业企业\n    select: {}\n    items:\n" + TAX_ITEM
    + "      - {indicator: rev, method: rank_only}\n"
    + "      - {indicator: energy, method: rank_only}\n",
    CLASSES4 + """\
  method: two_stage
  stages:
    - {class: A, candidates_top_share: 50, by: rev, share: 20}
    - {class: D, candidates_bottom_share: 50, by: energy, order: asc, share: 10}
  quotas: {A: 20, B: 60, C: 90, D: 100}
  rounding: floor
  ties: tiebreak
  tiebreak: [{by: eval_tax, order: desc}]
""",
    "  rev: {label: 亩均营业收入, expr: revenue / land_area}\n"
    "  energy: {label: 综合能耗, expr: energy_tce}\n")


def test_two_stages_choose_the_best_and_the_worst_class() -> None:
    revenue = {1: 1, 2: 50, 3: 2, 4: 100, 5: 3, 6: 1000}
    energy = {1: 0, 7: 1}
    rows = [{"uscc": f"F{i:02d}", "eval_tax": float(11 - i), "revenue": float(revenue.get(i, 0)),
             "energy_tce": float(energy.get(i, 10))} for i in range(1, 11)]
    res = run(STAGES, rows)
    # main ranking by score = 100 · tax: F01 … F10. Top 50 % = ⌊5⌋ = 5 firms F01–F05; A takes
    # ⌊2⌋ = 2 of them by revenue: F04 (100), F02 (50) — not F06 (1000, outside the window).
    # Bottom 50 %: rank > 10 − 5, F06–F10; D takes ⌊1⌋ = 1 by lowest energy: F07 (1) — not
    # F01 (0, outside). The other 7 in rank order F01 F03 F05 F06 F08 F09 F10 fill B and C:
    # B: rest position + 2 (the A firms) ≤ ⌊6⌋ → 4 firms; C: + 2 ≤ ⌊9⌋ → the other 3.
    classes = {u: r["class"] for u, r in res.items()}
    assert classes == {"F01": "B", "F02": "A", "F03": "B", "F04": "A", "F05": "B", "F06": "B",
                       "F07": "D", "F08": "C", "F09": "C", "F10": "C"}
    assert "综合排名后50%中按综合能耗从低到高选定" in res["F07"]["class_reason"]
    assert "综合排名前50%中按亩均营业收入从高到低选定" in res["F04"]["class_reason"]


def test_a_stage_share_must_equal_its_class_width() -> None:
    with pytest.raises(SchemeError, match="width of class D in quotas"):
        scheme("  - id: g\n    label: 组\n    select: {}\n    items:\n" + TAX_ITEM,
               CLASSES4 + """\
  method: two_stage
  stages: [{class: D, candidates_bottom_share: 50, by: tax_per_mu, order: asc, share: 5}]
  quotas: {A: 20, B: 60, C: 90, D: 100}
  rounding: floor
  ties: tiebreak
  tiebreak: [{by: eval_tax, order: desc}]
""")


# --- 15.2: item points in a measure, a measure per group -------------------------------------

POINTS = scheme(
    """\
  - id: above
    label: 规上
    select: {size_class: [above]}
    items:
      - {indicator: tax_per_mu, method: minmax, weight: 50, low: 20, high: 100, floor: 0}
      - indicator: rd
        method: steps
        steps: [{at_least: 0.03, points: 5}]
      - {indicator: va_per_energy, method: ratio, weight: 100, benchmark: 1, floor: 0}
  - id: below
    label: 规下
    select: {size_class: [below]}
    items:
      - {indicator: tax_per_mu, method: minmax, weight: 50, low: 20, high: 100, floor: 0}
      - {indicator: va_per_energy, method: ratio, weight: 100, benchmark: 1, floor: 0}
""",
    """\
  classes: [{code: A, label: A类}, {code: B, label: B类}, {code: C, label: C类}]
  rank_by: {above: "points.tax_per_mu + points.rd", below: total}
  method: quota
  quotas: {A: 34, B: 67, C: 100}
  rounding: floor
  ties: tiebreak
  tiebreak: [{by: eval_tax, order: desc}]
""",
    "  rd: {label: 研发强度, expr: rd_expense / revenue}\n"
    "  va_per_energy: {label: 单位能耗增加值, expr: value_added / energy_tce}\n")


def test_item_points_rank_the_firms_per_group() -> None:
    def firm(u: str, size: str, tax: float, rd: float, va: float) -> dict[str, Any]:
        return {"uscc": u, "size_class": size, "eval_tax": tax, "rd_expense": rd,
                "revenue": 100.0, "value_added": va, "energy_tce": 1.0}

    # value-added points: 100 · va / 1 → 100 for va 1, 1 for va 0.01
    res = run(POINTS, [firm("U1", "above", 10, 5, 1), firm("U2", "above", 20, 0, 0.01),
                       firm("U3", "above", 30, 0, 0.01), firm("L1", "below", 10, 0, 1),
                       firm("L2", "below", 20, 0, 0.01), firm("L3", "below", 30, 0, 0.01)])
    # 规上: tax points by min–max over 10..30 (group minimum and maximum, not constants):
    # U1 50·20/100 = 10, U2 50·(20 + 80·10/20)/100 = 30, U3 50; rd 5/100 = 0.05 ≥ 0.03 → U1 +5.
    # Measure tax + rd points: U1 15, U2 30, U3 50 → U3 A, U2 B, U1 C (cutoffs ⌊1.02⌋ = 1,
    # ⌊2.01⌋ = 2), although U1's total (15 + 100 value added points) is the highest.
    assert res["U1"]["points_tax_per_mu"] == pytest.approx(10.0)
    assert res["U2"]["points_tax_per_mu"] == pytest.approx(30.0)
    assert res["U1"]["score"] == pytest.approx(115.0)
    assert [res[u]["class"] for u in ("U3", "U2", "U1")] == ["A", "B", "C"]
    # 规下 ranks by total: L1 10 + 100 = 110, L2 30 + 1, L3 50 + 1 → L1 A, L3 B, L2 C
    assert [res[u]["class"] for u in ("L1", "L3", "L2")] == ["A", "B", "C"]


def test_a_measure_must_be_a_number_over_known_names() -> None:
    with pytest.raises(SchemeError, match=r"unknown name 'points\.rd'"):
        scheme("  - id: g\n    label: 组\n    select: {}\n    items:\n" + TAX_ITEM,
               "  classes: [{code: A, label: A}, {code: B, label: B}]\n"
               "  rank_by: points.rd\n  method: quota\n  quotas: {A: 50, B: 100}\n"
               "  rounding: floor\n  ties: tiebreak\n  tiebreak: [{by: eval_tax, order: desc}]\n")


# --- 15.4: quota tables per group ------------------------------------------------------------

WENLING = scheme(
    "  - id: above\n    label: 规上\n    select: {size_class: [above]}\n    items:\n" + TAX_ITEM
    + "  - id: below\n    label: 规下\n    select: {size_class: [below]}\n    items:\n" + TAX_ITEM,
    CLASSES4 + """\
  method: quota
  quotas: {A: 20, B: 80, C: 95, D: 100}
  group_quotas:
    below: {A: 5, B: 75, C: 95, D: 100}
  rounding: floor
  ties: tiebreak
  tiebreak: [{by: eval_tax, order: desc}]
""")


def test_each_group_has_its_own_quota_table() -> None:
    rows = [{"uscc": f"A{i:02d}", "eval_tax": float(i)} for i in range(1, 11)]
    rows += [{"uscc": f"B{i:02d}", "size_class": "below", "eval_tax": float(i)}
             for i in range(1, 21)]
    res = run(WENLING, rows)
    above = Counter(r["class"] for u, r in res.items() if u.startswith("A"))
    below = Counter(r["class"] for u, r in res.items() if u.startswith("B"))
    # 规上, 10 firms, 20/80/95: cutoffs ⌊2⌋, ⌊8⌋, ⌊9.5⌋ = 2, 8, 9 → A 2, B 6, C 1, D 1
    assert above == {"A": 2, "B": 6, "C": 1, "D": 1}
    # 规下, 20 firms, 5/75/95: cutoffs ⌊1⌋, ⌊15⌋, ⌊19⌋ → A 1, B 14, C 4, D 1
    assert below == {"A": 1, "B": 14, "C": 4, "D": 1}
    assert res["B20"]["class"] == "A" and res["A10"]["class"] == "A" and res["A09"]["class"] == "A"


def test_group_quotas_need_group_partitions() -> None:
    with pytest.raises(SchemeError, match="group_quotas need 'group' in partition_by"):
        scheme("  - id: g\n    label: 组\n    select: {}\n    items:\n" + TAX_ITEM,
               CLASSES4 + "  partition_by: [county_code]\n  method: quota\n"
               "  quotas: {A: 20, B: 80, C: 95, D: 100}\n"
               "  group_quotas: {g: {A: 5, B: 75, C: 95, D: 100}}\n"
               "  rounding: floor\n  ties: tiebreak\n  tiebreak: [{by: eval_tax, order: desc}]\n")


# --- 15.5: partitions by any categorical variable -------------------------------------------

TOWNS = scheme(
    "  - id: g\n    label: 组\n    select: {}\n    items:\n"
    "      - {indicator: tax_per_mu, method: ratio, weight: 30, benchmark: {kind: group_mean},"
    " floor: 0}\n",
    "  classes: [{code: A, label: A}, {code: B, label: B}]\n  partition_by: [town_name]\n"
    "  method: quota\n  quotas: {A: 50, B: 100}\n  rounding: floor\n  ties: tiebreak\n"
    "  tiebreak: [{by: eval_tax, order: desc}]\n")


def test_ranking_by_town_with_the_benchmark_over_the_whole_group() -> None:
    rows = [{"uscc": "F1", "eval_tax": 1.0, "town_name": "东城"},
            {"uscc": "F2", "eval_tax": 2.0, "town_name": "西城"},
            {"uscc": "F3", "eval_tax": 3.0, "town_name": "西城"},
            {"uscc": "F4", "eval_tax": 6.0, "town_name": "东城"}]
    res = run(TOWNS, rows)
    # benchmark: the group's mean over all four firms, (1 + 2 + 3 + 6) / 4 = 3, not per town:
    # points 30·1/3 = 10, 20, 30, 60. Ranked per town (2 firms, A ⌊1⌋ = 1):
    # 东城 F4 A, F1 B; 西城 F3 A, F2 B.
    assert [res[f]["score"] for f in ("F1", "F2", "F3", "F4")] == pytest.approx([10, 20, 30, 60])
    assert [res[f]["class"] for f in ("F1", "F2", "F3", "F4")] == ["B", "B", "A", "A"]
    assert res["F1"]["partition"] == "东城" and res["F1"]["partition_size"] == 2


def test_a_number_is_not_a_partition() -> None:
    with pytest.raises(SchemeError, match="partition_by 'land_area' is a number"):
        scheme("  - id: g\n    label: 组\n    select: {}\n    items:\n" + TAX_ITEM,
               "  classes: [{code: A, label: A}, {code: B, label: B}]\n"
               "  partition_by: [land_area]\n  method: quota\n  quotas: {A: 50, B: 100}\n"
               "  rounding: floor\n  ties: tiebreak\n  tiebreak: [{by: eval_tax, order: desc}]\n")
