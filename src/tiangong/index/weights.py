"""Indicator weights: equal, manual (budget), entropy, CRITIC and MEREC. PCA and AHP live in
`pca.py` and `ahp.py`.

The published sources disagree on three details, so each is an explicit option with a default
that a test pins against a published case:

- **Zeros in entropy.** p ln p is undefined at p = 0. Default `zeros="drop"` uses the limit
  0 ln 0 = 0, the convention of information theory and of the entropy-weight literature (Xu 2004;
  the Chinese 熵权法 textbooks state "若 p=0, 则 p ln p = 0"). `"shift"` is SPSSAU's 非负平移:
  a column with any value <= 0 is shifted by |min| + `shift` (default 0.01) before shares are
  taken; `"epsilon"` replaces exact zeros by `epsilon`. Shifting changes the weights, so the
  choice must be recorded with the run.
- **Cost criteria before CRITIC.** Diakoulaki et al. (1995) scale every criterion towards its
  ideal, i.e. (max - x)/(max - min) for a cost criterion; that flips the sign of its
  correlations and therefore the weights. Some published applications (e.g. Tuş & Aytaç Adalı
  2019) scale all criteria as benefit. Default `reverse_costs=True` (the original method, and
  JMcDM); pass False to reproduce the others.
- **n vs n - 1 in CRITIC's standard deviation.** Default `ddof=1` (R, Julia, JMcDM). The
  weights do not depend on it (the factor sqrt(n/(n-1)) cancels), but the reported information
  amounts C_j do, and they are compared across sources.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from tiangong.index._common import (
    Directions,
    Weights,
    as_frame,
    direction_vector,
    fail,
    fail_all,
    series,
    weight_vector,
)

ZeroRule = Literal["drop", "shift", "epsilon"]


def equal_weights(columns: list[str]) -> pd.Series:
    """1/n for each indicator."""
    if not columns:
        raise fail("no indicators to weight")
    return series(np.full(len(columns), 1.0 / len(columns)), columns, "weight")


def manual_weights(weights: dict[str, float] | pd.Series, columns: list[str] | None = None,
                   normalise: bool = True) -> pd.Series:
    """Expert or budget-allocation weights, checked (one per indicator, >= 0) and summing to 1."""
    names = list(columns) if columns is not None else list(dict(weights).keys())
    return series(weight_vector(names, weights, normalise=normalise), names, "weight")


def entropy_weights(data: pd.DataFrame, zeros: ZeroRule = "drop", *, shift: float = 0.01,
                    epsilon: float = 1e-12, prenormalise: Literal["none", "minmax"] = "none",
                    directions: Directions = None) -> pd.Series:
    """Entropy (Shannon) weights: indicators whose values vary more across units weigh more.

    p_ij = x_ij / sum_i x_ij, E_j = -sum_i p_ij ln p_ij / ln m, w_j = (1 - E_j) / sum(1 - E).
    With `prenormalise="minmax"` each column is first scaled to [0, 1] towards its ideal (cost
    columns reversed), the common 熵权法 practice; that always creates a zero per column, which
    is where the `zeros` rule matters. Raw values must be >= 0 unless `zeros="shift"`.
    """
    frame = as_frame(data)
    cols = list(frame.columns)
    x = frame.to_numpy()
    fail_all(((c, "missing values; impute first") for c in cols if frame[c].isna().any()),
             "entropy weights")
    if prenormalise == "minmax":
        d = direction_vector(cols, directions)
        lo, hi = x.min(axis=0), x.max(axis=0)
        fail_all(((c, "zero range") for c, r in zip(cols, hi - lo, strict=True) if r <= 0),
                 "entropy weights")
        x = (x - lo) / (hi - lo)
        x = np.where(d > 0, x, 1.0 - x)
    elif prenormalise != "none":
        raise fail(f"unknown prenormalisation {prenormalise!r}", "prenormalise")
    if zeros == "shift":
        needs = (x <= 0).any(axis=0)
        x = np.where(needs, x + np.abs(x.min(axis=0)) + shift, x)
    elif zeros == "epsilon":
        x = np.where(x == 0, epsilon, x)
    elif zeros != "drop":
        raise fail(f"unknown zero rule {zeros!r}", "zeros")
    fail_all(((c, "negative values; use zeros='shift' or normalise first")
              for c, neg in zip(cols, np.atleast_1d((x < 0).any(axis=0)), strict=True) if neg),
             "entropy weights")
    totals = x.sum(axis=0)
    fail_all(((c, "all values are zero") for c, t in zip(cols, totals, strict=True) if t <= 0),
             "entropy weights")
    p = x / totals
    plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    entropy = -plogp.sum(axis=0) / np.log(x.shape[0])
    divergence = 1.0 - entropy
    if divergence.sum() <= 0:
        raise fail("every indicator is constant across units; entropy weights are undefined")
    return series(divergence / divergence.sum(), cols, "weight")


@dataclass(frozen=True)
class Critic:
    """CRITIC result: weights, information amounts C_j, standard deviations and correlations."""

    weights: pd.Series
    information: pd.Series
    std: pd.Series
    correlation: pd.DataFrame


def critic(data: pd.DataFrame, directions: Directions = None, *, reverse_costs: bool = True,
           ddof: int = 1) -> Critic:
    """CRITIC (Diakoulaki, Mavrotas & Papayannakis 1995): contrast x conflict.

    Each column is min-max scaled (towards its ideal when `reverse_costs`), then
    C_j = sigma_j * sum_k (1 - r_jk) and w_j = C_j / sum C. See the module notes for the
    conventions.
    """
    frame = as_frame(data)
    cols = list(frame.columns)
    fail_all(((c, "missing values; impute first") for c in cols if frame[c].isna().any()),
             "CRITIC weights")
    x = frame.to_numpy()
    lo, hi = x.min(axis=0), x.max(axis=0)
    fail_all(((c, "zero range") for c, r in zip(cols, hi - lo, strict=True) if r <= 0),
             "CRITIC weights")
    z = (x - lo) / (hi - lo)
    if reverse_costs:
        z = np.where(direction_vector(cols, directions) > 0, z, 1.0 - z)
    std = z.std(axis=0, ddof=ddof)
    corr = np.corrcoef(z, rowvar=False)
    info = std * (1.0 - corr).sum(axis=0)
    if not info.sum() > 0:
        raise fail("CRITIC is undefined: the indicators are perfectly correlated, so none "
                   "carries conflicting information", cols[0])
    return Critic(
        weights=series(info / info.sum(), cols, "weight"),
        information=series(info, cols, "information"),
        std=series(std, cols, "std"),
        correlation=pd.DataFrame(corr, index=cols, columns=cols),
    )


def critic_weights(data: pd.DataFrame, directions: Directions = None, *,
                   reverse_costs: bool = True, ddof: int = 1) -> pd.Series:
    """Just the CRITIC weights; see `critic`."""
    return critic(data, directions, reverse_costs=reverse_costs, ddof=ddof).weights


def merec_weights(data: pd.DataFrame, directions: Directions = None) -> pd.Series:
    """MEREC (Keshavarz-Ghorabaee, Amiri, Zavadskas, Turskis & Antucheviciene 2021): a
    criterion weighs more the more removing it changes the units' overall performance.

    n_ij = min_k x_kj / x_ij (benefit) or x_ij / max_k x_kj (cost), so the best value is the
    smallest; S_i = ln(1 + mean_j |ln n_ij|); S'_ij the same without criterion j (still divided
    by the number of criteria m, as in the paper); E_j = sum_i |S'_ij - S_i|; w = E / sum E.
    Values must be > 0 (logarithms of ratios).
    """
    frame = as_frame(data)
    cols = list(frame.columns)
    fail_all(((c, "missing values; impute first") for c in cols if frame[c].isna().any()),
             "MEREC weights")
    x = frame.to_numpy()
    fail_all(((c, "MEREC needs values > 0") for c, bad in
              zip(cols, np.atleast_1d((x <= 0).any(axis=0)), strict=True) if bad),
             "MEREC weights")
    if len(cols) < 2:
        raise fail("MEREC needs at least two criteria (it removes one at a time)")
    d = direction_vector(cols, directions)
    n = np.where(d > 0, x.min(axis=0) / x, x / x.max(axis=0))
    a = np.abs(np.log(n))
    m = len(cols)
    s = np.log1p(a.sum(axis=1) / m)
    removed = np.log1p((a.sum(axis=1, keepdims=True) - a) / m)
    effect = np.abs(removed - s[:, None]).sum(axis=0)
    if not effect.sum() > 0:
        raise fail("every criterion is constant across units; MEREC weights are undefined")
    return series(effect / effect.sum(), cols, "weight")


def normalise_weights(weights: Weights, columns: list[str]) -> pd.Series:
    """Any accepted weight form as a labelled Series summing to one."""
    return series(weight_vector(columns, weights), columns, "weight")
