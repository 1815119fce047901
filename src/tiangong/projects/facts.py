"""The facts every rule reads, one row per project, computed once per as-of date.

Class rules, the 赛马 scope, score-sheet items and bonuses all compare the same few numbers;
computing them here once (money from `money`, sector and floor from the configuration) keeps
the rules declarative and the four users consistent.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from tiangong.projects.config import ProjectsConfig, Sector
from tiangong.projects.money import project_money
from tiangong.projects.portfolio import Portfolio


def sector_of(industry_code: str | None, sectors: list[Sector]) -> Sector | None:
    """The sector whose prefix is the longest match of the industry code."""
    if not industry_code:
        return None
    best: tuple[int, Sector] | None = None
    for s in sectors:
        for prefix in s.prefixes:
            if industry_code.startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), s)
    return best[1] if best else None


def project_facts(p: Portfolio, config: ProjectsConfig, as_of: dt.date) -> pd.DataFrame:
    """Projects' attributes plus money as of `as_of`, indexed 0..n-1 like `p.projects`."""
    pr = p.projects
    money = project_money(p, as_of, config.progress.basis)
    codes = pr["industry_code"].astype("string").fillna("")
    found = {c: sector_of(c, config.sectors) for c in codes.unique()}
    with np.errstate(divide="ignore", invalid="ignore"):
        intensity = np.where(pr["land_mu"] > 0, pr["fixed_investment"] / pr["land_mu"], np.nan)
    division = pd.to_numeric(codes.str[:2], errors="coerce").to_numpy(dtype="float64")
    facts = pd.DataFrame({
        "project_id": pr["project_id"].to_numpy(),
        "total_investment": pr["total_investment"].to_numpy(),
        "fixed_investment": pr["fixed_investment"].to_numpy(),
        "land_mu": pr["land_mu"].to_numpy(),
        "intensity": intensity,
        "division": division,
        "sector_label": [s.label if (s := found[c]) else "" for c in codes],
        "sector_floor": [s.floor if (s := found[c]) else np.nan for c in codes],
    })
    for c in money.columns:
        if c != "project_id":
            facts[c] = money[c].to_numpy()
    return facts
