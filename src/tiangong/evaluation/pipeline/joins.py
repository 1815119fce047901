"""Event and tenancy counts, joined to the enterprise rows where the scheme first reads them.

A scheme reads these counts at one of three stages: to form the population (selectors, special
class triggers, indicators), to score (bonus and penalty formulas, tiebreak keys) or to adjust
classes. Each count is joined at the first stage that reads it and not before. The row-level
steps are views, so whatever `base` joins is joined again under every aggregate (group_stats,
item_means) and on both sides of the ranking, and DuckDB does not drop a join whose columns a
later view leaves unread: at 2.5 million firms an unread join costs about a tenth of a second of
CPU each time. (黄岩 and 淮安 read events only in their adjustments.)
"""

from __future__ import annotations

from dataclasses import dataclass

from tiangong.evaluation.pipeline.sql import literal
from tiangong.evaluation.scheme.expressions import compile_expression, event_column
from tiangong.evaluation.scheme.model import Scheme
from tiangong.evaluation.scheme.names import OUTCOME_NAMES, base_names
from tiangong.evaluation.scheme.tenant_calls import TenantFilter, tenant_source

TENANCY_VARIABLES = ("tenant_count", "leased_out_area")
STAGES = ("population", "points", "classes")

Event = tuple[str, str | None]  # (type, severity)


@dataclass(frozen=True)
class Counts:
    """Which counts a stage reads: event (type, severity) pairs, the tenancy variables and
    tenancy counts by the tenants' attributes (`tenant_calls`)."""

    events: tuple[Event, ...] = ()
    tenancy: bool = False
    tenant_filters: tuple[TenantFilter, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.events) or self.tenancy or bool(self.tenant_filters)

    def __or__(self, other: Counts) -> Counts:
        return Counts(_sorted({*self.events, *other.events}), self.tenancy or other.tenancy,
                      _by_column({*self.tenant_filters, *other.tenant_filters}))

    def __sub__(self, other: Counts) -> Counts:
        return Counts(tuple(e for e in self.events if e not in other.events),
                      self.tenancy and not other.tenancy,
                      tuple(f for f in self.tenant_filters if f not in other.tenant_filters))


def _by_column(filters: set[TenantFilter]) -> tuple[TenantFilter, ...]:
    return tuple(sorted(filters, key=lambda f: f.column))


def _sorted(events: set[Event]) -> tuple[Event, ...]:
    return tuple(sorted(events, key=lambda e: (e[0], e[1] or "")))


def _expressions(scheme: Scheme, stage: str) -> list[str]:
    if stage == "population":
        exprs = [i.expr for i in scheme.indicators.values()]
        exprs += [s.when for s in scheme.special_classes if s.when]
        return exprs + [g.select.where for g in scheme.groups if g.select.where]
    if stage == "points":
        return [p.expr for g in scheme.groups for p in (*g.bonus, *g.penalties)]
    return [a.when for a in scheme.classification.adjustments]


def read_by(scheme: Scheme, *stages: str) -> Counts:
    """The counts the expressions of `stages` (all three when none are named) read."""
    names = base_names(scheme)
    names.update({i: f"value_{i}" for i in scheme.indicators})
    names.update(OUTCOME_NAMES)
    events: set[Event] = set()
    variables: set[str] = set()
    filters: set[TenantFilter] = set()
    for stage in stages or STAGES:
        for text in _expressions(scheme, stage):
            compiled = compile_expression(text, names)
            events |= compiled.events
            variables |= compiled.variables
            filters |= compiled.tenant_filters
        if stage == "points":  # ranking reads the tiebreak keys before any class step
            variables |= {t.by for t in scheme.classification.tiebreak}
    return Counts(_sorted(events), any(v in variables for v in TENANCY_VARIABLES),
                  _by_column(filters))


def count_columns(counts: Counts, year: int, key: str) -> tuple[str, str]:
    """(select-list items, LEFT JOIN clauses) adding `counts` to rows whose uscc is `key`."""
    cols, joins = "", ""
    if counts.tenancy:
        cols += (", CAST(COALESCE(t.tenant_count, 0) AS DOUBLE) AS tenant_count,"
                 " CAST(COALESCE(t.leased_out_area, 0) AS DOUBLE) AS leased_out_area")
        joins += (" LEFT JOIN (SELECT landlord_uscc, COUNT(DISTINCT tenant_uscc) AS"
                  f" tenant_count, SUM(land_area) AS leased_out_area FROM tenancies WHERE"
                  f" year = {year} GROUP BY landlord_uscc) t ON t.landlord_uscc = {key}")
    if counts.tenant_filters:
        cols += "".join(f", CAST(COALESCE(tf.{f.column}, 0) AS DOUBLE) AS {f.column}"
                        for f in counts.tenant_filters)
        aggs = ", ".join(_tenant_aggregate(f) for f in counts.tenant_filters)
        reads = {r for f in counts.tenant_filters for r in f.reads}
        joins += (f" LEFT JOIN (SELECT t.landlord_uscc, {aggs} FROM tenancies t LEFT JOIN"
                  f" {tenant_source(reads)} te ON te.tn_uscc = t.tenant_uscc AND te.tn_year ="
                  f" t.year WHERE t.year = {year} GROUP BY t.landlord_uscc) tf"
                  f" ON tf.landlord_uscc = {key}")
    if counts.events:
        sums = "".join(
            f", SUM(CASE WHEN event_type = {literal(t)}"
            + (f" AND severity = {literal(s)}" if s else "")
            + f" THEN 1 ELSE 0 END) AS {event_column(t, s)}"
            for t, s in counts.events)
        cols += "".join(f", COALESCE(ev.{event_column(t, s)}, 0) AS {event_column(t, s)}"
                        for t, s in counts.events)
        joins += (f" LEFT JOIN (SELECT uscc{sums} FROM events WHERE year = {year}"
                  f" GROUP BY uscc) ev ON ev.uscc = {key}")
    return cols, joins


def _tenant_aggregate(f: TenantFilter) -> str:
    hit = f"COALESCE({f.condition}, FALSE)"
    if f.kind == "tenant_count":
        return f"COUNT(DISTINCT CASE WHEN {hit} THEN t.tenant_uscc END) AS {f.column}"
    return f"SUM(CASE WHEN {hit} THEN t.land_area END) AS {f.column}"


def with_counts_sql(counts: Counts, year: int, source: str) -> str:
    """The rows of `source` with `counts` added (a step of its own, late in the plan)."""
    cols, joins = count_columns(counts, year, "s.uscc")
    return f"SELECT s.*{cols} FROM {source} s{joins}"
