"""A hand-made portfolio of eight projects whose 晾晒, KPIs and unit scores are counted by hand
in tests/test_projects_rules.py. Dates and money are chosen so each rule fires exactly where
the comments there say."""

from __future__ import annotations

import pandas as pd

from tiangong.projects.portfolio import Portfolio

# id, town, industry, total, stage dates {stage: (planned, actual)}, 2025 plan, monthly invest
# 2025-01..03 (each month a third, 2025-04 adds 999 that Q1 must ignore), funds in 2024-12.
SPEC = {
    "A": ("甲镇", "3421", 20000, {"land": ("2024-03-01", "2024-03-01"),
                                 "start": ("2024-05-01", "2024-05-01"),
                                 "complete": ("2024-12-01", "2024-12-01"),
                                 "production": ("2025-02-01", "2025-02-01")}, 1200, 260, 2000),
    "B": ("甲镇", "3670", 20000, {"land": ("2024-03-01", "2024-03-01"),
                                 "start": ("2025-01-15", "2025-01-20"),
                                 "complete": ("2026-06-30", None)}, 1200, 270, 4000),
    "C": ("甲镇", "1751", 20000, {"land": ("2024-03-01", "2024-03-01"),
                                 "start": ("2025-03-01", "2025-02-25"),
                                 "complete": ("2026-06-30", None)}, 1200, 400, 6000),
    "D": ("甲镇", "3484", 20000, {"land": ("2024-03-01", "2024-03-01"),
                                 "start": ("2024-04-01", "2024-04-01"),
                                 "complete": ("2024-11-01", "2024-11-01"),
                                 "production": ("2025-06-01", None)}, 1200, 360, 0),
    "E": ("乙镇", "2929", 20000, {"land": ("2024-03-01", "2024-03-01"),
                                 "start": ("2025-02-01", None),
                                 "complete": ("2026-06-30", None)}, 1200, 500, 6000),
    "F": ("乙镇", "3421", 4000, {"land": ("2024-03-01", "2024-03-01"),
                                "start": ("2024-05-01", "2024-05-01"),
                                "complete": ("2026-06-30", None)}, 1000, 100, 1000),
    "G": ("乙镇", "3670", 20000, {"land": ("2025-06-30", None),
                                 "start": ("2024-05-01", "2024-05-01"),
                                 "complete": ("2025-03-31", "2025-04-02")}, 1200, 300, 12000),
    "H": ("乙镇", "1751", 20000, {"land": ("2024-03-01", "2024-10-15"),
                                 "start": ("2024-11-01", "2024-11-01"),
                                 "complete": ("2026-06-30", None)}, 1200, 296, 0),
}


def eight_projects() -> Portfolio:
    projects, stages, plans, monthly = [], [], [], []
    for pid, (town, industry, total, dates, plan, ytd, funds) in SPEC.items():
        projects.append({"project_id": pid, "name": f"项目{pid}", "county_code": "331003",
                         "town_code": "", "town_name": town, "team": f"{town}专班",
                         "industry_code": industry, "investor": f"投资方{pid}", "uscc": None,
                         "total_investment": total, "fixed_investment": total * 0.8,
                         "land_mu": 50.0, "origin": "省外"})
        signed = "2025-01-05" if pid == "C" else "2024-01-10"
        stages.append({"project_id": pid, "stage": "sign", "planned": signed, "actual": signed})
        for stage, (planned, actual) in dates.items():
            stages.append({"project_id": pid, "stage": stage, "planned": planned,
                           "actual": actual})
        plans.append({"project_id": pid, "year": 2025, "plan": plan})
        monthly.append({"project_id": pid, "month": "2024-12", "invest": 0.0, "funds": funds})
        for m in ("2025-01", "2025-02", "2025-03"):
            monthly.append({"project_id": pid, "month": m, "invest": ytd / 3, "funds": 0.0})
        monthly.append({"project_id": pid, "month": "2025-04", "invest": 999.0, "funds": 999.0})
    return Portfolio(pd.DataFrame(projects), pd.DataFrame(stages), pd.DataFrame(plans),
                     pd.DataFrame(monthly)).normalised()
