"""Who is evaluated, in which group, and who is set aside in a special class.

The base table adds the derived variables a scheme may use (age, industry division, and the
tenant and event counts it reads before classes are adjusted, see `joins`) so that selectors,
triggers and indicators read one row per enterprise.
Firms that fall in no group stay in the table with a NULL group: nobody silently disappears.
"""

from __future__ import annotations

from tiangong.evaluation import canonical
from tiangong.evaluation.pipeline.joins import Counts, count_columns, read_by
from tiangong.evaluation.pipeline.sql import literal
from tiangong.evaluation.scheme.expressions import compile_expression
from tiangong.evaluation.scheme.model import SQL_TYPES, Range, Scheme, Selector
from tiangong.evaluation.scheme.validate import base_names


def base_sql(scheme: Scheme, year: int, source: str = "enterprises",
             counts: Counts | None = None) -> str:
    """One row per enterprise of `year` with the derived variables and `counts` (by default
    every event and tenancy count the scheme reads; the plan joins some later, see `joins`)."""
    cols = ", ".join([*(f"e.{c.name}" for c in canonical.ENTERPRISE_COLUMNS),
                      *(f"CAST(e.{v} AS {SQL_TYPES[d.type]}) AS {v}"
                        for v, d in scheme.variables.items())])
    count_cols, count_joins = count_columns(
        read_by(scheme) if counts is None else counts, year, "e.uscc")
    return (
        f"SELECT {cols},"
        " CAST(e.year - EXTRACT(YEAR FROM e.founded_date) AS DOUBLE) AS age_years,"
        " CAST(e.year - EXTRACT(YEAR FROM e.production_date) AS DOUBLE) AS production_years,"
        f" SUBSTRING(e.industry_code, 1, 2) AS industry_division{count_cols}"
        f" FROM {source} e{count_joins}"
        f" WHERE e.year = {year}"
    )


def _range_sql(column: str, rng: Range) -> list[str]:
    parts = []
    if rng.min is not None:
        parts.append(f"{column} {'>=' if rng.min_inclusive else '>'} {literal(rng.min)}")
    if rng.max is not None:
        parts.append(f"{column} {'<=' if rng.max_inclusive else '<'} {literal(rng.max)}")
    return parts


def selector_sql(select: Selector, names: dict[str, str] | None = None) -> str:
    """The condition of a group's `select` (`names`: the scheme's variables, see
    `names.base_names`)."""
    names = names if names is not None else base_names()
    parts: list[str] = []
    if select.size_class:
        parts.append(f"size_class IN ({', '.join(literal(s) for s in select.size_class)})")
    if select.land_area:
        parts += _range_sql("land_area", select.land_area)
    if select.age_years:
        parts += _range_sql("age_years", select.age_years)
    if select.industry_divisions:
        codes = ", ".join(literal(c) for c in select.industry_divisions)
        parts.append(f"industry_division IN ({codes})")
    if select.exclude_industry_divisions:
        codes = ", ".join(literal(c) for c in select.exclude_industry_divisions)
        parts.append(f"NOT COALESCE(industry_division IN ({codes}), FALSE)")
    if select.where:
        parts.append(f"({compile_expression(select.where, names).sql})")
    return " AND ".join(f"COALESCE({p}, FALSE)" for p in parts) or "TRUE"


def population_sql(scheme: Scheme, base: str = "base") -> str:
    """Assign each firm its first matching group and any special class its trigger sets."""
    group_case = " ".join(
        f"WHEN {selector_sql(g.select, base_names(scheme))} THEN {literal(g.id)}"
        for g in scheme.groups
    )
    triggers = [s for s in scheme.special_classes if s.when]
    special_case = " ".join(
        f"WHEN COALESCE({compile_expression(s.when or '', base_names(scheme)).sql}, FALSE)"
        f" THEN {literal(s.code)}"
        for s in triggers
    )
    special = f"CASE {special_case} ELSE NULL END" if triggers else "CAST(NULL AS VARCHAR)"
    return (
        f"SELECT p.*, CASE WHEN p.group_id IS NULL THEN NULL ELSE {special} END"
        " AS trigger_special"
        f" FROM (SELECT b.*, CASE {group_case} ELSE NULL END AS group_id FROM {base} b) p"
    )
