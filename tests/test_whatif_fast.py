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

import pyarrow as pa
import pytest
from whatif_cases import YEAR, sample, schemes

from tiangong.demo.generator import generate
from tiangong.evaluation.evaluate import evaluate
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

WHOLE_SEARCH = ("huangyan", "template", "huangyan_thresholds")


@pytest.fixture(scope="module")
def county() -> dict[str, pa.Table]:
    return generate(150, 11, year=YEAR)


@pytest.mark.parametrize("name", list(schemes()))
def test_fast_what_if_equals_full_re_evaluation(name: str, county: dict[str, pa.Table]) -> None:
    loaded = schemes()[name]()
    ev = evaluate(loaded, county, YEAR)
    inputs = ev.inputs
    firms = sample(ev.results, 2 if name in WHOLE_SEARCH else 1)
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
    firms = sample(ev.results, 6)
    firms = [*firms, firms[0]]
    together = what_ifs_of_firms(loaded, ev.inputs, YEAR, firms, ev.results)
    alone = [what_ifs(loaded, ev.inputs, YEAR, row, ev.results) for row in firms]
    assert len({(r["group"], r["partition"]) for r in firms}) < len(firms)  # some share
    assert [[replace(a, evaluations=0) for a in answers] for answers in together] == \
        [[replace(a, evaluations=0) for a in answers] for answers in alone], name
    assert [w.variable for w in together[0]] == list(VARIABLES)
