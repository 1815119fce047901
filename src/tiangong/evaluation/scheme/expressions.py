"""Safe expressions: scheme text in, engine-neutral SQL out, never `eval`.

Indicators, selectors, triggers and adjustment conditions are written by county analysts as small
formulas (`eval_tax / land_area`, `age_years < 2 and size_class = 'above'`). We parse them with
SQLGlot and accept only a whitelist of node types and names, so a scheme can never run arbitrary
code or SQL. Divisions are compiled to `NULLIF` divisions and their denominators are reported, so
the scoring stage can tell a missing value from a zero denominator — the two rules a scheme must
state separately.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp

from tiangong.evaluation.scheme.expr_types import TYPE_WORDS, ExpressionTypeError, expression_type
from tiangong.evaluation.scheme.tenant_calls import (
    TENANT_FUNCTIONS,
    TenantFilter,
    inside_tenant_call,
    is_tenant_call,
    tenant_names,
)

_ALLOWED_NODES: tuple[type[exp.Expression], ...] = (
    exp.Column, exp.Identifier, exp.Literal, exp.Null, exp.Boolean, exp.Paren,
    exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Neg,
    exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE,
    exp.And, exp.Or, exp.Not, exp.In, exp.Is, exp.Between,
    exp.Least, exp.Greatest, exp.Coalesce, exp.Abs, exp.Ln, exp.Sqrt, exp.Pow,
    exp.Anonymous,
)
_EVENT_FUNCTION = "event_count"
ALLOWED_FUNCTIONS = ("least", "greatest", "coalesce", "abs", "ln", "sqrt", "pow", _EVENT_FUNCTION,
                     *TENANT_FUNCTIONS)


class ExpressionError(ValueError):
    """The formula does not parse, or uses something the whitelist does not allow."""


@dataclass
class CompiledExpression:
    source: str
    sql: str  # DuckDB dialect; transpiled per engine by the adapter
    variables: set[str] = field(default_factory=set)  # names referenced (canonical or derived)
    events: set[tuple[str, str | None]] = field(default_factory=set)  # (type, severity)
    denominators: list[str] = field(default_factory=list)  # SQL of each divisor
    # SQL of what must not be empty for the value to count as present: each variable read
    # outside coalesce(…), and each outermost coalesce(…) as a whole (see `missing_sql`)
    required: list[str] = field(default_factory=list)
    undefined_possible: bool = False  # ln, sqrt or pow: a value may have no result
    division_in_coalesce: bool = False  # coalesce(a / b, …): refused in indicators
    tenant_filters: set[TenantFilter] = field(default_factory=set)  # tenant_count(cond), …

    @property
    def has_division(self) -> bool:
        return bool(self.denominators)


def suggest(name: str, known: Iterable[str]) -> str:
    """' (did you mean a, b?)' for names close to `name`, else ''."""
    candidates = list(known)
    close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.6)
    lowered = [c for c in candidates if c.lower() == name.lower() and c not in close]
    close = lowered + close
    return f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""


def event_column(event_type: str, severity: str | None) -> str:
    """Column name of a per-enterprise event count in the prepared base table."""
    return f"ev_{event_type}" + (f"__{severity}" if severity else "")


def compile_expression(source: str, names: Mapping[str, str],
                       types: Mapping[str, str] | None = None,
                       expect: str | None = None) -> CompiledExpression:
    """Compile `source` allowing the identifiers in `names` (identifier -> SQL column).

    With `types` (identifier -> type, see `expr_types`) the expression is type-checked, and
    with `expect` its result must be of that type (a number for an indicator, a condition for
    a `when`); the scheme checker passes both, the pipeline compiles checked schemes only.
    """
    if not isinstance(source, str) or not source.strip():
        raise ExpressionError("expression is empty")
    try:
        tree = sqlglot.parse_one(source, read="duckdb")
    except sqlglot.errors.ParseError as err:
        first = err.errors[0]["description"] if err.errors else str(err)
        raise ExpressionError(f"cannot parse {source!r}: {first}") from None
    result = CompiledExpression(source=source, sql="")
    _check(tree, names, result, source)
    if types is not None:
        try:
            got = expression_type(tree, types, source)
        except ExpressionTypeError as err:
            raise ExpressionError(str(err)) from None
        for call in tree.find_all(exp.Anonymous):
            if is_tenant_call(call):
                _want_condition(call, types, source)
        if expect is not None and got not in (expect, "null"):
            raise ExpressionError(
                f"{source!r} is {TYPE_WORDS[got]}; {TYPE_WORDS[expect]} is needed here"
                + ("; a condition compares values, e.g. x > 0" if expect == "boolean" else ""))
    result.required = _required(tree, names)
    renamed = tree.transform(lambda node: _rename(node, names))
    rewritten = renamed.transform(lambda node: _safe_division(node, result))
    result.division_in_coalesce = any(d.find_ancestor(exp.Coalesce) is not None
                                      for d in tree.find_all(exp.Div))
    result.undefined_possible = any(isinstance(n, exp.Ln | exp.Sqrt | exp.Pow)
                                    for n in rewritten.walk())
    result.sql = rewritten.transform(_defined_or_null).sql(dialect="duckdb")
    return result


# The largest finite double: |x| <= it is false for ±inf and for NaN (both engines order NaN
# above every number), so one comparison tells a finite value.
FINITE_LIMIT = "1.7976931348623157e308"


def finite_sql(sql: str) -> str:
    """SQL true when `sql` is a finite number (false for ±inf and NaN, NULL for NULL)."""
    return f"ABS({sql}) <= {FINITE_LIMIT}"


# Indicator values are summed exactly as DECIMAL(38, 18) (`sql.exact_mean`), which holds 20
# digits before the point: a value of 10^20 or more cannot be summed, so it is invalid.
VALUE_LIMIT = "1e20"


def in_range_sql(sql: str) -> str:
    """SQL true when `sql` is a usable indicator value: |x| < 10^20 (false for ±inf, NaN)."""
    return f"ABS({sql}) < {VALUE_LIMIT}"


def _defined_or_null(node: exp.Expr) -> exp.Expr:
    """ln, sqrt and pow outside their domain or range give NULL on every engine.

    DuckDB gives ln(0) = -inf, ln(-1) = NaN, sqrt(-1) = NaN; Spark gives NULL for the first two
    and NaN for the third, and both give inf for an overflowing pow. A condition over such a
    value would then differ between engines (NaN counts as the largest number, NULL as false),
    and an infinite value cannot be summed exactly (`exact_mean` casts to DECIMAL). So the
    argument is checked (ln: > 0, sqrt: ≥ 0) and pow's result must be finite; an indicator
    whose value is NULL this way is "invalid" and gets the item's `invalid:` rule.
    """
    # a replaced node's children are not visited by `transform`: guard them here first
    if isinstance(node, exp.Ln | exp.Sqrt):
        arg = node.this.transform(_defined_or_null)
        ok = exp.GT if isinstance(node, exp.Ln) else exp.GTE
        guarded = exp.Case(ifs=[exp.If(this=ok(this=arg.copy(), expression=exp.Literal.number(0)),
                                       true=arg.copy())])
        return type(node)(this=guarded)
    if isinstance(node, exp.Pow):
        inner = exp.Pow(this=node.this.transform(_defined_or_null),
                        expression=node.expression.transform(_defined_or_null))
        text = inner.sql(dialect="duckdb")
        return sqlglot.parse_one(f"CASE WHEN {finite_sql(text)} THEN {text} END", read="duckdb")
    return node


def _required(tree: exp.Expr, names: Mapping[str, str]) -> list[str]:
    """Columns read outside coalesce(…), and each outermost coalesce(…), as SQL, sorted.

    `coalesce(rd_expense, 0) / revenue` is missing only when revenue is; `coalesce(a, b)` only
    when both are (the coalesce as a whole is empty). Event counts are never empty.
    """
    found: set[str] = set()
    for node in tree.walk():
        if node.find_ancestor(exp.Coalesce) is not None or inside_tenant_call(node):
            continue
        if isinstance(node, exp.Coalesce):
            renamed = node.copy().transform(lambda n: _rename(n, names))
            found.add(renamed.transform(_defined_or_null).sql(dialect="duckdb"))
        elif isinstance(node, exp.Column) and (node.table or "").lower() != "events":
            key = f"{node.table}.{node.name}" if node.table else node.name
            found.add(names[key])
    return sorted(found)


def _check(tree: exp.Expr, names: Mapping[str, str], out: CompiledExpression,
           source: str) -> None:
    for node in tree.walk():
        if inside_tenant_call(node):
            continue  # checked against the tenant's names by _check_tenant_call
        if isinstance(node, exp.Func) and not isinstance(node, _ALLOWED_NODES):
            raise ExpressionError(
                f"{source!r}: function {node.sql_name().lower()}() is not allowed; allowed "
                f"functions: {', '.join(ALLOWED_FUNCTIONS)}"
            )
        if not isinstance(node, _ALLOWED_NODES):
            raise ExpressionError(
                f"{source!r}: '{node.sql(dialect='duckdb')}' ({type(node).__name__}) is not "
                "allowed; use numbers, variables, + - * /, comparisons, and/or/not, in, "
                "between, is null, least, greatest, coalesce, abs, ln, sqrt, pow, event_count"
            )
        if isinstance(node, exp.Literal) and not node.is_string and \
                not math.isfinite(float(node.this)):
            raise ExpressionError(f"{source!r}: the number {node.this} is beyond the range of "
                                  "a double (about 1.8e308)")
        if is_tenant_call(node):
            _check_tenant_call(node, names, source, out)  # type: ignore[arg-type]
        elif isinstance(node, exp.Anonymous):
            _check_event_call(node, source, out)
        elif isinstance(node, exp.Column):
            _check_column(node, names, source, out)


def _check_tenant_call(node: exp.Anonymous, names: Mapping[str, str], source: str,
                       out: CompiledExpression) -> None:
    kind = str(node.this).lower()
    if len(node.expressions) != 1:
        raise ExpressionError(f"{source!r}: {kind}(…) takes one condition on the tenant, e.g. "
                              f"{kind}(size_class = 'below'); without a condition write {kind}")
    condition = node.expressions[0]
    try:
        inner = compile_expression(condition.sql(dialect="duckdb"), tenant_names(names))
    except ExpressionError as err:
        raise ExpressionError(f"{source!r}: in {kind}(…), which reads the tenant's own row: "
                              f"{err}") from None
    if inner.events or inner.tenant_filters:
        raise ExpressionError(f"{source!r}: a condition in {kind}(…) reads the tenant's "
                              "variables only (no events, no nested tenant counts)")
    out.tenant_filters.add(TenantFilter(kind, inner.sql, tuple(sorted(inner.variables))))


def _want_condition(call: exp.Anonymous, types: Mapping[str, str], source: str) -> None:
    try:
        got = expression_type(call.expressions[0], types, source)
    except ExpressionTypeError as err:
        raise ExpressionError(str(err)) from None
    if got not in ("boolean", "null"):
        raise ExpressionError(f"{source!r}: {call.this}(…) takes a condition on the tenant, "
                              f"not {TYPE_WORDS[got]}")


def _check_event_call(node: exp.Anonymous, source: str, out: CompiledExpression) -> None:
    if str(node.this).lower() != _EVENT_FUNCTION:
        raise ExpressionError(
            f"{source!r}: function {node.this}() is not allowed; allowed functions: "
            f"{', '.join(ALLOWED_FUNCTIONS)}"
        )
    args = node.expressions
    if not 1 <= len(args) <= 2 or not all(
        isinstance(a, exp.Literal) and a.is_string for a in args
    ):
        raise ExpressionError(
            f"{source!r}: event_count takes a quoted event type and optional severity, "
            "e.g. event_count('safety_accident', 'major')"
        )
    severity = args[1].this if len(args) == 2 else None
    out.events.add((args[0].this, severity))


def _check_column(node: exp.Column, names: Mapping[str, str], source: str,
                  out: CompiledExpression) -> None:
    if node.args.get("db") is not None or node.args.get("catalog") is not None:
        raise ExpressionError(f"{source!r}: {node.sql()!r} is not a variable")
    if node.table:
        if node.table.lower() == "events":
            out.events.add((node.name, None))
            return
        key = f"{node.table}.{node.name}"
        if key not in names:
            prefixes = sorted({"events", *(n.split(".")[0] for n in names if "." in n)})
            hint = suggest(key, [n for n in names if "." in n])
            raise ExpressionError(f"{source!r}: unknown name {key!r}{hint} (prefixes here: "
                                  f"{', '.join(p + '.' for p in prefixes)})")
        out.variables.add(key)
        return
    if node.name not in names:
        hint = suggest(node.name, names)
        if not hint:
            hint = f"; known: {', '.join(sorted(names))}"
        raise ExpressionError(f"{source!r}: unknown variable {node.name!r}{hint}")
    out.variables.add(node.name)


def _rename(node: exp.Expr, names: Mapping[str, str]) -> exp.Expr:
    if isinstance(node, exp.Column):
        if node.table and node.table.lower() == "events":
            return exp.column(event_column(node.name, None))
        if node.table:
            return exp.column(names[f"{node.table}.{node.name}"])
        return exp.column(names[node.name])
    if is_tenant_call(node):
        inner = compile_expression(node.expressions[0].sql(dialect="duckdb"),
                                   tenant_names(names))
        kind = str(node.this).lower()
        return exp.column(TenantFilter(kind, inner.sql, ()).column)
    if isinstance(node, exp.Anonymous):
        args = [a.this for a in node.expressions]
        return exp.column(event_column(args[0], args[1] if len(args) > 1 else None))
    return node


def _safe_division(node: exp.Expr, out: CompiledExpression) -> exp.Expr:
    if isinstance(node, exp.Div):
        denominator = node.expression
        out.denominators.append(denominator.sql(dialect="duckdb"))
        safe = exp.Nullif(this=denominator.copy(), expression=exp.Literal.number(0))
        numerator = exp.cast(node.this.copy(), exp.DataType.Type.DOUBLE)
        return exp.Div(this=numerator, expression=safe)
    return node


def zero_denominator_sql(compiled: CompiledExpression) -> str:
    """SQL that is true when some divisor of the expression is exactly zero."""
    if not compiled.denominators:
        return "FALSE"
    return "(" + " OR ".join(f"COALESCE(({d}) = 0, FALSE)" for d in compiled.denominators) + ")"


def missing_sql(compiled: CompiledExpression, names: Mapping[str, str]) -> str:
    """SQL that is true when the expression lacks data: a variable it reads outside
    coalesce(…) is NULL, or a coalesce(…) has no non-NULL argument (see `_required`)."""
    if not compiled.required:
        return "FALSE"
    return "(" + " OR ".join(f"{c} IS NULL" for c in compiled.required) + ")"
