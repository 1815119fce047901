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
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from tiangong.index._common import FloatArray, IndexMethodError, fail
from tiangong.index.aggregate import Hierarchy, Mean, weighted_mean
from tiangong.index.pipeline import Weighting, _weights

if TYPE_CHECKING:
    from tiangong.index.uncertainty import WeightNoise

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


def noisy_weights(base: FloatArray, noise: FloatArray | None, rows: np.ndarray,
                  spec: WeightNoise | None) -> FloatArray:
    """Edge weights of replicates `rows`: the base weights, perturbed by the declared noise
    (uniform factors, or a Dirichlet around the base weights; a zero weight stays zero)."""
    if noise is None or spec is None:
        return np.broadcast_to(base, (rows.size, base.size))
    block = noise[rows]
    if spec.kind == "uniform":
        return np.asarray(base * (1.0 - spec.spread + 2.0 * spec.spread * block))
    from scipy import stats  # SciPy only here: importing it costs ~1 s most callers never need

    shape = spec.concentration * np.broadcast_to(base, block.shape)
    with np.errstate(invalid="ignore"):
        drawn = stats.gamma.ppf(block, np.where(shape > 0, shape, 1.0))
    return np.asarray(np.where(shape > 0, drawn, 0.0))
