"""The quarterly 赛马 / 晾晒: 黄牌 and 红旗 with reasons, and the 回头看 of last quarter's 黄牌.

金华's quarterly 督查 shows the practice: projects in scope (省市重点, manufacturing ≥ 5000万 …)
get a 黄牌 for investment below 序时进度, 应开工未开工, 应完工未完工 or missed agreement milestones
(履约), the best get a 红旗, and next quarter looks back at every 黄牌. All triggers, margins and
the size of the 红旗 list are configuration; each flag lists every reason that caused it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tiangong.projects.conditions import evaluate, fmt
from tiangong.projects.config import ProjectsConfig
from tiangong.projects.facts import project_facts
from tiangong.projects.money import elapsed_share
from tiangong.projects.portfolio import Portfolio
from tiangong.projects.stages import contract_breaches, overdue, reached_by

YELLOW, RED = "黄牌", "红旗"


def quarter_end(year: int, quarter: int) -> dt.date:
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"季度须为 1–4，不是 {quarter}")
    return dt.date(year, 3 * quarter, 30 if quarter in (2, 3) else 31)


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


@dataclass
class Showing:
    """One quarter's 晾晒: `flags` has one row per project in scope (project_id, name,
    town_name, team, flag ('黄牌', '红旗' or ''), rules (ids), reasons (one text))."""

    year: int
    quarter: int
    as_of: dt.date
    share_text: str
    facts: pd.DataFrame
    flags: pd.DataFrame

    def listed(self, flag: str) -> pd.DataFrame:
        return self.flags[self.flags["flag"] == flag].reset_index(drop=True)


def showing(p: Portfolio, config: ProjectsConfig, year: int, quarter: int,
            facts: pd.DataFrame | None = None) -> Showing:
    """The 晾晒 of `year` Q`quarter` (as of the quarter's last day)."""
    as_of = quarter_end(year, quarter)
    if facts is None:
        facts = project_facts(p, config, as_of)
    _, share_text = elapsed_share(as_of, config.progress.basis)
    in_scope, _ = evaluate(config.racing.scope, facts)
    in_scope &= reached_by(p, config, as_of)["sign"].to_numpy()
    ids = facts["project_id"].to_numpy()
    reasons: dict[str, list[str]] = {}
    rules: dict[str, list[str]] = {}

    def add(pid: str, rule: str, text: str) -> None:
        reasons.setdefault(pid, []).append(text)
        rules.setdefault(pid, []).append(rule)

    plan, target, ytd, ratio = (facts[c].to_numpy(dtype="float64") for c in (
        "year_plan", "schedule_target", "ytd_invest", "schedule_ratio"))
    scope_ids = set(ids[in_scope])
    for r in config.racing.yellow:
        if r.kind == "below_schedule":
            behind = (target > 0) & (ytd < target * (1 - r.margin)) & in_scope
            for i in np.flatnonzero(behind):
                add(ids[i], r.id, f"{r.label}：年度计划 {fmt(plan[i], 'year_plan')}，序时目标 "
                    f"{fmt(target[i], 'year_plan')}（{share_text}），累计完成 "
                    f"{fmt(ytd[i], 'year_plan')}，为目标的 {ratio[i]:.0%}"
                    f"（低于 {1 - r.margin:.0%} 即亮牌）")
        elif r.kind == "overdue_stage":
            label = config.stage(r.stage).label
            late = overdue(p, config, r.stage, as_of)
            when = np.datetime_as_string(late["planned"].to_numpy(dtype="datetime64[D]"))
            for pid, day, days in zip(late["project_id"], when, late["days_late"], strict=True):
                if pid in scope_ids:
                    add(str(pid), r.id, f"{r.label}：计划{label} {day}，截至 {as_of} 未{label}"
                        f"（逾期 {days} 天）")
        else:
            for pid, texts in contract_breaches(p, config, as_of, r.grace_days).items():
                if pid in scope_ids:
                    add(pid, r.id, f"{r.label}：" + "；".join(texts))
    flag = np.where([pid in reasons for pid in ids], YELLOW, "").astype(object)
    red = config.racing.red
    good = in_scope & (flag == "") & (np.nan_to_num(ratio, nan=-1.0) >= red.min_schedule_ratio)
    order = sorted(np.flatnonzero(good), key=lambda i: (-ratio[i], -ytd[i], ids[i]))[:red.top]
    for rank, i in enumerate(order, 1):
        flag[i] = RED
        add(ids[i], "red", f"{red.label}：累计完成 {fmt(ytd[i], 'year_plan')}，为序时目标的 "
            f"{ratio[i]:.0%}（≥ {red.min_schedule_ratio:.0%}），列第 {rank}")
    pr = p.projects
    table = pd.DataFrame({
        "project_id": ids, "name": pr["name"].to_numpy(), "town_name": pr["town_name"].to_numpy(),
        "team": pr["team"].to_numpy(), "flag": flag,
        "rules": [",".join(rules.get(pid, [])) for pid in ids],
        "reasons": ["；".join(reasons.get(pid, [])) for pid in ids],
    })[in_scope].reset_index(drop=True)
    return Showing(year, quarter, as_of, share_text, facts, table)


def look_back(previous: Showing, current: Showing) -> pd.DataFrame:
    """回头看: every 黄牌 of the previous quarter with its state now — 已摘牌 (no 黄牌 now),
    仍为黄牌 (with this quarter's reasons) or 已出晾晒范围."""
    before = previous.listed(YELLOW)
    now = current.flags[["project_id", "flag", "reasons"]].rename(
        columns={"flag": "flag_now", "reasons": "reasons_now"})
    merged = before[["project_id", "name", "reasons"]].merge(now, on="project_id", how="left")
    state = np.where(merged["flag_now"].isna(), "已出晾晒范围",
                     np.where(merged["flag_now"] == YELLOW, "仍为黄牌", "已摘牌"))
    return pd.DataFrame({"project_id": merged["project_id"], "name": merged["name"],
                         "last_reasons": merged["reasons"], "state": state,
                         "reasons_now": merged["reasons_now"].fillna("")})
