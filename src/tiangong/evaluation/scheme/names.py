"""The identifiers an expression may read, by where it is written.

Indicator formulas, selectors and special-class triggers read the canonical and derived
variables; bonus and penalty formulas and tiebreaks may also read indicator values; adjustment
conditions may also read the firm's result so far (score, rank, percentile, partition_size).
"""

from __future__ import annotations

from collections.abc import Mapping

from tiangong.evaluation import canonical
from tiangong.evaluation.scheme.expr_types import DATE, NUMBER, TEXT
from tiangong.evaluation.scheme.expressions import (
    CompiledExpression,
    ExpressionError,
    compile_expression,
)
from tiangong.evaluation.scheme.model import Scheme

Path = tuple[str | int, ...]
Finding = tuple[Path, str]

OUTCOME_NAMES = {"score": "score", "rank": "rank_pos", "percentile": "percentile",
                 "partition_size": "partition_size"}


def base_names(scheme: Scheme | None = None) -> dict[str, str]:
    """Identifiers usable before indicators exist: canonical and derived variables, and the
    variables `scheme` declares (columns of the enterprise table it reads)."""
    names = {c.name: c.name for c in canonical.ENTERPRISE_COLUMNS}
    names.update({d: d for d in canonical.DERIVED_VARIABLES})
    if scheme is not None:
        names.update({v: v for v in scheme.variables if v not in names})
    return names


def indicator_column(indicator_id: str) -> str:
    return f"value_{indicator_id}"


def names_with_indicators(scheme: Scheme) -> dict[str, str]:
    names = base_names(scheme)
    names.update({i: indicator_column(i) for i in scheme.indicators})
    return names


def scored_indicators(scheme: Scheme) -> list[str]:
    """Indicator ids some group scores (not rank_only): they have item points."""
    return list(dict.fromkeys(i.indicator for g in scheme.groups for i in g.items
                              if i.method != "rank_only"))


def measure_names(scheme: Scheme) -> dict[str, str]:
    """Identifiers a ranking measure (`rank_by`, a stage's `by`) may read: variables, indicator
    values, `points.<indicator>` (the item's points, after its missing-data rule; empty in a
    group that does not score it) and `total` (the score)."""
    names = names_with_indicators(scheme)
    names.update({f"points.{i}": f"points_{i}" for i in scored_indicators(scheme)})
    names["total"] = "score"
    return names


def outcome_names(scheme: Scheme) -> dict[str, str]:
    """Identifiers an adjustment may read: everything plus the firm's own result so far."""
    names = names_with_indicators(scheme)
    names.update(OUTCOME_NAMES)
    return names


def name_types(scheme: Scheme, names: Mapping[str, str]) -> dict[str, str]:
    """The type of every identifier in `names` (see `expr_types`): canonical text and date
    columns by the canonical tables, everything else (amounts, counts, indicator values, item
    points, outcomes) a number."""
    types: dict[str, str] = {}
    for name in names:
        if name in scheme.variables and name not in canonical.NUMERIC_VARIABLES | \
                canonical.TEXT_VARIABLES | canonical.DATE_VARIABLES:
            types[name] = scheme.variables[name].type
        elif name in canonical.TEXT_VARIABLES:
            types[name] = TEXT
        elif name in canonical.DATE_VARIABLES:
            types[name] = DATE
        else:
            types[name] = NUMBER
    return types


def compile_into(expr: str, names: Mapping[str, str], path: Path, found: list[Finding],
                 scheme: Scheme | None = None, expect: str | None = None,
                 ) -> CompiledExpression | None:
    """Compile (type-checked when `scheme` is given, with a result of type `expect`),
    appending the error (if any) to `found` at `path`."""
    types = name_types(scheme, names) if scheme is not None else None
    try:
        return compile_expression(expr, names, types, expect)
    except ExpressionError as err:
        found.append((path, str(err)))
        return None
