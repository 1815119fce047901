"""Indicator values, with missing data and zero denominators told apart.

Each indicator yields three columns: the value (NULL when it cannot be computed), whether a
variable it reads is missing, and whether a divisor is zero. Schemes treat the last two
differently (黄岩: no emission data → the group's mean item score), so the distinction must
survive to the scoring step.
"""

from __future__ import annotations

from tiangong.evaluation.scheme.expressions import (
    compile_expression,
    missing_sql,
    zero_denominator_sql,
)
from tiangong.evaluation.scheme.model import Scheme
from tiangong.evaluation.scheme.validate import base_names


def indicators_sql(scheme: Scheme, source: str = "population") -> str:
    names = base_names()
    cols = []
    for ind_id, ind in scheme.indicators.items():
        c = compile_expression(ind.expr, names)
        miss = missing_sql(c, names)
        zero = zero_denominator_sql(c)
        cols.append(f"CASE WHEN {miss} OR {zero} THEN NULL ELSE CAST({c.sql} AS DOUBLE) END"
                    f" AS value_{ind_id}")
        cols.append(f"{miss} AS missing_{ind_id}")
        cols.append(f"(NOT {miss}) AND {zero} AS zero_{ind_id}")
    return f"SELECT s.*, {', '.join(cols)} FROM {source} s"
