"""The smallest change in one of an enterprise's values that lifts it to the next better class.

Scores are not the whole story: a group mean benchmark moves when the firm's own tax moves, quota
boundaries depend on everyone's scores, and adjustments (vetoes, downgrades) may cap the class
whatever the score. So the search re-runs the whole evaluation on the stored inputs with only this
firm's value changed, first widening the step until the class improves (or showing that no
change can), then bisecting to the nearest 0.01 of the unit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from tiangong.evaluation import canonical
from tiangong.evaluation.scheme.loader import LoadedScheme

_RESOLUTION = 0.01  # 万元 or 亩: finer than any published figure
_MAX_FACTOR = 1e4  # tax: up to 10,000× the current value (or 10,000 万元 from nothing)


@dataclass
class WhatIf:
    variable: str
    label: str
    unit: str
    current: float | None
    needed: float | None  # the value that reaches `target`; None when none can
    target: str | None
    evaluations: int
    message: str


def _with_value(inputs: dict[str, pa.Table], uscc: str, year: int, variable: str,
                value: float) -> dict[str, pa.Table]:
    ent = inputs["enterprises"]
    mask = pc.and_(pc.equal(ent["uscc"], uscc), pc.equal(ent["year"], year))
    col = ent[variable]
    new = pc.if_else(mask, pa.scalar(value, col.type), col)
    out = dict(inputs)
    out["enterprises"] = ent.set_column(ent.schema.get_field_index(variable), variable, new)
    return out


def search_what_if(loaded: LoadedScheme, inputs: dict[str, pa.Table], year: int,
                   row: dict[str, Any], variable: str,
                   evaluate_fn: Callable[..., Any]) -> WhatIf:
    col = canonical.column("enterprises", variable)
    label, unit = col.label, col.unit
    uscc = row["uscc"]
    ent = inputs["enterprises"]
    cur_rows = ent.filter(pc.and_(pc.equal(ent["uscc"], uscc),
                                  pc.equal(ent["year"], year))).to_pylist()
    current = cur_rows[0][variable] if cur_rows else None
    order = [c.code for c in loaded.scheme.classification.classes]
    cls = row.get("class")

    def answer(needed: float | None, target: str | None, n: int, msg: str) -> WhatIf:
        return WhatIf(variable, label, unit, current, needed, target, n, msg)

    if row.get("group") is None or cls not in order:
        why = row.get("class_reason") or f"特殊类别 {row.get('special_class') or '无'}"
        return answer(None, None, 0, f"该企业不参与分档（{why}），调整{label}不改变等级")
    index = order.index(cls)
    if index == 0:
        return answer(None, None, 0, f"已是最高等级 {cls}")
    target = order[index - 1]
    calls = 0

    def reaches(value: float) -> bool | None:
        """True/False: better-or-equal to target or not; None: no longer in the evaluation."""
        nonlocal calls
        calls += 1
        ev = evaluate_fn(loaded, _with_value(inputs, uscc, year, variable, value), year,
                         keep_inputs=False, check_inputs=False)
        res = ev.results.filter(pc.equal(ev.results["uscc"], uscc)).to_pylist()
        if not res or res[0]["group"] is None or res[0]["class"] not in order:
            return None
        return order.index(res[0]["class"]) <= index - 1

    base = float(current) if current is not None else 0.0
    if variable == "land_area":
        return _search_land(base, current, reaches, answer, label, unit, target, lambda: calls)
    # eval_tax (or any higher-is-better variable): widen upwards, then bisect
    step = max(abs(base) * 0.01, _RESOLUTION)
    limit = max(abs(base), 1.0) * _MAX_FACTOR
    lo, hi = base, None
    while step <= limit:
        ok = reaches(base + step)
        if ok:
            hi = base + step
            break
        lo = base + step
        step *= 4
    if hi is None:
        return answer(None, target, calls, f"{label}即使增至 {_n(base + limit)} {unit}也无法升至 "
                      f"{target} 类（等级由其他规则决定，如一票否决或降档）")
    while hi - lo > _RESOLUTION:
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if reaches(mid) else (mid, hi)
    return answer(hi, target, calls, f"{label}从 {_n(base)} 增至 {_n(hi)} {unit}"
                  f"（+{_n(hi - base)}）即可升至 {target} 类，其他数据不变")


def _search_land(base: float, current: float | None, reaches: Callable[[float], bool | None],
                 answer: Callable[..., WhatIf], label: str, unit: str, target: str,
                 calls: Callable[[], int]) -> WhatIf:
    if current is None or base <= 0:
        return answer(None, target, calls(), f"无{label}数据，无法计算")
    good, bad = None, base
    factor = 0.9
    while base * factor >= _RESOLUTION:
        ok = reaches(base * factor)
        if ok is None:  # left the population: try the lowest land that is still evaluated
            out, kept = base * factor, bad
            while kept - out > _RESOLUTION:
                mid = (out + kept) / 2
                if reaches(mid) is None:
                    out = mid
                else:
                    kept = mid
            if kept < bad and reaches(kept):
                good = kept
                break
            return answer(None, target, calls(), f"{label}减至 {_n(kept)} {unit}以下即不再参评"
                          f"（低于参评门槛），在参评范围内减少{label}无法升至 {target} 类")
        if ok:
            good = base * factor
            break
        bad = base * factor
        factor = factor * factor if factor > 0.01 else factor / 10
    if good is None:
        return answer(None, target, calls(), f"{label}无论减少多少都无法升至 {target} 类")
    while bad - good > _RESOLUTION:
        mid = (good + bad) / 2
        ok = reaches(mid)
        if ok:
            good = mid
        else:
            bad = mid
    return answer(good, target, calls(), f"{label}从 {_n(base)} 减至 {_n(good)} {unit}"
                  f"（−{_n(base - good)}）即可升至 {target} 类，其他数据不变")


def _n(value: float) -> str:
    return f"{value:,.2f}"
