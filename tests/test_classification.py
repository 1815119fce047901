"""Every classification family of docs/domain.md §3, on small inline schemes.

The score of each firm is set directly: the one item is `revenue` scored as a ratio to 1 with
weight 1, so a firm's score equals its revenue and the tests can place firms exactly. Expected
class counts are written out from the quota arithmetic in the test.
"""

from __future__ import annotations

import math
import textwrap
from collections import Counter
from typing import Any

import pytest
from conftest import tables

from tiangong.evaluation.evaluate import evaluate
from tiangong.evaluation.scheme.loader import LoadedScheme, parse_scheme

HEAD = """\
id: class_test
name: 分类方法测试
indicators:
  points: {label: 得分, expr: revenue}
  tax_per_mu: {label: 亩均税收, expr: eval_tax / land_area, unit: 万元/亩}
  rd: {label: 研发经费, expr: rd_expense, unit: 万元}
defaults: {missing: zero, zero_denominator: zero}
groups:
  - id: all
    label: 全部企业
    select: {size_class: [above]}
    items: [{indicator: points, method: ratio, weight: 1, benchmark: 1}]
classification:
  classes: [{code: A, label: 优先发展类}, {code: B, label: 提升发展类},
            {code: C, label: 调控帮扶类}, {code: D, label: 倒逼整治类}]
"""
QUOTA = """\
method: quota
quotas: {A: 20, B: 60, C: 95, D: 100}
rounding: floor
ties: tiebreak
tiebreak: [{by: eval_tax, order: desc}]
"""


def make_scheme(classification: str = QUOTA, specials: str = "") -> LoadedScheme:
    text = (HEAD + textwrap.indent(textwrap.dedent(classification).strip("\n"), "  ") + "\n"
            + textwrap.dedent(specials))
    return parse_scheme(text, "inline.yaml")


def firm(uscc: str, score: float, **kw: Any) -> dict[str, Any]:
    return {"uscc": uscc, "size_class": "above", "land_area": 10.0, "revenue": score,
            "eval_tax": 10.0, **kw}


def run(scheme: LoadedScheme, rows: list[dict[str, Any]],
        events: list[dict[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
    ev = evaluate(scheme, tables(rows, events), 2022)
    res = {r["uscc"]: r for r in ev.results.to_pylist()}
    for r in res.values():  # every firm has a reason, in Chinese
        assert r["class_reason"], r["uscc"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in r["class_reason"]), r
    return res


def counts(res: dict[str, dict[str, Any]], partition: str | None = None) -> dict[str, int]:
    return dict(Counter(r["class"] for r in res.values()
                        if r["class"] is not None
                        and (partition is None or r["partition"] == partition)))


def classes_of(res: dict[str, dict[str, Any]], ids: list[str]) -> list[str]:
    return [res[i]["class"] for i in ids]


def ladder(n: int, prefix: str = "F", **kw: Any) -> list[dict[str, Any]]:
    """n firms with distinct scores n, n−1, …, 1: firm F01 ranks first."""
    return [firm(f"{prefix}{i:02d}", float(n + 1 - i), **kw) for i in range(1, n + 1)]


# --- cumulative quotas and their rounding -------------------------------------------------------

ROUND = {"floor": math.floor, "ceil": math.ceil,
         "round_half_up": lambda x: math.floor(x + 0.5)}


@pytest.mark.parametrize(("rounding", "expected"), [
    ("floor", {"A": 7, "B": 16, "C": 14, "D": 2}),  # ⌊7.8⌋, ⌊23.4⌋, ⌊37.05⌋
    ("round_half_up", {"A": 8, "B": 15, "C": 14, "D": 2}),  # 8, 23, 37
    ("ceil", {"A": 8, "B": 16, "C": 14, "D": 1}),  # 8, 24, 38
])
def test_cumulative_quotas_39_firms(rounding: str, expected: dict[str, int]) -> None:
    s = make_scheme(QUOTA.replace("rounding: floor", f"rounding: {rounding}"))
    res = run(s, ladder(39))
    cut = [ROUND[rounding](39 * q / 100) for q in (20, 60, 95)] + [39]
    formula = {"A": cut[0], "B": cut[1] - cut[0], "C": cut[2] - cut[1], "D": cut[3] - cut[2]}
    assert formula == expected
    assert counts(res) == expected
    # classes follow the ranking: best first
    order = [res[f"F{i:02d}"]["class"] for i in range(1, 40)]
    assert order == sorted(order)
    assert res["F01"]["class_reason"] == "按比例分档：组内第1名/共39家"


def test_d_zero_of_39_needs_a_d_share_below_one_firm() -> None:
    """'A small county published D = 0 of 39' (domain §3).

    With D = 5 % no rounding gives 0 of 39 (⌊1.95⌋ = 1 per class; cumulative ⌊37.05⌋ → 2 D,
    ⌈37.05⌉ → 1 D, see above). Rounding the cumulative C boundary up is the same as flooring the
    D count: 39 − ⌈39·0.98⌉ = ⌊39·0.02⌋ = 0, so a 2 % D quota published as D = 0 is expressible.
    """
    s = make_scheme(QUOTA.replace("C: 95", "C: 98").replace("rounding: floor", "rounding: ceil"))
    res = run(s, ladder(39))
    assert 39 - math.ceil(39 * 98 / 100) == math.floor(39 * 2 / 100) == 0
    assert counts(res).get("D", 0) == 0
    assert counts(res)["A"] == math.ceil(39 * 0.2)


def test_quota_ties_at_a_boundary() -> None:
    # A = ⌊10·20 %⌋ = 2 places; ranks 2 and 3 tie on score 90
    scores = [100, 90, 90, 80, 70, 60, 50, 40, 30, 20]
    taxes = [1, 5, 9, 1, 1, 1, 1, 1, 1, 1]
    rows = [firm(f"F{i:02d}", float(sc), eval_tax=float(t))
            for i, (sc, t) in enumerate(zip(scores, taxes, strict=True), start=1)]
    ids = ["F01", "F02", "F03", "F04"]
    tiebreak = run(make_scheme(), rows)
    # the tiebreak (评价税收, higher first) decides: F03 pays more tax
    assert classes_of(tiebreak, ids) == ["A", "B", "A", "B"]
    assert tiebreak["F03"]["rank"] == 2 and tiebreak["F02"]["rank"] == 3
    better = run(make_scheme(QUOTA.replace("ties: tiebreak", "ties: better_class")), rows)
    assert classes_of(better, ids) == ["A", "A", "A", "B"]  # A exceeds its quota by one
    worse = run(make_scheme(QUOTA.replace("ties: tiebreak", "ties: worse_class")), rows)
    assert classes_of(worse, ids) == ["A", "B", "B", "B"]  # A falls short by one
    for res in (tiebreak, better, worse):
        assert classes_of(res, ["F06", "F07", "F09", "F10"]) == ["B", "C", "C", "D"]


def test_tiebreak_falls_back_to_the_credit_code() -> None:
    rows = [firm("F02", 50.0), firm("F01", 50.0), firm("F03", 10.0)]
    res = run(make_scheme(), rows)
    assert [res[u]["rank"] for u in ("F01", "F02", "F03")] == [1, 2, 3]


# --- special classes and the quota denominator --------------------------------------------------

SPECIALS = """\
special_classes:
  - {code: 免评, label: 免于评价, when: "industry_division in ('44', '45', '46')",
     scored: false, in_denominator: false}
  - {code: T, label: 暂不评价, when: "tech_invest >= 10000", scored: true,
     in_denominator: IN_DENOMINATOR}
  - {code: 不定等级, label: 不定等级, when: "events.under_review >= 1", scored: true,
     in_denominator: false, managed_as: B}
"""


@pytest.mark.parametrize("in_denominator", [False, True])
def test_special_classes_in_or_out_of_the_denominator(in_denominator: bool) -> None:
    specials = SPECIALS.replace("IN_DENOMINATOR", str(in_denominator).lower())
    rows = [*ladder(10),
            firm("T1", 500.0, tech_invest=12000.0), firm("T2", 1.0, tech_invest=10000.0)]
    res = run(make_scheme(specials=specials), rows)
    n = 12 if in_denominator else 10
    cut = [math.floor(n * q / 100) for q in (20, 60, 95)]
    expected = {"A": cut[0], "B": min(cut[1], 10) - cut[0], "C": min(cut[2], 10) - cut[1],
                "D": 10 - min(cut[2], 10)}
    assert expected == ({"A": 2, "B": 5, "C": 3, "D": 0} if in_denominator
                        else {"A": 2, "B": 4, "C": 3, "D": 1})
    got = counts(res)
    assert {k: got.get(k, 0) for k in "ABCD"} == expected
    assert {r["partition_size"] for r in res.values()} == {n}
    for t in ("T1", "T2"):
        assert res[t]["class"] == "T" and res[t]["rank"] is None
        assert res[t]["score"] is not None  # T is scored (compute-only): shown, not classed
        assert res[t]["class_label"] == "暂不评价"
    assert res["F01"]["rank"] == 1  # T1's 500 points do not take a place


def test_exempt_uncertain_and_compute_only_special_classes() -> None:
    specials = SPECIALS.replace("IN_DENOMINATOR", "false")
    rows = [*ladder(5),
            firm("M1", 99.0, industry_code="4411"),  # 电力: 免评
            firm("M2", 99.0, industry_code="4620", tech_invest=20000.0),  # both: first listed
            firm("U1", 99.0), firm("T1", 99.0, tech_invest=10000.0)]
    events = [{"uscc": "U1", "year": 2022, "event_type": "under_review"}]
    res = run(make_scheme(specials=specials), rows, events)
    m1 = res["M1"]
    assert (m1["special_class"], m1["class"], m1["class_label"]) == ("免评", "免评", "免于评价")
    assert m1["score"] is None and m1["items_score"] is None  # scored: false
    assert m1["points_points"] is None and m1["rank"] is None
    assert m1["policy_class"] == "免评"
    assert "免于评价" in m1["class_reason"]
    assert res["M2"]["class"] == "免评"
    u1 = res["U1"]
    assert (u1["special_class"], u1["class"], u1["class_label"]) == ("不定等级", "不定等级",
                                                                     "不定等级")
    assert u1["policy_class"] == "B"  # managed as B: the B policies apply
    assert "按B类管理" in u1["class_reason"]
    assert u1["score"] == pytest.approx(99.0) and u1["rank"] is None
    t1 = res["T1"]
    assert t1["policy_class"] == "T" and t1["score"] == pytest.approx(99.0)
    # the evaluated firms fill the quotas among themselves: 5 firms
    assert {res[f"F0{i}"]["partition_size"] for i in range(1, 6)} == {5}
    assert res["F01"]["policy_class"] == res["F01"]["class"] == "A"


# --- bounds, thresholds, two-stage --------------------------------------------------------------

THRESHOLDS = """\
method: thresholds
thresholds: {A: 80, B: 60, C: 40}
"""


def test_score_thresholds() -> None:
    scores = [95, 80, 79.99, 60, 59, 40, 39.5, 0]
    rows = [firm(f"F{i:02d}", float(sc)) for i, sc in enumerate(scores, start=1)]
    res = run(make_scheme(THRESHOLDS), rows)
    assert classes_of(res, [f"F{i:02d}" for i in range(1, 9)]) == list("AABBCCDD")
    assert res["F01"]["class_reason"] == "按分数线分档"


def test_bounds_max_share_and_min_share() -> None:
    cls = THRESHOLDS + """\
rounding: floor
bounds: {A: {max_share: 20}, D: {min_share: 30}}
"""
    scores = [95, 90, 85, 82, 70, 65, 50, 45, 30, 10]
    rows = [firm(f"F{i:02d}", float(sc)) for i, sc in enumerate(scores, start=1)]
    res = run(make_scheme(cls), rows)
    # thresholds alone: A A A A B B C C D D; A ≤ ⌊10·20 %⌋ = 2 moves F03, F04 to B;
    # D ≥ ⌊10·30 %⌋ = 3 moves the third-last, F08, to D
    assert classes_of(res, [f"F{i:02d}" for i in range(1, 11)]) == list("AABBBBCDDD")
    assert "受A类比例界限调整" in res["F03"]["class_reason"]
    assert "受D类比例界限调整" in res["F08"]["class_reason"]
    assert "界限" not in res["F01"]["class_reason"]


def test_bounds_leave_classes_alone_when_within() -> None:
    cls = THRESHOLDS + """\
rounding: floor
bounds: {A: {max_share: 50}, D: {min_share: 10}}
"""
    scores = [95, 90, 70, 65, 50, 45, 30, 10]
    rows = [firm(f"F{i:02d}", float(sc)) for i, sc in enumerate(scores, start=1)]
    res = run(make_scheme(cls), rows)
    assert classes_of(res, [f"F{i:02d}" for i in range(1, 9)]) == list("AABBCCDD")


def test_two_stage_selection_of_a_by_a_sub_score() -> None:
    cls = """\
method: two_stage
quotas: {A: 20, B: 60, C: 95, D: 100}
rounding: floor
ties: tiebreak
tiebreak: [{by: eval_tax, order: desc}]
two_stage: {class: A, candidates_top_share: 50, by: rd, share: 20}
"""
    # candidates: the top ⌊10·50 %⌋ = 5 by score; A: the ⌊10·20 %⌋ = 2 of them with most R&D
    rd = [10, 20, 30, 400, 300, 999, 1, 1, 1, 1]
    rows = [firm(f"F{i:02d}", float(100 - 10 * i), rd_expense=float(r))
            for i, r in enumerate(rd, start=1)]
    res = run(make_scheme(cls), rows)
    # the others fill B, C, D by score: positions counted after the 2 chosen
    # F01 F02 F03 → places 3 4 5, F06 → 6 (B ≤ 6); F07 F08 F09 → 7 8 9 (C ≤ ⌊9.5⌋); F10 → D
    assert classes_of(res, [f"F{i:02d}" for i in range(1, 11)]) == list("BBBAABCCCD")
    assert "两阶段" in res["F04"]["class_reason"]
    assert res["F06"]["class"] == "B"  # most R&D of all, but not among the candidates


# --- adjustments (定档调档) ----------------------------------------------------------------------

ADJUST = QUOTA + """\
adjustments:
  - {when: "events.credit_default >= 1", action: set, class: D, reason: 严重失信，直接评为D类}
  - {when: "events.env_violation >= 1", action: downgrade, steps: 2, reason: 环境违法，降两档}
  - {when: "event_count('award', 'provincial') >= 1", action: upgrade, reason: 获省级奖励，升一档}
  - {when: "tax_per_mu < 1", action: at_most, class: C, reason: 亩均税收低于1万元，最高C类}
  - {when: "rd >= 500", action: at_least, class: B, reason: 研发投入500万元以上，至少B类}
"""


def test_adjustments_set_downgrade_upgrade_at_most_at_least() -> None:
    rows = ladder(20)  # A 1–4, B 5–12, C 13–19, D 20
    low_tax = {"eval_tax": 5.0}  # 0.5 万元/亩 < 1
    rows[0].update(low_tax)  # F01 A → at most C
    rows[13].update(rd_expense=800.0)  # F14 C → at least B
    rows[4].update(rd_expense=800.0)  # F05 B → at least B: unchanged
    rows[19].update(low_tax)  # F20 D → at most C: unchanged (D is worse)
    events = [
        {"uscc": "F02", "year": 2022, "event_type": "credit_default"},  # A → D
        {"uscc": "F06", "year": 2022, "event_type": "env_violation"},  # B → D
        {"uscc": "F18", "year": 2022, "event_type": "env_violation"},  # C → D (not below)
        {"uscc": "F07", "year": 2022, "event_type": "award", "severity": "provincial"},  # B → A
        {"uscc": "F03", "year": 2022, "event_type": "award", "severity": "provincial"},  # A stays
        {"uscc": "F08", "year": 2022, "event_type": "award", "severity": "city"},  # not counted
        # in order: upgrade to A, then at most C
        {"uscc": "F09", "year": 2022, "event_type": "award", "severity": "provincial"},
    ]
    rows[8].update(low_tax)
    res = run(make_scheme(ADJUST), rows, events)
    got = {u: res[u]["class"] for u in
           ("F01", "F02", "F03", "F05", "F06", "F07", "F08", "F09", "F14", "F18", "F20")}
    assert got == {"F01": "C", "F02": "D", "F03": "A", "F05": "B", "F06": "D", "F07": "A",
                   "F08": "B", "F09": "C", "F14": "B", "F18": "D", "F20": "D"}
    assert "严重失信" in res["F02"]["class_reason"]
    assert "亩均税收低于1万元" in res["F01"]["class_reason"]
    assert "环境违法" in res["F06"]["class_reason"]
    assert "研发投入" in res["F14"]["class_reason"]
    assert "获省级奖励" in res["F09"]["class_reason"]
    assert "最高C类" in res["F09"]["class_reason"]
    # an unadjusted firm's reason is its quota place only
    assert res["F04"]["class_reason"] == "按比例分档：组内第4名/共20家"
    # ranks are not changed by adjustments
    assert [res[f"F{i:02d}"]["rank"] for i in (1, 2, 20)] == [1, 2, 20]


def test_adjustment_on_the_firms_own_rank_and_score() -> None:
    cls = QUOTA + """\
adjustments:
  - {when: "score < 5 and rank <= 2", action: set, class: C, reason: 得分过低，评为C类}
"""
    rows = [firm("F01", 4.0), firm("F02", 3.0), firm("F03", 2.0), firm("F04", 1.0),
            firm("F05", 0.5)]
    res = run(make_scheme(cls), rows)
    assert classes_of(res, ["F01", "F02", "F03"]) == ["C", "C", "B"]


# --- partitions -----------------------------------------------------------------------------------


@pytest.mark.parametrize("column", ["county_code", "town_code", "industry_code"])
def test_quotas_per_partition(column: str) -> None:
    key = "industry_division" if column == "industry_code" else column
    cls = QUOTA + f"partition_by: [group, {key}]\n"
    values = {"county_code": ("331002", "331003"), "town_code": ("331003001", "331003002"),
              "industry_code": ("3311", "2929")}[column]
    # 10 firms in the first partition, 5 in the second, scores interleaved
    first = [firm(f"P{i:02d}", float(100 - 2 * i), **{column: values[0]}) for i in range(10)]
    second = [firm(f"Q{i:02d}", float(99 - 2 * i), **{column: values[1]}) for i in range(5)]
    res = run(make_scheme(cls), first + second)
    part = {"industry_code": ("33", "29")}.get(column, values)
    p1, p2 = f"all|{part[0]}", f"all|{part[1]}"
    assert {res[u]["partition"] for u in res if u.startswith("P")} == {p1}
    assert {res[u]["partition_size"] for u in res if u.startswith("Q")} == {5}
    # 10: A ⌊2⌋, B ⌊6⌋, C ⌊9.5⌋; 5: A ⌊1⌋, B ⌊3⌋, C ⌊4.75⌋
    assert counts(res, p1) == {"A": 2, "B": 4, "C": 3, "D": 1}
    assert counts(res, p2) == {"A": 1, "B": 2, "C": 1, "D": 1}
    assert res["Q00"]["rank"] == 1 and res["P00"]["rank"] == 1


def test_partition_by_county_alone_ranks_groups_together() -> None:
    text = HEAD.replace(
        "    items: [{indicator: points, method: ratio, weight: 1, benchmark: 1}]\n",
        "    items: [{indicator: points, method: ratio, weight: 1, benchmark: 1}]\n"
        "  - id: below\n    label: 规下\n    select: {size_class: [below]}\n"
        "    items: [{indicator: points, method: ratio, weight: 1, benchmark: 1}]\n")
    text += textwrap.indent(QUOTA + "partition_by: [county_code]\n", "  ")
    s = parse_scheme(text, "inline.yaml")
    rows = [firm(f"F{i:02d}", float(10 - i), size_class="above" if i % 2 else "below")
            for i in range(10)]
    res = run(s, rows)
    assert {r["partition"] for r in res.values()} == {"331003"}
    assert [res[f"F{i:02d}"]["rank"] for i in range(10)] == list(range(1, 11))
    assert counts(res) == {"A": 2, "B": 4, "C": 3, "D": 1}
