"""What is uncertain, and how one replicate's weights and benchmarks are drawn.

Every scored (group, item) pair of a scheme is one *column*: one weight factor and one benchmark
factor per replicate. A factor multiplies what the scheme publishes or the pipeline computed, so
one rule serves every scoring family:

* ratio and inverse items: the benchmark the run used (a constant, or the group's current mean,
  prior-year mean × k or maximum as computed) times the benchmark factor;
* step items: every threshold times the benchmark factor (a table's thresholds play the part of
  a benchmark), every step's points times the weight factor;
* min–max items have no benchmark (the group's minimum and maximum are data): only the weight
  factor applies;
* the weight factor scales every point the item can give: its weight, its step points, and its
  cap and floor (a cap written as "at most the weight", as in 淮安, stays at the weight).

`perturbed_scheme` writes a replicate's factors back into a scheme, so any replicate can be
re-run through the real pipeline (the tests do exactly that, and an analyst can look at the
scheme under which a firm changed class).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pyarrow as pa

from tiangong.errors import Problem, TiangongError
from tiangong.evaluation.scheme.model import Benchmark, Item, Scheme, Step

Relative = float | Mapping[str, float]


@dataclass(frozen=True)
class ClassUncertainty:
    """Declared relative uncertainty of benchmarks and weights.

    `benchmark` and `weight` are relative half-widths (uniform: factor in [1 − r, 1 + r]) or
    standard deviations (normal: factor 1 + r·N(0, 1), clipped at 0.01 so a factor stays
    positive). Either may be one number for every item or a mapping indicator id → r (items not
    named get 0). Each (group, item) pair gets its own independent factor per replicate. With
    `renormalise_weights` the perturbed weights of a group are rescaled to the group's nominal
    total (a 100-point scheme stays a 100-point scheme).
    """

    benchmark: Relative = 0.10
    weight: Relative = 0.0
    distribution: Literal["uniform", "normal"] = "uniform"
    renormalise_weights: bool = True


@dataclass(frozen=True)
class Column:
    """One scored (group, item) pair with the nominal numbers the run used."""

    group: str
    item: Item
    benchmark: float  # the computed benchmark (NaN: none, or no firm with data)
    low: float  # the group's minimum of the indicator (min–max items)
    high: float  # the group's maximum

    @property
    def base_weight(self) -> float:
        """The points the item stands for when weights are renormalised: its weight, or for a
        step table its largest step."""
        if self.item.method == "steps":
            return max([s.points for s in self.item.steps] + [0.0])
        return float(self.item.weight)


def scheme_columns(scheme: Scheme, benchmarks: pa.Table) -> list[Column]:
    """Every scored (group, item) of the scheme, with the run's benchmark, minimum and maximum."""
    stats = {(r["group"], r["indicator"]): r for r in benchmarks.to_pylist()}
    out = []
    for g in scheme.groups:
        for item in g.items:
            if item.method == "rank_only":
                continue
            row = stats.get((g.id, item.indicator), {})

            def num(key: str, row: dict[str, object] = row) -> float:
                value = row.get(key)
                return float(value) if isinstance(value, int | float) else float("nan")

            out.append(Column(g.id, item, num("benchmark"), num("group_min"), num("group_max")))
    return out


def _relative(spec: Relative, indicator: str) -> float:
    if isinstance(spec, Mapping):
        return float(spec.get(indicator, 0.0))
    return float(spec)


def _factors(rng: np.random.Generator, rel: np.ndarray, n: int, dist: str) -> np.ndarray:
    if dist == "uniform":
        return 1.0 + rng.uniform(-1.0, 1.0, size=(n, rel.size)) * rel
    if dist == "normal":
        return np.maximum(1.0 + rng.standard_normal(size=(n, rel.size)) * rel, 0.01)
    raise TiangongError(f"unknown distribution '{dist}' (uniform or normal)")


def check_uncertainty(unc: ClassUncertainty, columns: Sequence[Column]) -> None:
    """Refuse negative or too large uncertainties and mappings naming no scored indicator."""
    problems = []
    scored = {c.item.indicator for c in columns}
    for what, spec in (("benchmark", unc.benchmark), ("weight", unc.weight)):
        values = dict(spec) if isinstance(spec, Mapping) else {"": spec}
        for key in sorted(set(values) - scored - {""}):
            problems.append(Problem(f"{what} uncertainty names '{key}', which no group scores; "
                                    f"scored indicators: {', '.join(sorted(scored))}",
                                    field=f"uncertainty.{what}"))
        for key, r in values.items():
            where = f"uncertainty.{what}" + (f".{key}" if key else "")
            if not r >= 0:
                problems.append(Problem(f"uncertainty must be non-negative, got {r}",
                                        field=where))
            elif unc.distribution == "uniform" and r >= 1:
                problems.append(Problem(f"uniform relative uncertainty must be below 1 (100 %), "
                                        f"got {r}", field=where))
    if problems:
        raise TiangongError(problems, title="the declared uncertainty is invalid")


def draw_factors(columns: Sequence[Column], unc: ClassUncertainty, n: int,
                 seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, J) weight factors and benchmark factors, exactly 1.0 where nothing is uncertain.

    Draws depend only on `seed`, `n` and the columns, never on how replicates are chunked.
    """
    check_uncertainty(unc, columns)
    rng = np.random.default_rng(seed)
    ind = [c.item.indicator for c in columns]
    rel_b = np.array([_relative(unc.benchmark, i) for i in ind])
    rel_w = np.array([_relative(unc.weight, i) for i in ind])
    fb = _factors(rng, rel_b, n, unc.distribution)
    fw = _factors(rng, rel_w, n, unc.distribution)
    if unc.renormalise_weights and (rel_w > 0).any():
        groups = np.array([c.group for c in columns])
        base = np.array([c.base_weight for c in columns])
        for g in dict.fromkeys(groups):
            m = groups == g
            total = base[m].sum()
            if total > 0:
                fw[:, m] *= (total / (fw[:, m] @ base[m]))[:, None]
    return fw, fb


def _perturbed_item(item: Item, column: Column, fw: float, fb: float) -> Item:
    update: dict[str, object] = {"weight": item.weight * fw}
    if item.cap is not None:
        update["cap"] = item.cap * fw
    if item.floor is not None:
        update["floor"] = item.floor * fw
    if item.steps:
        update["steps"] = tuple(Step(at_least=s.at_least * fb, points=s.points * fw)
                                for s in item.steps)
    bm = item.benchmark
    if bm is not None and item.method in ("ratio", "inverse"):
        if bm.kind == "constant":
            new = Benchmark(kind="constant", value=float(bm.value or 0) * fb)
        else:
            new = Benchmark(kind=bm.kind, factor=bm.factor * fb)
        update["benchmark"] = new
    return item.model_copy(update=update)


def perturbed_scheme(scheme: Scheme, columns: Sequence[Column], fw: Sequence[float],
                     fb: Sequence[float]) -> Scheme:
    """The scheme of one replicate: weights, points, caps, floors, thresholds and benchmarks
    multiplied by that replicate's factors (one weight and one benchmark factor per column)."""
    by_key = {(c.group, c.item.indicator): j for j, c in enumerate(columns)}
    groups = []
    for g in scheme.groups:
        items = []
        for item in g.items:
            j = by_key.get((g.id, item.indicator))
            items.append(item if j is None
                         else _perturbed_item(item, columns[j], float(fw[j]), float(fb[j])))
        groups.append(g.model_copy(update={"items": tuple(items)}))
    return scheme.model_copy(update={"groups": tuple(groups)})
