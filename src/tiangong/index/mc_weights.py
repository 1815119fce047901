"""Base weights of a Monte Carlo replicate: the hierarchy's, equal, or data-driven.

The weighting method is itself an uncertain choice (JRC/OECD Handbook: equal, budget/manual,
entropy, CRITIC, PCA weights give different rankings). A data-driven method must be re-computed
from the data the replicate actually aggregates -- after its imputation, outlier treatment and
normalisation, and, for an aggregate of aggregates, from the values of its sub-aggregates under
the replicate's aggregation. `data_weights` does exactly what `composite()` does, aggregate by
aggregate, so a replicate without weight noise reproduces `composite()` with that
`IndexSpec(weighting=...)`. The weights depend only on the discrete choices (imputation,
normalisation, aggregation, method), so the caller computes them once per combination and
reuses them for every replicate that drew it; declared weight noise then perturbs them as it
perturbs given weights.

Entropy, CRITIC and PCA weights do not change when an indicator is multiplied by a positive
number, so the benchmark or target of ratio and distance-to-target normalisation (one positive
factor per indicator) leaves the leaf-level weights unchanged; the values at their midpoint are
used for aggregates of aggregates.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from tiangong.index._common import FloatArray, IndexMethodError, fail
from tiangong.index.aggregate import Hierarchy, Mean, weighted_mean
from tiangong.index.pipeline import Weighting, _weights
from tiangong.index.uncertain import WeightNoise

DATA_DRIVEN: tuple[Weighting, ...] = ("entropy", "critic", "pca")


def hierarchy_weights(hierarchy: Hierarchy, order: Sequence[str], method: Weighting
                      ) -> FloatArray:
    """Edge weights (parent by parent, children in order), each parent's summing to one:
    the hierarchy's relative weights ("given") or 1/k ("equal")."""
    out: list[float] = []
    for parent in order:
        kids = dict(hierarchy.children[parent])
        total = float(sum(kids.values())) if method == "given" else float(len(kids))
        out += [float(w) / total if method == "given" else 1.0 / total for w in kids.values()]
    return np.array(out)


def data_weights(leaf_values: FloatArray, leaves: Sequence[str], units: pd.Index,
                 hierarchy: Hierarchy, order: Sequence[str], method: Weighting,
                 aggregation: Mean, context: str) -> FloatArray:
    """Edge weights of a data-driven `method` from normalised leaf values (units x leaves),
    computed per aggregate on the values it combines, as `composite()` does."""
    values = {c: pd.Series(leaf_values[:, j], index=units) for j, c in enumerate(leaves)}
    out: list[float] = []
    for parent in order:
        kids = list(hierarchy.children[parent])
        sub = pd.DataFrame({c: values[c] for c in kids})
        try:
            w = _weights(sub, dict(hierarchy.children[parent]), method)
        except IndexMethodError as err:
            reasons = "; ".join(p.message for p in err.problems)
            raise fail(f"{method} weights of {parent!r} cannot be computed under {context}: "
                       f"{reasons}", "weighting") from None
        values[parent] = weighted_mean(sub, w, hierarchy.methods.get(parent, aggregation))
        out += [float(w[c]) for c in kids]
    return np.array(out)


def node_levels(hierarchy: Hierarchy) -> dict[str, int]:
    """COINr's aggregation levels: an indicator is level 1, an aggregate 1 + the highest
    level among its children."""
    level: dict[str, int] = {leaf: 1 for leaf in hierarchy.leaves()}
    for parent in hierarchy.order():  # children before parents
        level[parent] = 1 + max(level[c] for c in hierarchy.children[parent])
    return level


def noise_edges(hierarchy: Hierarchy, edges: Sequence[tuple[str, str]],
                spec: WeightNoise | None) -> list[int]:
    """Positions (in `edges`) of the weights that get noise: those whose child is at one of
    the declared levels (all when none are declared); none without weight noise."""
    if spec is None:
        return []
    if not spec.levels:
        return list(range(len(edges)))
    level = node_levels(hierarchy)
    top = max(level.values())
    bad = [lv for lv in spec.levels if not 1 <= lv < top]
    if bad:
        raise fail(f"weight-noise level {bad[0]} does not exist: the hierarchy's weights are at "
                   f"levels 1 (indicators) to {top - 1}", "levels")
    return [i for i, (_, child) in enumerate(edges) if level[child] in spec.levels]


def noisy_weights(base: FloatArray, noise: FloatArray | None, rows: np.ndarray,
                  spec: WeightNoise | None, edges: Sequence[int] | None = None) -> FloatArray:
    """Edge weights of replicates `rows`: the base weights, with the weights at positions
    `edges` (default all; one noise column each) perturbed by the declared noise (uniform
    factors, or a Dirichlet around the base weights; a zero weight stays zero)."""
    if noise is None or spec is None:
        return np.broadcast_to(base, (rows.size, base.size))
    idx = np.arange(base.size) if edges is None else np.asarray(edges, dtype=int)
    block = noise[rows]
    if spec.kind == "uniform":
        out = np.array(np.broadcast_to(base, (rows.size, base.size)))
        out[:, idx] = base[idx] * (1.0 - spec.spread + 2.0 * spec.spread * block)
        return out
    from scipy import stats  # SciPy only here: importing it costs ~1 s most callers never need

    # Dirichlet as gamma draws normalised within each parent (the aggregation divides by the
    # weight sum); weights without noise take the gamma mean, so they keep their share
    shape = spec.concentration * np.broadcast_to(base, (rows.size, base.size))
    out = np.array(shape)
    sub = shape[:, idx]
    with np.errstate(invalid="ignore"):
        drawn = stats.gamma.ppf(block, np.where(sub > 0, sub, 1.0))
    out[:, idx] = np.where(sub > 0, drawn, 0.0)
    return out
