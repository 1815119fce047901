"""A county's (or the province's) project portfolio as five plain tables.

The library computes on tables so the same code serves the Django app (which reads them from its
models), the Excel ledger importer, the demo generator and the benchmark. Stages are a long table
(project, stage, planned, actual) rather than columns, because a county may add or rename stages.
Money is in 万元, land in 亩, months are 'YYYY-MM' text.

projects     project_id, name, county_code, town_code, town_name, team (专班), industry_code,
             investor, uscc (once known), total_investment, fixed_investment, land_mu, origin
stages       project_id, stage, planned, actual (dates; missing = not planned / not reached)
plans        project_id, year, plan (the year's investment plan)
monthly      project_id, month, invest (completed in the month), funds (in place in the month)
commitments  project_id, indicator, value (committed 达产 indicators, e.g. tax_per_mu)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from tiangong.errors import DataError, Problem, raise_if_any

PROJECT_COLUMNS = ("project_id", "name", "county_code", "town_code", "town_name", "team",
                   "industry_code", "investor", "uscc", "total_investment", "fixed_investment",
                   "land_mu", "origin")
NUMERIC = ("total_investment", "fixed_investment", "land_mu")
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "projects": PROJECT_COLUMNS,
    "stages": ("project_id", "stage", "planned", "actual"),
    "plans": ("project_id", "year", "plan"),
    "monthly": ("project_id", "month", "invest", "funds"),
    "commitments": ("project_id", "indicator", "value"),
}


def _empty(table: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in TABLE_COLUMNS[table]})


@dataclass
class Portfolio:
    """The five tables; `normalised` fixes their types (dates as datetime64, money as float)."""

    projects: pd.DataFrame
    stages: pd.DataFrame
    plans: pd.DataFrame = field(default_factory=lambda: _empty("plans"))
    monthly: pd.DataFrame = field(default_factory=lambda: _empty("monthly"))
    commitments: pd.DataFrame = field(default_factory=lambda: _empty("commitments"))

    def tables(self) -> dict[str, pd.DataFrame]:
        return {t: getattr(self, t) for t in TABLE_COLUMNS}

    def normalised(self) -> Portfolio:
        """The same portfolio with checked columns and fixed types; raises DataError naming
        every missing column and every reference to an unknown project."""
        problems: list[Problem] = []
        for name, frame in self.tables().items():
            missing = [c for c in TABLE_COLUMNS[name] if c not in frame.columns]
            if missing and not (name == "projects" and set(missing) <= {"origin", "uscc",
                                                                          "investor", "team"}):
                problems.append(Problem(f"missing column(s) {', '.join(missing)}", name))
        raise_if_any(problems, DataError, "the project portfolio is incomplete")
        projects = self.projects.copy()
        for c in PROJECT_COLUMNS:
            if c not in projects.columns:
                projects[c] = None
        for c in NUMERIC:
            projects[c] = pd.to_numeric(projects[c], errors="coerce").astype("float64")
        projects["project_id"] = projects["project_id"].astype(str)
        dup = projects["project_id"][projects["project_id"].duplicated()]
        problems += [Problem(f"project id {p!r} appears more than once", "projects",
                             field="project_id") for p in dup.unique()]
        known = set(projects["project_id"])
        stages = self.stages.copy()
        stages["project_id"] = stages["project_id"].astype(str)
        for c in ("planned", "actual"):
            stages[c] = pd.to_datetime(stages[c]).astype("datetime64[s]")
        plans = self.plans.copy()
        plans["project_id"] = plans["project_id"].astype(str)
        plans["year"] = plans["year"].astype("int64")
        plans["plan"] = pd.to_numeric(plans["plan"]).astype("float64")
        monthly = self.monthly.copy()
        monthly["project_id"] = monthly["project_id"].astype(str)
        monthly["month"] = monthly["month"].astype(str)
        for c in ("invest", "funds"):
            monthly[c] = pd.to_numeric(monthly[c]).astype("float64")
        bad_month = ~monthly["month"].str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])")
        problems += [Problem(f"month {m!r} is not YYYY-MM", "monthly", field="month")
                     for m in monthly["month"][bad_month].unique()]
        commitments = self.commitments.copy()
        commitments["project_id"] = commitments["project_id"].astype(str)
        commitments["value"] = pd.to_numeric(commitments["value"]).astype("float64")
        for name, frame in (("stages", stages), ("plans", plans), ("monthly", monthly),
                            ("commitments", commitments)):
            orphans = sorted(set(frame["project_id"]) - known)
            if orphans:
                problems.append(Problem(f"{len(orphans)} row group(s) for unknown project(s): "
                                        f"{', '.join(orphans[:5])}", name, field="project_id"))
        raise_if_any(problems, DataError, "the project portfolio is inconsistent")
        return Portfolio(projects.reset_index(drop=True), stages.reset_index(drop=True),
                         plans.reset_index(drop=True), monthly.reset_index(drop=True),
                         commitments.reset_index(drop=True))

    def stage_dates(self, which: str, stage_ids: list[str]) -> pd.DataFrame:
        """Planned or actual dates wide: one row per project (in `projects` order), one column
        per stage of the chain (NaT where not planned or not reached). Kept for the next call
        while the stages and projects tables are the same objects of the same shape (the
        quarter's computations read it a dozen times); replace a table to change it."""
        key = (which, tuple(stage_ids), id(self.stages), self.stages.shape, id(self.projects),
               len(self.projects))
        cache: dict[tuple[object, ...], pd.DataFrame] = self.__dict__.setdefault("_wide", {})
        if key not in cache:
            rows = self.stages.drop_duplicates(["project_id", "stage"], keep="last")
            wide = rows.pivot(index="project_id", columns="stage", values=which)
            wide = wide.reindex(index=self.projects["project_id"], columns=stage_ids)
            if len(cache) > 8:
                cache.clear()
            cache[key] = wide.astype("datetime64[s]")
        return cache[key]


def day(value: object) -> str | None:
    """A date cell as 'YYYY-MM-DD', or None when missing (NaT, None, NaN)."""
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    return None if pd.isna(stamp) else stamp.strftime("%Y-%m-%d")
