"""PROMETHEE II (Brans & Vincke 1985): net outranking flows over a units x criteria table.

Pairwise preference P_j(d) with the usual, U-shape, V-shape, level or linear (V-shape with
indifference) function; net flow phi = (sum_b pi(a, b) - sum_b pi(b, a)) / (m - 1) with weights
scaled to sum to one; higher is better. Ranks as in `mcda` (ties by row order, or shared with
`ties="min"`).
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
    Ties,
    Weights,
    as_frame,
    complete_matrix,
    direction_vector,
    fail,
    rank_descending,
    series,
    weight_vector,
)

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
                 p: Mapping[str, float] | Sequence[float] | float = 0.0,
                 ties: Ties = "first") -> Promethee:
    """PROMETHEE II net outranking flows; per-criterion functions and thresholds q (indifference)
    and p (preference) may be given by name, in column order, or once for all."""
    frame = as_frame(data)
    x = complete_matrix(frame, "PROMETHEE II")
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
                     series(entering, frame.index, "entering"), rank_descending(net, ties))


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
