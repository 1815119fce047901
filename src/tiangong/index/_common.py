"""Shared input handling for the composite-index methods.

Every method takes a table with one row per unit (region, county, enterprise) and one column per
indicator, and returns labelled pandas objects so that a weight or a score can never be attached to
the wrong indicator or unit. Inputs are checked once here, and every problem found is reported in
one `IndexMethodError` naming the indicator, in the library's single error shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd

from tiangong.errors import Problem, TiangongError

#: Per-indicator direction: +1 when more is better (benefit), -1 when less is better (cost).
Directions: TypeAlias = Mapping[str, int] | pd.Series | Sequence[int] | None
#: Per-indicator weights, by name or in column order.
Weights: TypeAlias = Mapping[str, float] | pd.Series | Sequence[float] | np.ndarray | None
FloatArray: TypeAlias = np.ndarray


class IndexMethodError(TiangongError):
    """A composite-index method cannot be applied to these inputs, or an option is unknown."""


def fail(message: str, field: str = "", title: str = "") -> IndexMethodError:
    """One-problem error; `field` names the indicator (or option) at fault."""
    return IndexMethodError([Problem(message, source="index", field=field)], title=title)


def fail_all(problems: Iterable[tuple[str, str]], title: str) -> None:
    """Raise once with every (field, message) pair, or return when there are none."""
    found = [Problem(msg, source="index", field=field) for field, msg in problems]
    if found:
        raise IndexMethodError(found, title=title)


def as_frame(data: pd.DataFrame | np.ndarray | Sequence[Sequence[float]]) -> pd.DataFrame:
    """A float DataFrame (units x indicators); arrays get columns c0, c1, ... and rows 0, 1, ..."""
    if isinstance(data, pd.DataFrame):
        frame = data
    else:
        arr = np.asarray(data, dtype=float)
        if arr.ndim != 2:
            raise fail(f"expected a 2-D table of units x indicators, got {arr.ndim} dimension(s)")
        frame = pd.DataFrame(arr, columns=[f"c{j}" for j in range(arr.shape[1])])
    bad = [str(c) for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    fail_all(((c, "indicator column is not numeric") for c in bad), "non-numeric indicators")
    return frame.astype(float)


def direction_vector(columns: Sequence[str], directions: Directions) -> FloatArray:
    """+1/-1 per column (default +1 everywhere); unknown names and other values are errors."""
    if directions is None:
        return np.ones(len(columns))
    if isinstance(directions, Mapping | pd.Series):
        lookup = dict(directions.items())
        unknown = [str(k) for k in lookup if k not in set(columns)]
        fail_all(((k, "direction given for an unknown indicator") for k in unknown),
                 "bad directions")
        values = np.array([lookup.get(c, 1) for c in columns], dtype=float)
    else:
        values = np.asarray(list(directions), dtype=float)
        if values.shape != (len(columns),):
            raise fail(f"expected {len(columns)} directions, got {values.size}", "directions")
    bad = [(str(c), f"direction must be +1 or -1, got {v:g}")
           for c, v in zip(columns, values, strict=True) if v not in (1.0, -1.0)]
    fail_all(bad, "bad directions")
    return values


def weight_vector(columns: Sequence[str], weights: Weights, *, normalise: bool = True
                  ) -> FloatArray:
    """Non-negative weights per column (default equal), scaled to sum to one when `normalise`.

    Weights given by name must name every column exactly once: a silently missing weight would
    drop an indicator from the index without anyone noticing.
    """
    n = len(columns)
    if weights is None:
        return np.full(n, 1.0 / n)
    if isinstance(weights, Mapping | pd.Series):
        lookup = dict(weights.items())
        problems = [(str(k), "weight given for an unknown indicator")
                    for k in lookup if k not in set(columns)]
        problems += [(str(c), "no weight given") for c in columns if c not in lookup]
        fail_all(problems, "bad weights")
        w = np.array([float(lookup[c]) for c in columns])
    else:
        w = np.asarray(weights, dtype=float).ravel()
        if w.shape != (n,):
            raise fail(f"expected {n} weights, got {w.size}", "weights")
    fail_all(((str(c), f"weight must be finite and >= 0, got {v!r}")
              for c, v in zip(columns, w, strict=True) if not (np.isfinite(v) and v >= 0)),
             "bad weights")
    total = float(w.sum())
    if total <= 0:
        raise fail("weights sum to zero", "weights")
    return w / total if normalise else w


def complete_matrix(frame: pd.DataFrame, title: str) -> FloatArray:
    """The values of a table that MCDA methods can rank: no missing cell, two units or more."""
    fail_all(((str(c), "missing values; impute first") for c in frame.columns
              if frame[c].isna().any()), title)
    if len(frame) < 2:
        raise fail(f"{title} needs at least two units to rank")
    return frame.to_numpy()


def series(values: FloatArray, index: Iterable[object], name: str) -> pd.Series:
    """A float Series with the given labels."""
    return pd.Series(np.asarray(values, dtype=float), index=pd.Index(list(index)), name=name)


#: How equal scores are ranked: "first" breaks ties by row order (1, 2, 3), "min" lets them
#: share the best rank (1, 1, 3; R's ties.method = "min").
Ties = Literal["first", "min"]

#: Scores closer than this (relative to the largest |score|, at least 1) are equal for ranking:
#: two routes to the same number can differ in the last bits.
TIE_RTOL = 1e-12


def _rank(keys: FloatArray, ties: Ties) -> FloatArray:
    """1-based ranks of `keys`, smallest first, missing last; see `Ties`."""
    if ties not in ("first", "min"):
        raise fail(f"unknown ties rule {ties!r} (first or min)", "ties")
    k = np.asarray(keys, dtype=float)
    order = np.lexsort((np.arange(k.size), np.where(np.isnan(k), np.inf, k)))
    ranks = np.empty(k.size, dtype=int)
    ranks[order] = np.arange(1, k.size + 1)
    if ties == "min" and k.size:
        finite = k[np.isfinite(k)]
        tol = TIE_RTOL * max(1.0, float(np.abs(finite).max(initial=0.0)))
        sorted_k = k[order]
        for i in range(1, k.size):
            if abs(sorted_k[i] - sorted_k[i - 1]) <= tol:
                ranks[order[i]] = ranks[order[i - 1]]
    return ranks


def rank_descending(scores: pd.Series, ties: Ties = "first") -> pd.Series:
    """Rank 1 = highest score; ties broken by row order (deterministic) or shared (`ties`)."""
    return pd.Series(_rank(-scores.to_numpy(dtype=float), ties), index=scores.index,
                     name="rank")


def rank_ascending(scores: pd.Series, ties: Ties = "first") -> pd.Series:
    """Rank 1 = lowest score (VIKOR's Q, S and R); ties as in `rank_descending`."""
    return pd.Series(_rank(scores.to_numpy(dtype=float), ties), index=scores.index,
                     name="rank")


def is_best(values: pd.Series, lowest: bool) -> pd.Series:
    """True where a value equals the best one, within `TIE_RTOL` (ties are all best)."""
    v = values.to_numpy(dtype=float)
    tol = TIE_RTOL * max(1.0, float(np.nanmax(np.abs(v))))
    best = np.nanmin(v) if lowest else np.nanmax(v)
    return pd.Series(np.abs(v - best) <= tol, index=values.index)
