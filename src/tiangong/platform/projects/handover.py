"""The hand-over stored: 新升规, the firm's place in the latest roster and the 达产 check.

The library computes (`tiangong.projects.handover`); this module writes what it found for every
project linked to a firm (one `HandoverResult` row each, change-logged, plus the 新升规 stage's
actual date: the first day of the month the roster was stored) so the project page shows it
without opening the run store. `tiangong manage projects_handover` feeds it from the store's
intakes; tests feed it rosters and an evaluation table written by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from django.db import transaction

from tiangong.platform.projects.models import HandoverResult, Project, ProjectStage
from tiangong.projects.config import ProjectsConfig
from tiangong.projects.handover import (
    Roster,
    check_commitments,
    detect_upgrades,
    latest_presence,
)


@dataclass
class HandoverRun:
    upgrades: pd.DataFrame  # detect_upgrades' rows
    checks: pd.DataFrame  # check_commitments' rows
    stored: int  # HandoverResult rows written


def store_handover(projects: Any, config: ProjectsConfig, rosters: list[Roster],
                   review: pd.DataFrame | None, review_year: int | None, review_label: str = "",
                   today: dt.date | None = None) -> HandoverRun:
    """Compute the hand-over of the projects of a queryset (those linked to a firm) and store
    it. `review` is the canonical enterprises table of the review year (None: no 达产 check)."""
    from tiangong.platform.projects.services import portfolio

    p = portfolio(projects.filter(enterprise__isnull=False))
    found = detect_upgrades(p, rosters)
    latest = {str(r["project_id"]): r for r in latest_presence(p, rosters).to_dict("records")}
    checked = (check_commitments(p, config, review, review_year)
               if review is not None and review_year is not None
               else pd.DataFrame(columns=["project_id", "indicator"]))
    labels = {i.id: (i.label, i.unit) for i in config.handover.indicators}
    by_project: dict[str, list[dict[str, Any]]] = {}
    for rec in checked.to_dict("records"):
        label, unit = labels.get(str(rec["indicator"]), (str(rec["indicator"]), ""))
        by_project.setdefault(str(rec["project_id"]), []).append({
            "indicator": rec["indicator"], "label": label, "unit": unit,
            "committed": _num(rec["committed"]), "actual": _num(rec["actual"]),
            "limit": _num(rec["limit"]), "holds": rec["holds"], "reason": rec["reason"]})
    day = today or dt.date.today()
    stored = 0
    with transaction.atomic():
        for rec in found.to_dict("records"):
            pid = str(rec["project_id"])
            where = latest.get(pid)
            values = {
                "uscc": rec["uscc"], "upgrade_status": rec["status"],
                "upgrade_roster": rec["roster"] or "",
                "upgrade_year": None if pd.isna(rec["year"]) else int(rec["year"]),
                "upgrade_month": rec["month"] or "", "upgrade_before": rec["before"] or "",
                "latest_roster": "" if where is None else str(where["roster"]),
                "latest_year": None if where is None else int(where["year"]),
                "latest_size": "" if where is None else str(where["size"]),
                "review_year": review_year if review is not None else None,
                "review_roster": review_label if review is not None else "",
                "checks": by_project.get(pid, []), "checked_on": day}
            _save(int(pid), values)
            stored += 1
            if rec["status"] == "新升规":
                first = dt.date.fromisoformat(f"{rec['month']}-01")
                stage, _ = ProjectStage.objects.get_or_create(project_id=int(pid),
                                                              stage="upgrade")
                if stage.actual != first:
                    stage.actual = first
                    stage.save()
    return HandoverRun(found, checked, stored)


def _save(project_id: int, values: dict[str, Any]) -> None:
    """Update only when something changed (the change log then holds real changes)."""
    row = HandoverResult.objects.filter(project_id=project_id).first()
    if row is None:
        HandoverResult.objects.create(project=Project.objects.get(pk=project_id), **values)
        return
    if any(getattr(row, k) != v for k, v in values.items() if k != "checked_on"):
        for k, v in values.items():
            setattr(row, k, v)
        row.save()


def _num(value: Any) -> float | None:
    return None if value is None or value != value else float(value)


class HandoverRefused(Exception):
    """The hand-over could not be computed from the store (the message says why, in Chinese)."""


def run_handover(path: str, review_year: int | None = None) -> tuple[HandoverRun, int, str]:
    """The hand-over of every project from the run store's intakes (the command's and the
    task's one path): rosters of all intakes, the 达产 check against the review year's latest
    intake (default: the latest year). Returns the run, the review year and its intake."""
    from tiangong.errors import TiangongError
    from tiangong.platform.core.context import acting_as
    from tiangong.platform.projects.workflow import project_config
    from tiangong.projects.handover import rosters_from_store
    from tiangong.runs import RunStore
    from tiangong.runs.intakes import get_intake, intake_table

    try:
        rosters = rosters_from_store(path)
    except (TiangongError, OSError) as err:
        raise HandoverRefused(f"无法读取结果库：{err}") from err
    if not rosters:
        raise HandoverRefused("结果库中没有任何一期企业名录（intake）")
    year = review_year or max(r.year for r in rosters)
    review = [r for r in rosters if r.year == year]
    if not review:
        raise HandoverRefused(f"结果库中没有 {year} 年的名录，无法复核达产")
    with RunStore(path, read_only=True) as rs:
        table = intake_table(rs, get_intake(rs, review[-1].label), "enterprises").to_pandas()
    with acting_as(None, "projects-handover"):
        run = store_handover(Project.objects.all(), project_config(), rosters, table, year,
                             review[-1].label)
    return run, year, review[-1].label
