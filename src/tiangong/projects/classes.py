"""Project classes computed from the configuration's rules, never typed in, with the reason.

A class decides land quota (省重大产业项目 特别重大 gets 100 % of its new-construction quota) and
which lists and 晾晒 a project enters, so it must follow the published thresholds and change when
the figures change. `classify` is re-run whenever a project's investment, land or industry is
edited; every rule's outcome is kept with its sentence, also for the classes not obtained.

A platform stores each project's outcome (`stored_classes`) next to the digest of the rules that
gave it (`rules_digest`), so a page of 100 projects reads its classes instead of recomputing
them, and a changed configuration is noticed by the digest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

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


# facts that move with the calendar: a rule reading one of them holds for one as-of date only
DATED_FIELDS = frozenset({"year_invest_share", "year_plan", "ytd_invest"})


def rules_digest(config: ProjectsConfig, as_of: dt.date) -> str:
    """SHA-256 of what a project's classes depend on besides its own figures: the class rules,
    the sectors and the 序时进度 basis, plus the as-of date when a rule reads a dated fact
    (money of the year), so that stored classes are known to be stale when any of it changes."""
    payload: dict[str, object] = {
        "classes": [c.model_dump() for c in config.classes],
        "sectors": [s.model_dump() for s in config.sectors],
        "basis": config.progress.basis}
    if any(c.field in DATED_FIELDS for rule in config.classes for c in rule.conditions):
        payload["as_of"] = as_of.isoformat()
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stored_classes(table: pd.DataFrame) -> pd.DataFrame:
    """One row per project of a `classify` table, as a platform stores it: class_ids
    ("|id|id|" of the classes held, configuration order; "" for none, so a filter is a
    substring test) and reasons ([[class_id, holds, reason], …] for every rule)."""
    ids: dict[str, list[str]] = {}
    reasons: dict[str, list[list[object]]] = {}
    for pid, cid, holds, reason in zip(table["project_id"], table["class_id"], table["holds"],
                                       table["reason"], strict=True):
        key = str(pid)
        reasons.setdefault(key, []).append([cid, bool(holds), str(reason)])
        if holds:
            ids.setdefault(key, []).append(cid)
    keys = list(reasons)
    return pd.DataFrame({
        "project_id": keys,
        "class_ids": ["".join(f"|{c}" for c in ids.get(k, [])) + ("|" if ids.get(k) else "")
                      for k in keys],
        "reasons": [reasons[k] for k in keys]})
