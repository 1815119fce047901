"""Sensitivity analysis: first-order and total Sobol indices of each uncertain choice.

Which declared choice moves the ranking most? Each choice in an `Uncertainty` (all the weights
together, the normalisation, the aggregation, the imputation, all the benchmarks together, ...) is
one *group* of input factors, so S1 and ST come per choice however many weights there are. The
design is Saltelli's (A, B and, per choice, A with that choice's columns taken from B: N x
(choices + 2) runs), decoded by the same `Plan` as the Monte Carlo, so a choice means the same
thing in both analyses.

The design. Continuous factors (weight noise, benchmarks) come from a scrambled Sobol sequence of
dimension 2D exactly as SALib's `sample.sobol` draws it (first D columns A, last D columns B).
Discrete choices do not: a choice read from the leading digits of a Sobol column is a linear
function of the point's index, and for many (N, D) the A and B columns of a factor have the same
or opposite leading digits at every point -- the choice then never changes between A and AB_i
(S1 = ST = 0) or always does (S1, ST near 2); at N = 16 with five factors, for example. So the
options of a discrete choice are drawn as a stratified random design: the N (A, B) pairs run
through all k x k combinations of its k options equally often (counts differ by at most one when
k^2 does not divide N), in an order shuffled by the seed. The A and B choices are then balanced
and independent by construction, at every N >= k^2; a smaller N cannot contain every pair and is
refused.

The default output is one number per replicate: the mean absolute rank shift of the units from
their nominal ranks. `per_unit=True` also analyses each unit's rank.

Estimators (`estimator=`):
- "salib" (default): SALib's `analyze.sobol` -- Saltelli et al. (2010) first order and Jansen
  total order, after SALib *centres and scales* all outputs ((Y - mean)/sd); variances with n
  (ddof = 0); confidence = 95 % half-width from bootstrap standard deviations.
- "coinr": COINr's `SA_estimate` -- the same formulas on the raw outputs, variance of
  c(yA, yB) with n - 1 (R's `var`): S1 = mean(yB (yAB - yA)) / var, ST = sum((yA - yAB)^2) /
  (2 N var); confidence = half the width of the 5-95 % bootstrap interval of the numerator.
For ST the two differ exactly by the factor (n - 1)/n (ST is invariant to centring). For S1 they
differ by more: mean(yB (yAB - yA)) changes with a shift of the outputs by c by
c mean(yAB - yA), which is zero only in expectation, so on the same runs S1 can differ by more
than (n - 1)/n at small N. Compare S1 across software only with the same estimator. Both report
0, not NaN, when the output does not vary at all (a unit ranked first in every replicate).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from tiangong.index._common import Directions, FloatArray, fail
from tiangong.index.aggregate import Hierarchy
from tiangong.index.pipeline import IndexSpec
from tiangong.index.uncertainty import Plan, Uncertainty

Estimator = Literal["salib", "coinr"]


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
                  per_unit: bool = False, num_resamples: int = 100,
                  estimator: Estimator = "salib") -> Sensitivity:
    """Sobol indices of each declared choice; `n` is the base sample size N, a power of 2
    (the Sobol sequence loses its balance properties otherwise), at least k^2 for a choice
    among k options (see the module notes)."""
    if n < 2 or n & (n - 1):
        raise fail(f"the Sobol base sample size must be a power of 2, got {n}", "n")
    if estimator not in ("salib", "coinr"):
        raise fail(f"unknown Sobol estimator {estimator!r} (salib or coinr)", "estimator")
    plan = Plan(data, spec or IndexSpec(), uncertain, hierarchy, directions, groups)
    names = plan.factor_groups
    if not names:
        raise fail("no uncertain choice is declared, so there is nothing to analyse",
                   "uncertain")
    levels = plan.factor_levels
    small = [(g, k) for g, k in zip(names, levels, strict=True) if k and n < k * k]
    if small:
        g, k = max(small, key=lambda gk: gk[1])
        raise fail(f"the Sobol base sample size must be at least {k * k} = {k}² for the "
                   f"choice {g!r} among {k} options (every pair of options must occur "
                   f"between the A and B samples), got {n}", "n")
    choices = list(dict.fromkeys(names))
    x = saltelli_design(names, levels, n, seed)
    ranks = plan.ranks(x)
    nominal = plan.ranks(None)[0]
    shift = np.abs(ranks - nominal).mean(axis=1)
    indices = _analyse(shift, choices, n, num_resamples, seed, estimator)
    unit_s1 = unit_st = None
    if per_unit:
        per = [_analyse(ranks[:, j].astype(float), choices, n, num_resamples, seed, estimator)
               for j in range(ranks.shape[1])]
        unit_s1 = pd.DataFrame([p["S1"] for p in per], index=plan.units, columns=choices)
        unit_st = pd.DataFrame([p["ST"] for p in per], index=plan.units, columns=choices)
    return Sensitivity(indices, unit_s1, unit_st, int(x.shape[0]))


def saltelli_design(names: list[str], levels: list[int], n: int, seed: int) -> FloatArray:
    """Rows in SALib's layout: per base point A, then AB for each choice (first-seen order),
    then B. `levels[j]` is the number of options of column j's discrete choice (0 =
    continuous); see the module notes for how each kind is drawn."""
    from scipy.stats import qmc  # SciPy loads in ~1 s: only here

    d = len(names)
    base = qmc.Sobol(d=2 * d, scramble=True, seed=seed).random(n)
    a, b = base[:, :d].copy(), base[:, d:].copy()
    for j, k in enumerate(levels):
        if k:
            pairs = np.random.default_rng([seed, j]).permutation(np.arange(n) % (k * k))
            a[:, j] = (pairs // k + 0.5) / k
            b[:, j] = (pairs % k + 0.5) / k
    choices = list(dict.fromkeys(names))
    out = np.empty((n, len(choices) + 2, d))
    out[:, 0] = a
    for i, choice in enumerate(choices):
        cols = np.array([g == choice for g in names])
        out[:, i + 1] = np.where(cols, b, a)
    out[:, -1] = b
    return out.reshape(-1, d)


def _analyse(y: np.ndarray, choices: list[str], n: int, num_resamples: int, seed: int,
             estimator: Estimator) -> pd.DataFrame:
    """S1, ST and confidence half-widths for one output; an output that never varies gets 0,
    and a lone choice gets S1 = ST = 1 (by definition)."""
    if np.ptp(y) == 0 or len(choices) == 1:
        one = 0.0 if np.ptp(y) == 0 else 1.0
        table = pd.DataFrame({"S1": one, "S1_conf": 0.0, "ST": one, "ST_conf": 0.0},
                             index=choices)
    elif estimator == "coinr":
        table = _coinr(y, choices, n, num_resamples, seed)
    else:
        table = _salib(y, choices, num_resamples, seed)
    table.index.name = "choice"
    return table


def _salib(y: np.ndarray, choices: list[str], num_resamples: int, seed: int) -> pd.DataFrame:
    from SALib.analyze import sobol as sobol_analyze

    problem = {"num_vars": len(choices), "names": choices,
               "bounds": [[0.0, 1.0]] * len(choices)}
    # SALib treats seed 0 as "no seed" (unseeded confidence intervals), hence seed + 1
    si = sobol_analyze.analyze(problem, y, calc_second_order=False,
                               num_resamples=num_resamples, seed=seed + 1)
    cols = ["S1", "S1_conf", "ST", "ST_conf"]
    return pd.DataFrame({c: np.asarray(si[c], dtype=float) for c in cols}, index=choices)


def _coinr(y: np.ndarray, choices: list[str], n: int, num_resamples: int, seed: int
           ) -> pd.DataFrame:
    """COINr's SA_estimate on our layout (A, AB_1..AB_d, B per base point)."""
    runs = y.reshape(n, len(choices) + 2)
    ya, yb, yab = runs[:, 0], runs[:, -1], runs[:, 1:-1]
    var = float(np.var(np.r_[ya, yb], ddof=1))
    first = yb[:, None] * (yab - ya[:, None])
    total = (ya[:, None] - yab) ** 2
    s1 = first.mean(axis=0) / var
    st = total.sum(axis=0) / (2 * n * var)
    pick = np.random.default_rng(seed + 1).integers(0, n, size=(num_resamples, n))
    boot_s1 = first[pick].mean(axis=1) / var
    boot_st = total[pick].sum(axis=1) / (2 * n * var)

    def half(boot: FloatArray) -> FloatArray:
        q05, q95 = np.quantile(boot, [0.05, 0.95], axis=0)
        return np.asarray((q95 - q05) / 2)

    return pd.DataFrame({"S1": s1, "S1_conf": half(boot_s1), "ST": st, "ST_conf": half(boot_st)},
                        index=choices)
