"""Pins for TOPSIS, VIKOR and PROMETHEE II against published worked examples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tiangong.index import IndexMethodError, preference, promethee_ii, topsis, vikor

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
