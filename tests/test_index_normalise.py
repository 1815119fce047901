"""Pins for normalisation (tiangong.index.normalise).

COINr documents each method as a formula without printed numbers, so the small cases below are
worked by hand from those formulas. The n - 1 convention of the z-score is pinned against the
published USArrests standard deviations in test_index_usarrests.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tiangong.index import IndexMethodError, normalise


def test_minmax_coinr_default_range_and_direction() -> None:
    # COINr n_minmax(x, l_u = c(0, 100)): (x - min)/(max - min) * (u - l) + l. x = (2, 4, 10):
    # by hand 0, 25, 100. Direction -1 (COINr multiplies x by -1 first): 100, 75, 0.
    df = pd.DataFrame({"benefit": [2.0, 4.0, 10.0], "cost": [2.0, 4.0, 10.0]})
    out = normalise(df, "minmax", {"cost": -1})
    assert out["benefit"].tolist() == [0.0, 25.0, 100.0]
    assert out["cost"].tolist() == [100.0, 75.0, 0.0]
    assert normalise(df, "minmax", low=1, high=10)["benefit"].tolist() == [1.0, 3.25, 10.0]


def test_rank_ties_min_and_percentile_rank() -> None:
    # COINr n_rank: rank(x, ties.method = "min"); n_prank: (rank - 1)/(n - 1). By hand for
    # x = (3, 1, 3, 2): ranks 3, 1, 3, 2 and percentile ranks 2/3, 0, 2/3, 1/3.
    df = pd.DataFrame({"x": [3.0, 1.0, 3.0, 2.0]})
    assert normalise(df, "rank")["x"].tolist() == [3, 1, 3, 2]
    np.testing.assert_allclose(normalise(df, "percentile_rank")["x"], [2 / 3, 0, 2 / 3, 1 / 3])
    assert normalise(df, "rank", {"x": -1})["x"].tolist() == [1, 4, 1, 3]


def test_distance_to_target_coinr_formulas() -> None:
    # COINr n_dist2targ: direction 1 -> (x - min)/(targ - min); -1 -> (max - x)/(max - targ);
    # cap_max caps at 1. x = (10, 20, 30, 40), target 30: by hand (x - 10)/20.
    df = pd.DataFrame({"b": [10.0, 20.0, 30.0, 40.0], "c": [10.0, 20.0, 30.0, 40.0]})
    out = normalise(df, "target", {"c": -1}, targets={"b": 30.0, "c": 20.0})
    assert out["b"].tolist() == [0.0, 0.5, 1.0, 1.5]
    # cost: (40 - x)/(40 - 20) = 1.5, 1.0, 0.5, 0.0
    assert out["c"].tolist() == [1.5, 1.0, 0.5, 0.0]
    capped = normalise(df, "target", {"c": -1}, targets={"b": 30.0, "c": 20.0}, cap=True)
    assert capped["b"].tolist() == [0.0, 0.5, 1.0, 1.0]
    with pytest.raises(IndexMethodError):
        normalise(df, "target", targets={"b": 30.0})


def test_ratio_to_benchmark() -> None:
    # benefit x / b (b = best = max by default); cost b / x (b = min): Hwang & Yoon's linear scale.
    df = pd.DataFrame({"b": [2.0, 4.0, 8.0], "c": [2.0, 4.0, 8.0]})
    out = normalise(df, "ratio", {"c": -1})
    assert out["b"].tolist() == [0.25, 0.5, 1.0]
    assert out["c"].tolist() == [1.0, 0.5, 0.25]
    assert normalise(df, "ratio", benchmarks={"b": 4.0})["b"].tolist() == [0.5, 1.0, 2.0]


def test_zero_range_is_reported_by_name() -> None:
    df = pd.DataFrame({"flat": [1.0, 1.0, 1.0], "ok": [1.0, 2.0, 3.0]})
    with pytest.raises(IndexMethodError, match="flat"):
        normalise(df, "minmax")
    with pytest.raises(IndexMethodError, match="unknown normalisation"):
        normalise(df, "nope")  # type: ignore[arg-type]
