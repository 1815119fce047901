"""Fixtures of the evaluation app: a real run store with two runs of a small synthetic county
(黄岩区 331003, the county of core.testing.make_world), built once per session with the library,
and a publication of the first run written through the real publication code."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from tiangong.platform.core.testing import World, make_user

YEAR = 2022


@dataclass
class Runs:
    store: Path
    first: str
    second: str
    changed_uscc: str  # the firm whose tax the second run corrects


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    from tiangong.demo.generator import generate
    from tiangong.evaluation.evaluate import evaluate
    from tiangong.runs import RunStore

    tables = generate(300, 5, year=YEAR, years=1)
    first = evaluate("huangyan_2022", tables, YEAR)
    res = first.results
    # The correction: the lowest-ranked B firm of the 规下 group gets 10× its tax (an accepted
    # objection: the tax office's export had lost a digit).
    below_b = res.filter(pc.and_(pc.equal(res["group"], "below"), pc.equal(res["class"], "B")))
    uscc = below_b.sort_by([("rank", "descending")])["uscc"][0].as_py()
    ent = tables["enterprises"]
    mask = pc.equal(ent["uscc"], uscc)
    tax = pc.if_else(mask, pc.multiply(ent["eval_tax"], 10.0), ent["eval_tax"])
    fixed = dict(tables)
    fixed["enterprises"] = ent.set_column(ent.schema.get_field_index("eval_tax"), "eval_tax",
                                          tax.cast(pa.float64()))
    second = evaluate("huangyan_2022", fixed, YEAR)
    path = tmp_path_factory.mktemp("store") / "runs.duckdb"
    with RunStore(path) as st:
        a = st.save(first, label="first")
        b = st.save(second, label="corrected")
    return Runs(path, a.id, b.id, uscc)


def publish(runs: Runs, world: World, run_id: str | None = None, *, start: dt.date | None = None,
            end: dt.date | None = None, previous: Any = None, hide_ranks: bool = True) -> Any:
    from tiangong.platform.evaluation.publishing import prepare, write_results

    today = dt.date.today()
    pub = prepare(str(runs.store), run_id or runs.first, world.regions["331003"],
                  start or today - dt.timedelta(days=3), end or today + dt.timedelta(days=7),
                  hide_ranks=hide_ranks, user=world.users["county_analyst"], previous=previous)
    write_results(pub, lambda done, total, message: None)
    pub.refresh_from_db()
    return pub


@pytest.fixture
def published(runs: Runs, world: World) -> Any:
    return publish(runs, world)


@pytest.fixture
def firm_user(published: Any, world: World) -> Any:
    """An enterprise user bound to a published B firm of 东城街道 (the town official's town)."""
    from tiangong.platform.evaluation.models import PublishedResult

    row = (PublishedResult.objects.filter(publication=published, region__code="331003001",
                                          class_code__in=["B", "C"]).order_by("uscc").first())
    assert row is not None
    return make_user("firm_user", "enterprise_user", enterprise=row.enterprise)
