"""Background tasks of the core (django-tasks; run by `tiangong manage db_worker`).

Each task reports progress through `Progress` and attributes its writes to the user who
enqueued it (`acting_as`), so the change log names a person, not "system".
"""

from __future__ import annotations

from typing import Any

from django_tasks import task

from tiangong.platform.core.context import acting_as
from tiangong.platform.core.progress import Progress


def _user(user_id: int | None) -> Any:
    from tiangong.platform.core.models import User

    return User.objects.filter(pk=user_id).first() if user_id else None


@task(takes_context=True)
def seed_calendar_years(context: Any, years: list[int]) -> dict[str, Any]:
    """Load national working-day calendars; a year the package lacks is reported, not fatal."""
    from tiangong.platform.core.calendar import CalendarMissing, seed_year

    progress = Progress.of(context)
    out: dict[str, Any] = {"seeded": {}, "missing": []}
    for i, year in enumerate(years, start=1):
        try:
            out["seeded"][str(year)] = seed_year(year)
        except CalendarMissing as err:
            out["missing"].append(str(err))
        progress.update(i, len(years), f"{year} 年工作日历")
    return out


@task(takes_context=True)
def import_run_enterprises(context: Any, run_id: str, store: str | None,
                           user_id: int | None = None) -> dict[str, Any]:
    """Enterprises of a stored run into the platform (see importers.import_enterprises)."""
    from tiangong.platform.core.importers import import_enterprises
    from tiangong.runs import RunStore

    progress = Progress.of(context)
    progress.update(0, 2, f"读取评价 {run_id}")
    with RunStore(store or None, read_only=True) as rs:
        table = rs.inputs(run_id)["enterprises"]
    progress.update(1, 2, f"写入 {table.num_rows} 行企业数据")
    with acting_as(_user(user_id)):
        report = import_enterprises(table)
    progress.update(2, 2, report.summary().splitlines()[0])
    return {"created": report.created, "updated": report.updated, "problems": report.problems}
