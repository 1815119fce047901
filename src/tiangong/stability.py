"""Class stability: how likely each enterprise keeps its class under declared uncertainty.

Before publication, a county wants to know which firms sit so close to a class boundary that a
slightly different benchmark or weight would have put them in another class. `class_stability`
re-scores a finished `Evaluation` many times with randomly perturbed item benchmarks and weights
(the *declared* uncertainty, `ClassUncertainty`), re-ranks every partition and re-applies the
quotas and adjustments, and reports per firm the share of replicates in which it keeps its class
(`p_keep`), moves up (`p_up`), moves down (`p_down`), and the most frequent class.

Re-scoring is vectorised from the per-firm values and points stored in `ev.results`; the SQL
pipeline is not run again. What is supported is exactly what a scheme like 黄岩 2022 uses, and
anything else is refused with a `TiangongError` naming the feature:

* items: method `ratio` with a `constant` benchmark (points = w·x/b, optional cap and floor);
  missing-data and zero-denominator rules `zero`, `penalty`, `group_mean` (no `reweight`);
* bonus and penalty points are kept at their nominal values (they do not depend on w or b);
* no total cap or floor on a group;
* classes by `quota` on the total, any `rounding`, `ties: tiebreak`; no `bounds`;
* special classes keep their class (scores of special firms are never ranked) and count in the
  partition size exactly as in the nominal run (`partition_size` is read from the results);
* adjustments of any action whose condition does not read `score`, `rank` or `percentile`.

Approximations and choices (also in the `class_stability` docstring):

1. Weights: each item weight is multiplied by its own factor; with `renormalise_weights` (the
   default) the perturbed weights of a group are then rescaled to the group's nominal total
   (so a 100-point scheme stays a 100-point scheme; inside one group-partition a common factor
   changes no rank anyway).
2. Imputed items: `group_mean` points are rescaled by the item's factor (w'/b')/(w/b). This is
   exact (up to rounding) when the item has no cap and a floor of 0 or none, because the mean of
   max(c·w·x/b, 0) over the firms with data is c times the nominal mean for c > 0; with a cap or
   another floor it is an approximation. `zero` and `penalty` points are constants.
3. Ties: within a partition firms with equal replicate scores are ordered by their nominal rank.
   The nominal order already applies the scheme's tiebreak keys and then the uscc, and two firms
   can only tie under random factors when their item points are identical, i.e. when they tied
   nominally too, so this is the scheme's rule (the tiebreak keys need not be in the results).
4. Adjustments: whether an adjustment fired for a firm is read from the nominal run (its reason
   text in `class_reason`); its action is then re-applied to the replicate's quota class (a
   `set` D stays D, a downgrade by one moves the replicate class down by one, ...). This needs
   conditions that do not depend on the score, which is checked.
5. Replicate scores are computed as nominal score + Σ (replicate item points − nominal item
   points), so with zero uncertainty every replicate reproduces the pipeline's classes exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from tiangong.errors import Problem, TiangongError
from tiangong.evaluate import Evaluation
from tiangong.pipeline.scores import rule_for
from tiangong.scheme.expressions import compile_expression
from tiangong.scheme.model import Item, Scheme
from tiangong.scheme.names import outcome_names

__all__ = ["ClassUncertainty", "class_stability"]

Relative = float | Mapping[str, float]


@dataclass(frozen=True)
class ClassUncertainty:
    """Declared relative uncertainty of benchmarks and weights.

    `benchmark` and `weight` are relative half-widths (uniform: factor in [1 − r, 1 + r]) or
    standard deviations (normal: factor 1 + r·N(0, 1), clipped at 0.01 so a factor stays
    positive). Either may be one number for every item or a mapping indicator id → r (items not
    named get 0). Each (group, item) pair gets its own independent factor per replicate.
    """

    benchmark: Relative = 0.10
    weight: Relative = 0.0
    distribution: Literal["uniform", "normal"] = "uniform"
    renormalise_weights: bool = True


@dataclass
class _Column:
    """One (group, item) pair: one benchmark and one weight to perturb."""

    group: str
    item: Item
    weight: float
    benchmark: float

    @property
    def linear(self) -> bool:
        """Points are c·max(x, 0) or c·x for every c > 0 (no cap, floor 0 or none)."""
        return self.item.cap is None and self.item.floor in (None, 0)


def _refuse(problems: list[Problem]) -> None:
    if problems:
        raise TiangongError(problems, title="class_stability does not support this scheme")


def _check_scheme(scheme: Scheme) -> None:
    problems: list[Problem] = []
    cls = scheme.classification

    def bad(what: str, field: str) -> None:
        problems.append(Problem(f"unsupported feature: {what}", scheme.id, field=field))

    for g in scheme.groups:
        for i in g.items:
            where = f"groups.{g.id}.items.{i.indicator}"
            if i.method != "ratio":
                bad(f"item method '{i.method}' (only 'ratio')", where)
            elif i.benchmark is None or i.benchmark.kind != "constant":
                bm_kind = i.benchmark.kind if i.benchmark else "none"
                bad(f"benchmark kind '{bm_kind}' (only 'constant')", where)
            for kind in ("missing", "zero_denominator"):
                rule = rule_for(scheme, i, kind)
                if rule is not None and rule.kind == "reweight":
                    bad(f"{kind} rule 'reweight'", f"{where}.{kind}")
        if g.total.cap is not None or g.total.floor is not None:
            bad("a cap or floor on the group total", f"groups.{g.id}.total")
    if cls.method != "quota":
        bad(f"classification method '{cls.method}' (only 'quota')", "classification.method")
    if cls.rank_by != "total":
        bad(f"rank_by '{cls.rank_by}' (only 'total')", "classification.rank_by")
    if (cls.ties or "tiebreak") != "tiebreak":
        bad(f"ties '{cls.ties}' (only 'tiebreak')", "classification.ties")
    if cls.bounds:
        bad("class bounds", "classification.bounds")
    names = outcome_names(scheme)
    for n, adj in enumerate(cls.adjustments):
        used = compile_expression(adj.when, names).variables & {"score", "rank", "percentile"}
        if used:
            bad(f"an adjustment condition reading {', '.join(sorted(used))}",
                f"classification.adjustments.{n}")
    _refuse(problems)


def _relative(spec: Relative, indicator: str) -> float:
    if isinstance(spec, Mapping):
        return float(spec.get(indicator, 0.0))
    return float(spec)


def _factors(rng: np.random.Generator, rel: np.ndarray, n: int, dist: str) -> np.ndarray:
    if dist == "uniform":
        draws = rng.uniform(-1.0, 1.0, size=(n, rel.size))
        return 1.0 + draws * rel
    if dist == "normal":
        return np.maximum(1.0 + rng.standard_normal(size=(n, rel.size)) * rel, 0.01)
    raise TiangongError(f"unknown distribution '{dist}' (uniform or normal)")


def _draws(columns: list[_Column], unc: ClassUncertainty, n: int,
           seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, J) replicate weights w' and benchmarks b' per column (exactly w, b when certain)."""
    rng = np.random.default_rng(seed)
    ind = [c.item.indicator for c in columns]
    rel_b = np.array([_relative(unc.benchmark, i) for i in ind])
    rel_w = np.array([_relative(unc.weight, i) for i in ind])
    if (rel_b < 0).any() or (rel_w < 0).any():
        raise TiangongError("uncertainty must be non-negative")
    if unc.distribution == "uniform" and ((rel_b >= 1).any() or (rel_w >= 1).any()):
        raise TiangongError("uniform relative uncertainty must be below 1 (100 %)")
    fb = _factors(rng, rel_b, n, unc.distribution)
    fw = _factors(rng, rel_w, n, unc.distribution)
    w = np.array([c.weight for c in columns])
    b = np.array([c.benchmark for c in columns])
    weights = w * fw
    if unc.renormalise_weights:
        groups = np.array([c.group for c in columns])
        for g in np.unique(groups):
            m = groups == g
            weights[:, m] *= w[m].sum() / weights[:, m].sum(axis=1, keepdims=True)
    return weights, b * fb


@dataclass
class _Partition:
    rows: np.ndarray  # indices into the results, in nominal rank order
    score: np.ndarray  # nominal scores (same order)
    linear: np.ndarray  # (n_p, J) multipliers of (c' − c) for linear columns
    nonlinear: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]]  # (column, at, x, points)
    class_by_position: np.ndarray  # quota class index of rank position 1..n_p
    adjust: np.ndarray  # (n_p, A) bool: did adjustment a fire for the firm


def _cutoff(size: int, share: float, rounding: str | None) -> int:
    """The pipeline's cumulative quota count (classes._cutoff), in integer arithmetic."""
    exact = size * round(share * 100) / 10000.0
    if rounding == "ceil":
        return int(np.ceil(exact))
    if rounding == "round_half_up":
        return int(np.floor(exact + 0.5))
    return int(np.floor(exact))


def _prepare(ev: Evaluation, df: pd.DataFrame, columns: list[_Column]
             ) -> tuple[list[_Partition], np.ndarray]:
    scheme = ev.scheme.scheme
    cls = scheme.classification
    assert cls.quotas is not None
    codes = scheme.class_codes()
    eligible = (df["group"].notna() & df["special_class"].isna()).to_numpy()
    if eligible.any() and (df.loc[eligible, "score"].isna().any()
                           or df.loc[eligible, "rank"].isna().any()):
        raise TiangongError("results have eligible firms without score or rank")
    group = df["group"].to_numpy(dtype=object)
    ncols = len(columns)
    lin_all = np.zeros((len(df), ncols))
    for j, c in enumerate(columns):
        ind = c.item.indicator
        in_g = group == c.group
        x = df[f"value_{ind}"].to_numpy(dtype=float)
        pts = df[f"points_{ind}"].to_numpy(dtype=float)
        imputed = df[f"imputed_{ind}"].to_numpy(dtype=object)
        is_mean = np.array([isinstance(s, str) and s.endswith(":group_mean") for s in imputed])
        scored = in_g & pd.isna(imputed) & ~np.isnan(x)
        c_nom = c.weight / c.benchmark
        mean_rows = in_g & is_mean & ~np.isnan(pts)
        lin_all[mean_rows, j] = pts[mean_rows] / c_nom
        if c.linear:
            xs = np.maximum(x, 0.0) if c.item.floor == 0 else x
            lin_all[scored, j] = xs[scored]
    reasons = df["class_reason"].fillna("").to_numpy(dtype=object)
    adj_all = np.zeros((len(df), len(cls.adjustments)), dtype=bool)
    for a, adj in enumerate(cls.adjustments):
        adj_all[:, a] = [adj.reason in str(r).split("；") for r in reasons]
    parts: list[_Partition] = []
    shares = list(cls.quotas.values())
    nominal_idx = np.full(len(df), -1, dtype=np.int8)
    for key in pd.unique(df.loc[eligible, "partition"]):
        rows = np.flatnonzero(eligible & (df["partition"] == key).to_numpy())
        rows = rows[np.argsort(df["rank"].to_numpy()[rows], kind="stable")]
        size = int(df["partition_size"].to_numpy()[rows[0]])
        cuts = [_cutoff(size, s, cls.rounding) for s in shares]
        pos = np.arange(1, len(rows) + 1)
        by_pos = np.full(len(rows), len(shares) - 1, dtype=np.int8)
        for k in range(len(shares) - 1, -1, -1):
            by_pos[pos <= cuts[k]] = k
        nonlinear = []
        for j, c in enumerate(columns):
            if c.linear:
                continue
            ind = c.item.indicator
            sub = df.iloc[rows]
            use = ((sub["group"] == c.group) & sub[f"imputed_{ind}"].isna()
                   & sub[f"value_{ind}"].notna()).to_numpy()
            if use.any():
                x = sub[f"value_{ind}"].to_numpy(dtype=float)[use]
                p = sub[f"points_{ind}"].to_numpy(dtype=float)[use]
                nonlinear.append((j, np.flatnonzero(use), x, p))
        part = _Partition(rows, df["score"].to_numpy(dtype=float)[rows], lin_all[rows],
                          nonlinear, by_pos, adj_all[rows])
        parts.append(part)
        nominal_idx[rows] = _adjust(scheme, by_pos[None, :], part.adjust)[0]
    # self-check: the quota and adjustment logic reproduces the pipeline's classes
    code_idx = {c: i for i, c in enumerate(codes)}
    expected = np.array([code_idx.get(c, -1) if e else -1
                         for c, e in zip(df["class"], eligible, strict=True)], dtype=np.int8)
    if not np.array_equal(expected, nominal_idx):
        bad = df["uscc"].to_numpy()[expected != nominal_idx][:5]
        raise TiangongError(f"cannot reproduce the nominal classes (e.g. {', '.join(bad)}); "
                            "are the results from this scheme?")
    return parts, nominal_idx


def _adjust(scheme: Scheme, idx: np.ndarray, fired: np.ndarray) -> np.ndarray:
    """Apply the adjustments that fired (nominally) to quota classes idx (reps, n_p)."""
    codes = scheme.class_codes()
    last = len(codes) - 1
    out = idx.astype(np.int8, copy=True)
    for a, adj in enumerate(scheme.classification.adjustments):
        on = fired[:, a]
        if not on.any():
            continue
        target = codes.index(adj.class_) if adj.class_ else 0
        cur = out[:, on]
        new = {
            "set": np.full_like(cur, target),
            "downgrade": np.minimum(cur + adj.steps, last),
            "upgrade": np.maximum(cur - adj.steps, 0),
            "at_most": np.maximum(cur, target),
            "at_least": np.minimum(cur, target),
        }[adj.action]
        out[:, on] = new
    return out


def _replicate_chunk(scheme: Scheme, parts: list[_Partition], columns: list[_Column],
                     weights: np.ndarray, bms: np.ndarray, n_rows: int,
                     n_classes: int) -> np.ndarray:
    """Class counts (n_rows, n_classes) over the replicates of `weights`, `bms` (r, J)."""
    counts = np.zeros((n_rows, n_classes), dtype=np.int32)
    c_nom = np.array([c.weight / c.benchmark for c in columns])
    delta = weights / bms - c_nom  # (r, J); exactly 0 where nothing is uncertain
    r = weights.shape[0]
    for part in parts:
        scores = part.score[None, :] + delta @ part.linear.T  # (r, n_p)
        for j, at, x, p in part.nonlinear:
            # per-item points with cap and floor, in the pipeline's order: w·x/b, then clamp
            item = columns[j].item
            new = np.clip(weights[:, j:j + 1] * x[None, :] / bms[:, j:j + 1], item.floor,
                          item.cap)
            scores[:, at] += new - p[None, :]
        order = np.argsort(-scores, axis=1, kind="stable")  # ties: nominal order
        idx = np.empty((r, len(part.rows)), dtype=np.int8)
        np.put_along_axis(idx, order, np.broadcast_to(part.class_by_position, order.shape),
                          axis=1)
        idx = _adjust(scheme, idx, part.adjust)
        for k in range(n_classes):
            counts[part.rows, k] += (idx == k).sum(axis=0, dtype=np.int32)
    return counts


def class_stability(ev: Evaluation, uncertainty: ClassUncertainty | None = None,
                    n: int = 1000, seed: int = 0, *, chunk: int = 50,
                    workers: int = 2) -> pd.DataFrame:
    """Per enterprise: probability of keeping its class under the declared uncertainty.

    Returns a DataFrame with one row per row of `ev.results` (same order) and columns uscc,
    class (nominal), p_keep, p_up (better class), p_down (worse class), modal_class (most
    frequent class over the replicates, the better one on a tie). Firms in a special class or in
    no group keep their class in every replicate (p_keep 1).

    Replicates draw, for every (group, item), a benchmark factor and a weight factor from
    `uncertainty` (default: benchmarks ±10 % uniform, weights exact); the draws depend only on
    `seed` and `n`, not on `chunk` or `workers`. See the module docstring for what is supported
    and the approximations (imputed group-mean points rescaled by the item's factor, adjustments
    applied as they fired nominally, ties in nominal order, weights renormalised per group).
    """
    unc = uncertainty or ClassUncertainty()
    scheme = ev.scheme.scheme
    _check_scheme(scheme)
    if n < 1:
        raise TiangongError("n must be at least 1")
    columns = [_Column(g.id, i, float(i.weight), float(i.benchmark.value or 0))
               for g in scheme.groups for i in g.items if i.benchmark is not None]
    df = ev.results.to_pandas()
    parts, nominal = _prepare(ev, df, columns)
    weights, bms = _draws(columns, unc, n, seed)
    codes = scheme.class_codes()
    chunks = [slice(s, s + chunk) for s in range(0, n, chunk)]

    def run(c: slice) -> np.ndarray:
        return _replicate_chunk(scheme, parts, columns, weights[c], bms[c], len(df), len(codes))

    if workers > 1 and len(chunks) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(run, chunks))
    else:
        results = [run(c) for c in chunks]
    counts = np.sum(results, axis=0)
    eligible = nominal >= 0
    k = np.arange(len(codes))
    nom = np.where(eligible, nominal, 0)[:, None]
    p_keep = np.where(eligible, counts[np.arange(len(df)), nom[:, 0]] / n, 1.0)
    p_up = np.where(eligible, (counts * (k[None, :] < nom)).sum(axis=1) / n, 0.0)
    p_down = np.where(eligible, (counts * (k[None, :] > nom)).sum(axis=1) / n, 0.0)
    modal = np.array(codes, dtype=object)[counts.argmax(axis=1)]
    return pd.DataFrame({
        "uscc": df["uscc"].to_numpy(),
        "class": df["class"].to_numpy(),
        "p_keep": p_keep,
        "p_up": p_up,
        "p_down": p_down,
        "modal_class": np.where(eligible, modal, df["class"].to_numpy(dtype=object)),
    })
