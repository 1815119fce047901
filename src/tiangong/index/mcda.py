"""MCDA rankings over a units x criteria table: TOPSIS, VIKOR and WASPAS (PROMETHEE II lives in
`promethee.py`).

All take raw criteria, weights and directions (+1 benefit, -1 cost) and return scores plus a
deterministic ranking: equal scores are ranked by row order (`ties="first"`, the default) or
share the best rank (`ties="min"`, 1, 1, 3).

- TOPSIS (Hwang & Yoon 1981): each criterion normalised once -- by its Euclidean norm
  (`normalisation="vector"`, the original), by min-max onto [0, 1] (`"minmax"`, the linear
  variant) or not at all (`"none"`: the values are already normalised, e.g. by `normalise()`,
  which has reversed cost criteria, so give directions +1 then); weighted; closeness
  C = D- / (D+ + D-) to the ideal/anti-ideal points; higher is better. Min-max here does not
  reverse cost criteria: their ideal is the minimum, as for vector normalisation, so no
  criterion is reversed (or normalised) twice.
- VIKOR (Opricovic & Tzeng 2004): linear normalisation (f* - f)/(f* - f-); group utility S,
  individual regret R, Q = v (S - S*)/(S- - S*) + (1 - v)(R - R*)/(R- - R*), v = 0.5 by default;
  lower is better. The paper's conditions are returned per alternative (see `Vikor`) and give
  the compromise set.
- WASPAS (Zavadskas, Turskis, Antucheviciene & Zakarevicius 2012): linear ratio normalisation
  (x / max for benefit, min / x for cost), WSM = sum_j w_j r_ij, WPM = prod_j r_ij^w_j and
  Q = lambda WSM + (1 - lambda) WPM. Weights are used exactly as given (not rescaled to sum to
  one): WSM is linear and WPM a product of powers in them, so a rescaling changes both scores.

tests/test_index_mcda.py pins each method to a published worked example's printed numbers:
TOPSIS min-max to Opricovic & Tzeng (2004); VIKOR's S, R, Q, C1, C2 and compromise sets to
Opricovic & Tzeng (2004, 2007) and Yang & Wu (2020); WASPAS to Chakraborty, Zavadskas &
Antucheviciene (2015), whose weights do not sum to one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from tiangong.index._common import (
    Directions,
    FloatArray,
    Ties,
    Weights,
    as_frame,
    complete_matrix,
    direction_vector,
    fail,
    fail_all,
    is_best,
    rank_ascending,
    rank_descending,
    series,
    weight_vector,
)
from tiangong.index.promethee import Preference, Promethee, preference, promethee_ii

__all__ = ["Preference", "Promethee", "Topsis", "Vikor", "Waspas", "preference",
           "promethee_ii", "topsis", "vikor", "waspas"]

TopsisNormalisation = Literal["vector", "minmax", "none"]


@dataclass(frozen=True)
class Topsis:
    """TOPSIS closeness (higher = better), distances to the ideal and anti-ideal, and ranks."""

    closeness: pd.Series
    d_best: pd.Series
    d_worst: pd.Series
    rank: pd.Series


def topsis(data: pd.DataFrame, weights: Weights = None, directions: Directions = None,
           normalisation: TopsisNormalisation = "vector", ties: Ties = "first") -> Topsis:
    """TOPSIS with vector, min-max or no normalisation and Euclidean distances."""
    frame = as_frame(data)
    x = complete_matrix(frame, "TOPSIS")
    cols = list(frame.columns)
    w = weight_vector(cols, weights)
    d = direction_vector(cols, directions)
    if normalisation == "vector":
        norm = np.sqrt((x**2).sum(axis=0))
        fail_all(((c, "all values are zero") for c, n in zip(cols, norm, strict=True)
                  if n == 0), "TOPSIS")
        r = x / norm
    elif normalisation == "minmax":
        lo, span = x.min(axis=0), x.max(axis=0) - x.min(axis=0)
        fail_all(((c, "zero range: min-max normalisation is undefined")
                  for c, s in zip(cols, span, strict=True) if s == 0), "TOPSIS")
        r = (x - lo) / span
    elif normalisation == "none":
        r = x
    else:
        raise fail(f"unknown TOPSIS normalisation {normalisation!r} (vector, minmax or none)",
                   "normalisation")
    v = r * w
    best = np.where(d > 0, v.max(axis=0), v.min(axis=0))
    worst = np.where(d > 0, v.min(axis=0), v.max(axis=0))
    d_best = np.sqrt(((v - best) ** 2).sum(axis=1))
    d_worst = np.sqrt(((v - worst) ** 2).sum(axis=1))
    total = d_best + d_worst
    c = np.divide(d_worst, total, out=np.full_like(total, 0.5), where=total > 0)
    closeness = series(c, frame.index, "closeness")
    return Topsis(closeness, series(d_best, frame.index, "d_best"),
                  series(d_worst, frame.index, "d_worst"), rank_descending(closeness, ties))


@dataclass(frozen=True)
class Vikor:
    """VIKOR measures (all lower = better), the Q ranking and the compromise solution set.

    `conditions` has one row per alternative, in Q order: `Q`; `advantage`, Q of the next
    alternative in that order minus its own (NaN for the last); `C1` (acceptable advantage):
    advantage >= DQ = 1/(m - 1); `C2` (acceptable stability): it is also best by S or by R,
    where equal values are all best; `within_DQ`: Q - Q(first) < DQ. The paper's conditions
    are the first row's C1 and C2.
    """

    s: pd.Series
    r: pd.Series
    q: pd.Series
    rank: pd.Series
    compromise: list[object]
    conditions: pd.DataFrame


def vikor(data: pd.DataFrame, weights: Weights = None, directions: Directions = None,
          v: float = 0.5, ties: Ties = "first") -> Vikor:
    """VIKOR compromise ranking; `v` is the weight of the majority (group utility) strategy."""
    if not 0.0 <= v <= 1.0:
        raise fail(f"v must lie in [0, 1], got {v}", "v")
    frame = as_frame(data)
    x = complete_matrix(frame, "VIKOR")
    cols = list(frame.columns)
    w = weight_vector(cols, weights)
    d = direction_vector(cols, directions)
    f_best = np.where(d > 0, x.max(axis=0), x.min(axis=0))
    f_worst = np.where(d > 0, x.min(axis=0), x.max(axis=0))
    span = f_best - f_worst
    gap = np.divide(f_best - x, span, out=np.zeros_like(x), where=span != 0)
    weighted = w * gap
    s, r = weighted.sum(axis=1), weighted.max(axis=1)

    def scaled(m: FloatArray) -> FloatArray:
        lo, hi = m.min(), m.max()
        return (m - lo) / (hi - lo) if hi > lo else np.zeros_like(m)

    idx = frame.index
    qs = series(v * scaled(s) + (1.0 - v) * scaled(r), idx, "Q")
    ss, rs = series(s, idx, "S"), series(r, idx, "R")
    conditions = _conditions(qs, ss, rs)
    return Vikor(ss, rs, qs, rank_ascending(qs, ties), _compromise(conditions), conditions)


def _conditions(q: pd.Series, s: pd.Series, r: pd.Series) -> pd.DataFrame:
    """Opricovic & Tzeng's C1 and C2 for every alternative, in Q order (ties by row order)."""
    order = list(q.index[np.argsort(q.to_numpy(), kind="stable")])
    dq = 1.0 / (len(q) - 1)
    qo = q[order].to_numpy()
    advantage = np.append(qo[1:] - qo[:-1], np.nan)
    stable = (is_best(s, lowest=True) | is_best(r, lowest=True))[order].to_numpy()
    tol = 1e-12
    table = pd.DataFrame({"Q": qo, "advantage": advantage,
                          "C1": advantage >= dq - tol, "C2": stable,
                          "within_DQ": qo - qo[0] < dq - tol}, index=pd.Index(order))
    table.index.name = q.index.name
    return table


def _compromise(conditions: pd.DataFrame) -> list[object]:
    """The compromise set: the first alone if C1 and C2 hold for it; the first two if only C2
    fails; otherwise every alternative whose Q is within DQ of the first."""
    first = conditions.iloc[0]
    order = list(conditions.index)
    if first["C1"] and first["C2"]:
        return order[:1]
    if first["C1"]:
        return order[:2]
    return [a for a, ok in zip(order, conditions["within_DQ"], strict=True) if ok]


@dataclass(frozen=True)
class Waspas:
    """WASPAS joint score Q (higher = better), its WSM and WPM parts, and ranks."""

    score: pd.Series
    wsm: pd.Series
    wpm: pd.Series
    rank: pd.Series


def waspas(data: pd.DataFrame, weights: Weights = None, directions: Directions = None,
           lam: float = 0.5, ties: Ties = "first") -> Waspas:
    """WASPAS with `lam` (lambda) the share of WSM; weights as given (default 1/n each)."""
    if not 0.0 <= lam <= 1.0:
        raise fail(f"lambda must lie in [0, 1], got {lam}", "lam")
    frame = as_frame(data)
    x = complete_matrix(frame, "WASPAS")
    cols = list(frame.columns)
    w = weight_vector(cols, weights, normalise=False)
    d = direction_vector(cols, directions)
    fail_all(((c, "WASPAS's ratio normalisation needs values > 0")
              for c, bad in zip(cols, np.atleast_1d((x <= 0).any(axis=0)), strict=True)
              if bad), "WASPAS")
    r = np.where(d > 0, x / x.max(axis=0), x.min(axis=0) / x)
    wsm = (r * w).sum(axis=1)
    wpm = np.prod(r**w, axis=1)
    score = series(lam * wsm + (1.0 - lam) * wpm, frame.index, "Q")
    return Waspas(score, series(wsm, frame.index, "WSM"), series(wpm, frame.index, "WPM"),
                  rank_descending(score, ties))
