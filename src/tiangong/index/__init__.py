"""Composite indices for regions: indicator -> dimension -> index, and MCDA rankings.

The method library behind regional rankings (domain notes section 5), after the JRC/OECD
Handbook and its R implementation COINr: denominate, impute, treat outliers, normalise, weight,
aggregate over a hierarchy, or rank with TOPSIS / VIKOR / WASPAS / PROMETHEE II. Every function
takes a units x indicators DataFrame and returns labelled pandas objects. Where published sources
disagree (zeros in entropy, cost criteria before CRITIC, n vs n - 1) the choice is an explicit
option with a documented default, pinned by a test against a published case.
"""

from tiangong.index._common import IndexMethodError
from tiangong.index.aggregate import (
    Hierarchy,
    aggregate_hierarchy,
    effective_weights,
    weighted_mean,
)
from tiangong.index.ahp import SAATY_1980_RI, SAATY_2004_RI, ahp, pairwise_matrix
from tiangong.index.mcda import topsis, vikor, waspas
from tiangong.index.normalise import normalise
from tiangong.index.pca import pca_weights, principal_components
from tiangong.index.pipeline import Composite, IndexSpec, composite
from tiangong.index.promethee import preference, promethee_ii
from tiangong.index.sensitivity import Sensitivity, sobol_indices
from tiangong.index.treat import (
    denominate,
    impute,
    kurtosis,
    log_ct,
    skewness,
    treat,
    winsorise,
)
from tiangong.index.uncertainty import (
    Uncertainty,
    UncertaintyResult,
    WeightNoise,
    monte_carlo,
)
from tiangong.index.weights import (
    critic,
    critic_weights,
    entropy_weights,
    equal_weights,
    manual_weights,
    merec_weights,
)

__all__ = [
    "SAATY_1980_RI",
    "SAATY_2004_RI",
    "Composite",
    "Hierarchy",
    "IndexMethodError",
    "IndexSpec",
    "Sensitivity",
    "Uncertainty",
    "UncertaintyResult",
    "WeightNoise",
    "aggregate_hierarchy",
    "ahp",
    "composite",
    "critic",
    "critic_weights",
    "denominate",
    "effective_weights",
    "entropy_weights",
    "equal_weights",
    "impute",
    "kurtosis",
    "log_ct",
    "manual_weights",
    "merec_weights",
    "monte_carlo",
    "normalise",
    "pairwise_matrix",
    "pca_weights",
    "preference",
    "principal_components",
    "promethee_ii",
    "skewness",
    "sobol_indices",
    "topsis",
    "treat",
    "vikor",
    "waspas",
    "weighted_mean",
    "winsorise",
]
