"""A scheme that leaves a needed rule unstated is refused, naming the rule, the item and the line.

Each test edits one small valid scheme (BASE) and checks the message the analyst would read:
it must name the missing rule (the key to write), the item it concerns, and the file line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tiangong.errors import Problem, SchemeError
from tiangong.evaluation.scheme.loader import load_scheme, parse_scheme

BASE = """\
id: test_scheme
name: 测试方案
indicators:
  tax_per_mu: {label: 亩均税收, expr: eval_tax / land_area}
  rd_share: {label: 研发占比, expr: rd_expense / revenue}
  emp: {label: 职工人数, expr: employees}
special_classes:
  - {code: T, label: 暂不评价, when: "age_years < 2", scored: true, in_denominator: false}
groups:
  - id: above
    label: 规上
    select:
      size_class: [above]
      land_area: {min: 3, min_inclusive: true}
    items:
      - indicator: tax_per_mu
        method: ratio
        weight: 60
        benchmark: 20
        floor: 0
        missing: zero
        zero_denominator: zero
      - indicator: rd_share
        method: ratio
        weight: 40
        benchmark: {kind: group_mean}
        missing: group_mean
        zero_denominator: zero
      - {indicator: emp, method: rank_only}
classification:
  classes: [{code: A, label: 甲}, {code: B, label: 乙}, {code: C, label: 丙}, {code: D, label: 丁}]
  method: quota
  quotas: {A: 20, B: 60, C: 95, D: 100}
  rounding: round_half_up
  ties: tiebreak
  tiebreak: [{by: eval_tax, order: desc}]
"""


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} must occur once"
    return text.replace(old, new)


def line_of(text: str, marker: str) -> int:
    """1-based line of the only line containing `marker`."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if marker in line]
    assert len(hits) == 1, f"{marker!r} on lines {hits}"
    return hits[0]


def problems(text: str, source: str = "county.yaml") -> list[Problem]:
    with pytest.raises(SchemeError) as info:
        parse_scheme(text, source)
    return list(info.value.problems)


def the_problem(text: str, *words: str) -> Problem:
    """The one problem whose message contains every word."""
    found = [p for p in problems(text) if all(w in p.message for w in words)]
    assert len(found) == 1, [str(p) for p in problems(text)]
    assert found[0].source == "county.yaml"
    return found[0]


def test_base_scheme_is_valid() -> None:
    loaded = parse_scheme(BASE, "county.yaml")
    assert loaded.scheme.id == "test_scheme"


# ── rules a scheme must state ───────────────────────────────────────────────────────────────


def test_missing_data_rule_absent() -> None:
    text = edit(BASE, "        missing: zero\n", "")
    p = the_problem(text, "'missing:'", "missing data", "'tax_per_mu'")
    assert p.line == line_of(text, "indicator: tax_per_mu")
    assert p.field == "groups.0.items.0.missing"


def test_missing_data_rule_from_defaults_is_enough() -> None:
    text = edit(BASE, "        missing: zero\n", "")
    parse_scheme(text + "defaults: {missing: zero}\n", "county.yaml")


def test_zero_denominator_rule_absent_for_a_ratio() -> None:
    text = edit(BASE, "        missing: group_mean\n        zero_denominator: zero\n",
                "        missing: group_mean\n")
    p = the_problem(text, "'zero_denominator:'", "'rd_share'")
    assert "revenue" in p.message  # names the divisor
    assert p.line == line_of(text, "indicator: rd_share")


def test_zero_denominator_rule_not_needed_without_division() -> None:
    text = edit(BASE, "{indicator: emp, method: rank_only}",
                "{indicator: emp, method: steps, steps: [{at_least: 10, points: 1}],"
                " missing: zero}")
    parse_scheme(text, "county.yaml")


def test_floor_absent_for_an_item_over_tax() -> None:
    text = edit(BASE, "        floor: 0\n", "")
    p = the_problem(text, "'floor:'", "eval_tax", "'tax_per_mu'")
    assert p.line == line_of(text, "indicator: tax_per_mu")


def test_floor_null_is_a_stated_rule() -> None:
    parse_scheme(edit(BASE, "        floor: 0\n", "        floor: null\n"), "county.yaml")


def test_floor_absent_for_value_added() -> None:
    text = edit(BASE, "rd_expense / revenue", "value_added / revenue")
    p = the_problem(text, "'floor:'", "value_added", "'rd_share'")
    assert p.line == line_of(text, "indicator: rd_share")


def test_quota_rounding_absent() -> None:
    text = edit(BASE, "  rounding: round_half_up\n", "")
    p = the_problem(text, "'rounding:'", "floor, round_half_up or ceil")
    assert p.line == line_of(text, "classification:")


def test_tie_rule_absent() -> None:
    text = edit(BASE, "  ties: tiebreak\n", "")
    p = the_problem(text, "'ties:'", "tiebreak, better_class or worse_class")
    assert p.line == line_of(text, "classification:")


def test_tiebreak_keys_absent() -> None:
    text = edit(BASE, "  tiebreak: [{by: eval_tax, order: desc}]\n", "")
    p = the_problem(text, "'tiebreak:'")
    assert p.line == line_of(text, "classification:")


def test_in_denominator_unstated_for_a_special_class() -> None:
    text = edit(BASE, ", in_denominator: false}", "}")
    p = the_problem(text, "in_denominator", "quota denominator")
    assert p.line == line_of(text, "code: T")


def test_scored_unstated_for_a_special_class() -> None:
    text = edit(BASE, " scored: true,", "")
    p = the_problem(text, "'scored'")
    assert p.line == line_of(text, "code: T")


@pytest.mark.parametrize("method", ["ratio", "inverse"])
def test_benchmark_absent(method: str) -> None:
    text = edit(BASE, "        method: ratio\n        weight: 60\n        benchmark: 20\n",
                f"        method: {method}\n        weight: 60\n")
    p = the_problem(text, "'benchmark:'", f"'{method}'", "'tax_per_mu'")
    assert p.line == line_of(text, "indicator: tax_per_mu")


@pytest.mark.parametrize(("bound", "key"), [("min", "min_inclusive"), ("max", "max_inclusive")])
def test_range_inclusivity_unstated(bound: str, key: str) -> None:
    text = edit(BASE, "{min: 3, min_inclusive: true}", f"{{{bound}: 3}}")
    p = the_problem(text, key)
    assert p.line == line_of(text, "land_area: {")


def test_special_class_named_by_a_rule_must_exist() -> None:
    text = edit(BASE, "        missing: group_mean\n", "        missing: {special_class: X}\n")
    p = the_problem(text, "special class 'X'", "not defined")
    assert p.line == line_of(text, "special_class: X")


def test_special_class_without_trigger_or_rule() -> None:
    text = edit(BASE, ' when: "age_years < 2",', "")
    p = the_problem(text, "'when:'", "'T'")
    assert p.line == line_of(text, "code: T")


# ── expressions ─────────────────────────────────────────────────────────────────────────────


def test_unknown_variable_with_a_suggestion() -> None:
    text = edit(BASE, "expr: eval_tax / land_area", "expr: eval_taxes / land_area")
    p = the_problem(text, "unknown variable 'eval_taxes'", "did you mean 'eval_tax'")
    assert p.line == line_of(text, "eval_taxes")


def test_unknown_variable_in_wrong_case_is_suggested() -> None:
    text = edit(BASE, '"age_years < 2"', '"AGE_YEARS < 2"')
    p = the_problem(text, "'AGE_YEARS'", "did you mean 'age_years'")
    assert p.line == line_of(text, "AGE_YEARS")


@pytest.mark.parametrize("expr", [
    "eval('1')", "__import__('os')", "upper(name) = 'X'", "read_csv('x.csv')",
])
def test_functions_outside_the_whitelist_are_refused(expr: str) -> None:
    text = edit(BASE, '"age_years < 2"', f'"{expr}"')
    p = the_problem(text, "is not allowed", "allowed functions")
    assert p.line == line_of(text, "code: T")


@pytest.mark.parametrize("expr", [
    "employees in (select 1)", "employees; drop table enterprises", "employees::int > 1",
    "employees % 2 = 0",
])
def test_sql_constructs_are_refused(expr: str) -> None:
    text = edit(BASE, '"age_years < 2"', f'"{expr}"')
    assert any("not allowed" in p.message or "cannot parse" in p.message
               for p in problems(text))


def test_event_count_needs_a_quoted_type() -> None:
    text = edit(BASE, '"age_years < 2"', '"event_count(safety) > 0"')
    the_problem(text, "event_count takes a quoted event type")


def test_indicator_may_not_read_another_indicator() -> None:
    text = edit(BASE, "expr: employees}", "expr: tax_per_mu * 2}")
    p = the_problem(text, "unknown variable 'tax_per_mu'")
    assert p.line == line_of(text, "emp: {")


# ── shapes and numbers ──────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("value", ['"60"', "60%", "yes", "sixty"])
def test_weight_must_be_a_number(value: str) -> None:
    text = edit(BASE, "        weight: 60\n", f"        weight: {value}\n")
    p = the_problem(text, "'weight' must be a number")
    assert p.line == line_of(text, f"weight: {value}")


def test_integer_weights_are_numbers() -> None:
    loaded = parse_scheme(BASE, "county.yaml")
    assert loaded.scheme.groups[0].items[0].weight == 60.0


def test_misspelt_key() -> None:
    text = edit(BASE, "        weight: 40\n", "        wieght: 40\n")
    p = the_problem(text, "unknown key 'wieght'")
    assert p.line == line_of(text, "wieght")


def test_factor_on_a_constant_benchmark_is_refused() -> None:
    text = edit(BASE, "benchmark: 20\n", "benchmark: {kind: constant, value: 20, factor: 2}\n")
    p = the_problem(text, "'factor'")
    assert p.line == line_of(text, "kind: constant")


def test_indicator_id_may_not_shadow_a_variable() -> None:
    text = edit(BASE, "  emp: {label", "  employees: {label")
    text = edit(text, "{indicator: emp,", "{indicator: employees,")
    p = the_problem(text, "indicator id 'employees'", "variable name")
    assert p.line == line_of(text, "employees: {label")


def test_unknown_indicator_with_a_suggestion() -> None:
    text = edit(BASE, "indicator: rd_share", "indicator: rd_shares")
    p = the_problem(text, "unknown indicator 'rd_shares'", "did you mean 'rd_share'")
    assert p.line == line_of(text, "indicator: rd_shares")


# ── classification ──────────────────────────────────────────────────────────────────────────


def test_unknown_class_in_quotas() -> None:
    text = edit(BASE, "{A: 20, B: 60, C: 95, D: 100}", "{A: 20, B: 60, X: 95, D: 100}")
    found = problems(text)
    assert any("unknown class 'X'" in p.message for p in found)
    assert any("lack class C" in p.message for p in found)
    assert all(p.line == line_of(text, "quotas:") for p in found)


def test_quotas_must_not_decrease() -> None:
    text = edit(BASE, "{A: 20, B: 60, C: 95, D: 100}", "{A: 20, B: 10, C: 95, D: 100}")
    p = the_problem(text, "must not decrease", "B 10", "A 20")
    assert p.line == line_of(text, "quotas:")


def test_quotas_must_end_at_100() -> None:
    text = edit(BASE, "{A: 20, B: 60, C: 95, D: 100}", "{A: 20, B: 60, C: 95, D: 99}")
    p = the_problem(text, "must be 100", "99")
    assert p.line == line_of(text, "quotas:")


def test_quota_over_100_is_refused() -> None:
    text = edit(BASE, "D: 100}", "D: 120}")
    p = the_problem(text, "less than or equal to 100")
    assert p.line == line_of(text, "quotas:")


TWO_STAGE = "  method: two_stage\n  two_stage: {class: CLS, candidates_top_share: 50, by: BY, " \
            "share: SHARE}\n"


def _two_stage(cls: str = "A", by: str = "tax_per_mu", share: str = "20") -> str:
    block = TWO_STAGE.replace("CLS", cls).replace("BY", by).replace("SHARE", share)
    return edit(BASE, "  method: quota\n", block)


def test_two_stage_valid() -> None:
    parse_scheme(_two_stage(), "county.yaml")


def test_two_stage_share_must_match_its_class_width() -> None:
    """Any class may be chosen (issue 15.1); its share is the class's quota width: B is
    60 − 20 = 40 %, not 20."""
    text = _two_stage(cls="B")
    p = the_problem(text, "share 20 differs from the width of class B in quotas (40")
    assert p.line == line_of(text, "two_stage:")


def test_two_stage_by_must_be_a_known_measure() -> None:
    text = _two_stage(by="tax_per_mou")
    the_problem(text, "unknown variable 'tax_per_mou'", "did you mean 'tax_per_mu'")


def test_two_stage_share_must_match_the_first_quota() -> None:
    the_problem(_two_stage(share="10"), "share 10 differs from the width of class A in quotas (20")


def test_two_stage_block_absent() -> None:
    text = edit(BASE, "  method: quota\n", "  method: two_stage\n")
    p = the_problem(text, "needs exactly one of 'two_stage:'", "'stages:'")
    assert p.line == line_of(text, "classification:")


def test_thresholds_must_decrease_and_cover_all_but_the_last_class() -> None:
    text = edit(BASE, "  method: quota\n  quotas: {A: 20, B: 60, C: 95, D: 100}\n",
                "  method: thresholds\n  thresholds: {A: 80, B: 90, C: 60}\n")
    p = the_problem(text, "thresholds must decrease", "B 90")
    assert p.line == line_of(text, "thresholds:")
    text = edit(text, "{A: 80, B: 90, C: 60}", "{A: 80, B: 70}")
    the_problem(text, "each class but the last", "A, B, C")


def test_bounds_need_rounding_even_with_thresholds() -> None:
    text = edit(BASE, "  method: quota\n  quotas: {A: 20, B: 60, C: 95, D: 100}\n",
                "  method: thresholds\n  thresholds: {A: 80, B: 70, C: 60}\n"
                "  bounds: {A: {max_share: 20}}\n")
    parse_scheme(text, "county.yaml")
    the_problem(edit(text, "  rounding: round_half_up\n", ""), "'rounding:'")


def test_min_share_only_on_the_last_class() -> None:
    text = edit(BASE, "  ties: tiebreak\n", "  ties: tiebreak\n  bounds: {B: {min_share: 5}}\n")
    p = the_problem(text, "min_share", "last class (D)")
    assert p.line == line_of(text, "bounds:")


def test_adjustment_to_an_unknown_class() -> None:
    text = BASE + ("  adjustments:\n    - {when: \"events.env_violation >= 1\", action: set, "
                   "class: E, reason: 降档}\n")
    p = the_problem(text, "'E' is not a class")
    assert p.line == line_of(text, "class: E")


def test_adjustment_may_read_the_result_so_far() -> None:
    text = BASE + ("  adjustments:\n    - {when: \"percentile <= 0.5 and rd_share >= 0.05\","
                   " action: upgrade, steps: 1, reason: 升档}\n")
    parse_scheme(text, "county.yaml")


# ── all at once, with the file ──────────────────────────────────────────────────────────────


def test_several_problems_reported_together_each_with_its_line() -> None:
    text = edit(BASE, "        missing: zero\n", "")                            # rule absent
    text = edit(text, "        weight: 40\n", '        weight: "40"\n')         # not a number
    text = edit(text, "rd_expense / revenue", "rd_expens / revenue")            # unknown name
    text = edit(text, "  rounding: round_half_up\n", "")                        # rounding absent
    text = edit(text, "{min: 3, min_inclusive: true}", "{min: 3}")              # ≥ or > ?
    with pytest.raises(SchemeError) as info:
        parse_scheme(text, "county.yaml")
    found = {(p.line, p.message.split(":")[0]) for p in info.value.problems}
    lines = {p.line for p in info.value.problems}
    assert line_of(text, "indicator: tax_per_mu") in lines
    assert line_of(text, 'weight: "40"') in lines
    assert line_of(text, "rd_expens ") in lines
    assert line_of(text, "classification:") in lines
    assert line_of(text, "land_area: {min: 3}") in lines
    assert len(info.value.problems) == 5, found
    messages = "\n".join(p.message for p in info.value.problems)
    for words in ("'missing:'", "'weight' must be a number", "'rd_expens'", "'rounding:'",
                  "min_inclusive"):
        assert words in messages
    # one message per line of the rendered error, each starting with file:line
    rendered = str(info.value).splitlines()[1:]
    assert len(rendered) == 5
    assert all(line.startswith("county.yaml:") for line in rendered)
    lines_in_order = [p.line or 0 for p in info.value.problems]
    assert lines_in_order == sorted(lines_in_order)


def test_shape_errors_do_not_hide_rule_findings_elsewhere() -> None:
    text = edit(BASE, ", in_denominator: false}", "}")                          # shape error
    text = edit(text, "  ties: tiebreak\n", "")                                  # rule absent
    messages = [p.message for p in problems(text)]
    assert any("in_denominator" in m for m in messages)
    assert any("'ties:'" in m for m in messages)


def test_a_cut_entry_does_not_cause_spurious_findings() -> None:
    # the special class fails its shape; the rule naming it must not also be reported
    text = edit(BASE, ", in_denominator: false}", "}")
    text = edit(text, "        missing: group_mean\n", "        missing: {special_class: T}\n")
    messages = [p.message for p in problems(text)]
    assert len(messages) == 1 and "in_denominator" in messages[0]


def test_lines_stay_right_after_a_list_entry_is_cut() -> None:
    # the first special class fails its shape and is set aside; the second one's finding must
    # still point at its own line (index 1 in the file, index 0 in what remains)
    second = ('  - {code: M, label: 免评, when: "industry_divison = \'44\'", scored: false,'
              ' in_denominator: false}\n')
    text = edit(BASE, ", in_denominator: false}\n", "}\n" + second)
    found = problems(text)
    typo = [p for p in found if "industry_divison" in p.message]
    assert len(typo) == 1 and "did you mean 'industry_division'" in typo[0].message
    assert typo[0].line == line_of(text, "code: M")
    assert typo[0].field == "special_classes.1.when"
    assert any("in_denominator" in p.message and p.line == line_of(text, "code: T")
               for p in found)


def test_file_name_and_line_in_the_rendered_error(tmp_path: Path) -> None:
    path = tmp_path / "my_county.yaml"
    text = edit(BASE, "  ties: tiebreak\n", "")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SchemeError) as info:
        load_scheme(path)
    assert f"my_county.yaml:{line_of(text, 'classification:')}" in str(info.value)


def test_yaml_syntax_error_has_a_line() -> None:
    text = edit(BASE, "    label: 规上\n", "    label: [规上\n")
    found = problems(text)
    assert found[0].line is not None and "not valid YAML" in found[0].message


def test_unknown_builtin_lists_the_builtins() -> None:
    with pytest.raises(SchemeError) as info:
        load_scheme("nowhere_1999")
    assert "huangyan_2022" in str(info.value) and "template" in str(info.value)
