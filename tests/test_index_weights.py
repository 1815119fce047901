"""Pins for weighting (entropy, CRITIC, AHP, PCA factor retention) against published cases.

Expected numbers are typed from the cited papers or from reference implementations' test suites
and documentation (each transcribes a paper's table); none is computed with the code under test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tiangong.index import (
    SAATY_1980_RI,
    SAATY_2004_RI,
    IndexMethodError,
    ahp,
    critic,
    critic_weights,
    entropy_weights,
    equal_weights,
    manual_weights,
    pairwise_matrix,
)
from tiangong.index.pca import factor_weights, handbook_factor_count, varimax

# --- entropy -------------------------------------------------------------------------------


def test_entropy_xu_2004() -> None:
    # Xu, X. (2004), A note on the subjective and objective integrated approach to determine
    # attribute weights, EJOR 156(2) 530-532; as transcribed in energyinpython/
    # objective-weights-for-mcda tests/test_weights.py: [0.4630, 0.3992, 0.1378, 0.0000].
    x = pd.DataFrame([[30, 30, 38, 29], [19, 54, 86, 29], [19, 15, 85, 28.9], [68, 70, 60, 29]])
    np.testing.assert_allclose(entropy_weights(x), [0.4630, 0.3992, 0.1378, 0.0000], atol=5e-5)


def test_entropy_zavadskas_podvezko_2016() -> None:
    # Zavadskas & Podvezko (2016), Integrated determination of objective criteria weights in
    # MCDM, IJITDM 15(2) 267-283 (same test file): [0.1146, 0.1981, 0.4185, 0.2689]. Entropy is
    # computed on the raw values whatever the criterion type, as in the paper.
    x = pd.DataFrame([[3.0, 100, 10, 7], [2.5, 80, 8, 5], [1.8, 50, 20, 11], [2.2, 70, 12, 9]])
    np.testing.assert_allclose(entropy_weights(x), [0.1146, 0.1981, 0.4185, 0.2689], atol=5e-5)


def test_entropy_jmcdm_reference() -> None:
    # JMcDM (Satman et al. 2021, JOSS), test/mcdm/testentropy.jl, tol 1e-4.
    x = pd.DataFrame(np.column_stack([
        [2.0, 4, 3, 5, 4, 3], [1, 1, 2, 1, 2, 2], [4, 5, 6, 5, 5, 6], [7, 6, 6, 7, 6, 6],
        [6, 7, 5, 6, 7, 6], [6, 7, 6, 7, 7, 6], [7, 6, 8, 7, 6, 6],
        [3000, 3500, 4000, 3000, 3000, 3500]]))
    expected = [0.29967360960, 0.44136733892, 0.07009088720, 0.02123823711, 0.04902292895,
                0.02308037885, 0.04776330969, 0.04776330969]
    np.testing.assert_allclose(entropy_weights(x), expected, atol=1e-4)


def test_entropy_zero_conventions() -> None:
    # Default "drop": 0 ln 0 = 0 (the limit; stated in the 熵权法 literature, e.g. "假定 f_ij = 0,
    # f_ij ln f_ij = 0"). No published numeric case with zeros was found, so the default is
    # pinned by its defining property: it is the limit of replacing the zero by epsilon -> 0.
    x = pd.DataFrame({"a": [0.0, 2.0, 5.0, 9.0], "b": [3.0, 3.5, 4.0, 8.0]})
    drop = entropy_weights(x)
    tiny = entropy_weights(x, zeros="epsilon", epsilon=1e-15)
    np.testing.assert_allclose(drop, tiny, atol=1e-12)
    # SPSSAU 非负平移 (spssau.net/helps/entropy.html): a column with values <= 0 is shifted by
    # |min| + 0.01 before shares are taken -- here column a by 0.01 -- which changes the weights.
    shifted = entropy_weights(x, zeros="shift")
    by_hand = entropy_weights(x.assign(a=x["a"] + 0.01))
    np.testing.assert_allclose(shifted, by_hand, atol=1e-15)
    assert not np.allclose(shifted, drop, atol=1e-4)
    with pytest.raises(IndexMethodError, match="negative"):
        entropy_weights(pd.DataFrame({"a": [-1.0, 1.0, 2.0], "b": [1.0, 2.0, 3.0]}))


# --- CRITIC --------------------------------------------------------------------------------

JMCDM_CRITIC = pd.DataFrame([[12.9918, 0.7264, -1.1009, 1.598139592],
                             [4.1201, 5.8824, 3.4483, 1.021563567],
                             [4.1039, 0.0000, -0.5076, 0.984469444]])
TUS_ADALI = pd.DataFrame([[5000, 3, 3, 4, 3, 2], [680, 5, 3, 2, 2, 1], [2000, 3, 2, 3, 4, 3],
                          [600, 4, 3, 1, 2, 2], [800, 2, 4, 3, 3, 4]])


def test_critic_default_reverses_costs_and_uses_n_minus_1() -> None:
    # JMcDM test/mcdm/testcritic.jl (fns = [max, max, min, max]): weights
    # [0.16883925, 0.418444976, 0.249124763, 0.163591012] and information amounts ("scores")
    # [1.0380664664796384, 2.572718248762683, 1.5316754449023655, 1.005800182228836].
    # These require the cost column to be scaled (max - x)/(max - min) (Diakoulaki et al. 1995)
    # and the standard deviation with n - 1.
    # (JMcDM asserts them to 1e-4; its typed weights carry ~2e-6 of rounding, hence 1e-5.)
    res = critic(JMCDM_CRITIC, [1, 1, -1, 1])
    np.testing.assert_allclose(res.weights, [0.16883925, 0.418444976, 0.249124763, 0.163591012],
                               atol=1e-5)
    np.testing.assert_allclose(res.information, [1.0380664664796384, 2.572718248762683,
                                                 1.5316754449023655, 1.005800182228836],
                               atol=1e-6)
    # n (ddof = 0): the same weights, information amounts smaller by sqrt((n - 1)/n) = sqrt(2/3)
    pop = critic(JMCDM_CRITIC, [1, 1, -1, 1], ddof=0)
    np.testing.assert_allclose(pop.weights, res.weights, atol=1e-12)
    np.testing.assert_allclose(pop.information, res.information * np.sqrt(2 / 3), atol=1e-12)


def test_critic_without_cost_reversal_tus_adali_2019() -> None:
    # Tuş & Aytaç Adalı (2019), The new combination with CRITIC and WASPAS methods for the time
    # and attendance software selection problem, Opsearch 56(2) 528-538: weights
    # [0.157, 0.249, 0.168, 0.121, 0.154, 0.151] (as transcribed in energyinpython/
    # distance-metrics-for-mcda tests/test_weights.py). Criterion 1 (price) is a cost, yet the
    # published weights are those of scaling every criterion as a benefit.
    directions = [-1, 1, 1, 1, 1, 1]
    published = [0.157, 0.249, 0.168, 0.121, 0.154, 0.151]
    as_published = critic_weights(TUS_ADALI, directions, reverse_costs=False)
    np.testing.assert_allclose(as_published, published, atol=5e-4)
    assert not np.allclose(critic_weights(TUS_ADALI, directions), published, atol=5e-3)
    # perfectly correlated indicators carry no conflict: CRITIC is undefined, and says so
    with pytest.raises(IndexMethodError, match="perfectly correlated"):
        critic_weights(pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [2.0, 4.0, 6.0]}))


def test_critic_pipeline_akestoridis_readme() -> None:
    # akestoridis/mcdm README: rank(x, n_method="Linear2", w_method="CRITIC", s_method="SAW")
    # -> C 0.5864039798997854, A 0.5363555775174913, B 0.42272592958624855, D 0.41815995516110754
    from tiangong.index import normalise, weighted_mean

    x = pd.DataFrame([[4, 5, 10], [3, 10, 6], [3, 20, 2], [2, 15, 5]], index=list("ABCD"))
    n = normalise(x, "minmax", high=1.0)
    score = weighted_mean(n, critic_weights(n))
    np.testing.assert_allclose(score[["C", "A", "B", "D"]],
                               [0.5864039798997854, 0.5363555775174913, 0.42272592958624855,
                                0.41815995516110754], atol=1e-12)


# --- equal, manual -------------------------------------------------------------------------


def test_equal_and_manual_weights() -> None:
    assert equal_weights(["a", "b", "c", "d"]).tolist() == [0.25] * 4
    w = manual_weights({"a": 2, "b": 1, "c": 1})
    assert w.tolist() == [0.5, 0.25, 0.25]
    with pytest.raises(IndexMethodError, match="no weight"):
        manual_weights({"a": 1}, columns=["a", "b"])
    with pytest.raises(IndexMethodError, match=">= 0"):
        manual_weights({"a": 1, "b": -1})


# --- AHP -----------------------------------------------------------------------------------

DRINKS = ["coffee", "wine", "tea", "beer", "soda", "milk", "water"]
DRINK_JUDGEMENTS = {
    ("coffee", "wine"): 9, ("coffee", "tea"): 5, ("coffee", "beer"): 2, ("coffee", "soda"): 1,
    ("coffee", "milk"): 1, ("coffee", "water"): 1 / 2, ("wine", "tea"): 1 / 3,
    ("wine", "beer"): 1 / 9, ("wine", "soda"): 1 / 9, ("wine", "milk"): 1 / 9,
    ("wine", "water"): 1 / 9, ("tea", "beer"): 1 / 3, ("tea", "soda"): 1 / 4,
    ("tea", "milk"): 1 / 3, ("tea", "water"): 1 / 9, ("beer", "soda"): 1 / 2,
    ("beer", "milk"): 1, ("beer", "water"): 1 / 3, ("soda", "milk"): 2, ("soda", "water"): 1 / 2,
    ("milk", "water"): 1 / 3}


def test_ahp_saaty_2008_drinks() -> None:
    # Saaty (2008), Decision making with the analytic hierarchy process, Int. J. Services
    # Sciences 1(1): relative consumption of drinks; AHP weights coffee .177, wine .019,
    # tea .042, beer .116, soda .190, milk .129, water .327; AHPy README reproduces them with
    # CR 0.022 under random_index='saaty' (Saaty's 2004 table).
    res = ahp(pairwise_matrix(DRINKS, DRINK_JUDGEMENTS), ri=SAATY_2004_RI)
    np.testing.assert_allclose(res.weights, [0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327],
                               atol=5e-4)
    assert res.cr == pytest.approx(0.022, abs=5e-4)
    assert res.consistent


def test_ahp_leader_example_ahpy() -> None:
    # Wikipedia "Analytic hierarchy process - leader example" as computed in the AHPy README
    # (random_index='saaty'): criteria weights Experience .548, Education .127, Charisma .270,
    # Age .056, CR 0.044; Experience local weights Moll .217, Nell .717, Sue .066, CR 0.035;
    # Education CR 0.062.
    crit = pairwise_matrix(["Experience", "Education", "Charisma", "Age"], {
        ("Experience", "Education"): 4, ("Experience", "Charisma"): 3, ("Experience", "Age"): 7,
        ("Education", "Charisma"): 1 / 3, ("Education", "Age"): 3, ("Charisma", "Age"): 5})
    res = ahp(crit, ri=SAATY_2004_RI)
    np.testing.assert_allclose(res.weights, [0.548, 0.127, 0.270, 0.056], atol=5e-4)
    assert res.cr == pytest.approx(0.044, abs=5e-4)
    exp = ahp(pairwise_matrix(["Moll", "Nell", "Sue"], {("Moll", "Nell"): 1 / 4,
                                                       ("Moll", "Sue"): 4, ("Nell", "Sue"): 9}),
              ri=SAATY_2004_RI)
    np.testing.assert_allclose(exp.weights, [0.217, 0.717, 0.066], atol=5e-4)
    assert exp.cr == pytest.approx(0.035, abs=6e-4)
    edu = ahp(pairwise_matrix(["Moll", "Nell", "Sue"], {("Moll", "Nell"): 3,
                                                       ("Moll", "Sue"): 1 / 5,
                                                       ("Nell", "Sue"): 1 / 7}),
              ri=SAATY_2004_RI)
    assert edu.cr == pytest.approx(0.062, abs=5e-4)


def test_ahp_default_random_index_is_saaty_1980() -> None:
    # Saaty's 1980 table as printed in the literature (e.g. IWA Publishing, Table 2:
    # 0, 0, 0.58, 0.9, 1.12, 1.24, 1.32, 1.41) and used by JMcDM: its AHP consistency test
    # (test/mcdm/testahp.jl, n = 8) reports CI 0.10377539587328702 and CR 0.07359957154133831,
    # i.e. RI = CI/CR = 1.41.
    published = [0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41]
    assert [SAATY_1980_RI[n] for n in range(1, 9)] == published
    assert SAATY_1980_RI[8] == pytest.approx(0.10377539587328702 / 0.07359957154133831, abs=1e-9)
    default = ahp(pairwise_matrix(DRINKS, DRINK_JUDGEMENTS))
    assert default.ri == 1.32
    # same eigenvalue, different table: CR scales by RI_2004/RI_1980 = 1.35/1.32
    other = ahp(pairwise_matrix(DRINKS, DRINK_JUDGEMENTS), ri=SAATY_2004_RI)
    assert default.cr == pytest.approx(other.cr * 1.35 / 1.32, rel=1e-12)


def test_ahp_rejects_non_reciprocal_and_flags_inconsistency() -> None:
    with pytest.raises(IndexMethodError, match="reciprocal"):
        ahp(np.array([[1.0, 3.0], [3.0, 1.0]]))
    # a perfectly consistent matrix has CR 0
    consistent = ahp(np.array([[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]]))
    assert consistent.cr == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(consistent.weights, [4 / 7, 2 / 7, 1 / 7])
    cyclic = ahp(np.array([[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]))
    assert not cyclic.consistent


# --- PCA (Handbook) ------------------------------------------------------------------------


def test_handbook_factor_retention_tai() -> None:
    # OECD/JRC Handbook (2008), Table 16, eigenvalues of the TAI data set: variance shares
    # 41.9, 21.8, 12.3, 11.1, 6.0, 3.7, 2.2, 0.9 %; the Handbook keeps four factors (Table 17),
    # including the fourth with eigenvalue 0.9 -- the > 10 % share rule, not eigenvalue > 1.
    shares = np.array([41.9, 21.8, 12.3, 11.1, 6.0, 3.7, 2.2, 0.9]) / 100
    assert handbook_factor_count(shares) == 4


def test_varimax_properties() -> None:
    # No published rotated-loading table was retrievable; rotation is checked by its invariants:
    # communalities unchanged, and a loading matrix already in simple structure stays put.
    rng = np.random.default_rng(7)
    lam = rng.normal(size=(8, 3))
    rot = varimax(lam)
    np.testing.assert_allclose((rot**2).sum(axis=1), (lam**2).sum(axis=1), atol=1e-10)
    simple = np.array([[0.9, 0.0], [0.8, 0.0], [0.0, 0.7], [0.0, 0.9]])
    np.testing.assert_allclose(np.abs(varimax(simple)), simple, atol=1e-8)


def test_factor_weights_follow_the_handbook_recipe() -> None:
    # Two factors: squared loadings [.81, .64, 0, 0] and [0, 0, .49, .81], explained variance
    # 1.45 and 1.30. Scaled squares: .81/1.45, .64/1.45, .49/1.30, .81/1.30; factor shares
    # 1.45/2.75 and 1.30/2.75; weight = scaled square x share = squared loading / 2.75 (by hand).
    simple = np.array([[0.9, 0.0], [0.8, 0.0], [0.0, 0.7], [0.0, 0.9]])
    np.testing.assert_allclose(factor_weights(simple), np.array([0.81, 0.64, 0.49, 0.81]) / 2.75)


def test_entropy_prenormalised_minmax_reverses_costs() -> None:
    # With prenormalise="minmax" (the common 熵权法 practice), a cost column is scaled
    # (max - x)/(max - min): the same as giving the reversed column as a benefit.
    x = pd.DataFrame({"a": [1.0, 2.0, 4.0, 8.0], "b": [3.0, 1.0, 2.0, 9.0]})
    as_cost = entropy_weights(x, prenormalise="minmax", directions={"b": -1})
    flipped = entropy_weights(x.assign(b=-x["b"]), prenormalise="minmax")
    np.testing.assert_allclose(as_cost, flipped, atol=1e-15)
