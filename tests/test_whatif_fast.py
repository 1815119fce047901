"""Issue 15.22: the fast what-if (`whatif_exact.what_ifs`, `WhatIfSession`s per firm) gives
exactly the answer of the slow path, a whole evaluation per question
(`whatif_exact.reference_trial`).

The reference is the definition: the firm's value set in the inputs, everything evaluated
again. Compared on a generated demo county (`tiangong.demo.generator`, 150 firms so the slow
path stays affordable) under schemes of every benchmark kind: constant benchmarks with the
group-mean imputation and class adjustments (黄岩), prior-year means and step tables (淮安),
group mean, group max, min–max, two-stage selection and tenancy penalties (the template), and
variants with clipped min–max ranges, score thresholds with a class bound, and a ranking by
town with the benchmark over the whole group. Per firm, the outcome of single questions (the
class, score, rank and the target class's floor: all the search reads) must be identical, not
close. And the whole search, on 黄岩, the template and a threshold scheme: the fast path first
guesses the answer from the firm's score slope and the stored class floor (`whatif._guess`), the
slow path does not, and both must end on the same grid value with no more questions asked by
the fast one (a wrong guess — group means moving with the firm, thresholds above the floor —
only narrows the bracket).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pyarrow as pa
import pytest

from tiangong.demo.generator import generate
from tiangong.evaluation.evaluate import evaluate
from tiangong.evaluation.scheme.loader import LoadedScheme, load_scheme, parse_scheme
from tiangong.evaluation.whatif import search_what_if
from tiangong.evaluation.whatif_exact import (
    VARIABLES,
    current_value,
    reference_trial,
    relevant_inputs,
    what_ifs,
    what_ifs_of_firms,
)
from tiangong.evaluation.whatif_session import WhatIfSession

YEAR = 2022
WHOLE_SEARCH = ("huangyan", "template", "huangyan_thresholds")


@pytest.fixture(scope="module")
def county() -> dict[str, pa.Table]:
    return generate(150, 11, year=YEAR)


def _builtin_text(name: str) -> str:
    return load_scheme(name).text


def _variant(name: str, old: str, new: str) -> LoadedScheme:
    text = _builtin_text(name)
    assert old in text, old
    return parse_scheme(text.replace(old, new, 1), f"{name}-variant.yaml")


def schemes() -> dict[str, Any]:
    return {
        "huangyan": lambda: load_scheme("huangyan_2022"),
        "huaian": lambda: load_scheme("huaian_2024"),
        "template": lambda: load_scheme("template"),
        "template_clip": lambda: _variant(
            "template", "        method: minmax\n",
            "        method: minmax\n        clip: {low_percent: 10, high_percent: 90}\n"),
        "huangyan_thresholds": lambda: _variant(
            "huangyan_2022", "  method: quota\n  quotas: {A: 20, B: 60, C: 95, D: 100}\n",
            "  method: thresholds\n  thresholds: {A: 95, B: 75, C: 50}\n"
            "  bounds: {A: {max_share: 10}}\n"),
        "huangyan_towns": lambda: _variant(
            "huangyan_2022", "  partition_by: [group]\n", "  partition_by: [group, town_name]\n"),
    }


def _sample(results: pa.Table, k: int) -> list[dict[str, Any]]:
    """k firms evenly by credit code among those a class can lift (not the best class)."""
    rows = [r for r in results.to_pylist() if r["group"] is not None and r["class"] is not None
            and r["special_class"] is None]
    best = min((r["class"] for r in rows), default=None)
    rows = sorted((r for r in rows if r["class"] != best), key=lambda r: r["uscc"])
    return rows[:: max(1, len(rows) // k)][:k]


@pytest.mark.parametrize("name", list(schemes()))
def test_fast_what_if_equals_full_re_evaluation(name: str, county: dict[str, pa.Table]) -> None:
    loaded = schemes()[name]()
    ev = evaluate(loaded, county, YEAR)
    inputs = ev.inputs
    firms = _sample(ev.results, 2 if name in WHOLE_SEARCH else 1)
    assert firms, "no firm to lift"
    order = loaded.scheme.class_codes()
    for n, row in enumerate(firms):
        target = order[order.index(row["class"]) - 1]
        # single questions: a value below, at and well above the current one
        part = relevant_inputs(loaded, inputs, YEAR, row, ev.results, evaluate)
        with WhatIfSession(loaded, part, YEAR, row["uscc"]) as session:
            for variable in VARIABLES:
                stored = current_value(inputs, YEAR, row["uscc"], variable)
                now = stored or 0.0
                slow = reference_trial(loaded, part, YEAR, row, variable, evaluate, inputs)
                for value in (now * 0.5, now * 3.0 + 1.0):
                    session.set_value(row["uscc"], variable, value)
                    fast = session.outcome(row["uscc"], target)
                    if fast.row is not None and fast.row["group"] not in (None, row["group"]):
                        continue  # left the subset's group: what_ifs asks all inputs then
                    assert fast == slow(value, target), (name, row["uscc"], variable, value)
                session.set_value(row["uscc"], variable, stored)
        if n or name not in WHOLE_SEARCH:
            continue
        # the whole search, both variables, for the first firm (a dozen evaluations per
        # variable on the slow path: on one scheme only, the questions above cover the rest)
        fast_answers = what_ifs(loaded, inputs, YEAR, row, ev.results)
        slow_answers = [search_what_if(loaded, row, v, current_value(inputs, YEAR, row["uscc"], v),
                                       reference_trial(loaded, part, YEAR, row, v, evaluate,
                                                       inputs)) for v in VARIABLES]
        # the fast search starts from a guess, so it asks fewer questions: only the count differs
        assert [replace(a, evaluations=0) for a in fast_answers] == \
            [replace(a, evaluations=0) for a in slow_answers], (name, row["uscc"])
        assert all(a.evaluations <= b.evaluations for a, b in zip(fast_answers, slow_answers,
                                                                strict=True))


@pytest.mark.parametrize("name", ["huangyan", "huangyan_towns", "template"])
def test_firms_sharing_sessions_get_the_answers_each_gets_alone(
        name: str, county: dict[str, pa.Table]) -> None:
    """`what_ifs_of_firms`: firms of one group and partition searched one after another on
    shared sessions (each firm's values put back after its search) get exactly the answers
    each gets on sessions of its own, which the test above checks against re-evaluations; the
    last firm is asked twice, so a value left behind by the one before would show."""
    loaded = schemes()[name]()
    ev = evaluate(loaded, county, YEAR)
    firms = _sample(ev.results, 6)
    firms = [*firms, firms[0]]
    together = what_ifs_of_firms(loaded, ev.inputs, YEAR, firms, ev.results)
    alone = [what_ifs(loaded, ev.inputs, YEAR, row, ev.results) for row in firms]
    assert len({(r["group"], r["partition"]) for r in firms}) < len(firms)  # some share
    assert [[replace(a, evaluations=0) for a in answers] for answers in together] == \
        [[replace(a, evaluations=0) for a in answers] for answers in alone], name
    assert [w.variable for w in together[0]] == list(VARIABLES)


@pytest.mark.parametrize("name", ["huangyan", "huangyan_towns", "template"])
def test_sessions_kept_between_calls_give_the_same_answers_and_questions(
        name: str, county: dict[str, pa.Table], monkeypatch: pytest.MonkeyPatch) -> None:
    """`KeptSessions` (the platform's worker, a long `tiangong explain`): firms asked one call
    at a time, the sessions of their group and partition carried from call to call, get
    exactly the answers each gets alone, after exactly the same questions (a session kept with
    a value or a statistic left behind would change both); the first firm is asked again at
    the end, after firms of other groups. Fewer sessions are opened than when each call opens
    its own, none more on all inputs, and the keeper holds them until closed."""
    import tiangong.evaluation.whatif_exact as exact
    from tiangong.evaluation.whatif_kept import KeptSessions

    opened: list[bool] = []  # per session opened: on all inputs?

    class Counted(WhatIfSession):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            opened.append(args[1] is ev.inputs)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(exact, "WhatIfSession", Counted)
    loaded = schemes()[name]()
    ev = evaluate(loaded, county, YEAR)
    firms = _sample(ev.results, 4)
    firms = [*firms, firms[0]]
    alone = [what_ifs(loaded, ev.inputs, YEAR, row, ev.results) for row in firms]
    opened_alone, opened[:] = list(opened), []
    kept = KeptSessions(at_most=100)  # every kind kept (the default keeps two kinds' worth)
    one_by_one = [what_ifs_of_firms(loaded, ev.inputs, YEAR, [row], ev.results, kept=kept)[0]
                  for row in firms]
    assert one_by_one == alone, name  # the questions asked (`evaluations`) included
    kinds = {(r["group"], r["partition"], v) for r in firms for v in VARIABLES}
    assert len(opened) < len(opened_alone), name
    # and no more on all inputs: a kept session that failed the check (stale statistics)
    # would fall back to them
    assert sum(opened) <= sum(opened_alone), name
    assert 0 < len(kept) <= len(kinds)
    kept.close()
    assert len(kept) == 0


def test_the_keeper_hands_a_session_to_one_taker_and_keeps_the_latest_few() -> None:
    """`take` hands a kept session out once; `give` keeps at most `at_most`, closing the
    oldest, and a second session given under a key closes the first."""
    from tiangong.evaluation.whatif_kept import KeptSessions

    closed: list[str] = []

    class Fake:
        def __init__(self, name: str) -> None:
            self.name = name

        def close(self) -> None:
            closed.append(self.name)

    kept = KeptSessions(at_most=2)
    for key in ("a", "b", "c"):
        kept.give(key, Fake(key))  # type: ignore[arg-type]
    assert closed == ["a"] and len(kept) == 2
    assert kept.take("a") is None
    b = kept.take("b")
    assert b is not None and b.name == "b" and kept.take("b") is None
    kept.give("c", Fake("c2"))  # type: ignore[arg-type]
    assert closed == ["a", "c"] and kept.take("c").name == "c2"  # type: ignore[union-attr]
    kept.give("d", Fake("d"))  # type: ignore[arg-type]
    kept.close()
    assert closed == ["a", "c", "d"] and len(kept) == 0
