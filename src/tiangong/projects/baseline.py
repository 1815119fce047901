"""Baselines: the year's plan frozen, and how dates and money have moved since.

A plan edited every month hides slippage: a project "on schedule" against a plan moved twice is
late against the plan the county committed to in January. Freezing copies the year's investment
plans and every planned stage date with a digest; variance compares the live portfolio with it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tiangong.projects.config import ProjectsConfig
from tiangong.projects.portfolio import Portfolio


@dataclass(frozen=True)
class Baseline:
    year: int
    frozen_on: dt.date
    plans: pd.DataFrame  # project_id, plan
    stages: pd.DataFrame  # project_id, stage, planned
    digest: str


def freeze(p: Portfolio, year: int, frozen_on: dt.date) -> Baseline:
    """The year's plans and planned stage dates as of now, sorted, with a SHA-256 digest of
    their CSV text (the same portfolio always gives the same digest)."""
    sums = p.plans[p.plans["year"] == year].groupby("project_id")["plan"].sum()
    plans = sums.sort_index().reset_index()
    stages = (p.stages[["project_id", "stage", "planned"]].dropna(subset=["planned"])
              .sort_values(["project_id", "stage"], kind="stable").reset_index(drop=True))
    text = plans.to_csv(index=False) + stages.to_csv(index=False, date_format="%Y-%m-%d")
    return Baseline(year, frozen_on, plans, stages,
                    hashlib.sha256(f"{year}\n{text}".encode()).hexdigest())


def money_variance(base: Baseline, p: Portfolio) -> pd.DataFrame:
    """Per project: baseline plan, current plan and the change (projects added since the
    freeze have a missing baseline; projects dropped have a missing current plan)."""
    now = p.plans[p.plans["year"] == base.year].groupby("project_id")["plan"].sum()
    was = base.plans.set_index("project_id")["plan"]
    ids = sorted(set(now.index) | set(was.index))
    out = pd.DataFrame({"project_id": ids, "baseline_plan": was.reindex(ids).to_numpy(),
                        "current_plan": now.reindex(ids).to_numpy()})
    out["change"] = out["current_plan"] - out["baseline_plan"]
    return out


def date_variance(base: Baseline, p: Portfolio, config: ProjectsConfig,
                  as_of: dt.date) -> pd.DataFrame:
    """Per project and stage with a baseline date: baseline planned, current planned, actual,
    and slip_days = (actual, else current planned, else as-of when overdue) − baseline."""
    ids = config.stage_ids()
    cur = p.stages.drop_duplicates(["project_id", "stage"], keep="last").set_index(
        ["project_id", "stage"])
    b = base.stages[base.stages["stage"].isin(ids)].copy()
    key = pd.MultiIndex.from_frame(b[["project_id", "stage"]])
    b["current_planned"] = cur["planned"].reindex(key).to_numpy()
    b["actual"] = cur["actual"].reindex(key).to_numpy()
    cut = np.datetime64(as_of, "s")
    actual = b["actual"].to_numpy(dtype="datetime64[s]")
    actual = np.where(actual <= cut, actual, np.datetime64("NaT"))
    current = b["current_planned"].to_numpy(dtype="datetime64[s]")
    baseline = b["planned"].to_numpy(dtype="datetime64[s]")
    expected = np.where(~np.isnat(actual), actual, current)
    overdue = np.isnat(actual) & (expected < cut)
    expected = np.where(overdue, cut, expected)
    slip = (expected - baseline).astype("timedelta64[D]").astype("float64")
    slip[np.isnat(expected)] = np.nan
    b = b.rename(columns={"planned": "baseline_planned"})
    b["actual"] = actual
    b["slip_days"] = slip
    return b.reset_index(drop=True)
