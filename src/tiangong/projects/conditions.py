"""One condition mechanism for class rules, the 赛马 scope, score-sheet items and bonuses.

A condition compares one project fact with a number, a range or the project's sector floor.
Evaluated on the whole facts table at once; each row also gets the sentence that explains the
outcome ("总投资 52.00 亿元 ≥ 50.00 亿元"), because a class or a flag is only accepted by the
officials when its reason is shown next to it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tiangong.projects.config import Condition

LABELS = {
    "total_investment": ("总投资", "万元"),
    "fixed_investment": ("固定资产投资", "万元"),
    "land_mu": ("用地", "亩"),
    "intensity": ("投资强度", "万元/亩"),
    "division": ("行业大类", ""),
    "year_invest_share": ("当年完成投资占总投资", ""),
    "year_plan": ("年度计划投资", "万元"),
    "ytd_invest": ("年内累计完成投资", "万元"),
}
_OPS = {">=": np.greater_equal, ">": np.greater, "<=": np.less_equal, "<": np.less,
        "==": np.equal}
_NOT = {">=": "<", ">": "≤", "<=": ">", "<": "≥", "==": "≠"}
_SHOW = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}


def digits(a: float, b: float) -> int:
    """Decimals enough to show two different numbers differently (399.995 vs 400: 3)."""
    for d in range(2, 7):
        if a != b and f"{a:.{d}f}" != f"{b:.{d}f}":
            return d
    return 2


def pair(a: float, b: float, field: str) -> tuple[str, str]:
    """Two numbers compared in one sentence: the same unit (亿元 only when both are ≥ 1亿)
    and enough decimals to tell them apart."""
    if a != a:
        return fmt(a, field), fmt(b, field)
    big = min(abs(a), abs(b)) >= 10000
    k = digits(a / 10000, b / 10000) if big else digits(a, b)
    return fmt(a, field, k, big), fmt(b, field, k, big)


def fmt(value: float, field: str, places: int = 2, big: bool | None = None) -> str:
    """A fact as officials write it: money ≥ 1亿 in 亿元, shares in %, else with its unit."""
    if value != value:  # NaN
        return "缺失"
    unit = LABELS.get(field, ("", ""))[1]
    if field == "year_invest_share":
        return f"{value:.1%}"
    if field == "division":
        return f"{int(value):02d}"
    if unit == "万元" and (abs(value) >= 10000 if big is None else big):
        return f"{value / 10000:,.{places}f} 亿元"
    return f"{value:,.{places}f} {unit}".rstrip()


def holds(conditions: list[Condition], facts: pd.DataFrame) -> np.ndarray:
    """Whether all conditions hold, per row of `facts` (no sentences: for filters)."""
    out = np.ones(len(facts), dtype=bool)
    for c in conditions:
        x = facts[c.field].to_numpy(dtype="float64")
        if c.value == "sector_floor":
            limit = facts["sector_floor"].to_numpy(dtype="float64")
            out &= np.where(np.isnan(x) | np.isnan(limit), False, _OPS[c.op](x, limit))
        elif isinstance(c.value, list):
            out &= (x >= c.value[0]) & (x <= c.value[1])
        else:
            out &= np.where(np.isnan(x), False, _OPS[c.op](x, float(c.value)))
    return out


def evaluate(conditions: list[Condition], facts: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """(holds, reason) per row of `facts`: all conditions hold; the reason lists every
    condition's outcome, failing ones first when the rule fails."""
    n = len(facts)
    holds = np.ones(n, dtype=bool)
    parts: list[list[tuple[bool, str]]] = [[] for _ in range(n)]
    for c in conditions:
        ok, texts = _one(c, facts)
        holds &= ok
        for i in range(n):
            parts[i].append((bool(ok[i]), texts[i]))
    reasons = []
    for i in range(n):
        ordered = sorted(parts[i], key=lambda p: p[0]) if not holds[i] else parts[i]
        reasons.append("；".join(t for _, t in ordered))
    return holds, reasons


def _one(c: Condition, facts: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    x = facts[c.field].to_numpy(dtype="float64")
    name = LABELS[c.field][0]
    if c.value == "sector_floor":
        limit = facts["sector_floor"].to_numpy(dtype="float64")
        ok = np.where(np.isnan(x) | np.isnan(limit), False, _OPS[c.op](x, limit))
        texts = []
        for xi, li, sector, good in zip(x, limit, facts["sector_label"], ok, strict=True):
            if li != li:
                texts.append(f"行业未列入投资强度标准表，无{name}下限")
            else:
                op = _SHOW[c.op] if good else _NOT[c.op]
                a, b = pair(xi, li, c.field)
                texts.append(f"{name} {a} {op} {sector}下限 {b}")
        return ok, texts
    if c.op == "between":
        assert isinstance(c.value, list)
        lo, hi = c.value
        ok = (x >= lo) & (x <= hi)
        return ok, [f"{name} {fmt(xi, c.field)} {'在' if good else '不在'} "
                    f"{fmt(lo, c.field)}–{fmt(hi, c.field)} 之间"
                    for xi, good in zip(x, ok, strict=True)]
    assert isinstance(c.value, int | float)
    v = float(c.value)
    ok = np.where(np.isnan(x), False, _OPS[c.op](x, v))
    texts = []
    for xi, good in zip(x, ok, strict=True):
        a, b = pair(xi, v, c.field)
        texts.append(f"{name}缺失，无法判断" if xi != xi else
                     f"{name} {a} {_SHOW[c.op] if good else _NOT[c.op]} {b}")
    return ok, texts
