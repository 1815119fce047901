"""Issue 15.9: types are checked at `scheme check`, so a checked scheme never ends in a
DuckDB Binder or Conversion error. Each scheme below passed the check before and crashed
`evaluate`; now the check refuses it, naming the expression and the fix."""

from __future__ import annotations

import pytest
from conftest import tables

from tiangong.errors import SchemeError
from tiangong.evaluation.evaluate import evaluate
from tiangong.evaluation.scheme.loader import LoadedScheme, parse_scheme


def scheme(*, indicator: str = "eval_tax / land_area", where: str | None = None,
           when: str | None = None, bonus: str | None = None,
           adjustment: str | None = None) -> LoadedScheme:
    text = f"""\
id: types_test
name: 类型检查
indicators:
  x: {{label: 指标, expr: "{indicator}"}}
defaults: {{missing: zero, zero_denominator: zero}}
"""
    if when:
        text += f"""special_classes:
  - {{code: T, label: 暂不评价, when: "{when}", scored: true, in_denominator: false}}
"""
    text += "groups:\n  - id: g\n    label: 组\n"
    text += f'    select: {{where: "{where}"}}\n' if where else "    select: {}\n"
    text += "    items:\n      - {indicator: x, method: minmax, weight: 10, floor: 0}\n"
    if bonus:
        text += f'    bonus: [{{id: b, label: 加分, expr: "{bonus}", per_unit: 1}}]\n'
    text += """classification:
  classes: [{code: A, label: A}, {code: B, label: B}]
  method: quota
  quotas: {A: 50, B: 100}
  rounding: floor
  ties: tiebreak
  tiebreak: [{by: eval_tax, order: desc}]
"""
    if adjustment:
        text += f'  adjustments: [{{when: "{adjustment}", action: set, class: B, reason: r}}]\n'
    return parse_scheme(text, "types.yaml")


def refused(match: str, **kw: str) -> str:
    with pytest.raises(SchemeError) as err:
        scheme(**kw)
    text = str(err.value)
    assert match in text, text
    return text


def test_text_between_numbers_is_refused_with_the_quoted_form() -> None:
    text = refused("must be of one type", where="industry_division between 44 and 46")
    assert "between '44' and '46'" in text
    assert "types.yaml:" in text  # file and line


def test_text_compared_with_a_number_is_refused() -> None:
    refused("'town_name' is text, '3' is a number", when="town_name > 3")


def test_arithmetic_on_text_is_refused() -> None:
    refused("arithmetic must be a number, but 'size_class' is text",
            indicator="size_class + 1")


def test_a_text_variable_is_not_an_indicator() -> None:
    refused("'town_name' is text; a number is needed here", indicator="town_name")


def test_a_number_is_not_a_condition() -> None:
    refused("a condition is needed here", where="land_area")
    refused("each side of 'and' must be a condition", when="land_area and age_years > 2")


def test_a_date_is_not_a_number() -> None:
    refused("use age_years or production_years", indicator="founded_date * 2")


def test_an_empty_range_is_refused() -> None:
    refused("'between 5 and 2' is empty", where="land_area between 5 and 2")
    refused("is empty", adjustment="score between 90 and -1")


def test_bonus_over_text_is_refused() -> None:
    refused("arithmetic must be a number", bonus="name * 2")


def test_a_number_beyond_double_range_is_refused() -> None:
    refused("beyond the range of a double", indicator="eval_tax * 1e400")


def test_well_typed_expressions_pass_and_evaluate() -> None:
    """Dates against ISO dates, text against text, null anywhere, a plain range."""
    s = scheme(where="industry_division between '13' and '43' and founded_date < '2015-01-01'",
               when="coalesce(production_years, age_years) < 2 or town_code = null",
               adjustment="score between 1000 and 2000 and size_class in ('above', 'below')")
    rows = [{"uscc": f"F{i}", "size_class": "above", "land_area": 10.0, "eval_tax": 10.0 * i}
            for i in range(1, 5)]
    rows.append({"uscc": "F9", "size_class": "above", "industry_code": "4411"})
    by = {r["uscc"]: r for r in evaluate(s, tables(rows), 2022).results.to_pylist()}
    assert by["F9"]["group"] is None  # 44 is outside '13'..'43'
    # 2 of 4 firms ranked: tax 40, 30 → A; 20, 10 → B (quota 50 %, floor)
    assert [by[f"F{i}"]["class"] for i in range(1, 5)] == ["B", "B", "A", "A"]
