"""The stage chain: where a project stands, what is overdue, what a gate asks for.

The chain and each gate's evidence come from the configuration, so a county adding 环评 or
renaming 供地 to 拿地 edits YAML, not code. The platform's workflow applies a gate; the rule of
what a gate needs (the previous stage passed, every named piece of evidence attached, a date not
in the future) lives here so the library, the importer and the web app say the same thing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tiangong.projects.config import ProjectsConfig
from tiangong.projects.portfolio import Portfolio


@dataclass(frozen=True)
class GateProblem:
    code: str  # previous_stage | evidence_missing | date_in_future | already_passed | automatic
    message: str


def gate_problems(config: ProjectsConfig, stage_id: str, reached: set[str],
                  evidence: set[str], actual: dt.date, today: dt.date) -> list[GateProblem]:
    """Why the gate into `stage_id` may not be passed now (empty: it may). `reached` holds
    the stages the project has passed, `evidence` the kinds of documents attached."""
    stage = config.stage(stage_id)
    out: list[GateProblem] = []
    if stage.automatic:
        out.append(GateProblem("automatic", f"{stage.label}由系统根据规上名录认定，不能人工通过"))
    if stage_id in reached:
        out.append(GateProblem("already_passed", f"{stage.label}已通过"))
    chain = [s for s in config.stages if not s.automatic]
    i = next((k for k, s in enumerate(chain) if s.id == stage_id), 0)
    if i > 0 and chain[i - 1].id not in reached:
        out.append(GateProblem("previous_stage", f"须先通过{chain[i - 1].label}"))
    missing = [e for e in stage.evidence if e not in evidence]
    if missing:
        out.append(GateProblem("evidence_missing", f"缺少证明材料：{'、'.join(missing)}"))
    if actual > today:
        out.append(GateProblem("date_in_future", f"实际日期 {actual} 晚于今天 {today}"))
    return out


def reached_by(p: Portfolio, config: ProjectsConfig, as_of: dt.date) -> pd.DataFrame:
    """Boolean wide table (projects × stages): actual date set and on or before `as_of`."""
    actual = p.stage_dates("actual", config.stage_ids())
    cut = np.datetime64(as_of, "s")
    return pd.DataFrame(actual.to_numpy(dtype="datetime64[s]") <= cut, index=actual.index,
                        columns=actual.columns)


def current_stage(p: Portfolio, config: ProjectsConfig, as_of: dt.date) -> pd.Series:
    """The last stage of the chain reached by `as_of` ('' before 签约), per project id."""
    reached = reached_by(p, config, as_of)
    ids = config.stage_ids()
    last = np.full(len(reached), "", dtype=object)
    for sid in ids:  # in chain order: later stages overwrite
        last[reached[sid].to_numpy()] = sid
    return pd.Series(last, index=reached.index, name="stage")


def overdue(p: Portfolio, config: ProjectsConfig, stage_id: str, as_of: dt.date) -> pd.DataFrame:
    """Projects whose planned date of `stage_id` is on or before `as_of` but which had not
    reached it by then (应开工未开工 for start): project_id, planned, days_late."""
    planned = p.stage_dates("planned", config.stage_ids())[stage_id]
    reached = reached_by(p, config, as_of)[stage_id]
    cut = pd.Timestamp(as_of)
    late = planned.le(cut).fillna(False).astype(bool) & ~reached
    rows = planned[late]
    return pd.DataFrame({"project_id": rows.index.to_numpy(), "planned": rows.to_numpy(),
                         "days_late": (cut - rows).dt.days.to_numpy()})


def contract_misses(p: Portfolio, config: ProjectsConfig, as_of: dt.date, grace_days: int
                    ) -> dict[str, np.ndarray]:
    """stage id → per-project mask of contractual milestones missed by more than
    `grace_days` (reached later than planned + grace, or not reached with planned + grace
    before `as_of`). Projects not signed by `as_of` have no agreement to breach."""
    ids = config.stage_ids()
    planned = p.stage_dates("planned", ids)
    actual = p.stage_dates("actual", ids)
    cut = np.datetime64(as_of, "s")
    grace = np.timedelta64(grace_days, "D")
    signed = actual["sign"].to_numpy(dtype="datetime64[s]") <= cut
    out = {}
    for stage in config.stages:
        if not stage.contractual:
            continue
        due = planned[stage.id].to_numpy(dtype="datetime64[s]") + grace
        done = actual[stage.id].to_numpy(dtype="datetime64[s]")
        done = np.where(done <= cut, done, np.datetime64("NaT"))
        out[stage.id] = signed & (due < cut) & (np.isnat(done) | (done > due))
    return out


def contract_breaches(p: Portfolio, config: ProjectsConfig, as_of: dt.date,
                      grace_days: int) -> dict[str, list[str]]:
    """project_id → sentences, one per contractual milestone missed (see `contract_misses`)."""
    ids = config.stage_ids()
    planned = p.stage_dates("planned", ids)
    actual = p.stage_dates("actual", ids)
    cut = np.datetime64(as_of, "s")
    pids = planned.index.to_numpy()
    out: dict[str, list[str]] = {}
    for sid, missed in contract_misses(p, config, as_of, grace_days).items():
        label = config.stage(sid).label
        rows = np.flatnonzero(missed)
        when = np.datetime_as_string(planned[sid].to_numpy(dtype="datetime64[D]")[rows])
        got = actual[sid].to_numpy(dtype="datetime64[s]")[rows]
        shown = np.datetime_as_string(got.astype("datetime64[D]"))
        for k, i in enumerate(rows):
            text = (f"{label}约定 {when[k]}，实际 {shown[k]}" if got[k] <= cut
                    else f"{label}约定 {when[k]}，截至 {as_of} 未完成")
            out.setdefault(str(pids[i]), []).append(text + f"（宽限 {grace_days} 天）")
    return out
