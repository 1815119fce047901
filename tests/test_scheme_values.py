"""Issue 15.3 and 15.10: what an indicator's value is when data is partly missing or the
formula has no result.

- coalesce(…) inside an indicator takes effect: a variable read only inside a coalesce with a
  fallback does not make the indicator "missing" (15.3);
- ln of 0 or of a negative number, sqrt of a negative number, pow beyond the double range give
  an "invalid" value handled by the item's `invalid:` rule and named in the results and the
  explanation, never a DECIMAL(38,18) conversion error (15.10).

Expected points are worked by hand in the comments.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from conftest import tables

from tiangong.errors import SchemeError
from tiangong.evaluation.evaluate import evaluate
from tiangong.evaluation.explain import explain
from tiangong.evaluation.scheme.loader import LoadedScheme, parse_scheme
from tiangong.runs import RunStore

TOL = 1e-9
CLASSES = """\
classification:
  classes: [{code: A, label: A}, {code: B, label: B}]
  method: quota
  quotas: {A: 50, B: 100}
  rounding: floor
  ties: tiebreak
  tiebreak: [{by: eval_tax, order: desc}]
"""


def scheme(indicators: str, items: str, extra: str = "") -> LoadedScheme:
    text = ("id: values_test\nname: 取值测试\nindicators:\n" + indicators
            + extra + "groups:\n  - id: g\n    label: 组\n    select: {}\n    items:\n"
            + items + CLASSES)
    return parse_scheme(text, "values.yaml")


def run(s: LoadedScheme, rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    full = [{"size_class": "above", **r} for r in rows]
    return {r["uscc"]: r for r in evaluate(s, tables(full), 2022).results.to_pylist()}


# --- 15.3: a missing part counts as zero when the scheme says so --------------------------

COALESCE = scheme(
    "  rd: {label: 研发与技改占比, expr: '(coalesce(rd_expense, 0) + coalesce(tech_invest, 0))"
    " / revenue'}\n",
    "      - {indicator: rd, method: ratio, weight: 10, benchmark: 0.1,\n"
    "         missing: {penalty: 2}, zero_denominator: zero}\n")


def test_coalesce_in_an_indicator_takes_effect() -> None:
    res = run(COALESCE, [
        {"uscc": "F1", "rd_expense": 20.0, "tech_invest": 30.0, "revenue": 1000.0},
        {"uscc": "F2", "rd_expense": None, "tech_invest": 30.0, "revenue": 1000.0},
        {"uscc": "F3", "rd_expense": None, "tech_invest": None, "revenue": 1000.0},
        {"uscc": "F4", "rd_expense": 20.0, "tech_invest": 30.0, "revenue": None},
    ])
    # F1: (20 + 30) / 1000 = 0.05 → 10 · 0.05 / 0.1 = 5 points
    assert res["F1"]["value_rd"] == pytest.approx(0.05) and res["F1"]["points_rd"] == 5.0
    # F2: rd missing counts as 0: 30 / 1000 = 0.03 → 3 points, not the missing rule
    assert res["F2"]["value_rd"] == pytest.approx(0.03)
    assert res["F2"]["points_rd"] == pytest.approx(3.0, abs=TOL)
    assert res["F2"]["imputed_rd"] is None
    # F3: both parts missing, each counted as 0 by the scheme: 0 / 1000 = 0 → 0 points
    assert res["F3"]["value_rd"] == 0.0 and res["F3"]["points_rd"] == 0.0
    # F4: revenue is read outside coalesce: missing → {penalty: 2}
    assert res["F4"]["value_rd"] is None and res["F4"]["points_rd"] == -2.0
    assert res["F4"]["imputed_rd"] == "missing:penalty 2"


def test_a_coalesce_without_a_fallback_is_missing_when_all_its_parts_are() -> None:
    s = scheme("  x: {label: 税收或增加值, expr: 'coalesce(eval_tax, value_added) / land_area'}\n",
               "      - {indicator: x, method: ratio, weight: 10, benchmark: 1, floor: 0,\n"
               "         missing: {penalty: 1}, zero_denominator: zero}\n")
    res = run(s, [{"uscc": "F1", "eval_tax": None, "value_added": 20.0, "land_area": 10.0},
                  {"uscc": "F2", "eval_tax": None, "value_added": None, "land_area": 10.0}])
    assert res["F1"]["points_x"] == pytest.approx(20.0)  # 10 · (20 / 10) / 1
    assert res["F2"]["points_x"] == -1.0 and res["F2"]["imputed_x"] == "missing:penalty 1"


def test_a_division_inside_coalesce_is_refused() -> None:
    with pytest.raises(SchemeError, match="division inside coalesce"):
        scheme("  x: {label: x, expr: 'coalesce(eval_tax / land_area, 0)'}\n",
               "      - {indicator: x, method: ratio, weight: 10, benchmark: 1, floor: 0,\n"
               "         missing: zero, zero_denominator: zero}\n")


# --- 15.10: values a formula cannot give ------------------------------------------------------

LOGS = """\
  log_tax: {label: 对数税收, expr: ln(eval_tax)}
  root_va: {label: 增加值平方根, expr: sqrt(value_added)}
  big: {label: 大数, expr: 'pow(land_area, 400)'}
"""
LOG_ITEMS = """\
      - {indicator: log_tax, method: ratio, weight: 10, benchmark: 2, floor: 0,
         missing: zero, invalid: {penalty: 1}}
      - {indicator: root_va, method: ratio, weight: 10, benchmark: {kind: group_mean}, floor: 0,
         missing: zero, invalid: zero}
      - {indicator: big, method: minmax, weight: 10, missing: zero, invalid: group_mean}
"""


def log_rows() -> list[dict[str, Any]]:
    return [
        {"uscc": "F1", "eval_tax": math.e, "value_added": 16.0, "land_area": 1.0},
        {"uscc": "F2", "eval_tax": 0.0, "value_added": 4.0, "land_area": 2.0},
        {"uscc": "F3", "eval_tax": -5.0, "value_added": -4.0, "land_area": 10.0},
        {"uscc": "F4", "eval_tax": None, "value_added": 36.0, "land_area": 1.0},
    ]


def test_invalid_values_get_the_invalid_rule_on_duckdb() -> None:
    res = run(scheme(LOGS, LOG_ITEMS), log_rows())
    # ln: F1 ln(e) = 1 → 10 · 1 / 2 = 5; ln(0) and ln(−5) have no value → {penalty: 1};
    # F4 has no tax → missing: zero
    assert res["F1"]["points_log_tax"] == pytest.approx(5.0, abs=TOL)
    for f in ("F2", "F3"):
        assert res[f]["value_log_tax"] is None and res[f]["points_log_tax"] == -1.0
        assert res[f]["imputed_log_tax"] == "invalid:penalty 1"
    assert res["F4"]["points_log_tax"] == 0.0 and res["F4"]["imputed_log_tax"] == "missing:zero"
    # sqrt: 4, 2, (none: −4), 6; group mean over firms with a value = 12 / 3 = 4
    assert res["F1"]["points_root_va"] == pytest.approx(10 * 4 / 4)
    assert res["F2"]["points_root_va"] == pytest.approx(10 * 2 / 4)
    assert res["F4"]["points_root_va"] == pytest.approx(10 * 6 / 4)
    assert res["F3"]["points_root_va"] == 0.0 and res["F3"]["imputed_root_va"] == "invalid:zero"
    # pow(land, 400): 1 for F1 and F4; 2^400 ≈ 2.6e120 (F2) is finite but beyond the exact
    # sums' 10^20; 10^400 (F3) overflows. Both invalid → group mean item points; minmax over
    # the two equal values 1, 1 gives the high share: 10 · 100 / 100 = 10 each, mean 10.
    assert res["F1"]["points_big"] == pytest.approx(10.0)
    for f in ("F2", "F3"):
        assert res[f]["value_big"] is None
        assert res[f]["points_big"] == pytest.approx(10.0)
        assert res[f]["imputed_big"] == "invalid:group_mean"


def test_an_invalid_value_is_named_in_the_explanation(tmp_path: Path) -> None:
    ev = evaluate(scheme(LOGS, LOG_ITEMS),
                  tables([{"size_class": "above", **r} for r in log_rows()]), 2022)
    with RunStore(tmp_path / "runs.duckdb") as store:
        store.save(ev)
        ex = explain(store, "latest", "F3", what_if=False)
    text = "\n".join(ex.lines())
    # in words (issue 15, point 19): the scheme says `invalid: penalty 1` for 对数税收 and
    # `invalid: group_mean` for 大数
    assert ("对数税收：— ，基准值 2（constant），权重 10，方法 ratio → -1 分，"
            "得分按规则补入：数据无效，扣1分") in text
    assert "大数：— ，权重 10，方法 minmax → 10 分，得分按规则补入：数据无效，取同组均分" in text


def test_an_item_over_ln_must_state_its_invalid_rule() -> None:
    with pytest.raises(SchemeError, match="'invalid:'") as err:
        scheme("  log_tax: {label: 对数税收, expr: ln(eval_tax)}\n",
               "      - {indicator: log_tax, method: ratio, weight: 10, benchmark: 2,"
               " floor: 0, missing: zero}\n")
    assert "ln of a value ≤ 0" in str(err.value)


def test_conditions_over_undefined_values_are_false() -> None:
    """DuckDB orders NaN above every number: ln(−5) > 1 was true there (and NULL, false, on
    Spark); now ln(−5) has no value, so the condition is false on both."""
    s = scheme("  tax: {label: 税收, expr: eval_tax}\n",
               "      - {indicator: tax, method: ratio, weight: 10, benchmark: 1, floor: 0,\n"
               "         missing: zero}\n",
               extra="special_classes:\n  - {code: T, label: 暂不评价, when: 'ln(eval_tax) > 1"
                     " or sqrt(eval_tax) > 100', scored: true, in_denominator: false}\n")
    res = run(s, [{"uscc": "F1", "eval_tax": 10.0}, {"uscc": "F2", "eval_tax": -5.0},
                  {"uscc": "F3", "eval_tax": 1.0}])
    assert res["F1"]["class"] == "T"  # ln 10 ≈ 2.3 > 1
    assert res["F2"]["special_class"] is None and res["F3"]["special_class"] is None


def test_a_bonus_beyond_the_value_range_counts_as_empty() -> None:
    s = scheme("  tax: {label: 税收, expr: eval_tax}\n",
               "      - {indicator: tax, method: ratio, weight: 10, benchmark: 1, floor: 0,\n"
               "         missing: zero}\n"
               "    bonus: [{id: huge, label: 加分, expr: 'eval_tax * 1e300 * 1e300',"
               " per_unit: 1}]\n")
    res = run(s, [{"uscc": "F1", "eval_tax": 2.0}])
    # 2e600 overflows to +inf: the bonus value is empty and scores 0; total 10 · 2 / 1 = 20
    assert res["F1"]["value_huge"] is None and res["F1"]["points_huge"] == 0.0
    assert res["F1"]["score"] == 20.0


# --- 15.8: outliers before min–max scaling ---------------------------------------------------


def test_clip_trims_outliers_before_min_max() -> None:
    s = scheme("  tax_per_mu: {label: 亩均税收, expr: eval_tax / land_area}\n",
               "      - {indicator: tax_per_mu, method: minmax, weight: 100, low: 0, high: 100,\n"
               "         floor: 0, missing: zero, zero_denominator: zero,\n"
               "         clip: {low_percent: 25, high_percent: 90}}\n")
    taxes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 100]
    rows = [{"uscc": f"F{t:03d}", "eval_tax": float(t), "land_area": 1.0} for t in taxes]
    ev = evaluate(s, tables([{"size_class": "above", **r} for r in rows]), 2022)
    res = {r["uscc"]: r for r in ev.results.to_pylist()}
    # 10 values; positions ⌈10 · 25 / 100⌉ = 3 and ⌈10 · 90 / 100⌉ = 9: range [3, 9]
    # (unclipped it would be [1, 100] and 5 would score 100 · 4 / 99 ≈ 4.04)
    assert res["F005"]["points_tax_per_mu"] == pytest.approx(100 * (5 - 3) / (9 - 3))
    assert res["F001"]["points_tax_per_mu"] == 0.0 and res["F002"]["points_tax_per_mu"] == 0.0
    assert res["F100"]["points_tax_per_mu"] == 100.0 and res["F009"]["points_tax_per_mu"] == 100.0
    bm = ev.benchmarks.to_pylist()[0]
    assert (bm["group_min"], bm["group_max"]) == (3.0, 9.0)


def test_clip_is_for_min_max_items() -> None:
    with pytest.raises(SchemeError, match="'clip' is only for method 'minmax'"):
        scheme("  tax: {label: 税收, expr: eval_tax}\n",
               "      - {indicator: tax, method: ratio, weight: 10, benchmark: 1, floor: 0,\n"
               "         missing: zero, clip: {low_percent: 5, high_percent: 95}}\n")
