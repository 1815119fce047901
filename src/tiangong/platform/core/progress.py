"""Background work: enqueue a django-tasks task with a progress row pages can poll.

    @task(takes_context=True)
    def publish_run(context, run_id: str) -> dict:
        progress = Progress.of(context)
        for i, chunk in enumerate(chunks):
            ...
            progress.update(i + 1, len(chunks), "写入企业结果")
        return {"published": n}

    result = enqueue_with_progress(publish_run, "发布评价结果", request.user, region, run_id)
    # → the page /tasks/<result.id>/ shows status and percent (htmx polling)

The worker is `tiangong manage db_worker` (django-tasks-db); `tiangong serve` starts one.
Tasks act as the user who enqueued them: the change log attributes their writes to that user.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction


@dataclass
class Progress:
    result_id: str

    @classmethod
    def of(cls, context: Any) -> Progress:
        return cls(str(context.task_result.id))

    def update(self, done: int, total: int, message: str = "") -> None:
        from tiangong.platform.core.models.tasks import TaskProgress

        TaskProgress.objects.filter(result_id=self.result_id).update(
            done=done, total=total, message=message[:300])


def enqueue_with_progress(task: Any, title: str, user: Any, region: Any, *args: Any,
                          **kwargs: Any) -> Any:
    """Enqueue `task(*args, **kwargs)` and create its TaskProgress row (scoped by `region`)."""
    from tiangong.platform.core.models.tasks import TaskProgress

    with transaction.atomic():
        result = task.enqueue(*args, **kwargs)
        TaskProgress.objects.update_or_create(
            result_id=str(result.id),
            defaults={"title": title, "user": user if getattr(user, "pk", None) else None,
                      "region": region})
    return result


def task_status(result_id: str) -> dict[str, Any]:
    """Status from the task backend ("READY", "RUNNING", "SUCCESSFUL", "FAILED") + progress."""
    from django_tasks import default_task_backend

    from tiangong.platform.core.models.tasks import TaskProgress

    status: dict[str, Any] = {"status": "UNKNOWN", "errors": []}
    try:
        result = default_task_backend.get_result(result_id)
        status["status"] = str(result.status)
        status["errors"] = [e.traceback.splitlines()[-1] for e in result.errors if e.traceback]
    except Exception:  # the backend forgot it (pruned): the progress row still tells
        pass
    row = TaskProgress.objects.filter(result_id=result_id).first()
    if row is not None:
        status.update(done=row.done, total=row.total, percent=row.percent, message=row.message,
                      title=row.title)
    return status
