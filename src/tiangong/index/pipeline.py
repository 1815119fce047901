"""One call for the whole composite: impute -> treat -> normalise -> weight -> aggregate.

Uncertainty analysis re-runs the whole chain under sampled method choices, so every choice lives
in one frozen, hashable `IndexSpec` that can be stored with a run and varied one field at a time.
Data-driven weights (entropy, CRITIC, PCA) are computed within each aggregate of the hierarchy
from the indicators (or sub-aggregates) it combines, on the normalised values, which already point
the same way -- so cost criteria are never reversed twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from tiangong.index._common import (
    Directions,
    as_frame,
    direction_vector,
    rank_descending,
    series,
    weight_vector,
)
from tiangong.index.aggregate import Hierarchy, Mean, weighted_mean
from tiangong.index.normalise import Method, normalise
from tiangong.index.pca import pca_weights
from tiangong.index.treat import COINR_WINMAX, ImputeMethod, impute, treat
from tiangong.index.weights import critic_weights, entropy_weights

Weighting = Literal["given", "equal", "entropy", "critic", "pca"]


@dataclass(frozen=True)
class IndexSpec:
    """Every method choice of a composite index; defaults follow COINr's defaults."""

    imputation: ImputeMethod = "none"
    treat_outliers: bool = True
    winmax: int = COINR_WINMAX  # most points winsorised per indicator (COINr winmax)
    normalisation: Method = "minmax"
    low: float = 0.0
    high: float = 100.0
    z_mean: float = 0.0  # z-scores onto this mean and sd (COINr n_zscore m_sd); e.g. 10, 2
    z_sd: float = 1.0  # keep them positive for geometric/harmonic aggregation
    weighting: Weighting = "given"
    aggregation: Mean = "arithmetic"

    def normalise(self, data: pd.DataFrame, directions: Directions,
                  method: Method | None = None) -> pd.DataFrame:
        """`data` normalised by `method` (default this spec's) with this spec's parameters."""
        return normalise(data, method or self.normalisation, directions, low=self.low,
                         high=self.high, mean=self.z_mean, sd=self.z_sd)


@dataclass(frozen=True)
class Composite:
    """Intermediate tables of one run, the aggregates (index last) and the rank of each unit."""

    prepared: pd.DataFrame
    normalised: pd.DataFrame
    weights: dict[str, pd.Series]
    aggregates: pd.DataFrame
    rank: pd.Series


def composite(data: pd.DataFrame, hierarchy: Hierarchy, directions: Directions = None,
              spec: IndexSpec | None = None, groups: pd.Series | None = None) -> Composite:
    """Build the index under `spec`; `groups` is only needed for group imputation."""
    spec = spec or IndexSpec()
    leaves = hierarchy.leaves()
    frame = as_frame(data)[leaves]
    dirs = dict(zip(leaves, direction_vector(leaves, directions), strict=True))
    prepared = impute(frame, spec.imputation, groups)
    if spec.treat_outliers:
        prepared = treat(prepared, winmax=spec.winmax).data
    normalised = spec.normalise(prepared, dirs)
    values = {c: normalised[c] for c in normalised.columns}
    weights: dict[str, pd.Series] = {}
    out: dict[str, pd.Series] = {}
    for parent in hierarchy.order():
        kids = list(hierarchy.children[parent])
        sub = pd.DataFrame({c: values[c] for c in kids})
        w = _weights(sub, dict(hierarchy.children[parent]), spec.weighting)
        weights[parent] = w
        method = hierarchy.methods.get(parent, spec.aggregation)
        values[parent] = out[parent] = weighted_mean(sub, w, method).rename(parent)
    aggregates = pd.DataFrame(out, index=frame.index)
    return Composite(prepared, normalised, weights, aggregates,
                     rank_descending(aggregates[hierarchy.root]))


def _weights(sub: pd.DataFrame, given: dict[str, float], how: Weighting) -> pd.Series:
    cols = list(sub.columns)
    if how == "given" or len(cols) == 1:
        return series(weight_vector(cols, given), cols, "weight")
    if how == "equal":
        return pd.Series(1.0 / len(cols), index=cols, name="weight")
    if how == "entropy":
        return entropy_weights(sub)
    if how == "critic":
        return critic_weights(sub)
    return pca_weights(sub, method="handbook")
