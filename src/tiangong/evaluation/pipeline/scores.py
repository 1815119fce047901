"""Benchmarks, item scores, imputation rules, bonus and penalty points, and totals.

Benchmarks are computed once per group into their own table, so the run can store exactly which
numbers every score was divided by. Means are exact (see `sql.exact_mean`) so a re-run, or the
Spark engine, reproduces them bit for bit. Group statistics and mean item points are one
aggregate when no item reads the year's own statistics (`reads_own_year_stats`).
"""

from __future__ import annotations

from tiangong.evaluation.pipeline import clipping
from tiangong.evaluation.pipeline.sql import case_by_group, exact_mean, literal
from tiangong.evaluation.scheme.expressions import compile_expression, in_range_sql
from tiangong.evaluation.scheme.model import Group, Item, PointsItem, Rule, Scheme, Step
from tiangong.evaluation.scheme.validate import names_with_indicators


def scored_items(scheme: Scheme) -> list[str]:
    """Indicator ids that some group scores (rank-only items excluded)."""
    seen: dict[str, None] = {}
    for group in scheme.groups:
        for item in group.items:
            if item.method != "rank_only":
                seen[item.indicator] = None
    return list(seen)


def points_items(scheme: Scheme) -> list[tuple[str, PointsItem]]:
    found: dict[str, tuple[str, PointsItem]] = {}
    for group in scheme.groups:
        for kind, items in (("bonus", group.bonus), ("penalty", group.penalties)):
            for p in items:
                found.setdefault(p.id, (kind, p))
    return list(found.values())


def needs_prior_year(scheme: Scheme) -> bool:
    return any(i.benchmark is not None and i.benchmark.kind == "prior_year_mean"
               for g in scheme.groups for i in g.items)


def reads_own_year_stats(scheme: Scheme) -> bool:
    """Whether item points read the evaluated year's group statistics: a group_mean or
    group_max benchmark, or a min–max item (the group's min and max values).

    When they do not (黄岩: constant benchmarks; 淮安: the prior year's means), the group
    statistics and the mean item points are one aggregate over `raw_points` instead of two
    passes over the firms (at 2.5 million firms, a quarter of a second).
    """
    return any(i.method == "minmax"
               or (i.benchmark is not None and i.benchmark.kind in ("group_mean", "group_max"))
               for g in scheme.groups for i in g.items if i.method != "rank_only")


def group_stats_sql(scheme: Scheme, source: str, with_item_means: bool = False) -> str:
    cols = []
    for ind in scheme.indicators:
        v = f"value_{ind}"
        cols += [f"{exact_mean(v)} AS mean_{ind}", f"MAX({v}) AS max_{ind}",
                 f"MIN({v}) AS min_{ind}", f"COUNT({v}) AS n_{ind}"]
    if with_item_means:
        cols += _item_means(scheme)
    return (f"SELECT group_id, {', '.join(cols)} FROM {source}"
            " WHERE group_id IS NOT NULL AND special_class IS NULL GROUP BY group_id")


def _with(first: str, cols: list[str]) -> str:
    """A select list; no trailing comma when a scheme scores no item (rank-only schemes)."""
    return ", ".join([first, *cols])


def _benchmark_expr(item: Item) -> str:
    bm = item.benchmark
    if bm is None:
        return "NULL"
    if bm.kind == "constant":
        return literal(float(bm.value or 0))
    stat = {"group_mean": "gs.mean", "group_max": "gs.max", "prior_year_mean": "gp.mean"}
    return f"{stat[bm.kind]}_{item.indicator} * {literal(float(bm.factor))}"


def _benchmark_column(scheme: Scheme, ind: str, alias: str) -> str:
    """`alias`: the table whose group_id the CASE reads (the clip bounds joined beside
    `group_stats` have a group_id too)."""
    per_group = {g.id: _benchmark_expr(i) for g in scheme.groups for i in g.items
                 if i.indicator == ind and i.benchmark is not None}
    case = case_by_group(per_group).replace("CASE group_id", f"CASE {alias}.group_id", 1)
    return f"{case} AS bm_{ind}"


def _prior_join(scheme: Scheme, key: str) -> str:
    # the prior year's group id is renamed so that CASE group_id stays unambiguous
    means = "".join(f", mean_{ind}" for ind in scheme.indicators)
    return (f" LEFT JOIN (SELECT group_id AS prior_group_id{means} FROM group_stats_prev) gp"
            f" ON gp.prior_group_id = {key}")


def benchmarks_sql(scheme: Scheme, with_prior: bool) -> str:
    cols = []
    for ind in scored_items(scheme):
        low, high = clipping.range_columns(scheme, ind)
        cols += [_benchmark_column(scheme, ind, "gs"), f"{low} AS min_{ind}",
                 f"{high} AS max_{ind}", f"gs.n_{ind} AS n_{ind}"]
    prior = _prior_join(scheme, "gs.group_id") if with_prior else ""
    return (f"SELECT {_with('gs.group_id', cols)} FROM {_every_group_stats(scheme)} gs{prior}"
            + clipping.clip_joins(scheme))


def benchmark_values_sql(scheme: Scheme, with_prior: bool) -> str:
    """The benchmarks alone, for a scheme whose points read no statistic of its own year
    (`reads_own_year_stats`): constants and prior-year means, before `group_stats` exists."""
    cols = [_benchmark_column(scheme, ind, "a") for ind in scored_items(scheme)]
    prior = _prior_join(scheme, "a.group_id") if with_prior else ""
    return f"(SELECT {_with('a.group_id', cols)} FROM ({_scheme_groups(scheme)}) a{prior})"


def _scheme_groups(scheme: Scheme) -> str:
    return " UNION ALL ".join(f"SELECT {literal(g.id)} AS group_id" for g in scheme.groups)


def _every_group_stats(scheme: Scheme) -> str:
    """group_stats with a row for every group of the scheme, also one whose firms are all in
    special classes (a compute-only list still needs its constant benchmarks)."""
    stats = "".join(f", s.{stat}_{ind}" for ind in scheme.indicators
                    for stat in ("mean", "max", "min", "n"))
    return (f"(SELECT a.group_id{stats} FROM ({_scheme_groups(scheme)}) a"
            " LEFT JOIN group_stats s ON s.group_id = a.group_id)")


def _steps_sql(value: str, steps: tuple[Step, ...]) -> str:
    ordered = sorted(steps, key=lambda s: s.at_least, reverse=True)
    whens = " ".join(f"WHEN {value} >= {literal(float(s.at_least))} THEN "
                     f"{literal(float(s.points))}" for s in ordered)
    return f"CASE {whens} ELSE 0e0 END"


def _clamp(sql: str, floor: float | None, cap: float | None) -> str:
    """Cap and floor points; NULL (no value) stays NULL.

    LEAST/GREATEST skip NULL arguments on DuckDB and Spark, so a bare GREATEST(NULL, 0) would
    turn a firm without data into one scoring the floor, and pull the group's mean item score
    (黄岩: the imputation for missing emission data) towards it.
    """
    if cap is None and floor is None:
        return sql
    clamped = sql
    if cap is not None:
        clamped = f"LEAST({clamped}, {literal(float(cap))})"
    if floor is not None:
        clamped = f"GREATEST({clamped}, {literal(float(floor))})"
    return f"CASE WHEN ({sql}) IS NULL THEN NULL ELSE {clamped} END"


def _raw_points(item: Item) -> str:
    v, b, ind = f"value_{item.indicator}", f"bm_{item.indicator}", item.indicator
    w = literal(float(item.weight))
    if item.method == "ratio":
        # a benchmark that is not positive (no firm with data, a negative mean) gives no
        # points rather than points of the wrong sign; evaluate() warns about it
        sql = f"CASE WHEN {b} > 0 THEN {w} * {v} / {b} END"
    elif item.method == "inverse":
        sql = (f"CASE WHEN {b} > 0 AND {v} IS NOT NULL THEN CASE WHEN {v} >= 2 * {b} THEN 0e0"
               f" ELSE {w} * (2 - {v} / {b}) END END")
    elif item.method == "minmax":
        if item.clip is not None:  # a value beyond the clip bounds counts as the bound
            v = f"LEAST(GREATEST({v}, min_{ind}), max_{ind})"
        low, high = literal(float(item.low)), literal(float(item.high))
        sql = (f"CASE WHEN max_{ind} > min_{ind} THEN {w} * ({low} + ({high} - {low}) * "
               f"({v} - min_{ind}) / (max_{ind} - min_{ind})) / 100 ELSE {w} * {high} / 100 END")
    else:  # steps
        sql = _steps_sql(v, item.steps)
    # no value, no raw points: the missing-data rule decides, and the group's mean item score
    # (group_mean) averages only firms with data (a step table or min–max alone would give
    # 0 or the top score to a NULL)
    return _clamp(f"CASE WHEN {v} IS NULL THEN NULL ELSE {sql} END", item.floor, item.cap)


def raw_points_sql(scheme: Scheme) -> str:
    cols = []
    for ind in scored_items(scheme):
        per_group = {g.id: _raw_points(i) for g in scheme.groups for i in g.items
                     if i.indicator == ind and i.method != "rank_only"}
        cols.append(f"{case_by_group(per_group)} AS raw_{ind}")
    stats = reads_own_year_stats(scheme)
    bms = [f"bm.bm_{i}" + (f", bm.min_{i}, bm.max_{i}" if stats else "")
           for i in scored_items(scheme)]
    benchmarks = "benchmarks" if stats else benchmark_values_sql(scheme, needs_prior_year(scheme))
    return (f"SELECT {_with('j.*', cols)} FROM (SELECT {_with('c.*', bms)} FROM classified c"
            f" LEFT JOIN {benchmarks} bm ON bm.group_id = c.group_id) j")


def _item_means(scheme: Scheme) -> list[str]:
    return [f"{exact_mean(f'raw_{i}')} AS meanpts_{i}" for i in scored_items(scheme)]


def item_means_sql(scheme: Scheme) -> str:
    if not reads_own_year_stats(scheme):  # computed with the group statistics
        means = [f"meanpts_{i}" for i in scored_items(scheme)]
        return f"SELECT {_with('group_id', means)} FROM group_stats"
    return (f"SELECT {_with('group_id', _item_means(scheme))} FROM raw_points"
            " WHERE group_id IS NOT NULL AND special_class IS NULL GROUP BY group_id")


def rule_for(scheme: Scheme, item: Item, kind: str) -> Rule | None:
    """The item's rule of `kind`, else the scheme's default; an undefined value (`invalid`)
    with neither stated follows the missing-data rule (the check requires `invalid:` where
    ln, sqrt or pow can give one; otherwise only an overflow can)."""
    rule: Rule | None = getattr(item, kind)
    rule = rule or scheme.defaults.get(kind)  # type: ignore[call-overload]
    if rule is None and kind == "invalid":
        return rule_for(scheme, item, "missing")
    return rule


RULE_FLAGS = (("missing", "missing"), ("zero_denominator", "zero"), ("invalid", "invalid"))


def _rule_points(rule: Rule | None, ind: str) -> str:
    if rule is None:
        return "NULL"
    return {"zero": "0e0", "group_mean": f"meanpts_{ind}",
            "penalty": literal(-float(rule.points or 0))}.get(rule.kind, "NULL")


def _scored_item_rules(scheme: Scheme, ind: str) -> dict[str, tuple[Rule | None, ...]]:
    """(missing, zero-denominator, invalid) rules of indicator `ind` in each group scoring it."""
    return {g.id: tuple(rule_for(scheme, item, kind) for kind, _flag in RULE_FLAGS)
            for g in scheme.groups for item in g.items
            if item.indicator == ind and item.method != "rank_only"}


def _item_points(scheme: Scheme, ind: str) -> str:
    return case_by_group({
        g: f"CASE WHEN missing_{ind} THEN {_rule_points(miss, ind)}"
           f" WHEN zero_{ind} THEN {_rule_points(zero, ind)}"
           f" WHEN invalid_{ind} THEN {_rule_points(bad, ind)} ELSE raw_{ind} END"
        for g, (miss, zero, bad) in _scored_item_rules(scheme, ind).items()})


def imputed_sql(scheme: Scheme, ind: str) -> str:
    """The rule that gave item `ind` its points when the firm had no value ('missing:zero').

    Text, so it is written by the `final` step, after the sort for the results (a text column
    carried through the sort of 2.5 million rows costs more than writing it afterwards); the
    flags it reads come from the `indicators` step.
    """
    return case_by_group({
        g: f"CASE WHEN missing_{ind} THEN {literal('missing:' + _rule_name(miss))}"
           f" WHEN zero_{ind} THEN {literal('zero_denominator:' + _rule_name(zero))}"
           f" WHEN invalid_{ind} THEN {literal('invalid:' + _rule_name(bad))}"
           " ELSE NULL END"
        for g, (miss, zero, bad) in _scored_item_rules(scheme, ind).items()})


def _rule_name(rule: Rule | None) -> str:
    if rule is None:
        return "none"
    if rule.kind == "penalty":
        return f"penalty {rule.points:g}"
    if rule.kind == "special_class":
        return f"special_class {rule.special_class}"
    return rule.kind


def _reweight_factor(group: Group, scheme: Scheme) -> str:
    scored = [i for i in group.items if i.method != "rank_only"]
    total = sum(i.weight for i in scored)
    dropped = []
    for i in scored:
        for kind, flag in RULE_FLAGS:
            rule = rule_for(scheme, i, kind)
            if rule is not None and rule.kind == "reweight":
                dropped.append(f"CASE WHEN {flag}_{i.indicator} THEN {literal(float(i.weight))}"
                               " ELSE 0e0 END")
    if not dropped:
        return "1e0"
    avail = f"({literal(float(total))} - {' - '.join(dropped)})"
    return f"CASE WHEN {avail} > 0 THEN {literal(float(total))} / {avail} ELSE 0e0 END"


def _points_item_sql(p: PointsItem, names: dict[str, str]) -> tuple[str, str]:
    # a value of magnitude 10^20 or more (an overflow, ±inf) counts as empty, like NULL: 0 points
    raw = f"CAST({compile_expression(p.expr, names).sql} AS DOUBLE)"
    value = f"CASE WHEN {in_range_sql(raw)} THEN {raw} END"
    pts = (f"{literal(float(p.per_unit))} * COALESCE({value}, 0)" if p.per_unit is not None
           else _steps_sql(f"COALESCE({value}, 0)", p.steps))
    return value, _clamp(pts, 0.0, p.cap)


def scored_sql(scheme: Scheme) -> str:
    items = scored_items(scheme)
    cols = []
    for ind in items:
        cols.append(f"{_item_points(scheme, ind)} AS points_{ind}")
    names = names_with_indicators(scheme)
    for _kind, p in points_items(scheme):
        value, pts = _points_item_sql(p, names)
        owners = {g.id: pts for g in scheme.groups if p in (*g.bonus, *g.penalties)}
        cols += [f"{value} AS value_{p.id}", f"{case_by_group(owners)} AS points_{p.id}"]
    factor = case_by_group({g.id: _reweight_factor(g, scheme) for g in scheme.groups})
    cols.append(f"{factor} AS reweight_factor")
    if not items:
        return f"SELECT r.*, {', '.join(cols)} FROM raw_points r"
    means = ", ".join(f"m.meanpts_{i}" for i in items)
    return (f"SELECT j.*, {', '.join(cols)} FROM (SELECT r.*, {means} FROM raw_points r"
            " LEFT JOIN item_means m ON m.group_id = r.group_id) j")


def totals_sql(scheme: Scheme) -> str:
    def total_for(g: Group) -> tuple[str, str, str]:
        inds = [i.indicator for i in g.items if i.method != "rank_only"]
        bonus = " + ".join(f"COALESCE(points_{p.id}, 0)" for p in g.bonus) or "0e0"
        pen = " + ".join(f"COALESCE(points_{p.id}, 0)" for p in g.penalties) or "0e0"
        if not inds:  # rank-only group: no item score (NULL, not a misleading 0)
            return "CAST(NULL AS DOUBLE)", bonus, pen
        items = " + ".join(f"COALESCE(points_{i}, 0)" for i in inds)
        return f"({items}) * reweight_factor", bonus, pen

    def total(g: Group) -> str:
        if all(i.method == "rank_only" for i in g.items) and not (g.bonus or g.penalties):
            return "CAST(NULL AS DOUBLE)"
        return _clamp("COALESCE(items_score, 0) + bonus - penalty", g.total.floor, g.total.cap)

    parts = {g.id: total_for(g) for g in scheme.groups}
    items = case_by_group({g: p[0] for g, p in parts.items()})
    bonus = case_by_group({g: p[1] for g, p in parts.items()})
    pen = case_by_group({g: p[2] for g, p in parts.items()})
    totals = case_by_group({g.id: total(g) for g in scheme.groups})
    unscored = [s.code for s in scheme.special_classes if not s.scored]
    hide = (f"special_class IN ({', '.join(literal(c) for c in unscored)})" if unscored
            else "FALSE")
    # `unscored`: a special class with scored: false; results show none of its points
    return (f"SELECT t.*, CASE WHEN unscored THEN NULL ELSE {totals} END AS score"
            f" FROM (SELECT s.*, {items} AS items_score, {bonus} AS bonus, {pen} AS penalty,"
            f" COALESCE({hide}, FALSE) AS unscored FROM scored s) t")
