"""开工率, 竣工率, 投产率, 达产率, 履约率, 落地率 — counted, with the formula printed.

Definitions differ between places (one province's 开工率 divides by projects planned to start in
the year, another by all signed projects), so each rate is a configured kind and every result
carries the sentence that says what was divided by what, with the counts. Kinds:

due       projects whose planned date of the stage is in the period (1 January of the as-of year
          to the as-of date) and which reached the stage by the as-of date ÷ those planned
given     projects that reached the stage ÷ projects that reached the `given` stage (by as-of)
contract  signed projects with no contractual milestone missed beyond the grace days ÷ signed
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from tiangong.projects.config import Kpi, ProjectsConfig
from tiangong.projects.portfolio import Portfolio
from tiangong.projects.stages import contract_misses, reached_by


def kpi_masks(p: Portfolio, config: ProjectsConfig, kpi: Kpi, as_of: dt.date
              ) -> tuple[np.ndarray, np.ndarray, str, str]:
    """(in denominator, in numerator, numerator text, denominator text) per project."""
    reached = reached_by(p, config, as_of)
    if kpi.kind == "due":
        label = config.stage(kpi.stage).label
        planned = p.stage_dates("planned", config.stage_ids())[kpi.stage]
        days = planned.to_numpy(dtype="datetime64[s]")
        start = np.datetime64(dt.date(as_of.year, 1, 1), "s")
        den = (days >= start) & (days <= np.datetime64(as_of, "s"))
        num = den & reached[kpi.stage].to_numpy()
        period = f"{as_of.year}-01-01 至 {as_of}"
        return (den, num, f"计划{period}{label}且已{label}的项目数",
                f"计划{period}{label}的项目数")
    if kpi.kind == "given":
        label, given = config.stage(kpi.stage).label, config.stage(kpi.given).label
        den = reached[kpi.given].to_numpy()
        num = den & reached[kpi.stage].to_numpy()
        return (den, num, f"截至 {as_of} 已{given}且已{label}的项目数",
                f"截至 {as_of} 已{given}的项目数")
    den = reached["sign"].to_numpy()
    ok = np.ones(len(den), dtype=bool)
    for missed in contract_misses(p, config, as_of, kpi.grace_days).values():
        ok &= ~missed
    return (den, den & ok, f"截至 {as_of} 已签约且各约定节点均按期(宽限 {kpi.grace_days} 天)"
            "完成的项目数", f"截至 {as_of} 已签约的项目数")


def kpi_table(p: Portfolio, config: ProjectsConfig, as_of: dt.date,
              unit: str | None = None) -> pd.DataFrame:
    """One row per KPI (and per unit when `unit` names a projects column such as town_name or
    team): kpi, label, numerator, denominator, value (NaN when nothing is due), formula."""
    rows = []
    groups = (p.projects[unit].fillna("(未填)").astype(str) if unit else
              pd.Series("全部", index=p.projects.index))
    for kpi in config.kpis:
        den, num, num_text, den_text = kpi_masks(p, config, kpi, as_of)
        sums = pd.DataFrame({"g": groups.to_numpy(), "n": num, "d": den}).groupby("g").sum()
        for g, n, d in zip(sums.index, sums["n"], sums["d"], strict=True):
            n, d = int(n), int(d)
            value = n / d if d else float("nan")
            shown = f"{value:.1%}" if d else "无应计项目"
            rows.append({"unit": g, "kpi": kpi.id, "label": kpi.label, "numerator": n,
                         "denominator": d, "value": value,
                         "formula": f"{kpi.label} = {num_text} ÷ {den_text} = {n} ÷ {d} = "
                                    f"{shown}"})
    return pd.DataFrame(rows)
