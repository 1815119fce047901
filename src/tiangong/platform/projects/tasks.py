"""Background tasks of the projects app (django-tasks, progress through the core's Progress)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from tiangong.platform.core.progress import Progress


class LedgerTaskRefused(Exception):
    """The ledger was not imported; the message (the task's last error line) says why."""


@task(takes_context=True)
def ledger_task(context: Any, path: str, county_code: str, user_id: int | None,
                name: str = "") -> dict[str, Any]:
    """Import an uploaded ledger; the file is removed afterwards, imported or not. Returns the
    summary and every row, column and cell not taken (shown by the upload's status page)."""
    from pathlib import Path

    from tiangong.platform.core.models import User
    from tiangong.platform.projects.ledger_import import LedgerRefused, import_ledger

    progress = Progress.of(context)
    progress.update(0, 1, "读取并核对项目台账")
    user = User.objects.filter(pk=user_id).first() if user_id else None
    try:
        got = import_ledger(path, county_code, user=user, name=name)
    except LedgerRefused as err:
        raise LedgerTaskRefused(str(err)) from err
    finally:
        Path(path).unlink(missing_ok=True)
    progress.update(1, 1, got.summary())
    return {"summary": got.summary(), "problems": got.problems, "stored": got.stored}


class HandoverTaskRefused(Exception):
    """The hand-over was not computed; the message says why."""


@task(takes_context=True)
def handover_task(context: Any, store: str, intake_id: str = "") -> dict[str, Any]:
    """The hand-over of every project after an intake was stored (core signal
    `intake_stored`): 新升规 from the new 规上 roster, the 达产 check of the latest year."""
    from tiangong.platform.projects.handover import HandoverRefused, run_handover

    progress = Progress.of(context)
    progress.update(0, 1, f"新升规识别与达产复核（{intake_id or '结果库'}）")
    try:
        run, year, label = run_handover(store)
    except HandoverRefused as err:
        raise HandoverTaskRefused(str(err)) from err
    upgraded = int((run.upgrades["status"] == "新升规").sum()) if len(run.upgrades) else 0
    message = (f"关联企业的项目 {len(run.upgrades)} 个，新升规 {upgraded} 个；达产复核按 {year} 年"
               f"（{label}）")
    progress.update(1, 1, message)
    return {"projects": len(run.upgrades), "upgraded": upgraded, "stored": run.stored,
            "message": message}


def on_intake_stored(sender: Any, store: str, intake_id: str, **kwargs: Any) -> None:
    """Receiver of `intake_stored`: the hand-over recomputed in the background."""
    from tiangong.platform.core.progress import enqueue_with_progress

    enqueue_with_progress(handover_task, f"新升规识别与达产复核（{intake_id}）", None, None,
                          store, intake_id)
