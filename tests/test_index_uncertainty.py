"""Uncertainty (Monte Carlo ranks) and sensitivity (Sobol) analysis of composite indices."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tiangong.errors import SchemeError
from tiangong.index import (
    Hierarchy,
    IndexMethodError,
    IndexSpec,
    Uncertainty,
    WeightNoise,
    composite,
    monte_carlo,
    normalise,
    sobol_indices,
    weighted_mean,
)
from tiangong.index.config import load_index_config
from tiangong.index.uncertainty import Plan, ranks_from_scores

SPEC = IndexSpec(low=1.0, high=100.0)
ALL = Uncertainty(WeightNoise(0.25), ("minmax", "rank"), ("arithmetic", "geometric", "harmonic"))


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(rng.lognormal(size=(25, 6)), columns=[f"x{j}" for j in range(6)],
                         index=[f"u{i}" for i in range(25)])
    frame.iloc[0] = frame.max() * 2  # u0 is best in every (benefit) indicator
    return frame


HIER = Hierarchy({"index": {"a": 1, "b": 2}, "a": {"x0": 1, "x1": 2, "x2": 1},
                  "b": {"x3": 1, "x4": 1, "x5": 3}}, methods={"b": "geometric"})


@pytest.mark.parametrize("spec", [
    SPEC, IndexSpec(low=1.0, aggregation="harmonic"), IndexSpec(normalisation="rank"),
    IndexSpec(normalisation="ratio", aggregation="geometric", treat_outliers=False),
    IndexSpec(low=1.0, weighting="equal", imputation="median"),
])
def test_nominal_replicate_matches_the_pipeline(data: pd.DataFrame, spec: IndexSpec) -> None:
    frame = data.copy()
    frame.iloc[3, 2] = np.nan  # missing values: aggregated over what a unit has
    dirs = {"x1": -1}
    got = monte_carlo(frame, spec, Uncertainty(), n=5, hierarchy=HIER, directions=dirs)
    ref = composite(frame, HIER, dirs, spec).rank
    assert (got.summary["nominal"] == ref).all()


def test_no_uncertainty_collapses_the_interval(data: pd.DataFrame) -> None:
    s = monte_carlo(data, SPEC, Uncertainty(), n=50, seed=1).summary
    for col in ("median", "q05", "q95", "mean"):
        assert (s[col] == s["nominal"]).all()


def test_deterministic_per_seed(data: pd.DataFrame) -> None:
    a = monte_carlo(data, SPEC, ALL, n=300, seed=3, keep_ranks=True)
    b = monte_carlo(data, SPEC, ALL, n=300, seed=3, keep_ranks=True)
    c = monte_carlo(data, SPEC, ALL, n=300, seed=4, keep_ranks=True)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    assert a.ranks is not None and b.ranks is not None and c.ranks is not None
    assert (a.ranks == b.ranks).all() and not (a.ranks == c.ranks).all()
    assert a.ranks.shape == (300, 25)


@pytest.mark.parametrize("noise", [WeightNoise(0.5), WeightNoise(kind="dirichlet",
                                                                  concentration=2.0)])
def test_dominant_unit_is_first_in_every_replicate(data: pd.DataFrame, noise: WeightNoise
                                                   ) -> None:
    u = Uncertainty(noise, ("minmax", "rank", "ratio"), ("arithmetic", "geometric", "harmonic"))
    res = monte_carlo(data, SPEC, u, n=500, seed=0, keep_ranks=True)
    assert res.ranks is not None
    assert (res.ranks[:, 0] == 1).all()
    assert list(res.summary.loc["u0", ["nominal", "median", "q05", "q95"]]) == [1, 1, 1, 1]
    assert (np.sort(res.ranks, axis=1) == np.arange(1, 26)).all()  # each row a permutation


def test_ranks_break_ties_by_unit_order_and_put_missing_last() -> None:
    scores = np.array([[3.0, 1.0, 2.0], [1.0, 1.0, 0.0], [np.nan, 5.0, 5.0]])
    assert ranks_from_scores(scores).tolist() == [[1, 3, 2], [1, 2, 3], [3, 1, 2]]


def test_hand_checked_quantiles() -> None:
    # minmax onto [1, 100]: a = (100, 1), b = (1, 100), c = (46, 46) (45.55 exactly).
    # arithmetic: a 50.5 = b 50.5 > c -> ranks a 1, b 2 (tie by order), c 3;
    # geometric: c 45.55 > a 10 = b 10 -> ranks c 1, a 2, b 3.
    frame = pd.DataFrame({"x1": [10.0, 0.0, 4.5], "x2": [0.0, 10.0, 4.5]},
                         index=["a", "b", "c"])
    spec = IndexSpec(low=1.0, treat_outliers=False)
    u = Uncertainty(aggregation=("arithmetic", "geometric"))
    res = monte_carlo(frame, spec, u, n=10, seed=5, keep_ranks=True)
    arithmetic = np.random.default_rng(5).random((10, 1))[:, 0] < 0.5  # the documented draw
    k = int(arithmetic.sum())
    assert res.ranks is not None
    assert res.ranks[:, 0].tolist() == [1 if a else 2 for a in arithmetic]
    # a's sorted ranks: k ones then 10 - k twos; type-7 quantile at p: position 9p
    a_sorted = np.array([1.0] * k + [2.0] * (10 - k))

    def q(p: float) -> float:
        h = 9 * p
        lo = int(np.floor(h))
        return float(a_sorted[lo] + (h - lo) * (a_sorted[min(lo + 1, 9)] - a_sorted[lo]))

    row = res.summary.loc["a"]
    assert row["nominal"] == 1
    assert row["mean"] == pytest.approx(1 + (10 - k) / 10)
    assert row["median"] == pytest.approx(q(0.5))
    assert row["q05"] == pytest.approx(q(0.05)) and row["q95"] == pytest.approx(q(0.95))
    assert 0 < k < 10  # both options drawn, so the interval is not degenerate
    assert (row["q05"], row["q95"]) == (1.0, 2.0)


@pytest.mark.parametrize(("norm", "agg"), [
    ("target", "arithmetic"), ("ratio", "arithmetic"), ("ratio", "geometric"),
    ("ratio", "harmonic"),
])
def test_fixed_benchmarks_match_the_library(data: pd.DataFrame, norm: str, agg: str) -> None:
    # the engine folds a target/benchmark into the weights; check against normalising directly
    dirs = {"x4": -1}  # a cost criterion: its target lies below the best (lowest) value
    values = {c: float(data[c].max() * 1.5) for c in data.columns} | {"x4": 0.5 * data["x4"].min()}
    u = Uncertainty(benchmarks={c: (t, t) for c, t in values.items()})
    spec = IndexSpec(normalisation=norm, aggregation=agg, treat_outliers=False)  # type: ignore[arg-type]
    got = monte_carlo(data, spec, u, n=3, directions=dirs).summary
    y = normalise(data, norm, dirs, targets=values, benchmarks=values)  # type: ignore[arg-type]
    expected = weighted_mean(y, None, agg).rank(ascending=False, method="first")  # type: ignore[arg-type]
    assert (got["median"] == expected).all() and (got["nominal"] == expected).all()


def test_sobol_identical_options_give_zero_and_a_real_choice_does_not(data: pd.DataFrame
                                                                      ) -> None:
    u = Uncertainty(WeightNoise(0.1), ("minmax", "minmax"), ("arithmetic", "harmonic"))
    res = sobol_indices(data, SPEC, u, n=256, seed=0, per_unit=True)
    idx = res.indices
    assert list(idx.index) == ["weights", "normalisation", "aggregation"]
    assert res.runs == 256 * (3 + 2)
    assert idx.loc["normalisation", ["S1", "ST"]].abs().max() < 1e-12
    st = idx["ST"].to_dict()
    assert st["aggregation"] > 0.3 and st["weights"] > 0.0
    assert res.unit_st is not None and res.unit_s1 is not None
    assert (res.unit_st.loc["u0"] == 0).all()  # always first: no variance to explain
    assert res.unit_st.shape == (25, 3)


def test_benchmarks_cannot_move_a_geometric_ranking(data: pd.DataFrame) -> None:
    # a per-indicator target scales every unit's value by one factor: a constant under logs
    ranges = {c: (float(data[c].max() * 1.2), float(data[c].max() * 3)) for c in data.columns}
    u = Uncertainty(WeightNoise(0.2), ("ratio",), ("geometric",), benchmarks=ranges)
    spec = IndexSpec(normalisation="ratio", aggregation="geometric", treat_outliers=False)
    idx = sobol_indices(data.drop(index="u0") + 1.0, spec, u, n=128).indices
    assert idx.loc["benchmarks", "ST"] == pytest.approx(0.0, abs=1e-12)
    assert idx["ST"].to_dict()["weights"] > 0.5


def test_sobol_sample_size_must_be_a_power_of_two(data: pd.DataFrame) -> None:
    with pytest.raises(IndexMethodError, match="power of 2"):
        sobol_indices(data, SPEC, ALL, n=1000)
    with pytest.raises(IndexMethodError, match="nothing to analyse"):
        sobol_indices(data, SPEC, Uncertainty(), n=64)


def test_single_choice_sobol_is_one(data: pd.DataFrame) -> None:
    idx = sobol_indices(data, SPEC, Uncertainty(WeightNoise(0.3)), n=64).indices
    assert list(idx.loc["weights", ["S1", "ST"]]) == [1.0, 1.0]


def test_invalid_declarations_are_reported(data: pd.DataFrame) -> None:
    with pytest.raises(IndexMethodError, match="needs values > 0"):
        monte_carlo(data, IndexSpec(), Uncertainty(aggregation=("geometric",)), n=10)
    with pytest.raises(IndexMethodError, match="entropy weights of 'index' cannot be computed "
                       "under imputation 'none', normalisation 'zscore'"):
        monte_carlo(data, IndexSpec(), Uncertainty(normalisation=("zscore",),
                                                   weighting=("entropy",)), n=10)
    with pytest.raises(IndexMethodError, match="unknown weighting method 'budget'"):
        monte_carlo(data, SPEC, Uncertainty(weighting=("budget",)), n=10)  # type: ignore[arg-type]
    with pytest.raises(IndexMethodError, match="benchmark range for every indicator"):
        monte_carlo(data, SPEC, Uncertainty(normalisation=("target",)), n=10)
    with pytest.raises(IndexMethodError, match="wrong side"):
        u = Uncertainty(normalisation=("target",),
                        benchmarks={c: (0.0, 1.0) for c in data.columns})
        monte_carlo(data, SPEC, u, n=10)


# ── the weighting method as an uncertain choice ─────────────────────────────────────────────

WEIGHTINGS = ("given", "equal", "entropy", "critic", "pca")


@pytest.mark.parametrize("weighting", ["entropy", "critic", "pca"])
def test_nominal_data_driven_replicate_matches_the_pipeline(data: pd.DataFrame,
                                                            weighting: str) -> None:
    frame = data.copy()
    frame.iloc[3, 2] = np.nan  # imputed first: data-driven weights need complete columns
    spec = IndexSpec(low=1.0, imputation="median", weighting=weighting)  # type: ignore[arg-type]
    got = monte_carlo(frame, spec, Uncertainty(), n=3, hierarchy=HIER,
                      directions={"x1": -1}).summary
    assert (got["nominal"] == composite(frame, HIER, {"x1": -1}, spec).rank).all()


@pytest.mark.parametrize("norm", ["minmax", "rank", "ratio"])
def test_every_weighting_option_is_composite_with_that_method(data: pd.DataFrame,
                                                              norm: str) -> None:
    """A replicate that drew weighting method m (and no weight noise) ranks the units exactly
    as `composite()` with `IndexSpec(weighting=m)`: data-driven weights are re-computed from
    the replicate's normalised data, per aggregate of the two-level hierarchy."""
    spec = IndexSpec(low=1.0, normalisation=norm)  # type: ignore[arg-type]
    plan = Plan(data, spec, Uncertainty(weighting=WEIGHTINGS), HIER, {"x1": -1}, None)
    assert plan.factor_groups == ["weighting"]
    u = (np.arange(len(WEIGHTINGS)) + 0.5)[:, None] / len(WEIGHTINGS)  # one draw per option
    ranks = plan.ranks(u)
    for k, method in enumerate(WEIGHTINGS):
        ref = composite(data, HIER, {"x1": -1}, replace(spec, weighting=method))  # type: ignore[arg-type]
        assert (ranks[k] == ref.rank.to_numpy()).all(), method
    assert len({tuple(r) for r in ranks}) >= 3  # the methods do rank differently


# Four units, two benefit indicators, min–max onto [0, 100], no outlier treatment:
#   x1 = (0, 5, 10, 2) -> (0, 50, 100, 20);  x2 = (0, 10, 6, 0) -> (0, 100, 60, 0).
# Entropy (0 ln 0 = 0, ln 4): E1 = 0.666410, E2 = 0.477217; weights (1 − E)/Σ = 0.389538,
# 0.610462. Equal weights score (0, 75, 80, 10): c first, b second; entropy weights score
# (0, 80.523, 75.582, 7.791): b first, c second.
HAND = pd.DataFrame({"x1": [0.0, 5.0, 10.0, 2.0], "x2": [0.0, 10.0, 6.0, 0.0]},
                    index=["a", "b", "c", "d"])
HAND_SPEC = IndexSpec(treat_outliers=False)


def test_hand_checked_entropy_weights_and_rank_flip() -> None:
    u = Uncertainty(weighting=("equal", "entropy"))
    plan = Plan(HAND, HAND_SPEC, u, None, None, None)
    w = plan.base_weights("none", "minmax", "arithmetic", "entropy")
    assert w == pytest.approx([0.389538, 0.610462], abs=1e-6)
    res = monte_carlo(HAND, HAND_SPEC, u, n=400, seed=8, keep_ranks=True)
    assert res.ranks is not None
    entropy = np.random.default_rng(8).random((400, 1))[:, 0] >= 0.5  # the documented draw
    expected = np.where(entropy[:, None], [[4, 1, 2, 3]], [[4, 2, 1, 3]])
    assert (res.ranks == expected).all()
    assert 100 < entropy.sum() < 300
    assert res.summary.loc["c", "nominal"] == 1  # the nominal spec: given = equal here


def test_sobol_attributes_variance_to_the_weighting_choice() -> None:
    same = Uncertainty(aggregation=("arithmetic", "arithmetic"), weighting=("equal", "entropy"))
    idx = sobol_indices(HAND, HAND_SPEC, same, n=128, seed=1).indices
    assert list(idx.index) == ["aggregation", "weighting"]
    assert idx.loc["aggregation", ["S1", "ST"]].abs().max() < 1e-12
    assert idx.loc["weighting", "ST"] > 0.9
    fixed = Uncertainty(WeightNoise(0.3), weighting=("entropy", "entropy"))
    idx = sobol_indices(HAND, HAND_SPEC, fixed, n=128, seed=1).indices
    assert idx.loc["weighting", ["S1", "ST"]].abs().max() < 1e-12


def test_weight_noise_perturbs_data_driven_weights() -> None:
    """Noise multiplies the method's weights: ±100 % around the entropy weights can flip b and
    c (b wins while w2/w1 > 50/40 = 1.25), which entropy weights alone never do."""
    plain = monte_carlo(HAND, replace(HAND_SPEC, weighting="entropy"), Uncertainty(), n=50,
                        keep_ranks=True)
    noisy = monte_carlo(HAND, replace(HAND_SPEC, weighting="entropy"),
                        Uncertainty(WeightNoise(0.99)), n=400, keep_ranks=True)
    assert plain.ranks is not None and noisy.ranks is not None
    assert (plain.ranks[:, 1] == 1).all()
    assert 0 < (noisy.ranks[:, 2] == 1).sum() < 400


def test_weighting_choice_in_the_configuration_file(tmp_path: Path) -> None:
    text = """id: demo
name: 示例指数
indicators:
  x1: {label: 指标一}
  x2: {label: 指标二}
hierarchy:
  index: {x1: 1, x2: 1}
uncertainty:
  weighting: [equal, entropy]
"""
    path = tmp_path / "index.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = load_index_config(path)
    assert loaded.uncertainty.weighting == ("equal", "entropy")
    res = monte_carlo(HAND, HAND_SPEC, loaded.uncertainty, n=400, seed=8, keep_ranks=True,
                      hierarchy=loaded.hierarchy)
    assert res.ranks is not None and set(res.ranks[:, 1]) == {1, 2}  # b: 1 under entropy
    path.write_text(text.replace("[equal, entropy]", "[equal, budget]"), encoding="utf-8")
    with pytest.raises(SchemeError) as err:
        load_index_config(path)
    assert "index.yaml:9" in str(err.value) and "uncertainty.weighting" in str(err.value)


# --- Sobol at small N (issue 16, defect 2) ---------------------------------------------------

FIVE = Uncertainty(normalisation=("minmax", "rank"), aggregation=("arithmetic", "arithmetic"),
                   imputation=("none", "none"), weighting=("given", "given"),
                   benchmarks={"x3": (10.0, 20.0)})


@pytest.mark.parametrize("n", [4, 8, 16, 32, 64, 128, 256])
def test_sobol_is_right_for_a_lone_binary_choice_at_every_n(data: pd.DataFrame, n: int) -> None:
    """Five factors (imputation, normalisation, aggregation, weighting, a benchmark); only the
    normalisation changes anything (the other options are identical and min-max/rank ignore
    benchmarks). So S1 = ST = 1 for normalisation and 0 for the rest, by definition. With the
    A and B options balanced over all four pairs, the Saltelli/Jansen estimates are exact:
    S1 = mean(g(b)^2 - g(a) g(b)) / var = 1 with g the centred output, since the pairs are
    balanced, and ST = P(a != b) x Delta^2 / (2 var) = (1/2) Delta^2 / (2 Delta^2 / 4) = 1.
    Reading the choice from the Sobol column's leading digit gave S1 = ST = 0 or 2 at N = 16
    for some seeds (the A and B columns' first digits coincide or are complementary)."""
    for seed in range(3):
        for estimator in ("salib", "coinr"):
            idx = sobol_indices(data, SPEC, FIVE, n=n, seed=seed,
                                estimator=estimator).indices  # type: ignore[arg-type]
            assert list(idx.index) == ["imputation", "normalisation", "aggregation",
                                       "weighting", "benchmarks"]
            # COINr's n - 1 variance of the 2N outputs scales both by (2N - 1)/(2N)
            expected = 1.0 if estimator == "salib" else (2 * n - 1) / (2 * n)
            assert idx.loc["normalisation", "ST"] == pytest.approx(expected, abs=1e-9)
            assert idx.loc["normalisation", "S1"] == pytest.approx(expected, abs=1e-9)
            others = idx.drop(index="normalisation")
            assert others[["S1", "ST"]].abs().max().max() < 1e-9


def test_sobol_refuses_n_below_the_square_of_the_options(data: pd.DataFrame) -> None:
    three = Uncertainty(WeightNoise(0.1), aggregation=("arithmetic", "geometric", "harmonic"))
    with pytest.raises(IndexMethodError, match="at least 9"):
        sobol_indices(data, SPEC, three, n=8)
    assert sobol_indices(data, SPEC, three, n=16).runs == 16 * 4
    with pytest.raises(IndexMethodError, match="at least 4"):
        sobol_indices(data, SPEC, FIVE, n=2)


def test_salib_and_coinr_estimators_by_hand() -> None:
    # N = 2 base points, two choices; outputs per point in the order A, AB1, AB2, B:
    #   point 1: 1, 3, 1, 3;  point 2: 2, 2, 4, 4.  yA = (1, 2), yB = (3, 4).
    # COINr: var(c(1, 2, 3, 4)) = 5/3 (n - 1).  S1_1 = mean(3 x 2, 4 x 0)/var = 3/(5/3) = 1.8;
    #   S1_2 = mean(3 x 0, 4 x 2)/var = 2.4;  ST_1 = ST_2 = 4/(2 x 2 x 5/3) = 0.6.
    # SALib: centre by the mean of all eight outputs (2.5); yB -> (0.5, 1.5); variance of
    #   (-1.5, -0.5, 0.5, 1.5) with n = 1.25. S1_1 = mean(0.5 x 2, 1.5 x 0)/1.25 = 0.4;
    #   S1_2 = mean(0, 1.5 x 2)/1.25 = 1.2;  ST = 0.5 x mean(4, 0)/1.25 = 0.8.
    # ST differs by (2N - 1)/(2N) = 3/4 exactly; S1 by far more (centring).
    from tiangong.index.sensitivity import _analyse

    y = np.array([1.0, 3.0, 1.0, 3.0, 2.0, 2.0, 4.0, 4.0])
    coinr = _analyse(y, ["c1", "c2"], 2, 10, 0, "coinr")
    np.testing.assert_allclose(coinr["S1"], [1.8, 2.4], atol=1e-12)
    np.testing.assert_allclose(coinr["ST"], [0.6, 0.6], atol=1e-12)
    salib = _analyse(y, ["c1", "c2"], 2, 10, 0, "salib")
    np.testing.assert_allclose(salib["S1"], [0.4, 1.2], atol=1e-12)
    np.testing.assert_allclose(salib["ST"], [0.8, 0.8], atol=1e-12)
    with pytest.raises(IndexMethodError, match="unknown Sobol estimator"):
        sobol_indices(HAND, HAND_SPEC, Uncertainty(WeightNoise(0.1)), n=4,
                      estimator="jansen")  # type: ignore[arg-type]


# --- COINr-style uncertainty choices (issue 16, point 10) -----------------------------------


@pytest.mark.parametrize("norm", ["minmax", "rank"])
def test_winsorisation_limit_as_a_choice_is_composite_with_that_limit(data: pd.DataFrame,
                                                                      norm: str) -> None:
    """A replicate that drew winsorisation limit w ranks the units as `composite()` with
    `IndexSpec(winmax=w)`; u0 (twice every maximum) makes every column fail the skew/kurtosis
    rule, so the limit decides between winsorising and the log transform."""
    limits = (0, 1, 5)
    spec = IndexSpec(low=1.0, normalisation=norm)  # type: ignore[arg-type]
    plan = Plan(data, spec, Uncertainty(winmax=limits), HIER, {"x1": -1}, None)
    assert plan.factor_groups == ["winsorisation"] and plan.factor_levels == [3]
    ranks = plan.ranks((np.arange(3) + 0.5)[:, None] / 3)
    for k, w in enumerate(limits):
        ref = composite(data, HIER, {"x1": -1}, replace(spec, winmax=w))
        assert (ranks[k] == ref.rank.to_numpy()).all(), w
    if norm == "rank":  # winsorising and logs keep the order here: ranks do not move
        return
    assert len({tuple(r) for r in ranks}) >= 2  # the limits do rank differently
    idx = sobol_indices(data, spec, Uncertainty(winmax=limits,
                                                aggregation=("arithmetic", "arithmetic")),
                        n=16, hierarchy=HIER, directions={"x1": -1}).indices
    assert idx.loc["winsorisation", "ST"] > 0.5
    assert idx.loc["aggregation", ["S1", "ST"]].abs().max() < 1e-12


def test_zscores_with_a_chosen_mean_and_sd_allow_a_geometric_mean() -> None:
    # x1 = (1, 2, 3): mean 2, sd (n - 1) 1 -> z = (-1, 0, 1) -> mean 10, sd 2: (8, 10, 12).
    # x2 = (3, 1, 2): z = (1, -1, 0) -> (12, 8, 10). Geometric mean, equal weights:
    # A sqrt(96) = 9.797959, B sqrt(80) = 8.944272, C sqrt(120) = 10.954451: C, A, B.
    frame = pd.DataFrame({"x1": [1.0, 2.0, 3.0], "x2": [3.0, 1.0, 2.0]}, index=list("ABC"))
    spec = IndexSpec(normalisation="zscore", z_mean=10.0, z_sd=2.0, aggregation="geometric",
                     treat_outliers=False)
    hier = Hierarchy({"index": {"x1": 1, "x2": 1}})
    res = composite(frame, hier, None, spec)
    np.testing.assert_allclose(res.normalised["x1"], [8.0, 10.0, 12.0], atol=1e-12)
    np.testing.assert_allclose(res.aggregates["index"],
                               [np.sqrt(96.0), np.sqrt(80.0), np.sqrt(120.0)], atol=1e-12)
    assert res.rank.tolist() == [2, 3, 1]
    mc = monte_carlo(frame, spec, Uncertainty(normalisation=("zscore", "rank"),
                                              aggregation=("geometric", "harmonic")),
                     n=20, hierarchy=hier)
    assert mc.summary["nominal"].tolist() == [2, 3, 1]
    with pytest.raises(IndexMethodError, match="needs values > 0"):  # plain z-scores: < 0
        monte_carlo(frame, replace(spec, z_mean=0.0, z_sd=1.0), Uncertainty(), n=2,
                    hierarchy=hier)


# P and Q swap x1 and x2; R is in the middle. min-max onto [0, 100]: x1 = (100, 0, 50),
# x2 = (0, 100, 50), x3 = (100, 100, 0). With a = mean(x1, x2) and b = x3: a = 50 for all,
# b = (100, 100, 0). Noise on the level-2 weights (a vs b) moves P and Q together: they tie
# and P stays first (row order). Noise on the level-1 weights (x1 vs x2 inside a; x3 is alone
# in b, so its weight is always 1) puts P first exactly when w(x1) > w(x2).
LEVELS = pd.DataFrame({"x1": [10.0, 0.0, 5.0], "x2": [0.0, 10.0, 5.0], "x3": [5.0, 5.0, 0.0]},
                      index=list("PQR"))
LEVEL_HIER = Hierarchy({"index": {"a": 1, "b": 1}, "a": {"x1": 1, "x2": 1}, "b": {"x3": 1}})


def test_weight_noise_limited_to_chosen_levels() -> None:
    spec = IndexSpec(treat_outliers=False)
    top = Uncertainty(WeightNoise(0.9, levels=(2,)))
    plan = Plan(LEVELS, spec, top, LEVEL_HIER, None, None)
    assert plan.factor_groups == ["weights", "weights"]
    res = monte_carlo(LEVELS, spec, top, n=200, hierarchy=LEVEL_HIER, keep_ranks=True)
    assert res.ranks is not None and (res.ranks[:, 0] == 1).all()
    low = Uncertainty(WeightNoise(0.9, levels=(1,)))
    assert Plan(LEVELS, spec, low, LEVEL_HIER, None, None).factor_groups == ["weights"] * 3
    res = monte_carlo(LEVELS, spec, low, n=200, seed=4, hierarchy=LEVEL_HIER, keep_ranks=True)
    assert res.ranks is not None
    u = np.random.default_rng(4).random((200, 3))  # the documented draw: x1, x2, x3 factors
    p_first = u[:, 0] > u[:, 1]  # same spread, so w(x1) > w(x2) iff its factor is larger
    assert (res.ranks[:, 0] == np.where(p_first, 1, 2)).all()
    assert 50 < p_first.sum() < 150
    dirichlet = Uncertainty(WeightNoise(kind="dirichlet", concentration=5.0, levels=(2,)))
    res = monte_carlo(LEVELS, spec, dirichlet, n=100, hierarchy=LEVEL_HIER, keep_ranks=True)
    assert res.ranks is not None and (res.ranks[:, 0] == 1).all()
    with pytest.raises(IndexMethodError, match="level 3 does not exist"):
        monte_carlo(LEVELS, spec, Uncertainty(WeightNoise(levels=(3,))), n=2,
                    hierarchy=LEVEL_HIER)
