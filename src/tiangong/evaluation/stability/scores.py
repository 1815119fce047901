"""Replicate scores: every firm's total under perturbed weights and benchmarks, vectorised.

The SQL pipeline computes item points, imputations, reweighting and total bounds once; here the
same formulas are applied to a block of replicates at once with numpy, from the values, points
and benchmarks stored in the results. Each replicate score is written as

    nominal score (from the results) + (f(replicate factors) − f(nominal factors))

with both terms of the difference computed by the same numpy code, so with zero uncertainty the
difference is exactly 0.0 and every replicate reproduces the pipeline's scores bit for bit.

What is recomputed, per (group, item) column and replicate (see `draws` for the factors):

* item points by method (ratio w·x/b, inverse w·(2 − x/b) or 0 beyond 2b, min–max
  w·(low + (high − low)·(x − min)/(max − min))/100, step tables), then cap and floor;
* the `group_mean` imputation: the mean item score of the group's eligible firms with data,
  re-taken in every replicate (as the shift of that mean);
* `reweight`: the factor total weight / weight of the items a firm has, from perturbed weights;
* the group's total cap and floor.

`zero` and `penalty` points, bonus and penalty items and special-class triggers do not depend
on weights or benchmarks and keep their nominal values. Ratio items without a cap (and with no
floor or a floor of 0) are linear in w/b and are done as one matrix product, which is most of
黄岩's scheme.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tiangong.evaluation.pipeline.scores import rule_for
from tiangong.evaluation.scheme.model import Item, Scheme
from tiangong.evaluation.stability.draws import Column


def item_points(col: Column, x: np.ndarray, fw: np.ndarray, fb: np.ndarray) -> np.ndarray:
    """Points (r, n) of values `x` (n,) under weight and benchmark factors `fw`, `fb` (r, 1).

    For min–max items `x` is the fixed share u = (low + (high − low)·(x − min)/(max − min))/100.
    """
    item = col.item
    w = item.weight * fw
    if item.method == "ratio":
        p = w * x / (col.benchmark * fb)
    elif item.method == "inverse":
        b = col.benchmark * fb
        p = np.where(x >= 2 * b, 0.0, w * (2 - x / b))
    elif item.method == "minmax":
        p = w * x
    else:  # steps: the highest threshold reached
        p = np.zeros(np.broadcast_shapes(x.shape, fw.shape))
        for step in sorted(item.steps, key=lambda s: s.at_least):
            p = np.where(x >= step.at_least * fb, step.points * fw, p)
    if item.cap is not None:
        p = np.minimum(p, item.cap * fw)
    if item.floor is not None:
        p = np.maximum(p, item.floor * fw)
    return np.asarray(p)


def _minmax_share(col: Column, x: np.ndarray) -> np.ndarray:
    item = col.item
    if col.high > col.low:
        return np.asarray((item.low + (item.high - item.low) * (x - col.low)
                           / (col.high - col.low)) / 100)
    return np.full(x.shape, item.high / 100)


def _is_reweight(scheme: Scheme, item: Item) -> bool:
    rules = (rule_for(scheme, item, kind) for kind in ("missing", "zero_denominator", "invalid"))
    return any(r is not None and r.kind == "reweight" for r in rules)


@dataclass
class _Block:
    """A column scored per firm over its group's contiguous slice of the layout: x (0 where
    the firm has no value), nominal points, the firms without a value (their shift is 0), and
    the firms whose points are the group's mean item score (slice-local positions)."""

    j: int
    col: Column
    at: slice
    x: np.ndarray
    nominal: np.ndarray
    without: np.ndarray
    mean_rows: np.ndarray
    count: int


@dataclass
class _Reweight:
    """Firms of one group missing the same reweighted items."""

    rows: np.ndarray
    group_cols: list[int]
    dropped: list[int]
    points_sum: np.ndarray  # Σ nominal item points of these firms
    nominal_factor: float


class ScoreModel:
    """What replicate scores need, for the eligible firms in layout order. The layout must hold
    each group's firms in one contiguous slice (`group_slices`), so that per-item work runs on
    slices rather than on scattered firms."""

    def __init__(self, scheme: Scheme, columns: list[Column], df: pd.DataFrame,
                 rows: np.ndarray, group_slices: dict[str, slice]) -> None:
        self.columns = columns
        self.weights = np.array([float(c.item.weight) for c in columns])
        self.n = len(rows)
        sub = df.iloc[rows]
        group = sub["group"].to_numpy(dtype=object)
        self.score = sub["score"].to_numpy(dtype=float)
        lin_cols: list[int] = []
        lin_x: list[np.ndarray] = []
        self.blocks: list[_Block] = []
        for j, col in enumerate(columns):
            ind, item = col.item.indicator, col.item
            at = group_slices.get(col.group, slice(0, 0))
            x = sub[f"value_{ind}"].to_numpy(dtype=float)[at]
            imputed = sub[f"imputed_{ind}"].to_numpy(dtype=object)[at]
            has = ~np.isnan(x)
            by_mean = np.array([isinstance(t, str) and t.endswith(":group_mean")
                                for t in imputed], dtype=bool)
            if item.method in ("ratio", "inverse") and not col.benchmark > 0:
                continue  # no benchmark: the pipeline gives no points, whatever the factors
            if not has.any():
                continue
            x = np.where(has, x, 0.0)
            if (item.method == "ratio" and item.cap is None and item.floor in (None, 0)
                    and item.weight >= 0):
                xs = np.maximum(x, 0.0) if item.floor == 0 else x
                column = np.zeros(self.n)
                column[at] = np.where(by_mean, xs[has].mean(), xs)
                lin_cols.append(j)
                lin_x.append(column)
                continue
            if item.method == "minmax":
                x = _minmax_share(col, x)
            one = np.ones((1, 1))
            self.blocks.append(_Block(j, col, at, x, item_points(col, x, one, one)[0],
                                      np.flatnonzero(~has), np.flatnonzero(by_mean),
                                      int(has.sum())))
        self.lin_cols = np.array(lin_cols, dtype=int)
        # (J_lin, n), contiguous: the product below reads it row by row
        self.lin_matrix = np.stack(lin_x) if lin_x else np.zeros((0, self.n))
        self.reweights = self._reweights(scheme, sub, group)
        self.bounded: list[tuple[slice, np.ndarray, float, float, np.ndarray]] = []
        for g in scheme.groups:
            if g.id not in group_slices or (g.total.cap is None and g.total.floor is None):
                continue
            at = group_slices[g.id]
            total = (np.nan_to_num(sub["items_score"].to_numpy(dtype=float)[at])
                     + sub["bonus"].to_numpy(dtype=float)[at]
                     - sub["penalty"].to_numpy(dtype=float)[at])
            lo = -np.inf if g.total.floor is None else float(g.total.floor)
            hi = np.inf if g.total.cap is None else float(g.total.cap)
            self.bounded.append((at, total, lo, hi, np.clip(total, lo, hi)))

    def _reweights(self, scheme: Scheme, sub: pd.DataFrame, group: np.ndarray
                   ) -> list[_Reweight]:
        out = []
        for g in scheme.groups:
            cols = [j for j, c in enumerate(self.columns) if c.group == g.id]
            if not any(_is_reweight(scheme, self.columns[j].item) for j in cols):
                continue
            in_g = group == g.id
            dropped = np.zeros((self.n, len(cols)), dtype=bool)
            points = np.zeros(self.n)
            for k, j in enumerate(cols):
                ind = self.columns[j].item.indicator
                imputed = sub[f"imputed_{ind}"].to_numpy(dtype=object)
                dropped[:, k] = [isinstance(s, str) and s.endswith(":reweight") for s in imputed]
                points = points + np.nan_to_num(sub[f"points_{ind}"].to_numpy(dtype=float))
            for pattern in np.unique(dropped[in_g & dropped.any(axis=1)], axis=0):
                at = np.flatnonzero(in_g & (dropped == pattern).all(axis=1))
                lost = [cols[k] for k in np.flatnonzero(pattern)]
                rw = _Reweight(at, cols, lost, points[at], 0.0)
                rw.nominal_factor = float(self._factor(rw, np.ones((1, len(self.columns))))[0])
                out.append(rw)
        return out

    def _factor(self, rw: _Reweight, fw: np.ndarray) -> np.ndarray:
        """total weight / weight of the items the firms have (0 when they have none)."""
        total = np.zeros(fw.shape[0])
        for j in rw.group_cols:
            total = total + self.weights[j] * fw[:, j]
        avail = total
        for j in rw.dropped:
            avail = avail - self.weights[j] * fw[:, j]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(avail > 0, total / avail, 0.0)

    def scores(self, fw: np.ndarray, fb: np.ndarray) -> np.ndarray:
        """Replicate scores (r, n) for weight and benchmark factors (r, J)."""
        r = fw.shape[0]
        if self.lin_cols.size:
            w, b = self.weights[self.lin_cols], np.array(
                [self.columns[j].benchmark for j in self.lin_cols])
            change = (w * fw[:, self.lin_cols]) / (b * fb[:, self.lin_cols]) - w / b
            # einsum, not @: BLAS would start threads of its own under the caller's workers
            delta = np.einsum("rj,jn->rn", change, self.lin_matrix)
        else:
            delta = np.zeros((r, self.n))
        for blk in self.blocks:
            j = blk.j
            shift = item_points(blk.col, blk.x, fw[:, j:j + 1], fb[:, j:j + 1]) - blk.nominal
            shift[:, blk.without] = 0.0
            seg = delta[:, blk.at]
            seg += shift
            if blk.mean_rows.size:
                seg[:, blk.mean_rows] += shift.sum(axis=1, keepdims=True) / blk.count
        for rw in self.reweights:
            factor = self._factor(rw, fw)[:, None]
            delta[:, rw.rows] = ((rw.points_sum + delta[:, rw.rows]) * factor
                                 - rw.points_sum * rw.nominal_factor)
        for at, total, lo, hi, nominal in self.bounded:
            delta[:, at] = np.clip(total + delta[:, at], lo, hi) - nominal
        delta += self.score
        return delta
