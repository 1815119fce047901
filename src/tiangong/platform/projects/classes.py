"""Stored project classes: the one place that computes a project's classes and writes them.

A class is computed by the configuration's rules (library `tiangong.projects.classes`), never
typed in. Computing it per request cost the portfolio page most of its time (a province page
of 100 projects read five tables and ran every rule each time), so the outcome is stored on the
project with its reasons, the date of the facts and the digest of the rules that gave it:

- every write of a project's figures through `services` (registration, edit, plans, monthly
  actuals) calls `refresh` for that project right after the write;
- an import computes the classes of the whole imported portfolio at once (`class_frame`) and
  stores them with the rows;
- a row whose digest differs from the current rules' (the configuration changed, the date moved
  on for a rule that reads money of the year, or a row written without `services`) is stale and
  `refresh_stale` recomputes it before a page or the API reads classes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from django.db import connection, transaction

from tiangong.projects.classes import classify_facts, rules_digest, stored_classes
from tiangong.projects.config import ProjectsConfig
from tiangong.projects.facts import project_facts
from tiangong.projects.portfolio import Portfolio

FIELDS = ["class_ids", "class_reasons", "classes_digest", "classes_as_of"]
_LOCK = 0x7469616E  # advisory lock key of the class refresh ("tian")


def today() -> dt.date:
    return dt.date.today()


def class_frame(p: Portfolio, config: ProjectsConfig, as_of: dt.date) -> pd.DataFrame:
    """project_id, class_ids, reasons for every project of `p` (in `p.projects` order; a
    project no rule speaks of holds none)."""
    stored = stored_classes(classify_facts(project_facts(p, config, as_of), config))
    ids = p.projects[["project_id"]].astype(str)
    out = ids.merge(stored, on="project_id", how="left")
    out["class_ids"] = out["class_ids"].fillna("")
    out["reasons"] = [r if isinstance(r, list) else [] for r in out["reasons"]]
    return out


def refresh(projects: Any) -> int:
    """Recompute and store the classes of the projects of a queryset (one bulk UPDATE per
    500 rows; derived values, so no change-log row: the figures' own change is logged).
    Returns the number of projects written."""
    from tiangong.platform.projects import services
    from tiangong.platform.projects.models import Project
    from tiangong.platform.projects.workflow import project_config

    config, as_of = project_config(), today()
    p = services.portfolio(projects)
    if p.projects.empty:
        return 0
    digest = rules_digest(config, as_of)
    frame = class_frame(p, config, as_of)
    rows = [Project(pk=int(pid), class_ids=ids, class_reasons=reasons, classes_digest=digest,
                    classes_as_of=as_of)
            for pid, ids, reasons in zip(frame["project_id"], frame["class_ids"],
                                         frame["reasons"], strict=True)]
    Project.objects.bulk_update(rows, FIELDS, batch_size=500)
    return len(rows)


def refresh_stale() -> int:
    """Refresh every project whose stored classes were computed by other rules (or never),
    whoever's scope it is in (derived values: any reader may bring them up to date). When none
    is stale this is one query of two index range probes (digest < current or > current: a
    "not equal" would read every row on every page view)."""
    from django.db.models import Q

    from tiangong.platform.projects.models import Project
    from tiangong.platform.projects.workflow import project_config

    digest = rules_digest(project_config(), today())
    stale = Project.objects.filter(Q(classes_digest__lt=digest) | Q(classes_digest__gt=digest))
    if not stale.exists():
        return 0
    with transaction.atomic():  # one refresher at a time; the others then find nothing stale
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])
        return refresh(stale) if stale.exists() else 0


def labels_of(class_ids: str, config: ProjectsConfig) -> list[str]:
    """The labels of a stored "|id|id|" value, in configuration order."""
    return [c.label for c in config.classes if f"|{c.id}|" in class_ids]


def reasons_table(project: Any, config: ProjectsConfig) -> list[dict[str, Any]]:
    """The stored reasons of one project as rows for its page: label, holds, reason."""
    labels = {c.id: c.label for c in config.classes}
    return [{"class_id": cid, "label": labels.get(cid, cid), "holds": holds, "reason": reason}
            for cid, holds, reason in project.class_reasons]
