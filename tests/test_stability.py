"""Class stability under declared uncertainty of benchmarks and weights (tiangong.stability)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tiangong.demo.generator import generate
from tiangong.errors import TiangongError
from tiangong.evaluate import Evaluation, evaluate
from tiangong.scheme.loader import load_scheme
from tiangong.stability import ClassUncertainty, class_stability

CERTAIN = ClassUncertainty(benchmark=0.0, weight=0.0)
NOISY = ClassUncertainty(benchmark=0.10, weight=0.10)


@pytest.fixture(scope="module")
def county() -> Evaluation:
    return evaluate("huangyan_2022", generate("county", 1, year=2022), 2022)


def test_zero_uncertainty_reproduces_the_pipeline(county: Evaluation) -> None:
    out = class_stability(county, CERTAIN, n=50, seed=3)
    res = county.to_pandas()
    assert list(out["uscc"]) == list(res["uscc"])
    assert (out["p_keep"] == 1.0).all()
    assert (out["p_up"] == 0.0).all() and (out["p_down"] == 0.0).all()
    same = out["modal_class"].fillna("-") == res["class"].fillna("-")
    assert same.all()


def test_columns_and_probabilities(county: Evaluation) -> None:
    out = class_stability(county, NOISY, n=100)
    assert list(out.columns) == ["uscc", "class", "p_keep", "p_up", "p_down", "modal_class"]
    total = out["p_keep"] + out["p_up"] + out["p_down"]
    assert np.allclose(total, 1.0)
    assert (out["p_keep"] < 1).sum() > 0
    special = county.to_pandas()["special_class"].notna().to_numpy()
    assert special.any() and (out.loc[special, "p_keep"] == 1.0).all()


def _distance_to_boundary(res: pd.DataFrame) -> pd.Series:
    """Rank positions to the nearest quota boundary (A 20 / B 60 / C 95, half up)."""
    dist = pd.Series(np.inf, index=res.index)
    for _part, sub in res[res["rank"].notna()].groupby("partition"):
        size = sub["partition_size"].iloc[0]
        cuts = [np.floor(size * q / 100 + 0.5) for q in (20, 60, 95)]
        d = np.min([np.abs(sub["rank"].to_numpy() - (c + 0.5)) for c in cuts], axis=0)
        dist[sub.index] = d
    return dist


def test_firms_near_a_boundary_are_less_stable(county: Evaluation) -> None:
    res = county.to_pandas()
    out = class_stability(county, ClassUncertainty(benchmark=0.10), n=400, seed=1)
    plain = ~res["class_reason"].fillna("").str.contains("；")  # no adjustment fired
    dist = _distance_to_boundary(res)
    near = plain & (dist <= 3)
    far = plain & (dist >= 100) & np.isfinite(dist)
    assert near.sum() >= 10 and far.sum() >= 100
    assert out.loc[near, "p_keep"].mean() < 0.9
    assert out.loc[far, "p_keep"].mean() > 0.99
    assert out.loc[near, "p_keep"].mean() < out.loc[far, "p_keep"].mean()


def test_veto_keeps_d_and_downgrade_shifts(county: Evaluation) -> None:
    res = county.to_pandas()
    out = class_stability(county, NOISY, n=200, seed=2)
    vetoed = res["class_reason"].fillna("").str.contains("直接评为D类").to_numpy()
    if vetoed.any():
        assert (out.loc[vetoed, "p_keep"] == 1.0).all()
    downgraded = (res["class_reason"].fillna("").str.contains("降一档") & ~vetoed).to_numpy()
    assert downgraded.any()
    # a downgraded firm is never in A
    assert (out.loc[downgraded, "modal_class"] != "A").all()


def test_deterministic_per_seed_and_independent_of_chunking(county: Evaluation) -> None:
    a = class_stability(county, NOISY, n=120, seed=7)
    b = class_stability(county, NOISY, n=120, seed=7, chunk=17, workers=1)
    pd.testing.assert_frame_equal(a, b)
    c = class_stability(county, NOISY, n=120, seed=8)
    assert not a["p_keep"].equals(c["p_keep"])


def test_normal_distribution_and_per_indicator_uncertainty(county: Evaluation) -> None:
    only_tax = ClassUncertainty(benchmark={"tax_per_mu": 0.2}, distribution="normal")
    out = class_stability(county, only_tax, n=100)
    assert (out["p_keep"] < 1).any()
    below_only_kwh = ClassUncertainty(benchmark={"rd_share": 0.0})
    assert (class_stability(county, below_only_kwh, n=20)["p_keep"] == 1).all()


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = load_scheme("huangyan_2022").text
    assert old in text
    path = tmp_path / "variant.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_capped_items_are_scored_per_item(tmp_path: Path) -> None:
    path = _variant(tmp_path, "weight: 30, benchmark: 24.097, floor: 0",
                    "weight: 30, benchmark: 24.097, floor: 0, cap: 36")
    ev = evaluate(path, generate("county", 1, year=2022), 2022)
    capped = ev.to_pandas()["points_tax_per_mu"] == 36
    assert capped.sum() > 10
    assert (class_stability(ev, CERTAIN, n=10)["p_keep"] == 1.0).all()
    out = class_stability(ev, NOISY, n=100)
    assert (out["p_keep"] < 1).any()
    assert np.allclose(out["p_keep"] + out["p_up"] + out["p_down"], 1.0)


@pytest.mark.parametrize(("old", "new", "feature"), [
    ("weight: 20, benchmark: 136.16, floor: 0",
     "weight: 20, benchmark: {kind: group_mean}, floor: 0", "benchmark kind 'group_mean'"),
    ("{indicator: rd_share, method: ratio, weight: 10, benchmark: 0.0302}",
     "{indicator: rd_share, method: minmax, weight: 10}", "item method 'minmax'"),
    ("ties: tiebreak", "ties: better_class", "ties 'better_class'"),
])
def test_unsupported_features_are_refused(tmp_path: Path, old: str, new: str,
                                          feature: str) -> None:
    path = _variant(tmp_path, old, new)
    ev = evaluate(path, generate("county", 1, year=2022), 2022)
    with pytest.raises(TiangongError, match="unsupported feature") as err:
        class_stability(ev, NOISY, n=5)
    assert feature in str(err.value)
