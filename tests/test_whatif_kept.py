"""What-if sessions kept between calls (`whatif_kept.KeptSessions`: the platform's worker, a
long `tiangong explain`, `--enterprise -`): the same answers after the same questions as
sessions of one's own, on the demo county and schemes of `test_whatif_fast` (a file of its
own, so the test workers share the what-if tests' time)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest
from whatif_cases import YEAR, sample, schemes

from tiangong.demo.generator import generate
from tiangong.evaluation.evaluate import evaluate
from tiangong.evaluation.whatif_exact import VARIABLES, what_ifs, what_ifs_of_firms
from tiangong.evaluation.whatif_session import WhatIfSession


@pytest.fixture(scope="module")
def county() -> dict[str, pa.Table]:
    return generate(150, 11, year=YEAR)


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
    firms = sample(ev.results, 3)
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
