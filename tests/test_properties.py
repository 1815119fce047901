"""Properties of the whole evaluation, checked on small random tables with Hypothesis.

- quota classes per partition are exactly the rounding formula applied to the cumulative quotas
  (with the scheme's tie rule and denominator rule), computed here with exact fractions;
- more tax never lowers a firm's own score, nor its class under the tiebreak tie rule;
- the order of input rows never changes the results, and a re-run gives the same bytes.

Examples are few and tables small so the file stays fast; `derandomize` keeps runs reproducible.
"""

from __future__ import annotations

import io
import math
import random
from fractions import Fraction
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from conftest import tables
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tiangong.evaluation.engines.duckdb_engine import DuckDBEngine
from tiangong.evaluation.evaluate import Evaluation, evaluate
from tiangong.evaluation.scheme.loader import LoadedScheme, load_scheme, parse_scheme

SETTINGS = settings(max_examples=30, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# two evaluations per example: report the failing example as found rather than shrink for minutes
NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]

CLASSES = """\
classification:
  classes: [{code: A, label: 优先发展类}, {code: B, label: 提升发展类},
            {code: C, label: 调控帮扶类}, {code: D, label: 倒逼整治类}]
"""


def run(scheme: LoadedScheme, data: dict[str, pa.Table]) -> Evaluation:
    """Evaluate on a fresh single-threaded engine: tables here are tiny, threads only cost."""
    engine = DuckDBEngine(threads=1)
    try:
        return evaluate(scheme, data, 2022, keep_inputs=False, engine=engine)
    finally:
        engine.close()


def parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


# --- quotas -------------------------------------------------------------------------------------

ROUND = {"floor": math.floor, "ceil": math.ceil,
         "round_half_up": lambda x: math.floor(x + Fraction(1, 2))}


def quota_scheme(quotas: list[Fraction], rounding: str, ties: str,
                 in_denominator: bool) -> LoadedScheme:
    q = ", ".join(f"{c}: {float(v):g}" for c, v in zip("ABCD", quotas, strict=True))
    text = (
        "id: quota_property\nname: 比例分档性质\n"
        "indicators: {points: {label: 得分, expr: revenue}}\n"
        "defaults: {missing: zero, zero_denominator: zero}\n"
        "special_classes:\n"
        "  - {code: T, label: 暂不评价, when: 'tech_invest >= 10000', scored: true,"
        f" in_denominator: {str(in_denominator).lower()}}}\n"
        "groups:\n  - {id: all, label: 全部, select: {size_class: [above]},\n"
        "     items: [{indicator: points, method: ratio, weight: 1, benchmark: 1}]}\n"
        + CLASSES
        + f"  partition_by: [group, county_code]\n  method: quota\n  quotas: {{{q}}}\n"
        f"  rounding: {rounding}\n  ties: {ties}\n"
        "  tiebreak: [{by: eval_tax, order: desc}]\n"
    )
    return parse_scheme(text, "property.yaml")


@st.composite
def quota_cases(draw: st.DrawFn) -> dict[str, Any]:
    halves = sorted(draw(st.lists(st.integers(0, 200), min_size=3, max_size=3)))
    quotas = [Fraction(h, 2) for h in halves] + [Fraction(100)]
    sizes = draw(st.lists(st.integers(1, 22), min_size=1, max_size=3))
    rows = []
    for p, n in enumerate(sizes):
        for i in range(n):
            rows.append({
                "uscc": f"P{p}F{i:02d}", "size_class": "above", "county_code": f"3300{p:02d}",
                "revenue": float(draw(st.integers(0, 6))),  # few distinct scores: many ties
                "eval_tax": float(draw(st.integers(0, 2))),
                "tech_invest": 10000.0 if draw(st.integers(0, 9)) == 0 else None,  # ~10 % T
            })
    return {"quotas": quotas, "rows": rows,
            "rounding": draw(st.sampled_from(sorted(ROUND))),
            "ties": draw(st.sampled_from(["tiebreak", "better_class", "worse_class"])),
            "in_denominator": draw(st.booleans())}


def expected_classes(case: dict[str, Any]) -> dict[str, str]:
    """Each firm's class from the published arithmetic, partition by partition."""
    out: dict[str, str] = {}
    by_county: dict[str, list[dict[str, Any]]] = {}
    for r in case["rows"]:
        by_county.setdefault(r["county_code"], []).append(r)
    for firms in by_county.values():
        evaluated = [r for r in firms if r["tech_invest"] is None]
        n = len(firms) if case["in_denominator"] else len(evaluated)
        cuts = [ROUND[case["rounding"]](n * q / 100) for q in case["quotas"][:3]]
        order = sorted(evaluated, key=lambda r: (-r["revenue"], -r["eval_tax"], r["uscc"]))
        for place, r in enumerate(order, start=1):
            position = {
                "tiebreak": place,
                "better_class": 1 + sum(o["revenue"] > r["revenue"] for o in evaluated),
                "worse_class": sum(o["revenue"] >= r["revenue"] for o in evaluated),
            }[case["ties"]]
            out[r["uscc"]] = next((c for c, cut in zip("ABC", cuts, strict=True)
                                   if position <= cut), "D")
    return out


@SETTINGS
@given(quota_cases())
def test_quota_classes_follow_the_rounding_formula(case: dict[str, Any]) -> None:
    scheme = quota_scheme(case["quotas"], case["rounding"], case["ties"], case["in_denominator"])
    results = run(scheme, tables(case["rows"])).results
    got = {r["uscc"]: r["class"] for r in results.to_pylist()}
    expected = expected_classes(case)
    assert {u: c for u, c in got.items() if c != "T"} == expected
    assert {u for u, c in got.items() if c == "T"} == {
        r["uscc"] for r in case["rows"] if r["tech_invest"] is not None}
    if case["ties"] == "tiebreak":  # counts per partition: differences of the rounded cuts
        for county in {r["county_code"] for r in case["rows"]}:
            firms = [r for r in case["rows"] if r["county_code"] == county]
            m = sum(r["tech_invest"] is None for r in firms)
            n = len(firms) if case["in_denominator"] else m
            cuts = [min(ROUND[case["rounding"]](n * q / 100), m) for q in case["quotas"][:3]]
            cum = [0, *cuts, m]
            want = {c: cum[i + 1] - cum[i] for i, c in enumerate("ABCD")}
            have = {c: sum(got[r["uscc"]] == c for r in firms) for c in "ABCD"}
            assert have == want


# --- monotonicity in tax ------------------------------------------------------------------------

MONOTONE = parse_scheme(
    "id: monotone\nname: 税收单调性\n"
    "indicators:\n"
    "  tax_per_mu: {label: 亩均税收, expr: eval_tax / land_area}\n"
    "  tax_per_kwh: {label: 单位用电税收, expr: eval_tax / electricity}\n"
    "  rev_per_mu: {label: 亩均营业收入, expr: revenue / land_area}\n"
    "defaults: {missing: zero, zero_denominator: zero}\n"
    "groups:\n  - id: all\n    label: 全部\n    select: {size_class: [above]}\n    items:\n"
    "      - {indicator: tax_per_mu, method: ratio, weight: 50, benchmark: {kind: group_mean},"
    " floor: 0}\n"
    "      - {indicator: tax_per_kwh, method: minmax, weight: 30, floor: 0}\n"
    "      - {indicator: rev_per_mu, method: ratio, weight: 20, benchmark: 100}\n"
    + CLASSES
    + "  method: quota\n  quotas: {A: 20, B: 60, C: 95, D: 100}\n  rounding: round_half_up\n"
    "  ties: tiebreak\n  tiebreak: [{by: revenue, order: desc}]\n",
    "monotone.yaml")

firm_values = st.fixed_dictionaries({
    "eval_tax": st.integers(0, 400).map(float),  # a negative group mean is a degenerate case
    "land_area": st.integers(1, 30).map(float),
    "electricity": st.integers(1, 80).map(float),
    "revenue": st.integers(0, 3000).map(float),
})


@settings(SETTINGS, max_examples=12, phases=NO_SHRINK)
@given(st.lists(firm_values, min_size=2, max_size=12), st.data())
def test_more_tax_never_lowers_own_score_or_class(values: list[dict[str, float]],
                                                  data: st.DataObject) -> None:
    rows = [{"uscc": f"F{i:02d}", "size_class": "above", **v} for i, v in enumerate(values)]
    who = data.draw(st.integers(0, len(rows) - 1))
    more = data.draw(st.integers(1, 500))
    raised = [dict(r) for r in rows]
    raised[who]["eval_tax"] += more
    uscc = rows[who]["uscc"]
    before, after = (
        {r["uscc"]: r for r in run(MONOTONE, tables(t)).results.to_pylist()}[uscc]
        for t in (rows, raised))
    assert after["score"] >= before["score"] - 1e-9
    assert after["rank"] <= before["rank"]
    assert "ABCD".index(after["class"]) <= "ABCD".index(before["class"])


# --- row order and re-runs ----------------------------------------------------------------------

HUANGYAN = load_scheme("huangyan_2022")

huangyan_firm = st.fixed_dictionaries({
    "size_class": st.sampled_from(["above", "above", "below"]),
    "eval_tax": st.integers(-20, 300).map(float),
    "land_area": st.sampled_from([1.0, 2.5, 3.0, 8.0, 12.5, 40.0]),
    "value_added": st.integers(0, 2000).map(float),
    "energy_tce": st.sampled_from([0.0, 50.0, 120.0, 400.0]),
    "emissions": st.sampled_from([None, 0.0, 0.1, 0.25, 0.3]),
    "employees": st.integers(1, 300).map(float),
    "rd_expense": st.sampled_from([None, 0.0, 30.0, 400.0]),
    "revenue": st.integers(1, 10000).map(float),
    "electricity": st.sampled_from([None, 20.0, 200.0]),
    "industry_code": st.sampled_from(["3311", "3311", "2929", "4411"]),
})


@settings(SETTINGS, max_examples=8, phases=NO_SHRINK)
@given(st.lists(huangyan_firm, min_size=1, max_size=25), st.randoms(use_true_random=False))
def test_row_order_never_changes_the_results(values: list[dict[str, Any]],
                                            rnd: random.Random) -> None:
    # every other firm has a twin with the same data: ties only the credit code can break
    twins = values + values[::2]
    rows = [{"uscc": f"91331003{i:09d}X", **v} for i, v in enumerate(twins)]
    events = [{"uscc": rows[i]["uscc"], "year": 2022, "event_type": t, "severity": s}
              for i, t, s in ((0, "env_violation", None), (len(rows) - 1, "safety_accident",
                                                             "major"))]
    shuffled_rows, shuffled_events = rows[:], events[:]
    rnd.shuffle(shuffled_rows)
    rnd.shuffle(shuffled_events)
    one = run(HUANGYAN, tables(rows, events))
    two = run(HUANGYAN, tables(shuffled_rows, shuffled_events))
    assert parquet_bytes(one.results) == parquet_bytes(two.results)
    assert parquet_bytes(one.benchmarks) == parquet_bytes(two.benchmarks)


def test_rerun_gives_identical_bytes_on_a_larger_table() -> None:
    """Means and ranks must not depend on threads or chunking: 3,000 firms, run twice."""
    rnd = random.Random(20230925)
    rows = []
    for i in range(3000):
        above = rnd.random() < 0.6
        rows.append({
            "uscc": f"91331003{i:09d}X", "size_class": "above" if above else "below",
            "county_code": rnd.choice(["331002", "331003", "331004"]),
            "eval_tax": round(rnd.uniform(-10, 500), 3), "land_area": round(rnd.uniform(1, 80), 2),
            "value_added": round(rnd.uniform(0, 5000), 2) if above else None,
            "energy_tce": round(rnd.uniform(0, 900), 1) if above else None,
            "emissions": rnd.choice([None, 0.0, round(rnd.uniform(0.01, 3), 3)]),
            "employees": float(rnd.randint(5, 900)),
            "rd_expense": round(rnd.uniform(0, 500), 2) if above else None,
            "revenue": round(rnd.uniform(100, 90000), 2),
            "electricity": round(rnd.uniform(1, 900), 2),
        })
    data = tables(rows)
    first = evaluate(HUANGYAN, data, 2022, keep_inputs=False)
    second = evaluate(HUANGYAN, data, 2022, keep_inputs=False)
    assert first.results.num_rows == 3000
    assert parquet_bytes(first.results) == parquet_bytes(second.results)
    assert parquet_bytes(first.benchmarks) == parquet_bytes(second.benchmarks)
