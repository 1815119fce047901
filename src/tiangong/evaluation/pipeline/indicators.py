"""Indicator values, with missing data and zero denominators told apart.

Each indicator yields four columns: the value (NULL when it cannot be computed), whether a
variable it reads is missing, whether a divisor is zero, and whether the value is undefined
(ln, sqrt or pow outside its domain, or a magnitude of 10^20 or more, which cannot be summed
exactly). Schemes treat these
differently (黄岩: no emission data → the group's mean item score), so the distinction must
survive to the scoring step.
"""

from __future__ import annotations

from tiangong.evaluation.scheme.expressions import (
    compile_expression,
    in_range_sql,
    missing_sql,
    zero_denominator_sql,
)
from tiangong.evaluation.scheme.model import Scheme
from tiangong.evaluation.scheme.validate import base_names


def indicators_sql(scheme: Scheme, source: str = "population") -> str:
    names = base_names(scheme)
    cols = []
    for ind_id, ind in scheme.indicators.items():
        c = compile_expression(ind.expr, names)
        miss = missing_sql(c, names)
        zero = zero_denominator_sql(c)
        raw = f"CAST({c.sql} AS DOUBLE)"
        cols.append(f"CASE WHEN {miss} OR {zero} THEN NULL WHEN {in_range_sql(raw)} THEN {raw}"
                    f" END AS value_{ind_id}")
        cols.append(f"{miss} AS missing_{ind_id}")
        cols.append(f"(NOT {miss}) AND {zero} AS zero_{ind_id}")
        # neither missing nor divided by zero, and still no usable value: ln(0), sqrt(-1),
        # an overflow, |x| ≥ 10^20 (the item's `invalid:` rule, else its `missing:` rule)
        cols.append(f"(NOT {miss}) AND (NOT {zero}) AND NOT COALESCE({in_range_sql(raw)}, FALSE)"
                    f" AS invalid_{ind_id}")
    return f"SELECT s.*, {', '.join(cols)} FROM {source} s"
