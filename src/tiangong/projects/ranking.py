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

from tiangong.projects.conditions import holds
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
    manual metric (e.g. park_rating). Sums per unit are one group-by per item."""
    column = UNIT_COLUMNS[unit]
    units = p.projects[column].fillna("(未填)").astype(str).to_numpy()
    sheet = config.score_sheet
    actual = p.stage_dates("actual", config.stage_ids())["sign"].to_numpy(dtype="datetime64[s]")
    signed_now = ((actual >= np.datetime64(dt.date(as_of.year, 1, 1), "s"))
                  & (actual <= np.datetime64(as_of, "s")))
    signed = reached_by(p, config, as_of)["sign"].to_numpy()
    planned = facts["year_plan"].to_numpy() > 0
    base = pd.DataFrame({"unit": units, "signed": signed, "signed_now": signed_now,
                         "planned": planned}, index=facts.index)
    for c in ("ytd_invest", "schedule_target", "funds_cum", "total_investment", "year_plan"):
        base[c] = np.where(planned, facts[c].to_numpy(dtype="float64"), 0.0)
    names = sorted(set(units))
    totals = pd.Series(0.0, index=names)
    scores: dict[str, pd.Series] = {}
    details: dict[str, list[str]] = {u: [] for u in names}
    for item in sheet.items:
        value, shown = _metric(item.metric, holds(item.conditions, facts), base, names, p,
                               config, as_of, column, manual)
        goal = pd.Series([_target(targets, u, item.id, item.target) for u in names], index=names)
        ratio = (value / goal.where(goal > 0)).clip(upper=sheet.cap).fillna(0.0)
        score = item.points * ratio
        scores[item.id] = score.round(4)
        totals += score
        for u in names:
            details[u].append(f"{item.label}：{shown[u]} ÷ 目标 {goal[u]:g} → {item.points:g} × "
                              f"{ratio[u]:.2f} = {score[u]:.2f}")
    for bonus in sheet.bonuses:
        ok = holds(bonus.conditions, facts) & signed
        count = pd.Series(ok, index=facts.index).groupby(units).sum().reindex(names).fillna(0)
        scores[bonus.id] = bonus.points * count
        totals += bonus.points * count
        for u in names:
            if count[u]:
                details[u].append(f"加分 {bonus.label}：{int(count[u])} 个 × {bonus.points:g} = "
                                  f"{bonus.points * count[u]:g}")
    table = pd.DataFrame({"unit": names, **{k: v.to_numpy() for k, v in scores.items()},
                          "total": totals.round(4).to_numpy(),
                          "detail": ["；".join(details[u]) for u in names]})
    table = table.sort_values(["total", "unit"], ascending=[False, True], kind="stable")
    table["rank"] = np.arange(1, len(table) + 1)
    return table.reset_index(drop=True)


def _target(targets: pd.DataFrame | None, unit: str, item: str, default: float) -> float:
    if targets is None:
        return default
    hit = targets[(targets["unit"] == unit) & (targets["item"] == item)]
    return float(hit["target"].iloc[0]) if len(hit) else default


def _metric(metric: str, ok: np.ndarray, base: pd.DataFrame, names: list[str], p: Portfolio,
            config: ProjectsConfig, as_of: dt.date, column: str,
            manual: pd.DataFrame | None) -> tuple[pd.Series, dict[str, str]]:
    """(value per unit, how it reads per unit) of one metric."""
    def per_unit(mask: np.ndarray) -> pd.Series:
        return (pd.Series(mask, index=base.index).groupby(base["unit"]).sum()
                .reindex(names).fillna(0).astype(float))

    if metric == "new_signed":
        n = per_unit(ok & base["signed_now"].to_numpy())
        return n, {u: f"今年新签约 {int(n[u])} 个" for u in names}
    if metric == "share":
        d = per_unit(base["signed"].to_numpy())
        n = per_unit(ok & base["signed"].to_numpy())
        return (n / d.where(d > 0)), {u: f"{int(n[u])}/{int(d[u])}" for u in names}
    sums = {"funds_rate": ("funds_cum", "total_investment", "资金到位"),
            "invest_rate": ("ytd_invest", "year_plan", "投资完成"),
            "schedule_rate": ("ytd_invest", "schedule_target", "序时完成")}
    if metric in sums:
        a, b, what = sums[metric]
        s = base.groupby("unit")[[a, b]].sum().reindex(names).fillna(0.0)
        num, den = s[a].astype(float), s[b].astype(float)
        value = num / den.where(den > 0)
        return value, {u: f"{what} {float(num[u]):,.0f}/{float(den[u]):,.0f} 万元 = "
                          f"{float(value[u]):.1%}" for u in names}
    if metric.startswith("kpi:"):
        table = kpi_table(p, config, as_of, unit=column)
        kv: pd.Series = (table[table["kpi"] == metric[4:]].set_index("unit")["value"]
                         .reindex(names))
        return kv, {u: f"{metric[4:]} {float(kv[u]):.1%}" for u in names}
    col = metric.removeprefix("manual:")
    if manual is None or col not in manual.columns:
        return pd.Series(np.nan, index=names), {u: f"{col} 未录入" for u in names}
    value = manual.drop_duplicates("unit").set_index("unit")[col].reindex(names).astype(float)
    return value, {u: (f"{col} {value[u]:g}" if value[u] == value[u] else f"{col} 未录入")
                   for u in names}
