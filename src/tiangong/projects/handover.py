"""Hand-over from the project to the enterprise: USCC link, 新升规, 达产 commitments.

A project ends as an enterprise in the 亩均 evaluation. At 投产 the project names the USCC of the
firm that produces; 新升规 is read, not typed: the firm's size_class turns 'above' in a later 规上
roster (the canonical enterprises table of an intake), and the month reported is the month that
roster was taken in; at 达产 the committed indicators (亩均税收, investment intensity …) are
compared with the firm's evaluation data of the review year, with the configured tolerance.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tiangong.identity.uscc import is_valid_uscc
from tiangong.projects.config import ProjectsConfig
from tiangong.projects.money import project_money
from tiangong.projects.portfolio import Portfolio
from tiangong.projects.stages import reached_by


@dataclass(frozen=True)
class Roster:
    """One 规上 roster: `table` has uscc and size_class ('above' = 规上) at least."""

    label: str  # intake id (I0003) or file name
    year: int  # the data year of the roster
    month: str  # 'YYYY-MM' the roster was taken (an intake: the month it was stored)
    table: pd.DataFrame


def rosters_from_store(store_path: Path | str) -> list[Roster]:
    """Every intake in the run store as a roster, oldest first."""
    from tiangong.runs import RunStore
    from tiangong.runs.intakes import intake_table, list_intakes

    out = []
    with RunStore(Path(store_path), read_only=True) as store:
        for rec in list_intakes(store):
            table = intake_table(store, rec, "enterprises").select(
                ["uscc", "name", "year", "size_class"]).to_pandas()
            out.append(Roster(rec.id, rec.year, rec.created_at[:7],
                              table[table["year"] == rec.year]))
    return out


def link_problems(p: Portfolio, config: ProjectsConfig, rosters: list[Roster],
                  as_of: dt.date) -> pd.DataFrame:
    """Projects in production by `as_of` whose enterprise link is missing, malformed or not
    found in any roster: project_id, name, uscc, problem."""
    produced = reached_by(p, config, as_of)["production"].to_numpy()
    known = set().union(*(set(r.table["uscc"]) for r in rosters)) if rosters else set()
    rows = []
    for i in np.flatnonzero(produced):
        pr = p.projects.iloc[i]
        code = pr["uscc"] if isinstance(pr["uscc"], str) else ""
        if not code:
            problem = "已投产但未关联企业统一社会信用代码"
        elif not is_valid_uscc(code):
            problem = f"统一社会信用代码 {code} 校验位不符"
        elif code not in known:
            problem = f"统一社会信用代码 {code} 不在任何一期企业名录中"
        else:
            continue
        rows.append({"project_id": pr["project_id"], "name": pr["name"], "uscc": code,
                     "problem": problem})
    return pd.DataFrame(rows, columns=["project_id", "name", "uscc", "problem"])


def detect_upgrades(p: Portfolio, rosters: list[Roster]) -> pd.DataFrame:
    """One row per project with a USCC: status 新升规 (規上 in a roster after one where it was
    规下 or absent; roster, year and month of the first such roster), 已是规上 (规上 in the
    first roster that lists it and never below before), 尚未规上, or 未在名录."""
    ordered = sorted(rosters, key=lambda r: (r.year, r.month, r.label))
    classes = [dict(zip(r.table["uscc"], r.table["size_class"], strict=True)) for r in ordered]
    rows = []
    for pr in p.projects.itertuples():
        code = pr.uscc if isinstance(pr.uscc, str) and pr.uscc else None
        if code is None:
            continue
        status, where, before = "未在名录", None, ""
        seen_below_or_absent = False
        for k, r in enumerate(ordered):
            cls = classes[k].get(code)
            if cls == "above":
                if k > 0 and seen_below_or_absent:
                    status, where = "新升规", r
                    prev = classes[k - 1].get(code)
                    before = (f"{ordered[k - 1].label}（{ordered[k - 1].year}）中为"
                              f"{'规下' if prev == 'below' else '未在名录'}")
                else:
                    status, where = "已是规上", r
                break
            seen_below_or_absent = True
            if cls == "below":
                status, where = "尚未规上", r
        rows.append({"project_id": pr.project_id, "name": pr.name, "uscc": code,
                     "status": status, "roster": where.label if where else "",
                     "year": where.year if where else None,
                     "month": where.month if where and status == "新升规" else "",
                     "before": before})
    return pd.DataFrame(rows, columns=["project_id", "name", "uscc", "status", "roster", "year",
                                       "month", "before"])


def latest_presence(p: Portfolio, rosters: list[Roster]) -> pd.DataFrame:
    """Where each project's firm stands in the latest roster (by year, month, label):
    project_id, uscc, roster, year, size ('规上', '规下' or '未在名录')."""
    cols = ["project_id", "uscc", "roster", "year", "size"]
    if not rosters:
        return pd.DataFrame(columns=cols)
    last = sorted(rosters, key=lambda r: (r.year, r.month, r.label))[-1]
    sizes = dict(zip(last.table["uscc"], last.table["size_class"], strict=True))
    rows = []
    for pr in p.projects.itertuples():
        code = pr.uscc if isinstance(pr.uscc, str) and pr.uscc else None
        if code is not None:
            size = sizes.get(code)
            rows.append({"project_id": pr.project_id, "uscc": code, "roster": last.label,
                         "year": last.year, "size": "规上" if size == "above" else
                         "规下" if size == "below" else "未在名录"})
    return pd.DataFrame(rows, columns=cols)


def check_commitments(p: Portfolio, config: ProjectsConfig, review: pd.DataFrame,
                      review_year: int) -> pd.DataFrame:
    """达产复核: one row per committed indicator of every project with a USCC: committed,
    actual, limit (committed × (1 ∓ tolerance)), holds (None when it cannot be computed) and
    the sentence. `review` is the canonical enterprises table (rows of `review_year` used)."""
    tol = config.handover.tolerance
    firms: dict[Any, dict[Any, Any]] = (
        review[review["year"] == review_year].drop_duplicates("uscc").set_index("uscc")
        .to_dict("index"))
    money = project_money(p, dt.date(review_year, 12, 31), config.progress.basis)
    invest_cum = dict(zip(money["project_id"], money["invest_cum"], strict=True))
    usccs = dict(zip(p.projects["project_id"], p.projects["uscc"], strict=True))
    lands = dict(zip(p.projects["project_id"], p.projects["land_mu"], strict=True))
    indicators = {i.id: i for i in config.handover.indicators}
    rows = []
    for c in p.commitments.itertuples():
        pid, ind = str(c.project_id), indicators.get(str(c.indicator))
        code = usccs.get(pid)
        committed = float(c.value)  # type: ignore[arg-type]
        if ind is None:
            rows.append(_row(pid, code, str(c.indicator), committed, np.nan, np.nan, None,
                             f"未知的承诺指标 {c.indicator}（配置中没有）"))
            continue
        limit = committed * (1 - tol) if ind.direction == "min" else committed * (1 + tol)
        if ind.project == "intensity":
            land = float(lands[pid])
            actual = invest_cum.get(pid, 0.0) / land if land > 0 else np.nan
        elif not isinstance(code, str) or code not in firms:
            rows.append(_row(pid, code, ind.id, committed, np.nan, limit, None,
                             f"{ind.label}：{review_year} 年评价数据中无该企业，无法复核"))
            continue
        else:
            den = float(firms[code][ind.denominator])
            actual = float(firms[code][ind.numerator]) / den if den > 0 else np.nan
        if actual != actual:
            rows.append(_row(pid, code, ind.id, committed, actual, limit, None,
                             f"{ind.label}：数据缺失或分母为零，无法复核"))
            continue
        holds = actual >= limit if ind.direction == "min" else actual <= limit
        sign = "≥" if ind.direction == "min" else "≤"
        rows.append(_row(pid, code, ind.id, committed, actual, limit, bool(holds),
                         f"{ind.label}：实际 {actual:,.2f} {ind.unit}，承诺 {committed:,.2f}，"
                         f"须 {sign} {limit:,.2f}（容差 {tol:.0%}）→ "
                         f"{'达标' if holds else '未达标'}"))
    return pd.DataFrame(rows, columns=["project_id", "uscc", "indicator", "committed",
                                       "actual", "limit", "holds", "reason"])


def _row(pid: str, code: object, indicator: str, committed: float, actual: float,
         limit: float, holds: bool | None, reason: str) -> dict[str, object]:
    return {"project_id": pid, "uscc": code if isinstance(code, str) else "",
            "indicator": indicator, "committed": committed, "actual": actual, "limit": limit,
            "holds": holds, "reason": reason}
