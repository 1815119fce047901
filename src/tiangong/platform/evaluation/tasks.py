"""Background tasks of the evaluation app (django-tasks, progress through core Progress)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from tiangong.platform.core.context import acting_as
from tiangong.platform.core.progress import Progress


def _user(user_id: int | None) -> Any:
    from tiangong.platform.core.models import User

    return User.objects.filter(pk=user_id).first() if user_id else None


@task(takes_context=True)
def publish_run_task(context: Any, publication_id: int, user_id: int | None) -> dict[str, Any]:
    """Write the published rows of a prepared Publication (see publishing.write_results)."""
    from tiangong.platform.evaluation.models import Publication
    from tiangong.platform.evaluation.publishing import write_results

    progress = Progress.of(context)
    pub = Publication.objects.get(pk=publication_id)
    with acting_as(_user(user_id)):
        return write_results(pub, progress.update)
