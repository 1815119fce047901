"""Types of scheme expressions, checked when the scheme is checked, not when the engine runs.

Without this, `industry_division between 44 and 46` (text against numbers), `town_name > 3`,
`size_class + 1` or a text variable used as an indicator pass `scheme check` and end in a DuckDB
Binder or Conversion error at `evaluate` — or, worse, in a silent implicit cast on one engine and
an error on the other. Every node gets one of five types and the rules below are those both
engines agree on:

- arithmetic (`+ - * /`, unary `-`, `abs`, `ln`, `sqrt`, `pow`) reads and gives numbers;
- a comparison (`= <> < <= > >=`, `between`, `in`) compares values of one type; text is
  compared with quoted text, dates with dates or with an ISO date in quotes (`'2020-01-01'`);
- `and`, `or`, `not` read conditions (booleans); `is null` reads anything;
- `least`, `greatest`, `coalesce` take arguments of one type and give that type;
- `null` fits anywhere.

A `between` whose bounds are constants must not be empty (`between 5 and 2` is refused).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlglot import exp

NUMBER, TEXT, DATE, BOOLEAN, NULL = "number", "text", "date", "boolean", "null"
TYPE_WORDS = {NUMBER: "a number", TEXT: "text", DATE: "a date", BOOLEAN: "a condition",
              NULL: "null"}

_ARITHMETIC = (exp.Add, exp.Sub, exp.Mul, exp.Div)
_ORDERING = (exp.GT, exp.GTE, exp.LT, exp.LTE)
_NUMERIC_FUNCTIONS = (exp.Abs, exp.Ln, exp.Sqrt, exp.Pow)


class ExpressionTypeError(ValueError):
    """Values of the wrong type meet in an expression."""


def expression_type(tree: exp.Expr, types: Mapping[str, str], source: str) -> str:
    """The type of `tree`; raises `ExpressionTypeError` naming the part at fault.

    `types` maps every identifier the expression may read (as written, `events.x` and
    `points.x` included) to its type; `event_count(…)` is a number.
    """
    return _Checker(types, source).type_of(tree)


class _Checker:
    def __init__(self, types: Mapping[str, str], source: str) -> None:
        self.types = types
        self.source = source

    def fail(self, node: exp.Expr, message: str) -> ExpressionTypeError:
        return ExpressionTypeError(
            f"{self.source!r}: {message} (in '{node.sql(dialect='duckdb')}')")

    def want(self, node: exp.Expr, wanted: str, role: str) -> None:
        got = self.type_of(node)
        if got not in (wanted, NULL):
            raise self.fail(node, f"{role} must be {TYPE_WORDS[wanted]}, but "
                                  f"'{node.sql(dialect='duckdb')}' is {TYPE_WORDS[got]}"
                            + _hint(got, wanted))

    def type_of(self, node: exp.Expr) -> str:
        if isinstance(node, exp.Paren):
            return self.type_of(node.this)
        if isinstance(node, exp.Literal):
            return TEXT if node.is_string else NUMBER
        if isinstance(node, exp.Null):
            return NULL
        if isinstance(node, exp.Boolean):
            return BOOLEAN
        if isinstance(node, exp.Column):
            key = f"{node.table}.{node.name}" if node.table else node.name
            return self.types.get(key, NUMBER if node.table == "events" else NULL)
        if isinstance(node, exp.Anonymous):  # event_count(…): the checked whitelist
            return NUMBER
        if isinstance(node, (*_ARITHMETIC, exp.Neg, *_NUMERIC_FUNCTIONS)):
            for part in _operands(node):
                self.want(part, NUMBER, "arithmetic")
            return NUMBER
        if isinstance(node, exp.And | exp.Or):
            self.want(node.this, BOOLEAN, f"each side of '{node.key}'")
            self.want(node.expression, BOOLEAN, f"each side of '{node.key}'")
            return BOOLEAN
        if isinstance(node, exp.Not):
            self.want(node.this, BOOLEAN, "what 'not' negates")
            return BOOLEAN
        if isinstance(node, exp.Is):
            self.type_of(node.this)
            return BOOLEAN
        if isinstance(node, (exp.EQ, exp.NEQ, *_ORDERING)):
            self.same(node, [node.this, node.expression], "the two sides of a comparison")
            return BOOLEAN
        if isinstance(node, exp.In):
            self.same(node, [node.this, *node.expressions], "'in' and its list")
            return BOOLEAN
        if isinstance(node, exp.Between):
            self.same(node, [node.this, node.args["low"], node.args["high"]],
                      "'between' and its bounds")
            self.not_empty(node)
            return BOOLEAN
        if isinstance(node, exp.Least | exp.Greatest | exp.Coalesce):
            return self.same(node, [node.this, *node.expressions],
                             f"the arguments of {node.sql_name().lower()}()")
        raise self.fail(node, f"cannot type {type(node).__name__}")

    def same(self, node: exp.Expr, parts: list[exp.Expr], role: str) -> str:
        found = [(p, self.type_of(p)) for p in parts]
        kinds = {t for _p, t in found if t != NULL}
        if {DATE, TEXT} <= kinds and all(_iso_date(p) for p, t in found if t == TEXT):
            kinds.discard(TEXT)  # a date against an ISO date in quotes
        if len(kinds) > 1:
            shown = ", ".join(f"'{p.sql(dialect='duckdb')}' is {TYPE_WORDS[t]}"
                              for p, t in found if t != NULL)
            raise self.fail(node, f"{role} must be of one type: {shown}" + _mix_hint(kinds))
        return kinds.pop() if kinds else NULL

    def not_empty(self, node: exp.Between) -> None:
        low, high = node.args["low"], node.args["high"]
        lo, hi = _constant(low), _constant(high)
        if lo is not None and hi is not None and type(lo) is type(hi) and lo > hi:  # type: ignore[operator]
            raise self.fail(node, f"'between {low.sql()} and {high.sql()}' is empty (the lower "
                                  "bound is above the upper one): write the smaller bound first")


def _operands(node: exp.Expr) -> list[exp.Expr]:
    return [v for k, v in node.args.items() if k in ("this", "expression")
            and isinstance(v, exp.Expr)]


def _constant(node: exp.Expr) -> float | str | None:
    if isinstance(node, exp.Paren):
        return _constant(node.this)
    if isinstance(node, exp.Neg):
        inner = _constant(node.this)
        return -inner if isinstance(inner, float) else None
    if isinstance(node, exp.Literal):
        return node.this if node.is_string else float(node.this)
    return None


def _iso_date(node: exp.Expr) -> bool:
    if not (isinstance(node, exp.Literal) and node.is_string):
        return False
    try:
        dt.date.fromisoformat(node.this)
    except ValueError:
        return False
    return len(node.this) == 10


def _hint(got: str, wanted: str) -> str:
    if got == TEXT and wanted == NUMBER:
        return "; text cannot be computed with (codes such as size_class or industry_division " \
               "are compared with quoted values: size_class = 'above')"
    if got == DATE and wanted == NUMBER:
        return "; use age_years or production_years for durations"
    if wanted == BOOLEAN:
        return "; a condition compares values, e.g. x > 0"
    return ""


def _mix_hint(kinds: set[str]) -> str:
    if kinds == {TEXT, NUMBER}:
        return "; quote codes as text: industry_division between '44' and '46', " \
               "town_code = '331003001'"
    if DATE in kinds:
        return "; compare a date with a date or an ISO date in quotes ('2020-01-01'), or use " \
               "age_years / production_years"
    return ""
