"""A data intake stored by the platform recomputes the projects' hand-over in the background: the
evaluation app's intake task sends the core signal `intake_stored`, the projects app enqueues its
hand-over task, and the worker stores each linked project's place in the new 规上 roster (the
intake is a real one: a generated county's exports read by the intake)."""

from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc
import pytest
from django.core.management import call_command

from tiangong.platform.core.models import Enterprise, TaskProgress
from tiangong.platform.core.progress import task_status
from tiangong.platform.core.signals import intake_stored
from tiangong.platform.core.testing import World
from tiangong.platform.projects.models import HandoverResult, Project

YEAR = 2022


@pytest.fixture(scope="module")
def intake_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    from tiangong.demo.exports import write_exports
    from tiangong.demo.generator import generate
    from tiangong.intake.assemble import assemble
    from tiangong.runs import RunStore
    from tiangong.runs.intakes import intake_table, save_intake

    root = tmp_path_factory.mktemp("handover")
    write_exports(generate(200, 5, year=YEAR, years=1), root / "exports", 5, YEAR)
    intake = assemble(root / "exports", YEAR, root / "canonical")
    path = root / "runs.duckdb"
    with RunStore(path) as st:
        kept = save_intake(st, intake)
        ents = intake_table(st, kept, "enterprises")
    above = ents.filter(pc.equal(ents["size_class"], "above"))
    return path, kept.id, sorted(above.column("uscc").to_pylist())[0]


def test_a_stored_intake_recomputes_the_handover(world: World, intake_store,
                                                 transactional_db) -> None:
    path, intake_id, uscc = intake_store
    firm = Enterprise.objects.create(uscc=uscc, name="交接企业", region=world.regions["331003001"])
    project = Project.objects.create(code="H9", name="投产项目", region=world.regions["331003001"],
                                     enterprise=firm, total_investment=20000,
                                     fixed_investment=10000, land_mu=40, state="production")
    intake_stored.send(sender=None, store=str(path), intake_id=intake_id, year=YEAR,
                       user_id=None)
    progress = TaskProgress.objects.get()
    assert progress.title == f"新升规识别与达产复核（{intake_id}）"
    call_command("db_worker", "--batch", "--no-reload", verbosity=0)
    status = task_status(progress.result_id)
    assert status["status"] == "SUCCESSFUL", status
    got = HandoverResult.objects.get(project=project)
    assert got.uscc == uscc and got.latest_roster == intake_id and got.latest_year == YEAR
    assert got.latest_size == "规上" or got.latest_size == "above", got.latest_size
    assert got.review_roster == intake_id and got.review_year == YEAR


def test_a_store_without_intakes_fails_the_task_in_chinese(world: World, tmp_path,
                                                            transactional_db) -> None:
    from tiangong.runs import RunStore

    with RunStore(tmp_path / "empty.duckdb"):
        pass
    intake_stored.send(sender=None, store=str(tmp_path / "empty.duckdb"), intake_id="I0001",
                       year=YEAR, user_id=None)
    call_command("db_worker", "--batch", "--no-reload", verbosity=0)
    status = task_status(TaskProgress.objects.get().result_id)
    assert status["status"] == "FAILED"
    assert any("结果库中没有任何一期企业名录" in e for e in status["errors"]), status
