"""Class stability under declared uncertainty of benchmarks and weights
(tiangong.evaluation.stability)."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import tables

from tiangong.demo.generator import generate
from tiangong.errors import TiangongError
from tiangong.evaluation.evaluate import Evaluation, evaluate
from tiangong.evaluation.scheme.loader import load_scheme, parse_scheme
from tiangong.evaluation.stability import (
    ClassUncertainty,
    StabilityModel,
    class_stability,
    draw_factors,
)

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


def test_shared_adjustment_reasons_are_refused(tmp_path: Path) -> None:
    """Which outcome-free adjustment fired is read from the reason text; two adjustments with
    one text cannot be told apart, so the scheme is refused, naming the adjustment."""
    path = _variant(tmp_path, "reason: 有环境违法行为，降一档",
                    "reason: 发生较大及以上安全生产事故，直接评为D类")
    ev = evaluate(path, generate("county", 1, year=2022), 2022)
    with pytest.raises(TiangongError, match="unsupported feature") as err:
        class_stability(ev, NOISY, n=5)
    assert "adjustment 2's reason text is not unique" in str(err.value)
    assert "classification.adjustments.1.reason" in str(err.value)


def test_tiebreak_on_enterprise_data_needs_the_inputs() -> None:
    ev = evaluate("huangyan_2022", generate("county", 1, year=2022), 2022, keep_inputs=False)
    with pytest.raises(TiangongError, match="tiebreak key 'eval_tax'"):
        class_stability(ev, NOISY, n=5)


def test_invalid_uncertainty_is_reported_with_every_problem(county: Evaluation) -> None:
    bad = ClassUncertainty(benchmark={"tax_per_mu": -0.1, "no_such": 0.1}, weight=1.5)
    with pytest.raises(TiangongError) as err:
        class_stability(county, bad, n=5)
    text = str(err.value)
    assert "'no_such', which no group scores" in text
    assert "non-negative" in text and "below 1 (100 %)" in text


# ── a constructed case whose answer is computed by hand ───────────────────────────────────

HAND_SCHEME = """
id: two_items
name: 两项指标示例
indicators:
  tax_per_mu: {label: 亩均税收, expr: eval_tax / land_area, unit: 万元/亩}
  revenue_per_mu: {label: 亩均营业收入, expr: revenue / land_area, unit: 万元/亩}
defaults: {missing: zero, zero_denominator: zero}
groups:
  - id: all
    label: 全部企业
    select: {size_class: [above]}
    items:
      - {indicator: tax_per_mu, method: ratio, weight: 50, benchmark: 10, floor: 0}
      - {indicator: revenue_per_mu, method: ratio, weight: 50, benchmark: 100, floor: 0}
classification:
  classes: [{code: A, label: A类}, {code: B, label: B类}]
  partition_by: [group]
  method: quota
  quotas: {A: 50, B: 100}
  rounding: floor
  ties: tiebreak
  tiebreak: [{by: tax_per_mu, order: desc}]
"""


@pytest.fixture(scope="module")
def hand() -> Evaluation:
    """Four firms on 1 亩; with the tax benchmark multiplied by f the scores are
    H 1500/f + 50, P 150/f + 50, Q 100/f + 95, L 5/f + 0.5. A is the top 2 of 4: H always,
    L never; P (200 nominally) falls below Q (195) exactly when 50/f < 45, i.e. f > 10/9."""
    firms = [("H", 300, 100), ("P", 30, 100), ("Q", 20, 190), ("L", 1, 1)]
    rows = [{"uscc": u, "size_class": "above", "land_area": 1.0, "eval_tax": float(t),
             "revenue": float(r)} for u, t, r in firms]
    return evaluate(parse_scheme(HAND_SCHEME, "two_items.yaml"), tables(rows), 2022)


@pytest.mark.parametrize(("r", "dist", "swap"), [
    (0.05, "uniform", 0.0),                      # f <= 1.05 < 10/9
    (0.10, "uniform", 0.0),                      # f <= 1.10 < 10/9
    (0.20, "uniform", (1.2 - 10 / 9) / 0.4),     # P(U(0.8, 1.2) > 10/9) = 0.2222
    (0.30, "uniform", (1.3 - 10 / 9) / 0.6),     # 0.3148
    (0.50, "uniform", (1.5 - 10 / 9) / 1.0),     # 0.3889
    (0.10, "normal", 0.13326),                   # 1 − Φ((1/9)/0.1) = 1 − Φ(1.1111)
])
def test_hand_computed_probabilities(hand: Evaluation, r: float, dist: str,
                                     swap: float) -> None:
    res = hand.to_pandas().set_index("uscc")
    assert list(res.loc[["H", "P", "Q", "L"], "class"]) == ["A", "A", "B", "B"]
    unc = ClassUncertainty(benchmark={"tax_per_mu": r}, distribution=dist)  # type: ignore[arg-type]
    out = class_stability(hand, unc, n=20000, seed=5).set_index("uscc")
    assert out.loc["H", "p_keep"] == 1.0 and out.loc["L", "p_keep"] == 1.0
    assert out.loc["P", "p_up"] == 0.0 and out.loc["Q", "p_down"] == 0.0
    assert out.loc["P", "p_down"] == out.loc["Q", "p_up"]  # they swap together
    assert abs(out.loc["P", "p_down"] - swap) < 0.012  # 4 standard errors at n = 20,000
    if swap == 0.0:
        assert out.loc["P", "p_keep"] == 1.0


def test_stability_falls_as_uncertainty_grows(hand: Evaluation) -> None:
    keep = [class_stability(hand, ClassUncertainty(benchmark={"tax_per_mu": r}), n=4000,
                            seed=9).set_index("uscc").loc["P", "p_keep"]
            for r in (0.1, 0.2, 0.3, 0.5)]
    assert keep[0] == 1.0
    assert all(a > b for a, b in itertools.pairwise(keep))


CAPPED_SCHEME = """
id: capped
name: 封顶示例
indicators:
  tax_per_mu: {label: 亩均税收, expr: eval_tax / land_area, unit: 万元/亩}
defaults: {missing: zero, zero_denominator: zero}
groups:
  - id: all
    label: 全部企业
    select: {size_class: [above]}
    items:
      - {indicator: tax_per_mu, method: ratio, weight: 50, benchmark: 10, cap: 60, floor: 0}
classification:
  classes: [{code: A, label: A类}, {code: B, label: B类}]
  partition_by: [group]
  method: quota
  quotas: {A: 50, B: 100}
  rounding: floor
  ties: tiebreak
  tiebreak: [{by: revenue, order: desc}]
"""


def test_ties_that_only_a_replicate_makes_follow_the_tiebreak_keys() -> None:
    """Y (亩均税收 13) scores min(65/f, 60) and X (11.5) min(57.5/f, 60) with the benchmark
    times f ~ U(0.9, 1.1): Y is A nominally (60 > 57.5). When f <= 57.5/60 both sit at the cap
    and the tiebreak (revenue, X's is higher) puts X in A: P = (0.958333 − 0.9)/0.2 = 0.291667.
    Ordering ties by the nominal rank instead would give Y p_keep 1."""
    rows = [{"uscc": "Y", "size_class": "above", "land_area": 1.0, "eval_tax": 13.0,
             "revenue": 100.0},
            {"uscc": "X", "size_class": "above", "land_area": 1.0, "eval_tax": 11.5,
             "revenue": 200.0}]
    ev = evaluate(parse_scheme(CAPPED_SCHEME, "capped.yaml"), tables(rows), 2022)
    assert list(ev.to_pandas().set_index("uscc").loc[["Y", "X"], "class"]) == ["A", "B"]
    out = class_stability(ev, ClassUncertainty(benchmark=0.1), n=20000, seed=6)
    out = out.set_index("uscc")
    assert abs(out.loc["Y", "p_down"] - 0.291667) < 0.013
    assert out.loc["X", "p_up"] == out.loc["Y", "p_down"]


@pytest.mark.parametrize("scheme_id", ["huangyan_2022", "huaian_2024"])
def test_selection_and_full_ranking_agree(scheme_id: str) -> None:
    """Quota schemes without bounds take a selection shortcut (no sort); it must give the
    classes of the full ranking in every replicate, ties included."""
    year = 2024 if scheme_id == "huaian_2024" else 2022
    ev = evaluate(scheme_id, generate("county", 2, year=year), year)
    with StabilityModel(ev) as model:
        fw, fb = draw_factors(model.columns, ClassUncertainty(0.2, 0.2), 300, 1)
        _, selected, _ = model.layout_classes(fw, fb)
        _, ranked, rank = model.layout_classes(fw, fb, with_rank=True)
    assert rank is not None and (selected == ranked).all()
    assert (selected != selected[0]).any()  # the replicates differ
