"""MCDA rankings over a units x criteria table: TOPSIS, VIKOR and PROMETHEE II.

All three take raw (un-normalised) criteria, weights and directions (+1 benefit, -1 cost) and
return scores plus a deterministic ranking (ties broken by row order).

- TOPSIS (Hwang & Yoon 1981): vector normalisation r = x / ||x||, weighted; closeness
  C = D- / (D+ + D-) to the ideal/anti-ideal points; higher is better.
- VIKOR (Opricovic & Tzeng 2004): linear normalisation (f* - f)/(f* - f-); group utility S,
  individual regret R, Q = v (S - S*)/(S- - S*) + (1 - v)(R - R*)/(R- - R*), v = 0.5 by default;
  lower is better. The compromise set applies the paper's conditions C1 (acceptable advantage,
  DQ = 1/(m - 1)) and C2 (acceptable stability).
- PROMETHEE II (Brans & Vincke 1985): pairwise preference P_j(d) with the usual, U-shape,
  V-shape, level or linear (V-shape with indifference) function; net flow
  phi = (sum_b pi(a, b) - sum_b pi(b, a)) / (m - 1) with weights scaled to sum to one; higher is
  better.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, cast

import numpy as np
import pandas as pd

from tiangong.index._common import (
    Directions,
    FloatArray,
    Weights,
    as_frame,
    direction_vector,
    fail,
    fail_all,
    rank_ascending,
    rank_descending,
    series,
    weight_vector,
)


def _complete(frame: pd.DataFrame, title: str) -> FloatArray:
    fail_all(((str(c), "missing values; impute first") for c in frame.columns
              if frame[c].isna().any()), title)
    if len(frame) < 2:
        raise fail(f"{title} needs at least two units to rank")
    return frame.to_numpy()


@dataclass(frozen=True)
class Topsis:
    """TOPSIS closeness (higher = better), distances to the ideal and anti-ideal, and ranks."""

    closeness: pd.Series
    d_best: pd.Series
    d_worst: pd.Series
    rank: pd.Series


def topsis(data: pd.DataFrame, weights: Weights = None, directions: Directions = None
           ) -> Topsis:
    """TOPSIS with vector normalisation and Euclidean distances."""
    frame = as_frame(data)
    x = _complete(frame, "TOPSIS")
    cols = list(frame.columns)
    w = weight_vector(cols, weights)
    d = direction_vector(cols, directions)
    norm = np.sqrt((x**2).sum(axis=0))
    fail_all(((c, "all values are zero") for c, n in zip(cols, norm, strict=True) if n == 0),
             "TOPSIS")
    v = x / norm * w
    best = np.where(d > 0, v.max(axis=0), v.min(axis=0))
    worst = np.where(d > 0, v.min(axis=0), v.max(axis=0))
    d_best = np.sqrt(((v - best) ** 2).sum(axis=1))
    d_worst = np.sqrt(((v - worst) ** 2).sum(axis=1))
    total = d_best + d_worst
    c = np.divide(d_worst, total, out=np.full_like(total, 0.5), where=total > 0)
    closeness = series(c, frame.index, "closeness")
    return Topsis(closeness, series(d_best, frame.index, "d_best"),
                  series(d_worst, frame.index, "d_worst"), rank_descending(closeness))


@dataclass(frozen=True)
class Vikor:
    """VIKOR measures (all lower = better), the Q ranking and the compromise solution set."""

    s: pd.Series
    r: pd.Series
    q: pd.Series
    rank: pd.Series
    compromise: list[object]


def vikor(data: pd.DataFrame, weights: Weights = None, directions: Directions = None,
          v: float = 0.5) -> Vikor:
    """VIKOR compromise ranking; `v` is the weight of the majority (group utility) strategy."""
    if not 0.0 <= v <= 1.0:
        raise fail(f"v must lie in [0, 1], got {v}", "v")
    frame = as_frame(data)
    x = _complete(frame, "VIKOR")
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

    q = v * scaled(s) + (1.0 - v) * scaled(r)
    idx = frame.index
    qs = series(q, idx, "Q")
    rank = rank_ascending(qs)
    return Vikor(series(s, idx, "S"), series(r, idx, "R"), qs, rank,
                 _compromise(qs, series(s, idx, "S"), series(r, idx, "R"), rank))


def _compromise(q: pd.Series, s: pd.Series, r: pd.Series, rank: pd.Series) -> list[object]:
    """Opricovic & Tzeng's compromise set from conditions C1 and C2."""
    m = len(q)
    by_q = list(rank.sort_values(kind="stable").index)
    first = by_q[0]
    dq = 1.0 / (m - 1)
    c1 = q[by_q[1]] - q[first] >= dq
    c2 = rank_ascending(s)[first] == 1 or rank_ascending(r)[first] == 1
    if c1 and c2:
        return [first]
    if c1:  # not stable: the first two are both compromise solutions
        return by_q[:2]
    # no acceptable advantage: all units whose Q is within DQ of the best
    return [a for a in by_q if q[a] - q[first] < dq]


Preference = Literal["usual", "u_shape", "v_shape", "level", "linear"]


def preference(kind: Preference, d: FloatArray, q: float = 0.0, p: float = 0.0) -> FloatArray:
    """Brans' generalised criteria: degree of preference for a difference d (>0 = better)."""
    d = np.asarray(d, dtype=float)
    if kind == "usual":
        out = (d > 0).astype(float)
    elif kind == "u_shape":
        out = (d > q).astype(float)
    elif kind == "v_shape":
        out = np.clip(d / p, 0.0, 1.0) if p > 0 else (d > 0).astype(float)
    elif kind == "level":
        out = np.where(d > p, 1.0, np.where(d > q, 0.5, 0.0))
    elif kind == "linear":
        out = np.where(d > p, 1.0, np.where(d > q, (d - q) / max(p - q, 1e-300), 0.0))
    else:
        raise fail(f"unknown preference function {kind!r}", "preference")
    return np.asarray(out)


@dataclass(frozen=True)
class Promethee:
    """PROMETHEE II flows (net = leaving - entering; higher = better) and ranks."""

    net: pd.Series
    leaving: pd.Series
    entering: pd.Series
    rank: pd.Series


def promethee_ii(data: pd.DataFrame, weights: Weights = None, directions: Directions = None,
                 functions: Preference | Sequence[Preference] | Mapping[str, Preference] = "usual",
                 q: Mapping[str, float] | Sequence[float] | float = 0.0,
                 p: Mapping[str, float] | Sequence[float] | float = 0.0) -> Promethee:
    """PROMETHEE II net outranking flows; per-criterion functions and thresholds q (indifference)
    and p (preference) may be given by name, in column order, or once for all."""
    frame = as_frame(data)
    x = _complete(frame, "PROMETHEE II")
    cols = list(frame.columns)
    w = weight_vector(cols, weights)
    dirs = direction_vector(cols, directions)
    kinds = [cast(Preference, k) for k in _per_column(cols, functions, "functions")]
    qs = [float(cast(float, v)) for v in _per_column(cols, q, "q")]
    ps = [float(cast(float, v)) for v in _per_column(cols, p, "p")]
    m = x.shape[0]
    diff = (x[:, None, :] - x[None, :, :]) * dirs  # diff[a, b, j] = advantage of a over b on j
    pi = np.zeros((m, m))
    for j in range(len(cols)):
        pi += w[j] * preference(kinds[j], diff[:, :, j], qs[j], ps[j])
    leaving = pi.sum(axis=1) / (m - 1)
    entering = pi.sum(axis=0) / (m - 1)
    net = series(leaving - entering, frame.index, "net_flow")
    return Promethee(net, series(leaving, frame.index, "leaving"),
                     series(entering, frame.index, "entering"), rank_descending(net))


def _per_column(cols: list[str], value: object, name: str) -> list[object]:
    if isinstance(value, str | int | float):
        return [value] * len(cols)
    if isinstance(value, Mapping):
        missing = [c for c in cols if c not in value]
        if missing:
            raise fail(f"no {name} value for this criterion", missing[0])
        return [value[c] for c in cols]
    seq = list(value)  # type: ignore[call-overload]
    if len(seq) != len(cols):
        raise fail(f"expected {len(cols)} {name} values, got {len(seq)}", name)
    return seq
