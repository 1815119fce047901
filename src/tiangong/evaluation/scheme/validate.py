"""Checks that span fields: names exist, formulas compile, and no needed rule is left unstated.

A published scheme that is silent on, say, firms with zero energy use must not be completed by a
guess in code: the analyst has to write the rule down. Each check yields a (path, message) pair;
the loader turns the path into a file line. A finding about a key that is absent points at the
path the key would have (`(..., "floor")`), so the loader can tell it apart from other findings.
The class rules are checked in `validate_classes.py`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from tiangong.evaluation import canonical
from tiangong.evaluation.scheme.expr_types import BOOLEAN, NUMBER
from tiangong.evaluation.scheme.expressions import CompiledExpression, suggest
from tiangong.evaluation.scheme.model import Group, Item, PointsItem, Rule, Scheme
from tiangong.evaluation.scheme.names import (
    OUTCOME_NAMES,
    Finding,
    Path,
    base_names,
    compile_into,
    indicator_column,
    names_with_indicators,
    outcome_names,
)
from tiangong.evaluation.scheme.validate_classes import check_classification

__all__ = ["Finding", "Path", "base_names", "check_scheme", "compile_into", "indicator_column",
           "names_with_indicators", "outcome_names"]

SCORED_METHODS = ("ratio", "minmax", "inverse")
_RULE_CHOICES = "group_mean, zero, reweight, {penalty: N} or {special_class: CODE}"


def check_scheme(scheme: Scheme) -> list[Finding]:
    """Every problem of a shape-valid scheme, in file order of the checks; empty when clean."""
    compiled: dict[str, CompiledExpression] = {}
    found = list(_check_variables(scheme))
    found += _check_indicators(scheme, compiled)
    found += _check_specials(scheme)
    seen_groups: set[str] = set()
    for gi, group in enumerate(scheme.groups):
        if group.id in seen_groups:
            found.append((("groups", gi, "id"), f"group id '{group.id}' is used twice"))
        seen_groups.add(group.id)
        found += _check_group(scheme, group, ("groups", gi), compiled)
    found += _check_points_ids(scheme)
    found += check_classification(scheme)
    return found


def _check_variables(scheme: Scheme) -> Iterator[Finding]:
    taken = set(base_names()) | set(OUTCOME_NAMES) | {"total", "group", "events", "points"}
    for name in scheme.variables:
        if name in taken:
            yield ("variables", name), (f"variable '{name}' is already a variable or outcome "
                                        "of the format; declare only columns it lacks")
        elif name in scheme.indicators:
            yield ("variables", name), f"'{name}' is both a variable and an indicator id"
        elif name.startswith("ev_"):
            yield ("variables", name), "variable ids may not start with 'ev_' (event counts)"


def _check_indicators(scheme: Scheme,
                      compiled: dict[str, CompiledExpression]) -> Iterator[Finding]:
    found: list[Finding] = []
    reserved = set(base_names(scheme)) | set(OUTCOME_NAMES) | {"total"}
    for ind_id, ind in scheme.indicators.items():
        if ind_id in reserved:
            found.append((("indicators", ind_id), f"indicator id '{ind_id}' is already a "
                          "variable name; choose another id (e.g. tax_per_mu)"))
        c = compile_into(ind.expr, base_names(scheme), ("indicators", ind_id, "expr"), found,
                         scheme, NUMBER)
        if c is not None and c.division_in_coalesce:
            found.append((("indicators", ind_id, "expr"), (
                f"{ind.expr!r}: a division inside coalesce(…) would hide a zero denominator, "
                "which the item's 'zero_denominator:' rule decides; divide outside coalesce, "
                "e.g. coalesce(rd_expense, 0) / revenue")))
        elif c is not None:
            compiled[ind_id] = c
    yield from found


def _check_specials(scheme: Scheme) -> Iterator[Finding]:
    codes = set(scheme.class_codes())
    ruled = {rule.special_class for rule in _all_rules(scheme) if rule.kind == "special_class"}
    seen: set[str] = set()
    for si, special in enumerate(scheme.special_classes):
        path: Path = ("special_classes", si)
        if special.code in codes:
            yield (*path, "code"), f"special class '{special.code}' clashes with a class code"
        if special.code in seen:
            yield (*path, "code"), f"special class '{special.code}' is defined twice"
        seen.add(special.code)
        if special.managed_as is not None and special.managed_as not in codes:
            yield (*path, "managed_as"), (f"managed_as '{special.managed_as}' is not a class "
                                          f"code{suggest(special.managed_as, codes)}")
        if special.when is not None:
            found: list[Finding] = []
            compile_into(special.when, base_names(scheme), (*path, "when"), found, scheme,
                         BOOLEAN)
            yield from found
        elif special.code not in ruled:
            yield (*path, "when"), (f"special class '{special.code}' has no 'when:' trigger and "
                                    "no missing/zero_denominator rule moves firms to it")


def _all_rules(scheme: Scheme) -> Iterator[Rule]:
    yield from scheme.defaults.values()
    for group in scheme.groups:
        for item in group.items:
            yield from (r for r in (item.missing, item.zero_denominator, item.invalid)
                        if r is not None)


def _rule_problems(scheme: Scheme, item: Item, kind: str, path: Path,
                   detail: str = "") -> Iterator[Finding]:
    own = getattr(item, kind)
    rule = own or scheme.defaults.get(kind)  # type: ignore[call-overload]
    label = {"missing": "missing data", "zero_denominator": "a zero denominator",
             "invalid": "a value with no result"}[kind]
    if rule is None:
        yield (*path, kind), (
            f"item '{item.indicator}' does not say what happens on {label}{detail}: state "
            f"'{kind}:' ({_RULE_CHOICES}) on the item or under 'defaults:'")
    elif rule.kind == "special_class" and scheme.special(rule.special_class or "") is None:
        where: Path = (*path, kind) if own else ("defaults", kind)
        known = [s.code for s in scheme.special_classes]
        yield where, (f"special class '{rule.special_class}' is not defined under "
                      f"special_classes{suggest(rule.special_class or '', known)}")


def _check_item(scheme: Scheme, item: Item, path: Path,
                compiled: Mapping[str, CompiledExpression]) -> Iterator[Finding]:
    if item.indicator not in scheme.indicators:
        yield (*path, "indicator"), (f"unknown indicator '{item.indicator}'"
                                     f"{suggest(item.indicator, scheme.indicators)}")
        return
    expr = compiled.get(item.indicator)
    name, method = item.indicator, item.method
    if method in ("ratio", "inverse") and item.benchmark is None:
        yield (*path, "benchmark"), (
            f"item '{name}': method '{method}' needs a 'benchmark:' (a number, or "
            "{kind: group_mean | group_max | prior_year_mean, factor: k})")
    if method in ("minmax", "steps", "rank_only") and item.benchmark is not None:
        yield (*path, "benchmark"), f"item '{name}': method '{method}' takes no benchmark"
    if method in SCORED_METHODS and item.weight <= 0:
        yield (*path, "weight"), f"item '{name}': method '{method}' needs a positive 'weight'"
    if method != "minmax" and item.clip is not None:
        yield (*path, "clip"), f"item '{name}': 'clip' is only for method 'minmax'"
    if method == "steps" and not item.steps:
        yield (*path, "steps"), f"item '{name}': method 'steps' needs a 'steps:' table"
    if method != "steps" and item.steps:
        yield (*path, "steps"), f"item '{name}': a 'steps:' table is only for method 'steps'"
    if method == "rank_only":
        if item.weight:
            yield (*path, "weight"), f"item '{name}': a rank_only item scores no points"
        return
    yield from _rule_problems(scheme, item, "missing", path)
    if expr is not None and expr.has_division:
        detail = f" (when {' or '.join(expr.denominators)} is 0)"
        yield from _rule_problems(scheme, item, "zero_denominator", path, detail)
    if expr is not None and expr.undefined_possible:
        detail = " (ln of a value ≤ 0, sqrt of a negative value, pow beyond the double range)"
        yield from _rule_problems(scheme, item, "invalid", path, detail)
    negative_names = canonical.NEGATIVE_VARIABLES | {
        v for v, d in scheme.variables.items() if d.can_be_negative}
    negative = sorted(expr.variables & negative_names) if expr else []
    if negative and method in SCORED_METHODS and "floor" not in item.model_fields_set:
        yield (*path, "floor"), (
            f"item '{name}' reads {', '.join(negative)}, which can be negative (net refunds, "
            "losses): state 'floor:' (minimum points, e.g. 0, or null for no floor)")


def _check_group(scheme: Scheme, group: Group, path: Path,
                 compiled: Mapping[str, CompiledExpression]) -> Iterator[Finding]:
    found: list[Finding] = []
    if group.select.where:
        compile_into(group.select.where, base_names(scheme), (*path, "select", "where"), found,
                     scheme, BOOLEAN)
    seen: set[str] = set()
    for ii, item in enumerate(group.items):
        if item.indicator in seen:
            found.append(((*path, "items", ii), f"indicator '{item.indicator}' scored twice"))
        seen.add(item.indicator)
        found.extend(_check_item(scheme, item, (*path, "items", ii), compiled))
    names = names_with_indicators(scheme)
    for kind in ("bonus", "penalties"):
        for pi, points in enumerate(getattr(group, kind)):
            if points.id in seen or points.id in scheme.indicators or points.id in names:
                found.append(((*path, kind, pi, "id"), f"id '{points.id}' is already used"))
            seen.add(points.id)
            compile_into(points.expr, names, (*path, kind, pi, "expr"), found, scheme, NUMBER)
            if points.per_unit is not None and points.per_unit <= 0:
                found.append(((*path, kind, pi, "per_unit"), "per_unit must be positive "
                              "(penalties are subtracted; write the points as a positive number)"))
    yield from found


def _check_points_ids(scheme: Scheme) -> Iterator[Finding]:
    """A bonus or penalty id used in several groups must mean the same thing in each."""
    first: dict[str, tuple[str, PointsItem]] = {}
    for gi, group in enumerate(scheme.groups):
        for kind in ("bonus", "penalties"):
            for pi, points in enumerate(getattr(group, kind)):
                if points.id not in first:
                    first[points.id] = (kind, points)
                elif first[points.id] != (kind, points):
                    yield (("groups", gi, kind, pi, "id"),
                           f"'{points.id}' is defined differently in another group; give it "
                           "another id or make the definitions identical")
