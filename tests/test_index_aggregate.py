"""Pins for aggregation (arithmetic, geometric, harmonic means; hierarchy)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tiangong.index import (
    Hierarchy,
    IndexMethodError,
    aggregate_hierarchy,
    effective_weights,
    weighted_mean,
)


def test_geometric_and_harmonic_mupad_examples() -> None:
    # MuPAD documentation, stats::geometric and stats::harmonic, Example 3: the sample
    # 1242, 1353, 1142 has geometric mean 1242.68722 and harmonic mean 1239.71654; and
    # stats::harmonic([2, 3, 5]) = 90/31.
    row = pd.DataFrame([[1242.0, 1353.0, 1142.0]])
    assert weighted_mean(row, method="geometric").iloc[0] == pytest.approx(1242.68722, abs=5e-6)
    assert weighted_mean(row, method="harmonic").iloc[0] == pytest.approx(1239.71654, abs=5e-6)
    assert weighted_mean(pd.DataFrame([[2.0, 3.0, 5.0]]), method="harmonic").iloc[0] == \
        pytest.approx(90 / 31)


def test_weighted_geometric_mean_maxima_example() -> None:
    # Maxima `descriptive` package, geometric_mean: y = [5, 7, 2, 5, 9, 5, 6, 4, 9, 2, 4, 2, 5]
    # gives 4.454845412337012. As weights: the values 2, 4, 5, 6, 7, 9 occur 3, 2, 4, 1, 1, 2
    # times, so the weighted geometric mean with those counts must equal the published value.
    values = pd.DataFrame([[2.0, 4.0, 5.0, 6.0, 7.0, 9.0]])
    got = weighted_mean(values, [3, 2, 4, 1, 1, 2], "geometric").iloc[0]
    assert got == pytest.approx(4.454845412337012, rel=1e-14)
    # arithmetic with the same counts: sum(y)/13 = 65/13 = 5 (by hand)
    assert weighted_mean(values, [3, 2, 4, 1, 1, 2]).iloc[0] == pytest.approx(5.0)


def test_missing_values_renormalise_weights_like_coinr() -> None:
    # COINr a_amean: "NA are skipped", weights rescaled over the values present (by hand:
    # (2*1 + 1*4)/3 = 2 for the first unit; all-missing stays missing).
    df = pd.DataFrame({"a": [1.0, np.nan], "b": [np.nan, np.nan], "c": [4.0, np.nan]})
    out = weighted_mean(df, {"a": 2, "b": 5, "c": 1})
    assert out.iloc[0] == 2.0 and np.isnan(out.iloc[1])
    with pytest.raises(IndexMethodError, match="> 0"):
        weighted_mean(pd.DataFrame({"a": [0.0, 1.0]}), method="geometric")


def test_hierarchy_indicator_dimension_index() -> None:
    data = pd.DataFrame({"x1": [10.0, 40.0], "x2": [30.0, 20.0], "x3": [50.0, 80.0]},
                        index=["county A", "county B"])
    tree = Hierarchy({"index": {"quality": 1, "efficiency": 3},
                      "quality": {"x1": 1, "x2": 1}, "efficiency": {"x3": 1}})
    out = aggregate_hierarchy(data, tree)
    assert list(out.columns) == ["quality", "efficiency", "index"]
    # by hand: quality A = 20, B = 30; index A = (20 + 3*50)/4 = 42.5, B = (30 + 3*80)/4 = 67.5
    assert out["quality"].tolist() == [20.0, 30.0]
    assert out["index"].tolist() == [42.5, 67.5]
    # effective weights of the flattened tree: x1 = x2 = 1/8, x3 = 3/4
    ew = effective_weights(tree)
    assert ew.to_dict() == {"x1": 0.125, "x2": 0.125, "x3": 0.75}
    flat = weighted_mean(data, ew)
    np.testing.assert_allclose(flat, out["index"])
    # per-node methods: geometric only at the top
    geo = aggregate_hierarchy(data, Hierarchy(tree.children, methods={"index": "geometric"}))
    assert geo["index"].iloc[0] == pytest.approx(20 ** 0.25 * 50 ** 0.75)


def test_hierarchy_validation() -> None:
    data = pd.DataFrame({"x1": [1.0], "x2": [2.0]})
    with pytest.raises(IndexMethodError, match="not in the data"):
        aggregate_hierarchy(data, Hierarchy({"index": {"x1": 1, "x9": 1}}))
    with pytest.raises(IndexMethodError, match="one root"):
        aggregate_hierarchy(data, Hierarchy({"a": {"x1": 1}, "b": {"x2": 1}}))
    with pytest.raises(IndexMethodError, match="cycle"):
        aggregate_hierarchy(data, Hierarchy({"i": {"a": 1}, "a": {"b": 1}, "b": {"a": 1}}))


def test_composite_pipeline_equals_the_manual_chain() -> None:
    from tiangong.index import IndexSpec, composite, normalise

    data = pd.DataFrame({"tax_per_mu": [30.0, 10.0, 20.0, 25.0],
                         "energy_per_output": [0.5, 0.9, 0.4, 0.8],
                         "rd_share": [2.0, 1.0, 4.0, 3.0]}, index=list("ABCD"))
    tree = Hierarchy({"index": {"efficiency": 2, "innovation": 1},
                      "efficiency": {"tax_per_mu": 1, "energy_per_output": 1},
                      "innovation": {"rd_share": 1}})
    spec = IndexSpec(treat_outliers=False)
    res = composite(data, tree, {"energy_per_output": -1}, spec)
    n = normalise(data, "minmax", {"energy_per_output": -1})
    manual = aggregate_hierarchy(n, tree)
    pd.testing.assert_frame_equal(res.aggregates, manual)
    assert res.rank.idxmin() == manual["index"].idxmax()
    # every weighting choice runs and gives weights summing to one within each aggregate
    for how in ("equal", "entropy", "critic", "pca"):
        run = composite(data, tree, {"energy_per_output": -1},
                        IndexSpec(treat_outliers=False, weighting=how, low=1.0))
        assert all(abs(w.sum() - 1) < 1e-12 for w in run.weights.values())
