"""Investment progress: 序时进度, 投资完成率, 资金到位率, per project and per unit.

序时进度 is the share of the annual plan that should be done by a date: plan × elapsed share of
the year. Counties count the share by days (day of year ÷ days in the year) or by months
(completed months ÷ 12); the configuration says which, and every figure states the share it used.
Rates of a unit (town, 专班, industry) are ratios of sums, never means of project ratios, so a
small project cannot move a town's rate as much as a large one.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from tiangong.projects.portfolio import Portfolio

UNITS = {"project": "project_id", "town": "town_name", "team": "team",
         "industry": "industry_division"}


def elapsed_share(as_of: dt.date, basis: str) -> tuple[float, str]:
    """(share, how): by days, day of year ÷ days in year (31 Mar 2025: 90/365); by months,
    months completed by `as_of` ÷ 12 (a month counts when `as_of` is its last day)."""
    start = dt.date(as_of.year, 1, 1)
    days_in_year = (dt.date(as_of.year + 1, 1, 1) - start).days
    if basis == "days":
        elapsed = (as_of - start).days + 1
        return elapsed / days_in_year, f"按日 {elapsed}/{days_in_year}"
    month_end = (as_of + dt.timedelta(days=1)).month != as_of.month
    months = as_of.month if month_end else as_of.month - 1
    return months / 12, f"按月 {months}/12"


def month_key(as_of: dt.date) -> str:
    return f"{as_of.year:04d}-{as_of.month:02d}"


def project_money(p: Portfolio, as_of: dt.date, basis: str) -> pd.DataFrame:
    """One row per project (in `p.projects` order): year_plan, schedule_target (序时进度),
    ytd_invest, funds_cum (since signing), invest_cum, invest_rate (ytd ÷ plan),
    schedule_ratio (ytd ÷ target), funds_rate (funds_cum ÷ total investment)."""
    share, _ = elapsed_share(as_of, basis)
    ids = p.projects["project_id"]
    plan = (p.plans[p.plans["year"] == as_of.year].groupby("project_id")["plan"].sum()
            .reindex(ids).fillna(0.0).to_numpy())
    last = month_key(as_of)
    m = p.monthly[p.monthly["month"] <= last]
    in_year = m["month"].str.startswith(f"{as_of.year:04d}-")
    ytd = m[in_year].groupby("project_id")["invest"].sum().reindex(ids).fillna(0.0).to_numpy()
    cum = m.groupby("project_id")[["invest", "funds"]].sum().reindex(ids).fillna(0.0)
    total = p.projects["total_investment"].to_numpy(dtype="float64")
    target = plan * share
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame({
            "project_id": ids.to_numpy(),
            "year_plan": plan, "schedule_target": target, "ytd_invest": ytd,
            "invest_cum": cum["invest"].to_numpy(), "funds_cum": cum["funds"].to_numpy(),
            "invest_rate": np.where(plan > 0, ytd / plan, np.nan),
            "schedule_ratio": np.where(target > 0, ytd / target, np.nan),
            "funds_rate": np.where(total > 0, cum["funds"].to_numpy() / total, np.nan),
            "year_invest_share": np.where(total > 0, ytd / total, np.nan),
        })
    return out


def unit_money(p: Portfolio, money: pd.DataFrame, unit: str) -> pd.DataFrame:
    """Sums and ratio-of-sums rates per unit (town, team, industry division or project), for
    projects with a plan this year; units sorted by name."""
    key = UNITS[unit]
    frame = money.assign(town_name=p.projects["town_name"].to_numpy(),
                         team=p.projects["team"].to_numpy(),
                         industry_division=p.projects["industry_code"].astype(str).str[:2]
                         .to_numpy(),
                         total_investment=p.projects["total_investment"].to_numpy())
    frame = frame[frame["year_plan"] > 0]
    sums = frame.groupby(key, dropna=False).agg(
        projects=("project_id", "size"), year_plan=("year_plan", "sum"),
        schedule_target=("schedule_target", "sum"), ytd_invest=("ytd_invest", "sum"),
        funds_cum=("funds_cum", "sum"), total_investment=("total_investment", "sum"))
    with np.errstate(divide="ignore", invalid="ignore"):
        sums["invest_rate"] = sums["ytd_invest"] / sums["year_plan"]
        sums["schedule_ratio"] = sums["ytd_invest"] / sums["schedule_target"]
        sums["funds_rate"] = sums["funds_cum"] / sums["total_investment"]
    return sums.sort_index().reset_index().rename(columns={key: "unit"})
