"""Explanations and a first what-if for every enterprise of a run at once, for publication.

`explain.explain` answers one enterprise and its what-if re-runs the whole evaluation per
variable (seconds per firm): fine at a terminal, far too slow to publish 120,000 firms. Here
everything is computed from the stored results and benchmarks in one pass:

- item lines, bonus/penalty lines and the class floors of each partition (lowest score per
  class), the same `Explanation` objects `explain` builds, so `lines()` gives the same text;
- the *item gap* what-if: the points missing to the lowest score of the next better class in the
  firm's partition, and for each `ratio` item with a constant benchmark the value of that one
  indicator that would close the gap (points = weight × value / benchmark, so Δvalue =
  gap × benchmark / weight), refused when the item's cap would be exceeded.

What this estimate leaves out, said in every message: a group-mean benchmark moves with the
firm's own value, the firm overtaking the boundary firm shifts the quota boundary by one, and
class adjustments (vetoes, downgrades) may cap the class whatever the score. The exact answer is
`explain(..., what_if=True)` on the stored inputs.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from tiangong.evaluation.explain import Explanation, ItemLine, PointsLine
from tiangong.evaluation.scheme.loader import LoadedScheme


@dataclass
class ItemGap:
    indicator: str
    label: str
    unit: str
    current: float | None
    needed: float | None
    gap_points: float
    target: str
    message: str


def class_floors(results: pa.Table, order: list[str]) -> dict[str, dict[str, float]]:
    """Lowest score per class in each partition: {partition: {class: score}} in class order."""
    floors: dict[str, dict[str, float]] = {}
    cols = results.select(["partition", "class", "score", "group"]).to_pydict()
    for part, cls, score, group in zip(cols["partition"], cols["class"], cols["score"],
                                       cols["group"], strict=True):
        if part is None or group is None or cls is None or score is None or math.isnan(score):
            continue
        f = floors.setdefault(part, {})
        f[cls] = min(f.get(cls, math.inf), score)
    return {p: {c: f[c] for c in order if c in f} for p, f in floors.items()}


def explain_all(loaded: LoadedScheme, run_id: str, year: int, results: pa.Table,
                benchmarks: pa.Table) -> Iterator[tuple[Explanation, list[ItemGap]]]:
    """(explanation without re-run what-if, item gaps) for every row of `results`, in order."""
    scheme = loaded.scheme
    order = [c.code for c in scheme.classification.classes]
    floors = class_floors(results, order)
    bench: dict[tuple[str, str], dict[str, Any]] = {
        (b["group"], b["indicator"]): b for b in benchmarks.to_pylist()}
    groups = {g.id: g for g in scheme.groups}
    for row in results.to_pylist():
        ex = Explanation(run_id, scheme.id, year, row)
        group = groups.get(row.get("group") or "")
        gaps: list[ItemGap] = []
        if group is not None:
            for item in group.items:
                ind = scheme.indicators[item.indicator]
                b = bench.get((group.id, item.indicator), {})
                ex.items.append(ItemLine(
                    indicator=item.indicator, label=ind.label, unit=ind.unit,
                    method=item.method,
                    weight=None if item.method == "rank_only" else item.weight,
                    value=row.get(f"value_{item.indicator}"),
                    benchmark_kind=b.get("benchmark_kind") or "", benchmark=b.get("benchmark"),
                    points=row.get(f"points_{item.indicator}"),
                    imputed=row.get(f"imputed_{item.indicator}")))
            for kind, extra in (("bonus", group.bonus), ("penalty", group.penalties)):
                for p in extra:
                    ex.points.append(PointsLine(p.id, p.label, kind, row.get(f"value_{p.id}"),
                                                row.get(f"points_{p.id}")))
            ex.class_floors = floors.get(row.get("partition") or "", {})
            gaps = _gaps(ex, group, order)
        yield ex, gaps


def next_class(row: dict[str, Any], order: list[str]) -> str | None:
    cls = row.get("class")
    if cls not in order or order.index(cls) == 0:
        return None
    return order[order.index(cls) - 1]


def _gaps(ex: Explanation, group: Any, order: list[str]) -> list[ItemGap]:
    row = ex.row
    target = next_class(row, order)
    score = row.get("score")
    if target is None or score is None or target not in ex.class_floors:
        return []
    gap = ex.class_floors[target] - score
    if gap <= 0:
        return [ItemGap("", "等级调整", "", None, None, 0.0, target,
                        f"得分已达到{target}类最低分，等级由调整规则决定："
                        f"{row.get('class_reason') or ''}")]
    out = []
    for line, item in zip(ex.items, group.items, strict=True):
        if item.method != "ratio" or line.benchmark_kind != "constant" or not line.benchmark \
                or not item.weight or line.benchmark <= 0:
            continue
        current = line.value if line.value is not None else 0.0
        points = line.points or 0.0
        if item.cap is not None and points + gap > item.cap:
            out.append(ItemGap(line.indicator, line.label, line.unit, line.value, None, gap,
                               target, f"仅靠{line.label}无法升至{target}类（本项最高"
                               f"{item.cap:g}分）。"))
            continue
        needed = current + gap * line.benchmark / item.weight
        out.append(ItemGap(line.indicator, line.label, line.unit, line.value, needed, gap,
                           target, f"{line.label}由 {current:,.2f} 提高到 {needed:,.2f} "
                           f"{line.unit}（其余不变），可多得 {gap:.2f} 分，达到{target}类最低分"
                           "（估算：未计基准值和分档线随之移动及调整规则）。"))
    return out


__all__ = ["ItemGap", "class_floors", "explain_all", "next_class"]
