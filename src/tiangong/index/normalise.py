"""Normalisation: bring indicators with different units onto one scale, with cost criteria reversed.

Formulas and defaults follow COINr (the R implementation of the JRC/OECD Handbook):
- min-max onto [low, high], default [0, 100] (`n_minmax`, `l_u = c(0, 100)`);
- z-score with the sample standard deviation, n - 1 (`n_zscore` uses `stats::sd`); `ddof=0` is the
  population alternative some software (NumPy, SALib) uses by default -- an explicit option here;
- rank with ties given the minimum rank (`n_rank`, `ties.method = "min"`), and percentile rank;
- distance to target, (x - min)/(target - min) or, for cost, (max - x)/(max - target)
  (`n_dist2targ`), optionally capped at 1 for units past the target;
- ratio to a benchmark, x / b for benefit and b / x for cost (Hwang & Yoon's linear scale), with
  b the best observed value unless given.

Direction +1 means more is better; -1 (a cost criterion such as energy per unit of output) is
handled as COINr does, by normalising -x, except where a formula has its own cost form. Missing
values stay missing and are ignored by the column statistics.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd

from tiangong.index._common import Directions, FloatArray, as_frame, direction_vector, fail

Method = Literal["minmax", "zscore", "rank", "percentile_rank", "target", "ratio"]


def _zero_range(spread: FloatArray, names: list[str] | None) -> None:
    spread = np.atleast_1d(spread)
    columns = names if names is not None else [f"column {i}" for i in range(spread.size)]
    bad = [c for c, s in zip(columns, spread, strict=True) if not s > 0]
    if bad:
        raise fail(f"indicator(s) {', '.join(map(str, bad))} have zero range and cannot be "
                   "normalised; drop them or use another method", bad[0])


def minmax(x: FloatArray, low: float = 0.0, high: float = 100.0,
           direction: FloatArray | int = 1, names: list[str] | None = None) -> FloatArray:
    """Linear map of each column onto [low, high]; the best unit gets `high`."""
    v = np.asarray(x, dtype=float) * np.asarray(direction, dtype=float)
    lo, hi = np.nanmin(v, axis=0), np.nanmax(v, axis=0)
    _zero_range(hi - lo, names)
    return np.asarray((v - lo) / (hi - lo) * (high - low) + low)


def zscore(x: FloatArray, mean: float = 0.0, sd: float = 1.0, ddof: int = 1,
           direction: FloatArray | int = 1, names: list[str] | None = None) -> FloatArray:
    """Standardise each column to the given mean and sd; `ddof=1` (n - 1) as COINr and R."""
    v = np.asarray(x, dtype=float) * np.asarray(direction, dtype=float)
    s = np.nanstd(v, axis=0, ddof=ddof)
    _zero_range(s, names)
    return np.asarray((v - np.nanmean(v, axis=0)) / s * sd + mean)


def rank(x: FloatArray, direction: FloatArray | int = 1) -> FloatArray:
    """Rank within each column, 1 = worst, ties share the lowest rank (COINr `n_rank`)."""
    v = np.asarray(x, dtype=float) * np.asarray(direction, dtype=float)
    frame = pd.DataFrame(v.reshape(v.shape[0], -1))
    return np.asarray(frame.rank(method="min", na_option="keep").to_numpy().reshape(v.shape))


def percentile_rank(x: FloatArray, direction: FloatArray | int = 1) -> FloatArray:
    """(rank - 1)/(n - 1) with min-ties, in [0, 1] (COINr `n_prank`)."""
    r = rank(x, direction)
    n = np.sum(~np.isnan(r), axis=0)
    return np.asarray((r - 1.0) / (n - 1.0))


def distance_to_target(x: FloatArray, target: FloatArray | float,
                       direction: FloatArray | int = 1, cap: bool = False) -> FloatArray:
    """Share of the way from the worst unit to the target (COINr `n_dist2targ`).

    Benefit: (x - min)/(target - min); cost: (max - x)/(max - target). With `cap`, units past
    the target score 1 instead of more than 1.
    """
    v = np.asarray(x, dtype=float)
    t = np.asarray(target, dtype=float)
    d = np.asarray(direction, dtype=float)
    lo, hi = np.nanmin(v, axis=0), np.nanmax(v, axis=0)
    y = np.where(d > 0, (v - lo) / (t - lo), (hi - v) / (hi - t))
    return np.asarray(np.minimum(y, 1.0) if cap else y)


def ratio_to_benchmark(x: FloatArray, benchmark: FloatArray | float | None = None,
                       direction: FloatArray | int = 1) -> FloatArray:
    """x / b for benefit, b / x for cost; b defaults to the best observed value (so best = 1)."""
    v = np.asarray(x, dtype=float)
    d = np.asarray(direction, dtype=float)
    if benchmark is None:
        b = np.where(d > 0, np.nanmax(v, axis=0), np.nanmin(v, axis=0))
    else:
        b = np.asarray(benchmark, dtype=float)
    with np.errstate(divide="ignore"):
        y = np.where(d > 0, v / b, b / v)
    return np.asarray(np.where(np.isfinite(y), y, np.nan))


def normalise(data: pd.DataFrame, method: Method = "minmax", directions: Directions = None,
              *, low: float = 0.0, high: float = 100.0, ddof: int = 1,
              mean: float = 0.0, sd: float = 1.0,
              targets: Mapping[str, float] | None = None, cap: bool = False,
              benchmarks: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Normalise every indicator column of a units x indicators table with one method.

    `targets` (for "target") must name every column; `benchmarks` (for "ratio") may name some,
    the others use the best observed value; z-scores get the given `mean` and `sd` (COINr's
    `m_sd`, e.g. 10 and 2 to keep them positive for a geometric mean). All work is
    column-vectorised.
    """
    frame = as_frame(data)
    cols = list(frame.columns)
    d = direction_vector(cols, directions)
    x = frame.to_numpy()
    if method == "minmax":
        y = minmax(x, low, high, d, names=cols)
    elif method == "zscore":
        y = zscore(x, mean, sd, ddof=ddof, direction=d, names=cols)
    elif method == "rank":
        y = rank(x, d)
    elif method == "percentile_rank":
        y = percentile_rank(x, d)
    elif method == "target":
        missing = [c for c in cols if not targets or c not in targets]
        if missing:
            raise fail("distance to target needs a target for every indicator", missing[0])
        assert targets is not None
        y = distance_to_target(x, np.array([targets[c] for c in cols]), d, cap)
    elif method == "ratio":
        best = np.where(d > 0, frame.max().to_numpy(), frame.min().to_numpy())
        b = np.array([(benchmarks or {}).get(c, best[j]) for j, c in enumerate(cols)])
        y = ratio_to_benchmark(x, b, d)
    else:
        raise fail(f"unknown normalisation method {method!r}", "method")
    return pd.DataFrame(y, index=frame.index, columns=frame.columns)
