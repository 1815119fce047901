"""Ranking towns and 专班 with the county's score sheet (configuration), every point explained.

Published county sheets score units, not projects: new ≥ 1亿 projects against a target, funds in
place, the share of projects in the lead industry, ratings by the park and the 招商 team, and
bonuses per large project. Each item is points × min(metric ÷ target, cap); targets may differ
per unit (a `targets` table), ratings come from a `manual` table. Ties rank by unit name, so the
same inputs always give the same order.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from tiangong.projects.conditions import evaluate
from tiangong.projects.config import ProjectsConfig
from tiangong.projects.kpis import kpi_table
from tiangong.projects.portfolio import Portfolio
from tiangong.projects.stages import reached_by

UNIT_COLUMNS = {"town": "town_name", "team": "team"}


def unit_scores(p: Portfolio, config: ProjectsConfig, facts: pd.DataFrame, as_of: dt.date,
                unit: str, targets: pd.DataFrame | None = None,
                manual: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per unit: the score of every item and bonus, total, rank and `detail` (how each
    score was computed). `targets`: unit, item, target; `manual`: unit plus one column per
    manual metric (e.g. park_rating)."""
    column = UNIT_COLUMNS[unit]
    units = p.projects[column].fillna("(未填)").to_numpy()
    names = sorted(set(units))
    sheet = config.score_sheet
    actual = p.stage_dates("actual", config.stage_ids())["sign"].to_numpy(dtype="datetime64[s]")
    signed_now = ((actual >= np.datetime64(dt.date(as_of.year, 1, 1), "s"))
                  & (actual <= np.datetime64(as_of, "s")))
    signed = reached_by(p, config, as_of)["sign"].to_numpy()
    plan = facts["year_plan"].to_numpy() > 0
    ytd, target_money = facts["ytd_invest"].to_numpy(), facts["schedule_target"].to_numpy()
    funds, total = facts["funds_cum"].to_numpy(), facts["total_investment"].to_numpy()
    year_plan = facts["year_plan"].to_numpy()
    kpis = {}
    for item in sheet.items:
        if item.metric.startswith("kpi:"):
            t = kpi_table(p, config, as_of, unit=column)
            kpis[item.metric] = dict(zip(t[t["kpi"] == item.metric[4:]]["unit"],
                                         t[t["kpi"] == item.metric[4:]]["value"], strict=True))
    rows = []
    for u in names:
        sel = units == u
        row: dict[str, object] = {"unit": u}
        detail, total_score = [], 0.0
        for item in sheet.items:
            value, shown = _metric(item.metric, item.conditions, facts, sel, signed, signed_now,
                                   plan, ytd, target_money, funds, total, year_plan, kpis, manual,
                                   u)
            goal = _target(targets, u, item.id, item.target)
            ratio = 0.0 if value != value or goal <= 0 else min(value / goal, sheet.cap)
            score = item.points * ratio
            row[item.id] = round(score, 4)
            total_score += score
            detail.append(f"{item.label}：{shown} ÷ 目标 {goal:g} → {item.points:g} × "
                          f"{ratio:.2f} = {score:.2f}")
        for bonus in sheet.bonuses:
            holds, _ = evaluate(bonus.conditions, facts)
            count = int((holds & sel & signed).sum())
            row[bonus.id] = bonus.points * count
            total_score += bonus.points * count
            if count:
                detail.append(f"加分 {bonus.label}：{count} 个 × {bonus.points:g} = "
                              f"{bonus.points * count:g}")
        row["total"] = round(total_score, 4)
        row["detail"] = "；".join(detail)
        rows.append(row)
    table = pd.DataFrame(rows)
    table = table.sort_values(["total", "unit"], ascending=[False, True], kind="stable")
    table["rank"] = np.arange(1, len(table) + 1)
    return table.reset_index(drop=True)


def _target(targets: pd.DataFrame | None, unit: str, item: str, default: float) -> float:
    if targets is None:
        return default
    hit = targets[(targets["unit"] == unit) & (targets["item"] == item)]
    return float(hit["target"].iloc[0]) if len(hit) else default


def _metric(metric: str, conditions: list, facts: pd.DataFrame, sel: np.ndarray,
            signed: np.ndarray, signed_now: np.ndarray, plan: np.ndarray, ytd: np.ndarray,
            target: np.ndarray, funds: np.ndarray, total: np.ndarray, year_plan: np.ndarray,
            kpis: dict[str, dict[str, float]], manual: pd.DataFrame | None,
            unit: str) -> tuple[float, str]:
    """(value, how it reads) of one metric for one unit."""
    holds = evaluate(conditions, facts)[0] if conditions else np.ones(len(facts), dtype=bool)
    if metric == "new_signed":
        n = int((holds & sel & signed_now).sum())
        return float(n), f"今年新签约 {n} 个"
    if metric == "share":
        d = int((sel & signed).sum())
        n = int((holds & sel & signed).sum())
        return (n / d if d else float("nan")), f"{n}/{d}"
    planned = sel & plan
    sums = {"funds_rate": (funds[planned].sum(), total[planned].sum(), "资金到位"),
            "invest_rate": (ytd[planned].sum(), year_plan[planned].sum(), "投资完成"),
            "schedule_rate": (ytd[planned].sum(), target[planned].sum(), "序时完成")}
    if metric in sums:
        num, den, what = sums[metric]
        value = num / den if den > 0 else float("nan")
        return value, f"{what} {num:,.0f}/{den:,.0f} 万元 = {value:.1%}"
    if metric.startswith("kpi:"):
        value = kpis[metric].get(unit, float("nan"))
        return value, f"{metric[4:]} {value:.1%}"
    if metric.startswith("manual:"):
        col = metric[7:]
        if manual is None or col not in manual.columns:
            return float("nan"), f"{col} 未录入"
        hit = manual[manual["unit"] == unit]
        value = float(hit[col].iloc[0]) if len(hit) else float("nan")
        return value, f"{col} {value:g}" if value == value else f"{col} 未录入"
    raise ValueError(f"unknown score-sheet metric {metric!r}")
