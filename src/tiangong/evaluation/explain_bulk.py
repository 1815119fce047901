"""Explanations and a first what-if for every enterprise of a run at once, for publication.

`explain.explain` answers one enterprise and its what-if re-runs the whole evaluation per
variable (seconds per firm): fine at a terminal, far too slow to publish 120,000 firms. Here
everything comes from the stored results and benchmarks in one pass over column lists, in a
compact form a platform stores per row:

- per group, once: the item constants (label, unit, method, weight, benchmark, cap) and the
  bonus / penalty labels (`groups`), and per partition the lowest score of each class
  (`floors`);
- per firm: `[value, points, imputed]` per item of its group, `[value, points]` per bonus /
  penalty line, and the *item gap* what-if: the points missing to the lowest score of the next
  better class in its partition and, for each `ratio` item with a constant benchmark, the value
  of that one indicator that closes the gap (points = weight × value / benchmark, so Δvalue =
  gap × benchmark / weight; none when the item's cap would be passed).

`explanation()` turns a compact row back into the library's `Explanation`, so `lines()` prints
the same text as `tiangong explain`; `gap_message()` words one what-if entry.

The item-gap what-if is an estimate, not the exact answer (`whatif_exact.what_ifs`, a session per
firm: about a dozen re-evaluations of its group each, too slow for 120,000 firms at once).
Exactly where it can differ from a full re-evaluation with the indicator changed:

1. Ties at the boundary: the estimate brings the score to exactly the lowest score of the
   better class. At an equal score the scheme's tie rule decides (黄岩: higher 评价税收 first,
   then credit code), so the firm may need a little more than `needed`. Measured on a
   300-firm demo county under 黄岩, six 规下 firms: 2 reached the class at `needed`, 3 tied
   with the boundary firm and lost the tie, 1 left its group (`tests/test_explain_bulk_
   estimate.py`; the score itself was reached to 1e-9 in every case).
2. Group membership: the value implied may take the firm out of its group (a 规下 firm below
   3 亩 under 黄岩), and then out of the ranking.
3. Statistics that move with the firm's own value: a group-mean or group-max benchmark, a
   min–max range, and the group's mean item score used for other firms' missing data all
   move when the firm's indicator moves, and with them the scores of others and the
   boundary. Only constant-benchmark `ratio` items get an estimate; the imputation effect is
   not taken into account.
4. Classes not decided by the score boundary alone: class adjustments (vetoes, downgrades),
   class bounds (`max_share`/`min_share`), score thresholds (the lowest score in the class
   may lie above the threshold: the estimate then asks too much) and stage selections
   (chosen by another measure).
5. An indicator is not an input: 亩均税收 moves with 评价税收 or 用地面积, which other
   indicators read too (单位用电税收, 亩均增加值); the estimate moves the one indicator only.

Every message says it is an estimate; the exact answer is `explain(..., what_if=True)` on the
stored inputs (`tiangong explain`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from tiangong.evaluation.explain import Explanation, ItemLine, PointsLine
from tiangong.evaluation.scheme.loader import LoadedScheme
from tiangong.evaluation.wording import Wording


@dataclass
class CompactRow:
    items: list[list[Any]] = field(default_factory=list)  # [value, points, imputed] per item
    points: list[list[Any]] = field(default_factory=list)  # [value, points] per bonus/penalty
    what_if: list[dict[str, Any]] = field(default_factory=list)  # {indicator, needed, gap}
    next_class: str | None = None


def _num(value: Any) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def group_constants(loaded: LoadedScheme, benchmarks: pa.Table) -> dict[str, dict[str, Any]]:
    scheme = loaded.scheme
    bench = {(b["group"], b["indicator"]): b for b in benchmarks.to_pylist()}
    out: dict[str, dict[str, Any]] = {}
    for g in scheme.groups:
        items = []
        for item in g.items:
            ind = scheme.indicators[item.indicator]
            b = bench.get((g.id, item.indicator), {})
            items.append({"indicator": item.indicator, "label": ind.label, "unit": ind.unit,
                          "method": item.method,
                          "weight": None if item.method == "rank_only" else item.weight,
                          "benchmark": _num(b.get("benchmark")),
                          "benchmark_kind": b.get("benchmark_kind") or "", "cap": item.cap})
        points = [{"id": p.id, "label": p.label, "kind": kind}
                  for kind, extra in (("bonus", g.bonus), ("penalty", g.penalties))
                  for p in extra]
        out[g.id] = {"label": g.label, "items": items, "points": points}
    return out


def class_floors(results: pa.Table, order: list[str]) -> dict[str, dict[str, float]]:
    """Lowest score per class in each partition: {partition: {class: score}} in class order."""
    floors: dict[str, dict[str, float]] = {}
    cols = results.select(["partition", "class", "score", "group"]).to_pydict()
    for part, cls, score, group in zip(cols["partition"], cols["class"], cols["score"],
                                       cols["group"], strict=True):
        if part is None or group is None or cls is None or _num(score) is None:
            continue
        f = floors.setdefault(part, {})
        f[cls] = min(f.get(cls, math.inf), score)
    return {p: {c: f[c] for c in order if c in f} for p, f in floors.items()}


def compact_rows(loaded: LoadedScheme, results: pa.Table, groups: dict[str, dict[str, Any]],
                 floors: dict[str, dict[str, float]]) -> Iterator[CompactRow]:
    """One CompactRow per row of `results`, in order."""
    order = [c.code for c in loaded.scheme.classification.classes]
    better = {c: order[i - 1] for i, c in enumerate(order) if i > 0}
    names = set(results.column_names)
    wanted = {"group", "class", "score", "partition"}
    for grp in groups.values():
        for it in grp["items"]:
            wanted |= {f"value_{it['indicator']}", f"points_{it['indicator']}",
                       f"imputed_{it['indicator']}"}
        for p in grp["points"]:
            wanted |= {f"value_{p['id']}", f"points_{p['id']}"}
    cols = results.select(sorted(wanted & names)).to_pydict()
    n = results.num_rows
    none = [None] * n
    col = {k: cols.get(k, none) for k in wanted}
    for i in range(n):
        g: dict[str, Any] | None = groups.get(col["group"][i] or "")
        out = CompactRow()
        if g is None:
            yield out
            continue
        for it in g["items"]:
            ind = it["indicator"]
            out.items.append([_num(col[f"value_{ind}"][i]), _num(col[f"points_{ind}"][i]),
                              col[f"imputed_{ind}"][i]])
        for p in g["points"]:
            out.points.append([_num(col[f"value_{p['id']}"][i]),
                               _num(col[f"points_{p['id']}"][i])])
        cls, score = col["class"][i], _num(col["score"][i])
        target = better.get(cls or "")
        out.next_class = target
        floor = floors.get(col["partition"][i] or "", {}).get(target or "")
        if target is None or score is None or floor is None:
            yield out
            continue
        gap = floor - score
        if gap <= 0:
            out.what_if.append({"indicator": "", "needed": None, "gap": 0.0})
            yield out
            continue
        for it, (value, points, _) in zip(g["items"], out.items, strict=True):
            bench, weight = it["benchmark"], it["weight"]
            if it["method"] != "ratio" or it["benchmark_kind"] != "constant" or not bench \
                    or bench <= 0 or not weight:
                continue
            if it["cap"] is not None and (points or 0.0) + gap > it["cap"]:
                out.what_if.append({"indicator": it["indicator"], "needed": None, "gap": gap})
                continue
            out.what_if.append({"indicator": it["indicator"], "gap": gap,
                                "needed": (value or 0.0) + gap * bench / weight})
        yield out


def gap_message(entry: dict[str, Any], group: dict[str, Any], current: float | None,
                target: str, reason: str = "") -> str:
    """One what-if entry in Chinese."""
    if not entry.get("indicator"):
        return f"得分已达到{target}类最低分，等级由调整规则决定：{reason}"
    it = next(i for i in group["items"] if i["indicator"] == entry["indicator"])
    if entry.get("needed") is None:
        return f"仅靠{it['label']}无法升至{target}类（本项最高 {it['cap']:g} 分）。"
    return (f"{it['label']}由 {current or 0.0:,.2f} 提高到 {entry['needed']:,.2f} {it['unit']}"
            f"（其余不变），可多得 {entry['gap']:.2f} 分，达到{target}类最低分"
            "（估算：未计基准值和分档线随之移动及调整规则）。")


def explanation(run_id: str, scheme_id: str, year: int, row: dict[str, Any],
                group: dict[str, Any] | None, items: list[list[Any]],
                points: list[list[Any]], floors: dict[str, float],
                wording: Wording | None = None) -> Explanation:
    """The library's Explanation rebuilt from a compact row (for `lines()`), in the words of
    `wording` (the run's scheme, stored with a publication) as `explain` says it."""
    ex = Explanation(run_id, scheme_id, year, row)
    if group is None:
        return ex.worded(wording or Wording())
    for it, (value, pts, imputed) in zip(group["items"], items, strict=True):
        ex.items.append(ItemLine(it["indicator"], it["label"], it["unit"], it["method"],
                                 it["weight"], value, it["benchmark_kind"], it["benchmark"],
                                 pts, imputed))
    for p, (value, pts) in zip(group["points"], points, strict=True):
        ex.points.append(PointsLine(p["id"], p["label"], p["kind"], value, pts))
    ex.class_floors = floors
    return ex.worded(wording or Wording())


__all__ = ["CompactRow", "class_floors", "compact_rows", "explanation", "gap_message",
           "group_constants"]
