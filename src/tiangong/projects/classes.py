"""Project classes computed from the configuration's rules, never typed in, with the reason.

A class decides land quota (省重大产业项目 特别重大 gets 100 % of its new-construction quota) and
which lists and 晾晒 a project enters, so it must follow the published thresholds and change when
the figures change. `classify` is re-run whenever a project's investment, land or industry is
edited; every rule's outcome is kept with its sentence, also for the classes not obtained.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from tiangong.projects.conditions import evaluate
from tiangong.projects.config import ProjectsConfig
from tiangong.projects.facts import project_facts
from tiangong.projects.portfolio import Portfolio


def classify(p: Portfolio, config: ProjectsConfig, as_of: dt.date | None = None
             ) -> pd.DataFrame:
    """Long table: project_id, class_id, label, holds, reason (every rule for every project,
    in configuration order)."""
    facts = project_facts(p, config, as_of or dt.date.today())
    return classify_facts(facts, config)


def classify_facts(facts: pd.DataFrame, config: ProjectsConfig) -> pd.DataFrame:
    parts = []
    for rule in config.classes:
        holds, reasons = evaluate(rule.conditions, facts)
        parts.append(pd.DataFrame({"project_id": facts["project_id"].to_numpy(),
                                   "class_id": rule.id, "label": rule.label, "holds": holds,
                                   "reason": reasons}))
    if not parts:
        return pd.DataFrame(columns=["project_id", "class_id", "label", "holds", "reason"])
    return pd.concat(parts, ignore_index=True)


def classes_of(table: pd.DataFrame) -> dict[str, list[str]]:
    """project_id → labels of the classes it holds (configuration order)."""
    held = table[table["holds"]]
    return {str(k): list(v) for k, v in held.groupby("project_id", sort=False)["label"]}
