"""The declared uncertainty of a composite index: which choices vary, and how weights move.

Kept apart from the engine (`uncertainty.Plan`) so that the configuration, the weight sampler
(`mc_weights`) and the engine share one definition without importing each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from tiangong.index.aggregate import Mean
from tiangong.index.normalise import Method
from tiangong.index.pipeline import Weighting
from tiangong.index.treat import ImputeMethod

WeightKind = Literal["uniform", "dirichlet"]


@dataclass(frozen=True)
class WeightNoise:
    """How far weights may move from their nominal values.

    "uniform": each weight times U(1 - spread, 1 + spread), then rescaled within its parent (the
    Handbook's and COINr's usual +/- 25 %). "dirichlet": the weights of each parent drawn from a
    Dirichlet with mean at the nominal weights and the given concentration (larger = tighter),
    which keeps them on the simplex without a rescaling step.
    """

    spread: float = 0.25
    kind: WeightKind = "uniform"
    concentration: float = 50.0
    #: Hierarchy levels whose weights get noise (COINr's `noise_specs$Level`): 1 = indicator
    #: weights within their aggregate, 2 = weights of the aggregates of indicators, and so on
    #: (a node's level is 1 + the highest level among its children). Empty = every level.
    levels: tuple[int, ...] = ()


@dataclass(frozen=True)
class Uncertainty:
    """The declared uncertain choices; an empty field means "fixed at the spec's value".

    Discrete choices are sampled with equal probability; listing an option twice doubles its
    probability. `weighting` is the choice of weighting method (given, equal, entropy, critic,
    pca), data-driven methods re-computed from each replicate's data. `winmax` lists
    winsorisation limits (COINr's `winmax` as an uncertain input; it acts only with the spec's
    `treat_outliers`). `benchmarks` maps an
    indicator to a (low, high) range for its target (used by "target" normalisation) or
    benchmark (used by "ratio"), sampled uniformly; the nominal value is the midpoint.
    """

    weights: WeightNoise | None = None
    normalisation: tuple[Method, ...] = ()
    aggregation: tuple[Mean, ...] = ()
    imputation: tuple[ImputeMethod, ...] = ()
    benchmarks: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    weighting: tuple[Weighting, ...] = ()
    winmax: tuple[int, ...] = ()  # the winsorisation limit as a choice, e.g. (3, 5, 8)
