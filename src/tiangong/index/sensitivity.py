"""Sensitivity analysis: first-order and total Sobol indices of each uncertain choice.

Which declared choice moves the ranking most? Each choice in an `Uncertainty` (all the weights
together, the normalisation, the aggregation, the imputation, all the benchmarks together) is one
SALib *group* of input factors, so S1 and ST come per choice however many weights there are. The
design is SALib's Saltelli/Sobol sample (`SALib.sample.sobol`, scrambled Sobol sequence,
`calc_second_order=False`: N x (groups + 2) runs), decoded by the same `Plan` as the Monte Carlo,
so a choice means the same thing in both analyses.

The default output is one number per replicate: the mean absolute rank shift of the units from
their nominal ranks. `per_unit=True` also analyses each unit's rank.

Convention (domain notes section 5): SALib divides the output variance by n (`np.var`, ddof=0),
COINr's `get_sensitivity` by n - 1 (R's `var`), so indices differ by a factor (n - 1)/n -- below
0.1 % at N >= 1024. SALib also reports 0, not NaN, when the output does not vary at all (a unit
ranked first in every replicate). The sample layouts differ too: compare indices, not raw runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tiangong.index._common import Directions, fail
from tiangong.index.aggregate import Hierarchy
from tiangong.index.pipeline import IndexSpec
from tiangong.index.uncertainty import Plan, Uncertainty


@dataclass(frozen=True)
class Sensitivity:
    """`indices`: S1, S1_conf, ST, ST_conf per choice for the mean rank shift; with `per_unit`,
    `unit_s1` and `unit_st` (units x choices) for each unit's rank. `runs` = model evaluations."""

    indices: pd.DataFrame
    unit_s1: pd.DataFrame | None
    unit_st: pd.DataFrame | None
    runs: int


def sobol_indices(data: pd.DataFrame, spec: IndexSpec | None, uncertain: Uncertainty,
                  n: int = 1024, seed: int = 0, *, hierarchy: Hierarchy | None = None,
                  directions: Directions = None, groups: pd.Series | None = None,
                  per_unit: bool = False, num_resamples: int = 100) -> Sensitivity:
    """Sobol indices of each declared choice; `n` is SALib's base sample size N, a power of 2
    (the Sobol sequence loses its balance properties otherwise)."""
    if n < 2 or n & (n - 1):
        raise fail(f"the Sobol base sample size must be a power of 2, got {n}", "n")
    plan = Plan(data, spec or IndexSpec(), uncertain, hierarchy, directions, groups)
    names = plan.factor_groups
    if not names:
        raise fail("no uncertain choice is declared, so there is nothing to analyse",
                   "uncertain")
    problem: dict[str, object] = {
        "num_vars": len(names), "names": [f"{g}_{i}" for i, g in enumerate(names)],
        "bounds": [[0.0, 1.0]] * len(names), "groups": names}
    if len(set(names)) == 1:
        # SALib 1.6 samples a one-group problem per variable but analyses it as one group; with
        # a single choice S1 = ST = 1 by definition, so sample per variable and skip SALib's
        # analysis (see `_analyse`)
        del problem["groups"]
    from SALib.sample import sobol as sobol_sample  # SALib (and SciPy) load in ~1.5 s: lazily

    x = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
    ranks = plan.ranks(x)
    nominal = plan.ranks(None)[0]
    shift = np.abs(ranks - nominal).mean(axis=1)
    choices = list(dict.fromkeys(names))
    indices = _analyse(problem, shift, choices, num_resamples, seed)
    unit_s1 = unit_st = None
    if per_unit:
        per = [_analyse(problem, ranks[:, j].astype(float), choices, num_resamples, seed)
               for j in range(ranks.shape[1])]
        unit_s1 = pd.DataFrame([p["S1"] for p in per], index=plan.units, columns=choices)
        unit_st = pd.DataFrame([p["ST"] for p in per], index=plan.units, columns=choices)
    return Sensitivity(indices, unit_s1, unit_st, int(x.shape[0]))


def _analyse(problem: dict[str, object], y: np.ndarray, choices: list[str],
             num_resamples: int, seed: int) -> pd.DataFrame:
    """SALib's Sobol estimators (Saltelli 2010 first order, Jansen total) for one output; an
    output that never varies gets 0 (SALib would divide by a zero spread), and a lone choice
    gets S1 = ST = 1."""
    cols = ["S1", "S1_conf", "ST", "ST_conf"]
    if np.ptp(y) == 0 or len(choices) == 1:
        one = 0.0 if np.ptp(y) == 0 else 1.0
        table = pd.DataFrame({"S1": one, "S1_conf": 0.0, "ST": one, "ST_conf": 0.0},
                             index=choices)
        table.index.name = "choice"
        return table
    from SALib.analyze import sobol as sobol_analyze

    # SALib treats seed 0 as "no seed" (unseeded confidence intervals), hence seed + 1
    si = sobol_analyze.analyze(problem, y, calc_second_order=False,
                               num_resamples=num_resamples, seed=seed + 1)
    table = pd.DataFrame({c: np.asarray(si[c], dtype=float) for c in cols}, index=choices)
    table.index.name = "choice"
    return table
