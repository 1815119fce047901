"""Why a firm was not evaluated: for each group, the inclusion condition it failed, in words.

"不符合任何评价组的纳入条件" tells a firm nothing it can check or object to (474 of the 3,000 demo
firms got only that). Here, after the plan has run, one query over its `population` table (one
row per firm of the year, with the derived variables and the group it fell in) states, for each
firm in no group, what each group asks and what the firm has: "规上工业企业：规模为规下（要求为
规上）；规下工业企业：用地面积2.1亩（要求不低于3亩）". `with_exclusions` writes these into the
results' `class_reason`, so that every output of the run says the same -- the results tables,
the 公示, the 一企一单, the stored run and `tiangong explain` for such a firm.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa
import pyarrow.compute as pc

from tiangong.evaluation import canonical
from tiangong.evaluation.describe import describe_condition, number_words
from tiangong.evaluation.pipeline.sql import literal
from tiangong.evaluation.scheme.expressions import compile_expression
from tiangong.evaluation.scheme.model import Range, Scheme, Selector
from tiangong.evaluation.scheme.validate import base_names

_SIZE = {"above": "规上", "below": "规下"}


def exclusions_sql(scheme: Scheme, population: str = "population") -> str:
    """uscc, reason for every firm of `population` that fell in no group."""
    per_group = []
    for g in scheme.groups:
        failed = ", ".join(_failed_parts(g.select)) or "NULL"
        per_group.append(f"CONCAT({literal(g.label + '：')}, CONCAT_WS('，', {failed}))")
    reason = "CONCAT('不符合任何评价组的纳入条件：', CONCAT_WS('；', " + ", ".join(per_group) + "))"
    return f"SELECT uscc, {reason} AS reason FROM {population} WHERE group_id IS NULL"


def with_exclusions(results: pa.Table, exclusions: Mapping[str, str]) -> pa.Table:
    """`results` with the `class_reason` of each firm in `exclusions` (uscc -> reason) replaced
    by that reason; column-wise, as the results may hold millions of rows."""
    if not exclusions:
        return results
    usccs = pa.array(list(exclusions), pa.string())
    reasons = pa.array(list(exclusions.values()), pa.string())
    at = results.schema.get_field_index("class_reason")
    found = pc.index_in(results.column("uscc").cast(pa.string()), value_set=usccs)
    merged = pc.coalesce(pc.take(reasons, found), results.column(at).cast(pa.string()))
    return results.set_column(at, results.schema.field(at), merged.cast(
        results.schema.field(at).type))


def _failed_parts(select: Selector) -> list[str]:
    """SQL for each part of `select`: its words when the firm fails it, else NULL."""
    parts = []
    if select.size_class:
        wanted = "或".join(_SIZE.get(s, s) for s in select.size_class)
        allowed = ", ".join(literal(s) for s in select.size_class)
        parts.append(f"CASE WHEN NOT COALESCE(size_class IN ({allowed}), FALSE) THEN CONCAT("
                     f"'规模为', COALESCE(CASE size_class WHEN 'above' THEN '规上' WHEN 'below' "
                     f"THEN '规下' END, '未知'), {literal(f'（要求为{wanted}）')}) END")
    for column, rng in (("land_area", select.land_area), ("age_years", select.age_years)):
        if rng is not None:
            parts.append(_range_part(column, rng))
    if select.industry_divisions:
        codes = ", ".join(literal(c) for c in select.industry_divisions)
        words = "、".join(canonical.division_words(c) for c in select.industry_divisions)
        parts.append(f"CASE WHEN NOT COALESCE(industry_division IN ({codes}), FALSE) THEN "
                     f"CONCAT('行业大类为', COALESCE(industry_division, '未知'), "
                     f"{literal(f'（要求为{words}之一）')}) END")
    if select.exclude_industry_divisions:
        codes = ", ".join(literal(c) for c in select.exclude_industry_divisions)
        words = "、".join(canonical.division_words(c) for c in select.exclude_industry_divisions)
        parts.append(f"CASE WHEN COALESCE(industry_division IN ({codes}), FALSE) THEN "
                     f"CONCAT('行业大类为', industry_division, {literal(f'（本组不含{words}）')})"
                     " END")
    if select.where:
        sql = compile_expression(select.where, base_names()).sql
        words = describe_condition(select.where)
        parts.append(f"CASE WHEN NOT COALESCE(({sql}), FALSE) THEN "
                     f"{literal(f'不满足：{words}')} END")
    return parts


def _range_part(column: str, rng: Range) -> str:
    label = {"land_area": "用地面积", "age_years": "成立年限"}[column]
    unit = canonical.column("enterprises", column).unit if column == "land_area" else "年"
    tests, words = [], []
    if rng.min is not None:
        tests.append(f"{column} {'>=' if rng.min_inclusive else '>'} {literal(rng.min)}")
        words.append(f"{'不低于' if rng.min_inclusive else '高于'}{number_words(rng.min)}{unit}")
    if rng.max is not None:
        tests.append(f"{column} {'<=' if rng.max_inclusive else '<'} {literal(rng.max)}")
        words.append(f"{'不超过' if rng.max_inclusive else '低于'}{number_words(rng.max)}{unit}")
    ok = " AND ".join(tests)
    # the value as the source gives it: rounding to two decimals showed 2.999 亩 as "3.0亩"
    # beside "要求不低于3亩"; six decimals only remove float noise, and a trailing ".0" goes
    shown = (f"CASE WHEN {column} IS NULL THEN '缺失' ELSE CONCAT(REGEXP_REPLACE(CAST(ROUND("
             f"{column}, 6) AS STRING), '[.]0$', ''), {literal(unit)}) END")
    return (f"CASE WHEN NOT COALESCE({ok}, FALSE) THEN CONCAT({literal(label)}, {shown}, "
            f"{literal('（要求' + '且'.join(words) + '）')}) END")
