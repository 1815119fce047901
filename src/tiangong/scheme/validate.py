"""Checks that span fields: names exist, formulas compile, and no needed rule is left unstated.

A published scheme that is silent on, say, firms with zero energy use must not be completed by a
guess in code: the analyst has to write the rule down. Each check yields a (path, message) pair;
the loader turns the path into a file line.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from tiangong import canonical
from tiangong.scheme.expressions import CompiledExpression, ExpressionError, compile_expression
from tiangong.scheme.model import Classification, Group, Item, Scheme

Path = tuple[str | int, ...]
Finding = tuple[Path, str]

_SCORED_METHODS = ("ratio", "minmax", "inverse")


def base_names() -> dict[str, str]:
    """Identifiers usable before indicators exist: canonical and derived variables."""
    names = {c.name: c.name for c in canonical.ENTERPRISE_COLUMNS}
    names.update({d: d for d in canonical.DERIVED_VARIABLES})
    return names


def indicator_column(indicator_id: str) -> str:
    return f"value_{indicator_id}"


def names_with_indicators(scheme: Scheme) -> dict[str, str]:
    names = base_names()
    names.update({i: indicator_column(i) for i in scheme.indicators})
    return names


def outcome_names(scheme: Scheme) -> dict[str, str]:
    """Identifiers an adjustment may read: everything plus the firm's own result so far."""
    names = names_with_indicators(scheme)
    names.update({"score": "score", "rank": "rank_pos", "percentile": "percentile",
                  "partition_size": "partition_size"})
    return names


def check_scheme(scheme: Scheme) -> list[Finding]:
    return list(_check(scheme))


def _compile(expr: str, names: Mapping[str, str], path: Path,
             found: list[Finding]) -> CompiledExpression | None:
    try:
        return compile_expression(expr, names)
    except ExpressionError as err:
        found.append((path, str(err)))
        return None


def _check(scheme: Scheme) -> Iterator[Finding]:
    found: list[Finding] = []
    compiled: dict[str, CompiledExpression] = {}
    for ind_id, ind in scheme.indicators.items():
        c = _compile(ind.expr, base_names(), ("indicators", ind_id, "expr"), found)
        if c is not None:
            compiled[ind_id] = c
    yield from found
    yield from _check_specials(scheme)
    seen_groups: set[str] = set()
    for gi, group in enumerate(scheme.groups):
        if group.id in seen_groups:
            yield ("groups", gi, "id"), f"group id '{group.id}' is used twice"
        seen_groups.add(group.id)
        yield from _check_group(scheme, group, ("groups", gi), compiled)
    yield from _check_classification(scheme, scheme.classification)


def _check_specials(scheme: Scheme) -> Iterator[Finding]:
    codes = set(scheme.class_codes())
    for si, special in enumerate(scheme.special_classes):
        path: Path = ("special_classes", si)
        if special.code in codes:
            yield path + ("code",), f"special class '{special.code}' clashes with a class code"
        if special.managed_as is not None and special.managed_as not in codes:
            yield path + ("managed_as",), f"'{special.managed_as}' is not a class code"
        if special.when is not None:
            found: list[Finding] = []
            _compile(special.when, base_names(), path + ("when",), found)
            yield from found


def _rule_problems(scheme: Scheme, item: Item, kind: str, path: Path) -> Iterator[Finding]:
    rule = getattr(item, kind) or scheme.defaults.get(kind)  # type: ignore[call-overload]
    label = {"missing": "missing data", "zero_denominator": "a zero denominator"}[kind]
    if rule is None:
        yield path, (
            f"item '{item.indicator}' does not say what happens on {label}: state '{kind}:' "
            "(group_mean, zero, reweight, {penalty: N} or {special_class: CODE}) on the item "
            f"or under defaults"
        )
    elif rule.kind == "special_class" and scheme.special(rule.special_class or "") is None:
        yield path + (kind,), f"special class '{rule.special_class}' is not defined"


def _check_item(scheme: Scheme, item: Item, path: Path,
                compiled: Mapping[str, CompiledExpression]) -> Iterator[Finding]:
    if item.indicator not in scheme.indicators:
        yield path + ("indicator",), f"unknown indicator '{item.indicator}'"
        return
    expr = compiled.get(item.indicator)
    if item.method in ("ratio", "inverse") and item.benchmark is None:
        yield path, f"method '{item.method}' needs a 'benchmark'"
    if item.method in ("minmax", "steps", "rank_only") and item.benchmark is not None:
        yield path + ("benchmark",), f"method '{item.method}' takes no benchmark"
    if item.method in _SCORED_METHODS and item.weight <= 0:
        yield path + ("weight",), f"method '{item.method}' needs a positive 'weight'"
    if item.method == "steps" and not item.steps:
        yield path, "method 'steps' needs a 'steps' table"
    if item.method == "rank_only" and item.weight:
        yield path + ("weight",), "a rank_only item scores no points: drop 'weight'"
    if item.method == "rank_only":
        return
    yield from _rule_problems(scheme, item, "missing", path)
    if expr is not None and expr.has_division:
        yield from _rule_problems(scheme, item, "zero_denominator", path)
    negative = sorted(expr.variables & canonical.NEGATIVE_VARIABLES) if expr else []
    if negative and item.method in _SCORED_METHODS and "floor" not in item.model_fields_set:
        yield path, (
            f"item '{item.indicator}' reads {', '.join(negative)}, which can be negative "
            "(net refunds): state 'floor:' (minimum points, e.g. 0, or null for none)"
        )


def _check_group(scheme: Scheme, group: Group, path: Path,
                 compiled: Mapping[str, CompiledExpression]) -> Iterator[Finding]:
    found: list[Finding] = []
    if group.select.where:
        _compile(group.select.where, base_names(), path + ("select", "where"), found)
    seen: set[str] = set()
    for ii, item in enumerate(group.items):
        if item.indicator in seen:
            found.append((path + ("items", ii), f"indicator '{item.indicator}' scored twice"))
        seen.add(item.indicator)
        found.extend(_check_item(scheme, item, path + ("items", ii), compiled))
    names = names_with_indicators(scheme)
    for kind in ("bonus", "penalties"):
        for pi, points in enumerate(getattr(group, kind)):
            if points.id in seen or points.id in scheme.indicators:
                found.append((path + (kind, pi, "id"), f"id '{points.id}' is already used"))
            seen.add(points.id)
            _compile(points.expr, names, path + (kind, pi, "expr"), found)
    yield from found


def _check_classification(scheme: Scheme, cls: Classification) -> Iterator[Finding]:
    path: Path = ("classification",)
    codes = scheme.class_codes()
    if cls.rank_by != "total" and cls.rank_by not in scheme.indicators:
        yield path + ("rank_by",), f"rank_by '{cls.rank_by}' is neither 'total' nor an indicator"
    if cls.method in ("quota", "two_stage"):
        yield from _check_quotas(cls, codes, path)
        if cls.ties is None:
            yield path, ("quota classes need 'ties:' (tiebreak, better_class or worse_class): "
                         "how firms with equal scores at a boundary are treated")
    if cls.method == "two_stage":
        if cls.two_stage is None:
            yield path, "method two_stage needs a 'two_stage' block"
        else:
            if cls.two_stage.class_ not in codes:
                yield path + ("two_stage", "class"), f"'{cls.two_stage.class_}' is not a class"
            if cls.two_stage.by not in scheme.indicators:
                yield path + ("two_stage", "by"), f"'{cls.two_stage.by}' is not an indicator"
        if cls.ties not in (None, "tiebreak"):
            yield path + ("ties",), "two_stage selection supports only ties: tiebreak"
    if cls.method == "thresholds":
        if not cls.thresholds or list(cls.thresholds) != codes[:-1]:
            yield path + ("thresholds",), (
                f"thresholds must give a minimum score for each class but the last, in order: "
                f"{', '.join(codes[:-1])}")
    if (cls.bounds or cls.method != "thresholds") and cls.rounding is None:
        yield path, ("quotas and bounds need 'rounding:' (floor, round_half_up or ceil): "
                     "how a share of the partition becomes a number of firms")
    for code, bound in cls.bounds.items():
        if code not in codes:
            yield path + ("bounds", code), f"'{code}' is not a class"
        elif bound.min_share is not None and code != codes[-1]:
            yield path + ("bounds", code), "min_share is supported on the last class only"
    names = names_with_indicators(scheme)
    for ti, tb in enumerate(cls.tiebreak):
        if tb.by not in names:
            yield path + ("tiebreak", ti, "by"), f"unknown variable '{tb.by}'"
    for ai, adj in enumerate(cls.adjustments):
        if adj.class_ is not None and adj.class_ not in codes:
            yield path + ("adjustments", ai, "class"), f"'{adj.class_}' is not a class"
        found: list[Finding] = []
        _compile(adj.when, outcome_names(scheme), path + ("adjustments", ai, "when"), found)
        yield from found


def _check_quotas(cls: Classification, codes: list[str], path: Path) -> Iterator[Finding]:
    if not cls.quotas or list(cls.quotas) != codes:
        yield path + ("quotas",), (
            f"quotas must give a cumulative percentage for every class, in order: "
            f"{', '.join(codes)}")
        return
    values = list(cls.quotas.values())
    if any(b < a for a, b in zip(values, values[1:], strict=False)):
        yield path + ("quotas",), "quotas are cumulative and must not decrease"
    if values[-1] != 100:
        yield path + ("quotas",), "the last class's cumulative quota must be 100"
