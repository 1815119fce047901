"""Pins for TOPSIS, VIKOR and PROMETHEE II against published worked examples."""

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


def test_waspas_jmcdm_cross_check() -> None:
    # An independent implementation's test case (JMcDM, test/mcdm/testwaspas.jl; it does not
    # name its source): weights sum to 1, criteria 2, 3 and 5 are costs,
    # scores [0.805021, 0.775060, 0.770181, 0.796424, 0.788239] (lambda 0.5).
    x = pd.DataFrame([[3, 12.5, 2, 120, 14, 3], [5, 15, 3, 110, 38, 4], [3, 13, 2, 120, 19, 3],
                      [4, 14, 2, 100, 31, 4], [3, 15, 1.5, 125, 40, 4]])
    res = waspas(x, [0.221, 0.159, 0.175, 0.127, 0.117, 0.201], [1, -1, -1, 1, -1, 1])
    np.testing.assert_allclose(res.score, [0.805021, 0.775060, 0.770181, 0.796424, 0.788239],
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
