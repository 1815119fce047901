"""Pins for TOPSIS, VIKOR, WASPAS, PROMETHEE II and MEREC against published worked examples
(each cites the paper and the open-source test that reproduces its printed numbers), plus
hand-computed cases for conventions the examples do not reach (ties, degenerate inputs)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tiangong.index import (
    IndexMethodError,
    merec_weights,
    normalise,
    preference,
    promethee_ii,
    topsis,
    vikor,
    waspas,
)

# Papathanasiou & Ploskas (2018), Multiple Criteria Decision Aid, Springer: the facility-location
# example used in their VIKOR (ch. 2) and PROMETHEE (ch. 3) chapters; weights 0.4, 0.3, 0.1, 0.2,
# all criteria to maximise.
FACILITY = pd.DataFrame([[8, 7, 2, 1], [5, 3, 7, 5], [7, 5, 6, 4], [9, 9, 7, 3], [11, 10, 3, 7],
                         [6, 9, 5, 4]], index=[f"A{i}" for i in range(1, 7)])
FACILITY_W = [0.4, 0.3, 0.1, 0.2]


def test_topsis_tzeng_huang_2011() -> None:
    # Tzeng & Huang (2011), Multiple Attribute Decision Making: Methods and Applications, CRC;
    # as used in scikit-criteria skcriteria/tests/madm/test_topsis.py: closeness
    # [0.5037, 0.6581, 0.7482, 0.3340], ranks [3, 2, 1, 4].
    x = pd.DataFrame([[5, 8, 4], [7, 6, 8], [8, 8, 6], [7, 4, 6]])
    res = topsis(x, [0.3, 0.4, 0.3])
    np.testing.assert_allclose(res.closeness, [0.5037, 0.6581, 0.7482, 0.3340], atol=5e-5)
    assert res.rank.tolist() == [3, 2, 1, 4]


def test_topsis_with_cost_criteria_ersoy_2021() -> None:
    # Ersoy (2021), Equipment selection for an e-commerce company using entropy-based TOPSIS,
    # EDAS and CODAS methods during the COVID-19, LogForum 17(3); as transcribed in
    # energyinpython/pyrepo-mcda tests: [0.308, 0.254, 0.327, 0.263, 0.857, 0.192], compared
    # there to two decimals because the paper rounds intermediate steps; the last two criteria
    # are costs.
    x = pd.DataFrame([[256, 8, 41, 1.6, 1.77, 7347.16], [256, 8, 32, 1.0, 1.8, 6919.99],
                      [256, 8, 53, 1.6, 1.9, 8400], [256, 8, 41, 1.0, 1.75, 6808.9],
                      [512, 8, 35, 1.6, 1.7, 8479.99], [256, 4, 35, 1.6, 1.7, 7499.99]])
    res = topsis(x, [0.405, 0.221, 0.134, 0.199, 0.007, 0.034], [1, 1, 1, 1, -1, -1])
    np.testing.assert_allclose(res.closeness.round(2), [0.31, 0.25, 0.33, 0.26, 0.86, 0.19])
    assert res.rank.tolist() == [3, 5, 2, 4, 1, 6]


def test_topsis_akestoridis_readme() -> None:
    # akestoridis/mcdm README: rank(x, is_benefit_x=[True, False], s_method="TOPSIS") ->
    # a5 1.0, a4 0.75, a3 0.5, a2 0.25, a1 0.0; and with w_vector=[0.7, 0.3] (both benefit)
    # a5 0.7, a4 0.6504133360970108, a3 0.5, a2 0.3495866639029891, a1 0.3.
    x = pd.DataFrame([[0.0, 1.0], [0.25, 0.75], [0.5, 0.5], [0.75, 0.25], [1.0, 0.0]])
    np.testing.assert_allclose(topsis(x, directions=[1, -1]).closeness,
                               [0.0, 0.25, 0.5, 0.75, 1.0], atol=1e-15)
    np.testing.assert_allclose(topsis(x, [0.7, 0.3]).closeness,
                               [0.3, 0.3495866639029891, 0.5, 0.6504133360970108, 0.7],
                               atol=1e-15)


def test_vikor_papathanasiou_ploskas() -> None:
    # Papathanasiou & Ploskas (2018) ch. 2 (VIKOR), with v = 0.625 = (n + 1)/(2n) for n = 4
    # criteria; as transcribed in energyinpython/objective-weights-for-mcda tests:
    # Q = [0.640, 1.000, 0.693, 0.271, 0.000, 0.694].
    res = vikor(FACILITY, FACILITY_W, v=0.625)
    np.testing.assert_allclose(res.q, [0.640, 1.000, 0.693, 0.271, 0.000, 0.694], atol=5e-4)
    # rank_preferences(pref, reverse=False) in the same suite: [3, 6, 4, 2, 1, 5]
    assert res.rank.tolist() == [3, 6, 4, 2, 1, 5]
    # Opricovic & Tzeng (2004) C1: Q(A4) - Q(A5) = 0.271 >= DQ = 1/(6 - 1) = 0.2
    assert res.compromise[0] == "A5"


def test_vikor_default_v_and_validation() -> None:
    import inspect

    assert inspect.signature(vikor).parameters["v"].default == 0.5  # Opricovic & Tzeng 2004
    with pytest.raises(IndexMethodError):
        vikor(FACILITY, FACILITY_W, v=1.5)


def test_promethee_ii_usual_pymcdm_docstring() -> None:
    # pymcdm PROMETHEE_II('usual') documented example (pymcdm/methods/promethee.py docstring):
    # matrix [[4, 3, 2], [3, 2, 4], [5, 1, 3]], weights [0.5, 0.3, 0.2] -> [0.1, -0.3, 0.2].
    x = pd.DataFrame([[4, 3, 2], [3, 2, 4], [5, 1, 3]])
    res = promethee_ii(x, [0.5, 0.3, 0.2])
    np.testing.assert_allclose(res.net, [0.1, -0.3, 0.2], atol=1e-12)
    assert res.rank.tolist() == [2, 3, 1]


def test_promethee_ii_linear_papathanasiou_ploskas() -> None:
    # Papathanasiou & Ploskas (2018) ch. 3 (PROMETHEE), linear preference function (V-shape with
    # indifference) with q = 1, p = 2 on every criterion; as transcribed in
    # energyinpython/objective-weights-for-mcda tests: [-0.26, -0.52, -0.22, 0.36, 0.7, -0.06].
    res = promethee_ii(FACILITY, FACILITY_W, functions="linear", q=1, p=2)
    np.testing.assert_allclose(res.net, [-0.26, -0.52, -0.22, 0.36, 0.70, -0.06], atol=5e-3)
    np.testing.assert_allclose(res.leaving - res.entering, res.net)


def test_preference_functions_shapes() -> None:
    # Brans & Vincke (1985) generalised criteria, at the documented break points.
    d = np.array([-1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0])
    assert preference("usual", d).tolist() == [0, 0, 1, 1, 1, 1, 1]
    assert preference("v_shape", d, p=2).tolist() == [0, 0, 0.25, 0.5, 0.75, 1, 1]
    assert preference("linear", d, q=1, p=2).tolist() == [0, 0, 0, 0, 0.5, 1, 1]
    assert preference("u_shape", d, q=1).tolist() == [0, 0, 0, 0, 1, 1, 1]
    assert preference("level", d, q=1, p=2).tolist() == [0, 0, 0, 0, 0.5, 0.5, 1]
    # V-shape is the linear function with q = 0 (Brans & Mareschal): the same flows
    v = promethee_ii(FACILITY, FACILITY_W, functions="v_shape", p=2).net
    lin = promethee_ii(FACILITY, FACILITY_W, functions="linear", q=0, p=2).net
    np.testing.assert_allclose(v, lin)


def test_rankings_break_ties_by_row_order() -> None:
    x = pd.DataFrame([[1.0, 1.0], [1.0, 1.0], [0.0, 0.0]], index=["b", "a", "c"])
    assert topsis(x).rank.tolist() == [1, 2, 3]
    assert promethee_ii(x).rank.tolist() == [1, 2, 3]
    with pytest.raises(IndexMethodError, match="missing"):
        topsis(pd.DataFrame([[1.0, np.nan], [2.0, 3.0]]))


def test_vikor_conditions_opricovic_tzeng_2004() -> None:
    # The paper's example (OT2004 above), v = 0.5, as also reproduced in scikit-criteria
    # (quatrope/scikit-criteria tests/agg/test_vikor.py test_VIKOR_opricovic2004compromise):
    # S = (0.5, 0.375, 0.5), R = (0.5, 0.25, 0.5), Q = (1, 0, 1), acceptable advantage and
    # acceptable stability both hold, compromise set {A2}. (By hand: weighted gaps A1 (0, 0.5),
    # A2 (0.125, 0.25), A3 (0.5, 0); DQ = 1/(3 - 1) = 0.5 and Q(A1) - Q(A2) = 1 >= 0.5.)
    res = vikor(OT2004, [0.5, 0.5], [-1, 1])
    np.testing.assert_allclose(res.q, [1.0, 0.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(res.s, [0.5, 0.375, 0.5], atol=1e-12)
    np.testing.assert_allclose(res.r, [0.5, 0.25, 0.5], atol=1e-12)
    assert res.compromise == ["A2"]
    c = res.conditions
    assert list(c.index) == ["A2", "A1", "A3"]
    np.testing.assert_allclose(c["advantage"].iloc[:2], [1.0, 0.0], atol=1e-12)
    # per alternative, from the printed Q: A2 -> A1 gains 1 >= DQ; A1 -> A3 gains 0; A3 is last
    assert c["C1"].tolist() == [True, False, False]
    # C2: best by S or by R -- only A2
    assert c["C2"].tolist() == [True, False, False]


# Opricovic & Tzeng (2007), Extended VIKOR method in comparison with outranking methods, EJOR
# 178(2), 514-529: six reservoir-system alternatives, eight criteria (cost, homes relocated,
# reservoir area and villages displaced to minimise), four weight sets, v = 0.5. Printed S, R,
# Q (three decimals), the two conditions for the first alternative and the compromise sets, as
# reproduced in scikit-criteria tests/agg/test_vikor.py test_VIKOR_opricovic2007extended.
OT2007 = pd.DataFrame([[4184.3, 2914.0, 407.2, 251.0, 195, 244, 15, 2.41],
                       [5211.9, 3630.0, 501.7, 308.3, 282, 346, 21, 1.41],
                       [5021.3, 3920.5, 504.0, 278.6, 12, 56, 3, 4.42],
                       [5566.1, 3957.9, 559.5, 335.3, 167, 268, 16, 3.36],
                       [5060.5, 3293.5, 514.1, 284.2, 69, 90, 7, 4.04],
                       [4317.9, 2925.9, 432.8, 239.3, 12, 55, 3, 4.36]],
                      index=[f"A{i}" for i in range(1, 7)])
OT2007_D = [1, -1, 1, 1, -1, -1, -1, 1]


@pytest.mark.parametrize(("weights", "s", "r", "q", "compromise", "c1", "c2"), [
    # W1, equal weights: A5 first, advantage .473 >= DQ = .2, best by S and R: {A5}.
    # Q order A5, A3 (.473), A6 (.578), A4 (.670), A1 (.991), A2 (1): advantages .473, .105,
    # .092, .321, .009 -> C1 for A5 and A4; C2 (least S .28 and least R .067 are A5's): A5.
    ([1] * 8, [0.692, 0.7, 0.29, 0.423, 0.28, 0.346], [0.125, 0.125, 0.121, 0.125, 0.067, 0.125],
     [0.991, 1.0, 0.473, 0.670, 0.0, 0.578], ["A5"],
     {"A5": True, "A3": False, "A6": False, "A4": True, "A1": False, "A2": False},
     {"A5": True, "A3": False, "A6": False, "A4": False, "A1": False, "A2": False}),
    # W2 (2, 2, 2, 2, 1, 1, 1, 1): order A5, A2 (.533), A3 (.552), A4 (.563), A6 (.686),
    # A1 (1): advantages .533, .019, .011, .123, .314; A5 least S (.317) and R (.089): {A5}.
    ([2] * 4 + [1] * 4, [0.701, 0.6, 0.386, 0.365, 0.317, 0.459],
     [0.167, 0.114, 0.161, 0.167, 0.089, 0.167], [1.0, 0.533, 0.552, 0.563, 0.0, 0.686], ["A5"],
     {"A5": True, "A2": False, "A3": False, "A4": False, "A6": True, "A1": False},
     {"A5": True, "A2": False, "A3": False, "A4": False, "A6": False, "A1": False}),
    # W3 (1, 1, 1, 1, 2, 2, 2, 2): A5 first (.041) but A3 (.147) within DQ: no acceptable
    # advantage, stability holds (A5 least R .044): every alternative with Q < .041 + .2, i.e.
    # the paper's set {A3, A5, A6}. Advantages .106, .044, .363, .130, .316; A3 has least S.
    ([1] * 4 + [2] * 4, [0.683, 0.8, 0.193, 0.48, 0.243, 0.232],
     [0.113, 0.167, 0.08, 0.122, 0.044, 0.083], [0.684, 1.0, 0.147, 0.554, 0.041, 0.191],
     ["A5", "A3", "A6"],
     {"A5": False, "A3": False, "A6": True, "A4": False, "A1": True, "A2": False},
     {"A5": True, "A3": True, "A6": False, "A4": False, "A1": False, "A2": False}),
    # W4 (1, 1, 1, 1, 3.2, 3.2, 3.2, 3.2): A3 first (.051), A5 (.058), A6 (.078): {A3, A5, A6};
    # advantages .007, .020, .510, .080, .332; A3 least S (.138), A5 least R (.042).
    ([1] * 4 + [3.2] * 4, [0.678, 0.857, 0.138, 0.513, 0.222, 0.167],
     [0.129, 0.190, 0.057, 0.139, 0.042, 0.060], [0.668, 1.0, 0.051, 0.588, 0.058, 0.078],
     ["A3", "A5", "A6"],
     {"A3": False, "A5": False, "A6": True, "A4": False, "A1": True, "A2": False},
     {"A3": True, "A5": True, "A6": False, "A4": False, "A1": False, "A2": False}),
])
def test_vikor_opricovic_tzeng_2007(weights: list[float], s: list[float], r: list[float],
                                    q: list[float], compromise: list[str],
                                    c1: dict[str, bool], c2: dict[str, bool]) -> None:
    res = vikor(OT2007, weights, OT2007_D)
    np.testing.assert_allclose(res.s, s, atol=5e-4)
    np.testing.assert_allclose(res.r, r, atol=5e-4)
    np.testing.assert_allclose(res.q, q, atol=5e-4)
    assert res.compromise == compromise
    assert res.conditions["C1"].to_dict() == c1  # dict order is the Q order
    assert list(res.conditions.index) == list(c1)
    assert res.conditions["C2"].to_dict() == c2


def test_vikor_conditions_yang_wu_2020() -> None:
    # Yang & Wu (2020), A new improvement method to avoid rank reversal in VIKOR, IEEE Access 8,
    # 21261-21271: five alternatives, four benefit criteria, equal weights, v = 0.5; as
    # reproduced in pymcdm test/test_mcdm.py TestVIKOR.test_output_yang:
    # Q = 0.5679, 0.7667, 1, 0.7493, 0.
    x = pd.DataFrame([[78, 56, 34, 6], [4, 45, 3, 97], [18, 2, 50, 63], [9, 14, 11, 92],
                      [85, 9, 100, 29]], index=[f"A{i}" for i in range(1, 6)])
    res = vikor(x, [0.25] * 4)
    np.testing.assert_allclose(res.q, [0.5679, 0.7667, 1.0, 0.7493, 0.0], atol=5e-5)
    # From the printed Q: order A5 (0), A1 (.5679), A4 (.7493), A2 (.7667), A3 (1); DQ = 1/4.
    # Advantages .5679, .1814, .0174, .2333: C1 holds for A5 only (.2333 < .25 for A2).
    c = res.conditions
    assert list(c.index) == ["A5", "A1", "A4", "A2", "A3"]
    np.testing.assert_allclose(c["advantage"].iloc[:4], [0.5679, 0.1814, 0.0174, 0.2333],
                               atol=1e-4)
    assert c["C1"].tolist() == [True, False, False, False, False]
    # C2 by hand: spans 81, 54, 97, 91; A5 (85, 9, 100, 29) has gaps (0, 47/54, 0, 68/91):
    # S = (47/54 + 68/91)/4 = 0.4044, R = 47/216 = 0.2176 -- the least S (A1 0.4417 next) and
    # the least R (A4 76/324 = 0.2346 next; A1, A2, A3 have a full gap, R = 0.25): A5 alone.
    np.testing.assert_allclose(res.s["A5"], (47 / 54 + 68 / 91) / 4, atol=1e-12)
    np.testing.assert_allclose(res.r, [0.25, 0.25, 0.25, 76 / 324, 47 / 216], atol=1e-12)
    assert c["C2"].tolist() == [True, False, False, False, False]
    assert res.compromise == ["A5"]


def test_vikor_conditions_papathanasiou_ploskas() -> None:
    # The book's example (FACILITY, v = 0.625), printed Q = .640, 1, .693, .271, 0, .694:
    # order A5, A4, A1, A3, A6, A2; DQ = 1/5. Advantages .271, .369, .053, .001, .306:
    # C1 for A5, A4 and A6. C2 by hand: A5 (11, 10, 3, 7) misses only c3 (gap 4/5, weight .1):
    # S = R = 0.08, the least of both (A4: S = 2/15 + 3/70 + 2/15 = 0.3095, R = 2/15).
    c = vikor(FACILITY, FACILITY_W, v=0.625).conditions
    assert list(c.index) == ["A5", "A4", "A1", "A3", "A6", "A2"]
    np.testing.assert_allclose(c["advantage"].iloc[:5], [0.271, 0.369, 0.053, 0.001, 0.306],
                               atol=1.5e-3)
    assert c["C1"].tolist() == [True, True, False, False, True, False]
    assert c["C2"].tolist() == [True, False, False, False, False, False]


# --- ties, VIKOR conditions (issue 16, points 3 and 9) ------------------------------------

# Six alternatives, two benefit criteria, equal weights (the example). By hand:
# f* = (5, 5), f- = (1, 1), gap = (5 - x)/4, weighted by 1/2:
#   A1 (2, 5): S = 3/8, R = 3/8;  A2 = A1;  A3 (1, 4): S = 5/8, R = 1/2;
#   A4 (3, 3): S = 1/2, R = 1/4;  A5 (4, 3): S = 3/8, R = 1/4;  A6 (5, 1): S = 1/2, R = 1/2.
# S* = 3/8, S- = 5/8, R* = 1/4, R- = 1/2; Q = (S - 3/8)/(1/2) + (R - 1/4)/(1/2):
#   Q = (1/4, 1/4, 1, 1/4, 0, 3/4). A5 first; DQ = 1/5 and Q(second) - Q(A5) = 1/4 >= 1/5: C1.
# A5 has the minimum S (tied with A1, A2) and the minimum R (tied with A4): C2 holds, so the
# compromise set is A5 alone (the old check ranked A5 third by S, second by R -- row order).
TIED = pd.DataFrame([[2, 5], [2, 5], [1, 4], [3, 3], [4, 3], [5, 1]],
                    index=[f"A{i}" for i in range(1, 7)])


def test_vikor_ties_do_not_break_acceptable_stability() -> None:
    res = vikor(TIED)
    np.testing.assert_allclose(res.s, [3 / 8, 3 / 8, 5 / 8, 1 / 2, 3 / 8, 1 / 2])
    np.testing.assert_allclose(res.r, [3 / 8, 3 / 8, 1 / 2, 1 / 4, 1 / 4, 1 / 2])
    np.testing.assert_allclose(res.q, [1 / 4, 1 / 4, 1, 1 / 4, 0, 3 / 4])
    assert res.compromise == ["A5"]
    c = res.conditions
    assert list(c.index) == ["A5", "A1", "A2", "A4", "A6", "A3"]  # Q order, ties by row
    assert c.loc["A5", "advantage"] == pytest.approx(1 / 4)
    assert bool(c.loc["A5", "C1"]) and bool(c.loc["A5", "C2"])
    # C2 per alternative: best by S (A1, A2, A5) or by R (A4, A5)
    assert c["C2"].to_dict() == {"A5": True, "A1": True, "A2": True, "A4": True, "A6": False,
                                 "A3": False}
    # C1 per alternative: advantage over the next in Q order >= 1/5: A5 (1/4), A4 -> A6 (1/2),
    # A6 -> A3 (1/4); A1 -> A2 and A2 -> A4 are 0
    assert c["C1"].to_dict() == {"A5": True, "A1": False, "A2": False, "A4": True,
                                 "A6": True, "A3": False}
    assert c["within_DQ"].tolist() == [True, False, False, False, False, False]
    assert res.rank.tolist() == [2, 3, 6, 4, 1, 5]
    assert vikor(TIED, ties="min").rank.tolist() == [2, 2, 6, 2, 1, 5]


def test_vikor_compromise_sets_by_hand() -> None:
    # Weights (0.5, 0.5), benefit: X (3, 0), Y (0, 3), Z (2, 2): gaps (0, 1), (1, 0),
    # (1/3, 1/3); S = 1/2, 1/2, 1/3; R = 1/2, 1/2, 1/6. Z is best by both: Q(Z) = 0,
    # Q(X) = Q(Y) = 1 -> C1 (1 >= DQ = 1/2) and C2 hold: {Z}.
    res = vikor(pd.DataFrame([[3, 0], [0, 3], [2, 2]], index=["X", "Y", "Z"]))
    assert res.compromise == ["Z"]
    # No acceptable advantage: two identical best rows -> Q gap 0 < DQ: both, in row order.
    res = vikor(pd.DataFrame([[3, 3], [3, 3], [0, 0]], index=["p", "q", "r"]))
    assert res.compromise == ["p", "q"]
    assert not res.conditions.loc["p", "C1"]


@pytest.mark.parametrize("method", ["topsis", "vikor", "waspas", "promethee_ii"])
def test_ties_option_shares_the_best_rank(method: str) -> None:
    # rows b and a are identical, c is worse everywhere: ranks 1, 2, 3 by row order, or 1, 1, 3
    x = pd.DataFrame([[2.0, 2.0], [2.0, 2.0], [1.0, 1.0]], index=["b", "a", "c"])
    fn = {"topsis": topsis, "vikor": vikor, "waspas": waspas, "promethee_ii": promethee_ii}[method]
    assert fn(x).rank.tolist() == [1, 2, 3]
    assert fn(x, ties="min").rank.tolist() == [1, 1, 3]
    with pytest.raises(IndexMethodError, match="ties rule"):
        fn(x, ties="average")


# --- TOPSIS min-max (point 8) --------------------------------------------------------------


def test_topsis_minmax_by_hand() -> None:
    # x = [[1, 10], [3, 30], [5, 20]], weights (0.5, 0.5), second criterion a cost.
    # min-max onto [0, 1] (no reversal): c1 (0, .5, 1), c2 (0, 1, .5); weighted x .5:
    # c1 (0, .25, .5), c2 (0, .5, .25). Ideal (c1 max, c2 min) = (.5, 0); anti-ideal (0, .5).
    # A1 (0, 0): D+ = .5, D- = .5 -> C = 1/2.
    # A2 (.25, .5): D+ = sqrt(.0625 + .25) = sqrt(5)/4, D- = .25 -> C = 1/(1 + sqrt 5).
    # A3 (.5, .25): D+ = .25, D- = sqrt(5)/4 -> C = sqrt 5/(1 + sqrt 5).
    x = pd.DataFrame([[1.0, 10.0], [3.0, 30.0], [5.0, 20.0]], index=["A1", "A2", "A3"])
    res = topsis(x, [0.5, 0.5], [1, -1], normalisation="minmax")
    r5 = np.sqrt(5.0)
    np.testing.assert_allclose(res.closeness, [0.5, 1 / (1 + r5), r5 / (1 + r5)], atol=1e-15)
    np.testing.assert_allclose(res.d_best, [0.5, r5 / 4, 0.25], atol=1e-15)
    assert res.rank.tolist() == [2, 3, 1]
    # normalised once: data min-max normalised by `normalise` (cost reversed, so every
    # direction is then +1) and given with normalisation="none" -> the same closeness
    pre = normalise(x, "minmax", [1, -1], low=0.0, high=1.0)
    np.testing.assert_allclose(topsis(pre, [0.5, 0.5], normalisation="none").closeness,
                               res.closeness, atol=1e-15)
    with pytest.raises(IndexMethodError, match="zero range"):
        topsis(x.assign(c=1.0), normalisation="minmax")


# Opricovic & Tzeng (2004), Compromise solution by MCDM methods: A comparative analysis of
# VIKOR and TOPSIS, EJOR 156(2), 445-455, numerical example: three alternatives, f1 to minimise,
# f2 to maximise, equal weights. Reproduced in pymcdm (kotbaton/pymcdm test/test_mcdm.py,
# TestTOPSIS and TestVIKOR, both citing the paper): TOPSIS closeness 0.500, 0.617, 0.500 and
# VIKOR Q = 1, 0, 1 (v = 0.5). pymcdm's TOPSIS normalises by min-max unless told otherwise;
# vector normalisation gives 0.762, 0.722, 0.238 on these data (A1 first), so the printed
# closeness values are those of the linear (min-max) variant.
OT2004 = pd.DataFrame([[1, 3000], [2, 3750], [5, 4500]], index=["A1", "A2", "A3"])


def test_topsis_minmax_opricovic_tzeng_2004() -> None:
    res = topsis(OT2004, [0.5, 0.5], [-1, 1], normalisation="minmax")
    np.testing.assert_allclose(res.closeness, [0.500, 0.617, 0.500], atol=5e-4)
    assert res.rank.tolist() == [2, 1, 3]
    assert topsis(OT2004, [0.5, 0.5], [-1, 1], "minmax", ties="min").rank.tolist() == [2, 1, 2]
    # the default (vector) normalisation is a different method on these data: not the paper's
    assert topsis(OT2004, [0.5, 0.5], [-1, 1]).rank.tolist() == [1, 2, 3]


# --- WASPAS (point 7) ----------------------------------------------------------------------


def test_waspas_by_hand_with_weights_as_given() -> None:
    # x = [[4, 2], [2, 1], [1, 4]], c1 benefit (x / 4), c2 cost (1 / x):
    # r = [[1, .5], [.5, 1], [.25, .25]]; weights (0.6, 0.2), used as given (sum 0.8).
    # WSM: A1 .6 + .1 = .7;  A2 .3 + .2 = .5;  A3 .15 + .05 = .2.
    # WPM: A1 .5^.2 = 2^-.2 = 0.8705506;  A2 .5^.6 = 2^-.6 = 0.6597540;  A3 .25^.8 = 2^-1.6
    # = 0.3298770. lambda = .5: Q = (.7852753, .5798770, .2649385).
    # Rescaled weights (.75, .25) would give WSM A1 = .875: the test tells them apart.
    x = pd.DataFrame([[4.0, 2.0], [2.0, 1.0], [1.0, 4.0]], index=["A1", "A2", "A3"])
    res = waspas(x, [0.6, 0.2], [1, -1])
    np.testing.assert_allclose(res.wsm, [0.7, 0.5, 0.2], atol=1e-15)
    np.testing.assert_allclose(res.wpm, [2**-0.2, 2**-0.6, 2**-1.6], atol=1e-15)
    np.testing.assert_allclose(res.score, [0.7852753, 0.5798770, 0.2649385], atol=1e-7)
    np.testing.assert_allclose(waspas(x, [0.6, 0.2], [1, -1], lam=1.0).score, res.wsm)
    np.testing.assert_allclose(waspas(x, [0.6, 0.2], [1, -1], lam=0.0).score, res.wpm)
    with pytest.raises(IndexMethodError, match="> 0"):
        waspas(x.assign(c=0.0))
    with pytest.raises(IndexMethodError, match="lambda"):
        waspas(x, lam=2.0)


def test_waspas_chakraborty_zavadskas_antucheviciene_2015() -> None:
    # Chakraborty, Zavadskas & Antucheviciene (2015), Applications of WASPAS method as a
    # multi-criteria decision-making tool, Economic Computation and Economic Cybernetics Studies
    # and Research 49(1), 5-22: eight alternatives, seven criteria (the last two costs), weights
    # printed to four decimals that sum to 1.0155, lambda = 0.5. Reproduced in pymcdm
    # (kotbaton/pymcdm test/test_mcdm.py TestWASPAS, citing the paper) and in scikit-criteria
    # (tests/agg/test_simple.py test_WASPASModel_example, ranks 3, 5, 7, 1, 4, 6, 2, 8):
    # Q = 0.8329, 0.7884, 0.6987, 0.8831, 0.7971, 0.7036, 0.8728, 0.5749.
    x = pd.DataFrame([[30, 23, 5, 0.745, 0.745, 1500, 5000],
                      [18, 13, 15, 0.745, 0.745, 1300, 6000],
                      [15, 12, 10, 0.500, 0.500, 950, 7000],
                      [25, 20, 13, 0.745, 0.745, 1200, 4000],
                      [14, 18, 14, 0.255, 0.745, 950, 3500],
                      [17, 15, 9, 0.745, 0.500, 1250, 5250],
                      [23, 18, 20, 0.500, 0.745, 1100, 3000],
                      [16, 8, 14, 0.255, 0.500, 1500, 3000]])
    w = [0.1181, 0.1181, 0.0445, 0.1181, 0.2861, 0.2861, 0.0445]
    d = [1, 1, 1, 1, 1, -1, -1]
    res = waspas(x, w, d)
    published = [0.8329, 0.7884, 0.6987, 0.8831, 0.7971, 0.7036, 0.8728, 0.5749]
    np.testing.assert_allclose(res.score, published, atol=5e-5)
    assert res.rank.tolist() == [3, 5, 7, 1, 4, 6, 2, 8]
    # Weights as given: rescaled to sum to one they would give A4 0.8772, not the printed 0.8831.
    scaled = np.array(w) / sum(w)
    assert abs(waspas(x, list(scaled), d).score[3] - 0.8831) > 1e-3


def test_waspas_parts_jmcdm_cross_check() -> None:
    # An independent implementation's test case (JMcDM, test/mcdm/testwaspas.jl and
    # test/mcdm/testwpm.jl on the same data; the docstring of src/waspas.jl cites Zavadskas et
    # al. 2012 and Aytac Adali & Tus Isik 2017): weights sum to 1, criteria 2, 3 and 5 are
    # costs; WASPAS (lambda 0.5) 0.805021, 0.775060, 0.770181, 0.796424, 0.788239 and WPM
    # 0.7975224331331, 0.7532541470585, 0.7647463553356, 0.7873956894791, 0.7674278741782.
    # The WSM part is then 2 Q - WPM, and lambda = 0 / 1 must give the WPM / WSM part.
    x = pd.DataFrame([[3, 12.5, 2, 120, 14, 3], [5, 15, 3, 110, 38, 4], [3, 13, 2, 120, 19, 3],
                      [4, 14, 2, 100, 31, 4], [3, 15, 1.5, 125, 40, 4]])
    w, d = [0.221, 0.159, 0.175, 0.127, 0.117, 0.201], [1, -1, -1, 1, -1, 1]
    q = np.array([0.805021, 0.775060, 0.770181, 0.796424, 0.788239])
    wpm = np.array([0.7975224331331, 0.7532541470585, 0.7647463553356, 0.7873956894791,
                    0.7674278741782])
    res = waspas(x, w, d)
    np.testing.assert_allclose(res.score, q, atol=1e-6)
    np.testing.assert_allclose(res.wpm, wpm, atol=1e-12)
    np.testing.assert_allclose(res.wsm, 2 * q - wpm, atol=2e-6)
    np.testing.assert_allclose(waspas(x, w, d, lam=0.0).score, wpm, atol=1e-12)
    np.testing.assert_allclose(waspas(x, w, d, lam=1.0).score, 2 * q - wpm, atol=2e-6)
    np.testing.assert_allclose(waspas(x, w, d, lam=0.25).score, 0.25 * (2 * q - wpm) + 0.75 * wpm,
                               atol=1e-6)


# --- MEREC (point 6) -----------------------------------------------------------------------


def test_merec_keshavarz_ghorabaee_2021() -> None:
    # Keshavarz-Ghorabaee, Amiri, Zavadskas, Turskis & Antucheviciene (2021), Determination of
    # objective weights using a new method based on the removal effects of criteria (MEREC),
    # Symmetry 13(4), 525: the illustrative example, five alternatives, criteria 1-2 benefit and
    # 3-4 cost; final weights 0.5752, 0.0141, 0.4016, 0.0091 (also JMcDM test/mcdm/testmerec.jl).
    x = pd.DataFrame([[450, 8000, 54, 145], [10, 9100, 2, 160], [100, 8200, 31, 153],
                      [220, 9300, 1, 162], [5, 8400, 23, 158]])
    w = merec_weights(x, [1, 1, -1, -1])
    np.testing.assert_allclose(w, [0.5752, 0.0141, 0.4016, 0.0091], atol=5e-5)


def test_merec_by_hand() -> None:
    # Two benefit criteria, two units: x = [[1, 2], [2, 2]] -> n = min/x = [[1, 1], [.5, 1]];
    # |ln n| = [[0, 0], [ln 2, 0]]; m = 2: S = (ln 1, ln(1 + ln2/2)) = (0, 0.2936890).
    # Without c1: S' = (0, 0) -> E1 = 0.2936890; without c2: S' = S -> E2 = 0: w = (1, 0).
    w = merec_weights(pd.DataFrame({"c1": [1.0, 2.0], "c2": [2.0, 2.0]}))
    np.testing.assert_allclose(w, [1.0, 0.0], atol=1e-15)
    with pytest.raises(IndexMethodError, match="> 0"):
        merec_weights(pd.DataFrame({"c1": [0.0, 2.0], "c2": [2.0, 2.0]}))
