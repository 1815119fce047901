"""Aggregation: weighted arithmetic, geometric and harmonic means, and the indicator -> dimension
-> index hierarchy.

The three means are the power means with exponent 1, 0 and -1 (COINr `a_amean`, `a_gmean`,
`a_hmean`). They differ in how far a strong indicator can make up for a weak one: fully
(arithmetic), partly (geometric), least (harmonic). Weights are relative and rescaled to sum to
one; a unit missing some indicators is aggregated over the ones it has, with the weights of those
rescaled (COINr's default NA handling), and is missing only when it has none. Geometric and
harmonic means need strictly positive values: normalise onto e.g. [1, 100] first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from tiangong.index._common import Weights, as_frame, fail, fail_all, weight_vector

Mean = Literal["arithmetic", "geometric", "harmonic"]


def weighted_mean(data: pd.DataFrame, weights: Weights = None, method: Mean = "arithmetic"
                  ) -> pd.Series:
    """Row-wise weighted mean of the indicator columns (one value per unit)."""
    frame = as_frame(data)
    cols = list(frame.columns)
    w = weight_vector(cols, weights, normalise=False)
    x = frame.to_numpy()
    present = ~np.isnan(x)
    if method in ("geometric", "harmonic"):
        fail_all(((c, f"{method} mean needs values > 0; found {np.nanmin(frame[c]):g}")
                  for c in cols if (frame[c] <= 0).any()), f"{method} aggregation")
    wp = np.where(present, w, 0.0)
    total = wp.sum(axis=1)
    xs = np.where(present, x, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "arithmetic":
            y = (wp * xs).sum(axis=1) / total
        elif method == "geometric":
            y = np.exp((wp * np.log(xs)).sum(axis=1) / total)
        elif method == "harmonic":
            y = total / (wp / xs).sum(axis=1)
        else:
            raise fail(f"unknown aggregation method {method!r}", "method")
    y = np.where(total > 0, y, np.nan)
    return pd.Series(y, index=frame.index, name=method)


@dataclass(frozen=True)
class Hierarchy:
    """A tree of aggregates: each parent maps its children (indicators or sub-aggregates) to
    relative weights, e.g. {"index": {"quality": 1, "efficiency": 1}, "quality": {"x1": 2, ...}}.

    `methods` may give a parent its own mean (default `default_method`), e.g. geometric at the top
    level only, the "partial compensability" set-up the Handbook discusses.
    """

    children: Mapping[str, Mapping[str, float]]
    methods: Mapping[str, Mean] = field(default_factory=dict)
    default_method: Mean = "arithmetic"

    @property
    def root(self) -> str:
        """The one parent that is nobody's child."""
        kids = {c for ch in self.children.values() for c in ch}
        roots = [p for p in self.children if p not in kids]
        if len(roots) != 1:
            raise fail(f"the hierarchy must have exactly one root, found {sorted(roots)}",
                       "hierarchy")
        return roots[0]

    def order(self) -> list[str]:
        """Parents in an order where every child aggregate comes before its parent."""
        seen: dict[str, int] = {}  # 1 = on the current path, 2 = done
        out: list[str] = []

        def visit(node: str) -> None:
            if node not in self.children:
                return
            if seen.get(node) == 1:
                raise fail(f"the hierarchy has a cycle through {node!r}", node)
            if seen.get(node) == 2:
                return
            seen[node] = 1
            for child in self.children[node]:
                visit(child)
            seen[node] = 2
            out.append(node)

        visit(self.root)
        unreached = [p for p in self.children if p not in seen]
        if unreached:
            raise fail(f"aggregates not under the root: {sorted(unreached)}", unreached[0])
        return out

    def leaves(self) -> list[str]:
        """Indicator names (children that are not themselves parents), in first-seen order."""
        out: list[str] = []
        for ch in self.children.values():
            out += [c for c in ch if c not in self.children and c not in out]
        return out


def aggregate_hierarchy(data: pd.DataFrame, hierarchy: Hierarchy) -> pd.DataFrame:
    """Every aggregate of the tree for every unit: one column per parent, root last."""
    frame = as_frame(data)
    order = hierarchy.order()
    fail_all(((leaf, "indicator in the hierarchy but not in the data")
              for leaf in hierarchy.leaves() if leaf not in frame.columns), "hierarchy")
    fail_all(((p, "aggregate name clashes with an indicator column")
              for p in hierarchy.children if p in frame.columns), "hierarchy")
    values = {c: frame[c] for c in frame.columns}
    out = {}
    for parent in order:
        kids = hierarchy.children[parent]
        if not kids:
            raise fail("an aggregate needs at least one child", parent)
        sub = pd.DataFrame({c: values[c] for c in kids})
        method = hierarchy.methods.get(parent, hierarchy.default_method)
        values[parent] = out[parent] = weighted_mean(sub, dict(kids), method).rename(parent)
    return pd.DataFrame(out, index=frame.index)


def effective_weights(hierarchy: Hierarchy) -> pd.Series:
    """Each indicator's share of the root under arithmetic aggregation (product of the rescaled
    weights along its path) -- what a published weight table reports."""
    order = hierarchy.order()
    share = {hierarchy.root: 1.0}
    for parent in reversed(order):
        kids = hierarchy.children[parent]
        w = weight_vector(list(kids), dict(kids))
        for child, wc in zip(kids, w, strict=True):
            share[child] = share.get(child, 0.0) + share[parent] * wc
    leaves = hierarchy.leaves()
    return pd.Series([share[leaf] for leaf in leaves], index=leaves, name="weight")
