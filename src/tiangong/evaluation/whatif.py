"""The smallest change in one of an enterprise's values that lifts it to the next better class.

Scores are not the whole story: a group mean benchmark moves when the firm's own tax moves, quota
boundaries depend on everyone's scores, and adjustments (vetoes, downgrades) may cap the class
whatever the score. So every question of the search ("with this value, which class?") is
answered exactly, as a re-evaluation of the stored inputs with only this firm's value changed
would answer it; the search widens the step until the class improves (or shows that no change
can), then narrows to the nearest 0.01 of the unit.

The search (`search_what_if`) asks its questions of a `Trial`; `whatif_exact` answers them,
by a session that recomputes only what the change reaches (`what_ifs`) or by whole
re-evaluations (`reference_trial`, the reference), with identical answers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tiangong.evaluation import canonical
from tiangong.evaluation.scheme.loader import LoadedScheme
from tiangong.evaluation.whatif_session import Outcome

_RESOLUTION = 0.01  # 万元 or 亩: finer than any published figure
_SCALE = 100  # 1 / _RESOLUTION: an answer is k / _SCALE for a whole k
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


Trial = Callable[[float, str], Outcome]
"""value, target class → the firm's result with its value set to `value` (all else as
stored) and the lowest score of `target` among the other firms of its partition."""

ScoreProbe = Callable[[float], float | None]
"""value → the firm's score with its value set to `value`, the group statistics as stored: a
cheap guess of where the class changes (no ranking), never an answer by itself."""


def search_what_if(loaded: LoadedScheme, row: dict[str, Any], variable: str,
                   current: float | None, trial: Trial, *, floor: float | None = None,
                   probe: ScoreProbe | None = None) -> WhatIf:
    """The smallest change of `variable` (now `current`) that lifts the firm of the stored
    result `row` one class, asking `trial` (exact: `reference_trial` or `what_ifs`' session).

    The answer lies on the grid of `_RESOLUTION` (0.01 万元 or 亩): the lowest grid value that
    reaches the better class (the highest, for land), confirmed by `trial` there and one grid
    step short of it, so every way of searching that only trusts `trial` gives the same number.
    With `floor` (the lowest score of the better class among the other firms of the
    partition, as stored) and `probe`, the search first guesses that value from the score's
    slope and confirms it with two questions; a wrong guess only narrows the bracket.
    """
    col = canonical.column("enterprises", variable)
    label, unit = col.label, col.unit
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
    seen: dict[int, tuple[float | None, float | None]] = {}
    known: dict[int, bool | None] = {}  # grid value → answer: no question is asked twice

    def reaches(k: int) -> bool | None:
        """True/False: better-or-equal to target or not at the grid value k; None: no longer
        in the evaluation. Also notes the firm's score and the lowest score of the target class
        in its partition (`seen`), from which `_narrow` predicts where the class changes."""
        nonlocal calls
        if k in known:
            return known[k]
        calls += 1
        got = trial(k / _SCALE, target)
        res = got.row
        if res is None or res["group"] is None or res["class"] not in order:
            known[k] = None
            return None
        seen[k] = (res["score"], got.floor if got.floor is not None else floor)
        known[k] = order.index(res["class"]) <= index - 1
        return known[k]

    base = float(current) if current is not None else 0.0
    guess = None
    if probe is not None and floor is not None and row.get("score") is not None:
        guess = _guess(base, float(row["score"]), floor, probe,
                       per_unit=variable == "land_area")
    if variable == "land_area":
        in_group = None if probe is None else (lambda k: probe(k / _SCALE) is not None)
        return _search_land(base, current, reaches, answer, label, unit, target, lambda: calls,
                            seen, guess, in_group)
    # eval_tax (or any higher-is-better variable): widen upwards, then bisect
    lo = math.floor(base * _SCALE + 1e-6)  # not reached here: at or below the current value
    hi: int | None = None
    if guess is not None and guess > lo:
        ok = reaches(guess)
        if ok and (guess - 1 == lo or reaches(guess - 1) is False):
            return _up_answer(answer, label, unit, target, base, guess, calls)
        if ok:
            hi = guess - 1
        elif ok is False:
            lo = guess
    limit = round(max(abs(base), 1.0) * _MAX_FACTOR * _SCALE)
    step = max(round(abs(base) * 0.01 * _SCALE), 1)
    start = lo
    while hi is None and lo - start + step <= limit:
        ok = reaches(lo + step)
        if ok:
            hi = lo + step
            break
        lo += step
        step *= 4
    if hi is None:
        return answer(None, target, calls, f"{label}即使增至 {_n(base + limit / _SCALE)} {unit}"
                      f"也无法升至 {target} 类（等级由其他规则决定，如一票否决或降档）")
    hi = _narrow(lo, hi, reaches, seen)
    return _up_answer(answer, label, unit, target, base, hi, calls)


def _up_answer(answer: Callable[..., WhatIf], label: str, unit: str, target: str, base: float,
               k: int, calls: int) -> WhatIf:
    hi = k / _SCALE
    return answer(hi, target, calls, f"{label}从 {_n(base)} 增至 {_n(hi)} {unit}"
                  f"（+{_n(hi - base)}）即可升至 {target} 类，其他数据不变")


def _guess(base: float, score: float, floor: float, probe: ScoreProbe, *,
           per_unit: bool) -> int | None:
    """The grid value at which the firm's own score reaches `floor`, from its score at `base`
    and at one probe further on: scores are linear in the value (in 1 / value for land, every
    figure being per 亩) until a cap or floor of an item. None when the probe shows no slope."""
    if per_unit:
        if base <= 0:
            return None
        other = base * 0.9
        s1 = probe(other)
        if s1 is None or s1 == score:
            return None
        x = 1 / base + (floor - score) * (1 / other - 1 / base) / (s1 - score)
        if x <= 0:
            return None
        return math.floor(_SCALE / x + 1e-6)
    other = base + max(abs(base) * 0.1, 1.0)
    s1 = probe(other)
    if s1 is None or s1 == score:
        return None
    v = base + (floor - score) * (other - base) / (s1 - score)
    if not math.isfinite(v):
        return None
    return math.ceil(v * _SCALE - 1e-6)


def _narrow(bad: int, good: int, reaches: Callable[[int], bool | None],
            seen: dict[int, tuple[float | None, float | None]], *,
            per_unit: bool = False) -> int:
    """The grid value next to a `bad` one (class not reached) that reaches it, from a bracket
    [bad, good] of grid values (either order).

    First up to three interpolation steps: the score is nearly linear in the value between
    two evaluations, and the class changes where it passes the lowest score of the better
    class (quota boundaries move little when one firm moves), so the boundary is usually
    found, and confirmed one grid step short of it, in two or three evaluations. Whatever
    the prediction, only evaluated points move the bracket, and bisection finishes the job:
    the answer is exact to the grid either way. `per_unit`: the score is linear in
    1 / value (land: every figure is per 亩), so the interpolation is made on 1 / value.
    """
    step = 1 if good > bad else -1
    for _ in range(3):
        if abs(good - bad) <= 1:
            return good
        (sb, floor), (sg, above) = seen.get(bad, (None, None)), seen.get(good, (None, None))
        floor = floor if floor is not None else above
        if sb is None or sg is None or floor is None or sg == sb:
            break
        frac = (floor - sb) / (sg - sb)
        if not 0 < frac < 1:
            break
        if per_unit and bad > 0 and good > 0:
            at = 1 / (1 / bad + frac * (1 / good - 1 / bad))
        else:
            at = bad + frac * (good - bad)
        guess = math.ceil(at - 1e-6) if step > 0 else math.floor(at + 1e-6)
        if (good - guess) * step <= 0 or (guess - bad) * step <= 0:
            break
        ok = reaches(guess)
        if ok is None:
            break
        if not ok:
            bad = guess
            continue
        good = guess
        below = guess - step
        if (below - bad) * step > 0:
            ok = reaches(below)
            if ok is None:
                break
            if ok:
                good = below
            else:
                bad = below
    while abs(good - bad) > 1:
        mid = (good + bad) // 2
        if reaches(mid):
            good = mid
        else:
            bad = mid
    return good


def _search_land(base: float, current: float | None, reaches: Callable[[int], bool | None],
                 answer: Callable[..., WhatIf], label: str, unit: str, target: str,
                 calls: Callable[[], int],
                 seen: dict[int, tuple[float | None, float | None]],
                 guess: int | None, in_group: Callable[[int], bool] | None) -> WhatIf:
    """Like the upward search, downwards; where a smaller area leaves the population (a
    group's minimum area), the lowest area still evaluated is found with `in_group` (a score
    probe: membership depends on the firm's own values only) and confirmed by `reaches` on
    both sides, else found by `reaches` alone."""
    if current is None or base <= 0:
        return answer(None, target, calls(), f"无{label}数据，无法计算")
    top = math.ceil(base * _SCALE - 1e-6)  # not reached here: at or above the current value
    good: int | None = None
    bad = top
    first = None  # a guess that left the population: the edge lies above it
    if guess is not None and 0 < guess < top:
        ok = reaches(guess)
        if ok and (guess + 1 == top or reaches(guess + 1) is False):
            return _down_answer(answer, label, unit, target, base, guess, calls())
        if ok:
            good = guess
        elif ok is False:
            bad = guess
        else:
            first = guess
    factor = 0.9
    while good is None and math.floor(base * factor * _SCALE) >= 1:
        k = min(math.floor(base * factor * _SCALE), bad - 1) if first is None else first
        first = None
        if k < 1:
            break
        ok = reaches(k)
        if ok is None:  # left the population: try the lowest land that is still evaluated
            _, kept = _population_edge(k, bad, reaches, in_group)
            if kept < bad and reaches(kept):
                good = kept
                break
            return answer(None, target, calls(), f"{label}减至 {_n(kept / _SCALE)} {unit}"
                          f"以下即不再参评（低于参评门槛），在参评范围内减少{label}无法升至 "
                          f"{target} 类")
        if ok:
            good = k
            break
        bad = k
        factor = factor * factor if factor > 0.01 else factor / 10
    if good is None:
        return answer(None, target, calls(), f"{label}无论减少多少都无法升至 {target} 类")
    good = _narrow(bad, good, reaches, seen, per_unit=True)
    return _down_answer(answer, label, unit, target, base, good, calls())


def _population_edge(out: int, kept: int, reaches: Callable[[int], bool | None],
                     in_group: Callable[[int], bool] | None) -> tuple[int, int]:
    """Adjacent grid values (out, kept): not evaluated at `out`, evaluated at `kept`."""
    lo, hi = out, kept
    if in_group is not None:
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if in_group(mid):
                hi = mid
            else:
                lo = mid
        if hi == kept or (reaches(hi) is not None and reaches(hi - 1) is None):
            return hi - 1, hi
        lo, hi = out, kept  # the probe disagreed with the evaluation: ask it all the way
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if reaches(mid) is None:
            lo = mid
        else:
            hi = mid
    return lo, hi


def _down_answer(answer: Callable[..., WhatIf], label: str, unit: str, target: str,
                 base: float, k: int, calls: int) -> WhatIf:
    good = k / _SCALE
    return answer(good, target, calls, f"{label}从 {_n(base)} 减至 {_n(good)} {unit}"
                  f"（−{_n(base - good)}）即可升至 {target} 类，其他数据不变")


def _n(value: float) -> str:
    return f"{value:,.2f}"
