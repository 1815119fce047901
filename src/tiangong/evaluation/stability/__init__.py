"""Class stability: how likely each enterprise keeps its class under declared uncertainty.

Before publication, a county wants to know which firms sit so close to a class boundary that a
slightly different benchmark or weight would have put them in another class. `class_stability`
re-scores a finished `Evaluation` many times with randomly perturbed item benchmarks and weights
(the *declared* uncertainty, `ClassUncertainty`), re-ranks every partition, re-applies the class
rules and adjustments, and reports per firm the share of replicates in which it keeps its class
(`p_keep`), moves up (`p_up`), moves down (`p_down`), and the most frequent class.

Re-scoring is vectorised with numpy from the values, points and benchmarks stored in the results
(`scores`), and classes follow the pipeline's rules step by step (`classes`); the SQL pipeline is
not run again. Every feature of the scheme format is supported:

* items `ratio`, `inverse`, `minmax`, `steps` and `rank_only`; benchmarks `constant`,
  `group_mean`, `prior_year_mean` × k and `group_max`, each perturbed as a factor on the
  benchmark the run computed (the factor rules are in `draws`); caps and floors;
* missing-data and zero-denominator rules `zero`, `penalty`, `group_mean` (re-taken in every
  replicate), `reweight` (re-computed from perturbed weights) and `special_class`;
* bonus and penalty items (nominal: they depend on no weight or benchmark), total caps and floors;
* classes by `quota` (any rounding and `ties`), `thresholds` or `two_stage`, `rank_by` the total
  or an indicator, `bounds`, and adjustments of every action; conditions reading `score`, `rank`
  or `percentile` are re-evaluated per replicate (`context`, DuckDB with the scheme's own SQL).

Exactness: replicate scores are the nominal scores plus a difference that is exactly 0.0 when
nothing is uncertain, and ties are broken by the scheme's tiebreak keys then the credit code, as
in the pipeline; the nominal replicate is checked against the pipeline's ranks and classes before
any replicate is computed. Tests re-run perturbed replicates through the real pipeline
(`perturbed_scheme`) and compare every class.

What is refused (a `TiangongError` naming the feature): an adjustment whose reason text is shared
with another one or contains '；' (whether it fired is read from the results), and tiebreak keys
or per-replicate conditions that read enterprise data when the evaluation kept no inputs.
Special-class firms and firms in no group keep their class in every replicate.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from tiangong.errors import TiangongError
from tiangong.evaluation.evaluate import Evaluation
from tiangong.evaluation.stability.draws import (
    ClassUncertainty,
    Column,
    draw_factors,
    perturbed_scheme,
)
from tiangong.evaluation.stability.model import StabilityModel

__all__ = ["ClassUncertainty", "Column", "StabilityModel", "class_stability",
           "draw_factors", "perturbed_scheme"]


def class_stability(ev: Evaluation, uncertainty: ClassUncertainty | None = None,
                    n: int = 1000, seed: int = 0, *, chunk: int = 50,
                    workers: int = 2) -> pd.DataFrame:
    """Per enterprise: probability of keeping its class under the declared uncertainty.

    Returns a DataFrame with one row per row of `ev.results` (same order) and columns uscc,
    class (nominal), p_keep, p_up (better class), p_down (worse class), modal_class (most
    frequent class over the replicates, the better one on a tie). Firms in a special class or in
    no group keep their class in every replicate (p_keep 1).

    Replicates draw, for every scored (group, item), a benchmark factor and a weight factor from
    `uncertainty` (default: benchmarks ±10 % uniform, weights exact); the draws depend only on
    `seed` and `n`, not on `chunk` or `workers`.
    """
    unc = uncertainty or ClassUncertainty()
    if n < 1:
        raise TiangongError("n must be at least 1")
    with StabilityModel(ev) as model:
        fw, fb = draw_factors(model.columns, unc, n, seed)
        n_classes = len(model.codes)

        def run(c: slice) -> np.ndarray:
            _, idx, _ = model.layout_classes(fw[c], fb[c])
            counts = np.empty((model.n, n_classes), dtype=np.int32)
            for k in range(n_classes):
                counts[:, k] = (idx == k).sum(axis=0, dtype=np.int32)
            return counts

        chunks = [slice(s, s + chunk) for s in range(0, n, chunk)]
        if workers > 1 and len(chunks) > 1:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                layout_counts = np.sum(list(pool.map(run, chunks)), axis=0)
        else:
            layout_counts = np.sum([run(c) for c in chunks], axis=0)
    return _summary(ev, model, layout_counts, n)


def _summary(ev: Evaluation, model: StabilityModel, layout_counts: np.ndarray,
             n: int) -> pd.DataFrame:
    codes = model.codes
    cls = ev.results.column("class").to_numpy(zero_copy_only=False).astype(object)
    counts = np.zeros((model.n_results, len(codes)), dtype=np.int64)
    counts[model.rows] = layout_counts
    nominal = np.full(model.n_results, -1)
    code_idx = {c: i for i, c in enumerate(codes)}
    nominal[model.rows] = [code_idx[c] for c in cls[model.rows]]
    eligible = nominal >= 0
    k = np.arange(len(codes))
    nom = np.where(eligible, nominal, 0)
    p_keep = np.where(eligible, counts[np.arange(model.n_results), nom] / n, 1.0)
    p_up = np.where(eligible, (counts * (k[None, :] < nom[:, None])).sum(axis=1) / n, 0.0)
    p_down = np.where(eligible, (counts * (k[None, :] > nom[:, None])).sum(axis=1) / n, 0.0)
    modal = np.array(codes, dtype=object)[counts.argmax(axis=1)]
    return pd.DataFrame({
        "uscc": ev.results.column("uscc").to_numpy(zero_copy_only=False),
        "class": cls,
        "p_keep": p_keep,
        "p_up": p_up,
        "p_down": p_down,
        "modal_class": np.where(eligible, modal, cls),
    })
