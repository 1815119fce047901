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
