"""The whole evaluation as an ordered list of named SQL steps.

Keeping the plan a plain list makes three things easy: running it on any engine, storing the
exact statements with a run (an objection can be answered from them), and testing a step alone.

The results are in credit-code order. The rows are sorted in the `sorted` step, before `final`
and the results query write the text columns (class, reason, labels, imputation notes): what a
sort costs is the width of the rows it carries, and at 2.5 million firms sorting the finished
44-column rows took seconds and spilled to disk. Both later statements only compute columns
row by row, which keeps the order (`evaluate` checks it).
"""

from __future__ import annotations

from dataclasses import dataclass

from tiangong.evaluation import canonical
from tiangong.evaluation.pipeline import (
    classes,
    clipping,
    indicators,
    joins,
    population,
    scores,
)
from tiangong.evaluation.pipeline.sql import case_by_group, literal
from tiangong.evaluation.scheme.model import Scheme


@dataclass(frozen=True)
class Plan:
    steps: tuple[tuple[str, str], ...]
    results_sql: str
    result_columns: tuple[str, ...]


def _special_from_rules_sql(scheme: Scheme, source: str) -> str:
    branches: dict[str, str] = {}
    for g in scheme.groups:
        whens = []
        for item in g.items:
            for kind, flag in scores.RULE_FLAGS:
                rule = scores.rule_for(scheme, item, kind) if item.method != "rank_only" else None
                if rule is not None and rule.kind == "special_class":
                    whens.append(f"WHEN {flag}_{item.indicator} THEN {literal(rule.special_class)}")
        if whens:
            branches[g.id] = f"CASE {' '.join(whens)} ELSE NULL END"
    from_rules = case_by_group(branches)
    return (f"SELECT i.*, COALESCE(trigger_special, {from_rules}) AS special_class"
            f" FROM {source} i")


def _year_chain(scheme: Scheme, year: int, suffix: str,
                counts: joins.Counts) -> list[tuple[str, str]]:
    return [
        (f"base{suffix}", population.base_sql(scheme, year, counts=counts)),
        (f"population{suffix}", population.population_sql(scheme, f"base{suffix}")),
        (f"indicators{suffix}", indicators.indicators_sql(scheme, f"population{suffix}")),
        (f"classified{suffix}", _special_from_rules_sql(scheme, f"indicators{suffix}")),
        (f"group_stats{suffix}", scores.group_stats_sql(scheme, f"classified{suffix}")),
    ]


def _shown(column: str) -> str:
    """Points as DOUBLE, hidden for special classes whose scores are not computed."""
    return f"CASE WHEN unscored THEN NULL ELSE CAST({column} AS DOUBLE) END"


def result_columns(scheme: Scheme) -> list[tuple[str, str]]:
    """(output name, SQL) in the stable order of the results table."""
    # year as BIGINT: the results table's contract type (`outputs.results_table`), so the
    # published file and the computed table have one schema
    ident = [(c.name, "CAST(year AS BIGINT)" if c.name == "year" else c.name)
             for c in canonical.ENTERPRISE_COLUMNS
             if c.name in ("uscc", "name", "year", "county_code", "town_code", "town_name",
                           "size_class", "industry_code")]
    group_label = case_by_group({g.id: literal(g.label) for g in scheme.groups})
    cols = [
        *ident,
        ("group", "group_id"), ("group_label", group_label),
        ("special_class", "special_class"), ("class", "class"), ("class_label", "class_label"),
        ("policy_class", "policy_class"), ("class_reason", "class_reason"),
        ("score", "CAST(score AS DOUBLE)"), ("items_score", _shown("items_score")),
        ("bonus", _shown("bonus")), ("penalty", _shown("penalty")),
        ("rank", "CAST(rank_pos AS BIGINT)"),
        ("partition", "CASE WHEN group_id IS NULL THEN NULL ELSE partition_key END"),
        ("partition_size", "CASE WHEN group_id IS NULL THEN NULL ELSE partition_size END"),
        ("percentile", "CAST(rank_pos AS DOUBLE) / NULLIF(partition_size, 0)"),
    ]
    for ind in scheme.indicators:
        cols.append((f"value_{ind}", f"CAST(value_{ind} AS DOUBLE)"))
    for ind in scores.scored_items(scheme):
        cols += [(f"points_{ind}", _shown(f"points_{ind}")),
                 (f"imputed_{ind}", f"CASE WHEN unscored THEN NULL ELSE imputed_{ind} END")]
    for _kind, p in scores.points_items(scheme):
        cols += [(f"value_{p.id}", f"CAST(value_{p.id} AS DOUBLE)"),
                 (f"points_{p.id}", _shown(f"points_{p.id}"))]
    return cols


def build_plan(scheme: Scheme, year: int) -> Plan:
    steps: list[tuple[str, str]] = []
    prior = scores.needs_prior_year(scheme)
    if prior:  # the prior year only forms its population (its benchmark means)
        steps += _year_chain(scheme, year - 1, "_prev", joins.read_by(scheme, "population"))
    early = joins.read_by(scheme, "population", "points")
    chain = _year_chain(scheme, year, "", early)
    benchmarks = ("benchmarks", scores.benchmarks_sql(scheme, prior))
    raw_points = ("raw_points", scores.raw_points_sql(scheme))
    if scores.reads_own_year_stats(scheme):
        clip = [("clip_bounds", clipping.clip_bounds_sql(scheme))] if clipping.clipped(
            scheme) else []
        steps += [*chain, *clip, benchmarks, raw_points]
    else:  # one pass for the group statistics and the mean item points
        group_stats = scores.group_stats_sql(scheme, "raw_points", with_item_means=True)
        steps += [*chain[:-1], raw_points, ("group_stats", group_stats), benchmarks]
    steps += [
        ("item_means", scores.item_means_sql(scheme)),
        ("scored", scores.scored_sql(scheme)),
        ("totals", scores.totals_sql(scheme)),
        ("ranked", classes.ranked_sql(scheme)),
    ]
    late = joins.read_by(scheme, "classes") - early
    if late:  # counts read only by adjustments: joined to the ranked rows, not under ranking
        steps.append(("adjust_counts", joins.with_counts_sql(late, year, "ranked")))
    cls = classes.class_steps(scheme, steps[-1][0])
    steps += cls.steps
    steps.append(("sorted", f"SELECT * FROM {cls.steps[-1][0]} ORDER BY uscc"))
    imputed = [f"{scores.imputed_sql(scheme, i)} AS imputed_{i}"
               for i in scores.scored_items(scheme)]
    steps.append(("final", classes.final_class_sql(scheme, cls.index_column, cls.reasons,
                                                   "sorted", imputed)))
    cols = result_columns(scheme)
    select = ", ".join(f"{sql} AS {_quote(name)}" for name, sql in cols)
    return Plan(tuple(steps), f"SELECT {select} FROM final", tuple(name for name, _ in cols))


def _quote(name: str) -> str:
    return f'"{name}"' if name in ("group", "class", "rank", "partition") else name
