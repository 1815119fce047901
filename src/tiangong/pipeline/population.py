"""Who is evaluated, in which group, and who is set aside in a special class.

The base table adds the derived variables every scheme may use (age, industry division, tenant
counts, event counts) so that selectors, triggers and indicators read one row per enterprise.
Firms that fall in no group stay in the table with a NULL group: nobody silently disappears.
"""

from __future__ import annotations

from tiangong import canonical
from tiangong.pipeline.sql import literal
from tiangong.scheme.expressions import compile_expression, event_column
from tiangong.scheme.model import Range, Scheme, Selector
from tiangong.scheme.validate import base_names


def events_used(scheme: Scheme) -> list[tuple[str, str | None]]:
    """Every (event type, severity) any expression of the scheme counts."""
    found: set[tuple[str, str | None]] = set()
    names = base_names()
    names.update({i: f"value_{i}" for i in scheme.indicators})
    names.update({"score": "score", "rank": "rank_pos", "percentile": "percentile",
                  "partition_size": "partition_size"})
    exprs = [i.expr for i in scheme.indicators.values()]
    exprs += [s.when for s in scheme.special_classes if s.when]
    exprs += [a.when for a in scheme.classification.adjustments]
    for group in scheme.groups:
        exprs += [p.expr for p in (*group.bonus, *group.penalties)]
        if group.select.where:
            exprs.append(group.select.where)
    for text in exprs:
        found |= compile_expression(text, names).events
    return sorted(found, key=lambda e: (e[0], e[1] or ""))


def base_sql(scheme: Scheme, year: int, source: str = "enterprises") -> str:
    cols = ", ".join(f"e.{c.name}" for c in canonical.ENTERPRISE_COLUMNS)
    events = events_used(scheme)
    event_sums = "".join(
        f", SUM(CASE WHEN event_type = {literal(t)}"
        + (f" AND severity = {literal(s)}" if s else "")
        + f" THEN 1 ELSE 0 END) AS {event_column(t, s)}"
        for t, s in events
    )
    event_cols = "".join(f", COALESCE(ev.{event_column(t, s)}, 0) AS {event_column(t, s)}"
                         for t, s in events)
    event_join = (
        f" LEFT JOIN (SELECT uscc{event_sums} FROM events WHERE year = {year} GROUP BY uscc) ev"
        " ON ev.uscc = e.uscc" if events else ""
    )
    return (
        f"SELECT {cols},"
        " CAST(e.year - EXTRACT(YEAR FROM e.founded_date) AS DOUBLE) AS age_years,"
        " CAST(e.year - EXTRACT(YEAR FROM e.production_date) AS DOUBLE) AS production_years,"
        " SUBSTRING(e.industry_code, 1, 2) AS industry_division,"
        " CAST(COALESCE(t.tenant_count, 0) AS DOUBLE) AS tenant_count,"
        " CAST(COALESCE(t.leased_out_area, 0) AS DOUBLE) AS leased_out_area"
        f"{event_cols}"
        f" FROM {source} e"
        " LEFT JOIN (SELECT landlord_uscc, COUNT(DISTINCT tenant_uscc) AS tenant_count,"
        f" SUM(land_area) AS leased_out_area FROM tenancies WHERE year = {year}"
        " GROUP BY landlord_uscc) t ON t.landlord_uscc = e.uscc"
        f"{event_join}"
        f" WHERE e.year = {year}"
    )


def _range_sql(column: str, rng: Range) -> list[str]:
    parts = []
    if rng.min is not None:
        parts.append(f"{column} {'>=' if rng.min_inclusive else '>'} {literal(rng.min)}")
    if rng.max is not None:
        parts.append(f"{column} {'<=' if rng.max_inclusive else '<'} {literal(rng.max)}")
    return parts


def selector_sql(select: Selector) -> str:
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
        parts.append(f"({compile_expression(select.where, base_names()).sql})")
    return " AND ".join(f"COALESCE({p}, FALSE)" for p in parts) or "TRUE"


def population_sql(scheme: Scheme, base: str = "base") -> str:
    """Assign each firm its first matching group and any special class its trigger sets."""
    group_case = " ".join(
        f"WHEN {selector_sql(g.select)} THEN {literal(g.id)}" for g in scheme.groups
    )
    triggers = [s for s in scheme.special_classes if s.when]
    special_case = " ".join(
        f"WHEN COALESCE({compile_expression(s.when or '', base_names()).sql}, FALSE)"
        f" THEN {literal(s.code)}"
        for s in triggers
    )
    special = f"CASE {special_case} ELSE NULL END" if triggers else "CAST(NULL AS VARCHAR)"
    return (
        f"SELECT p.*, CASE WHEN p.group_id IS NULL THEN NULL ELSE {special} END"
        " AS trigger_special"
        f" FROM (SELECT b.*, CASE {group_case} ELSE NULL END AS group_id FROM {base} b) p"
    )
