"""The explanations the platform rebuilds from published rows (explain_bulk.explanation) say the
special classes' conditions, the class adjustments (直接评为D类) and the imputation rules in
words, exactly as `explain` does (issue 15): one rendering, `Wording`, used by both."""

from __future__ import annotations

from pathlib import Path

from conftest import tables
from test_explain import ABOVE

from tiangong.evaluation.evaluate import evaluate
from tiangong.evaluation.explain import explain
from tiangong.evaluation.explain_bulk import (
    class_floors,
    compact_rows,
    explanation,
    group_constants,
)
from tiangong.evaluation.wording import Wording
from tiangong.runs import RunStore

WATER = {**ABOVE[1], "uscc": "91331003MA00039999", "industry_code": "4610"}  # 免评
NO_EMISSION = {k: v for k, v in ABOVE[2].items() if k != "emissions"}  # group-mean imputed
ACCIDENT = ABOVE[0]["uscc"]  # a major safety accident: 直接评为D类 (huangyan_2022 adjustment)


def _both(tmp_path: Path) -> dict[str, tuple[list[str], list[str]]]:
    """uscc → (explain's lines, explain_bulk's lines) for the firms above."""
    events = [dict(uscc=ACCIDENT, year=2022, event_type="safety_accident", severity="major")]
    rows = [ABOVE[0], ABOVE[1], NO_EMISSION, *ABOVE[3:], WATER]
    out = {}
    with RunStore(tmp_path / "runs.duckdb") as st:
        run = st.save(evaluate("huangyan_2022", tables(rows, events), 2022))
        results, loaded = st.results(run.id), st.scheme(run.id)
        groups = group_constants(loaded, st.benchmarks(run.id))
        order = [c.code for c in loaded.scheme.classification.classes]
        floors = class_floors(results, order)
        wording = Wording.of(loaded.scheme, run.year)
        compact = list(compact_rows(loaded, results, groups, floors))
        for i, row in enumerate(results.to_pylist()):
            if row["uscc"] not in (WATER["uscc"], NO_EMISSION["uscc"], ACCIDENT):
                continue
            c = compact[i]
            bulk = explanation(run.id, run.scheme_id, run.year, row,
                               groups.get(row["group"] or ""), c.items, c.points,
                               floors.get(row["partition"] or "", {}),
                               Wording.from_dict(wording.to_dict()))  # as stored and read back
            single = explain(st, run.id, row["uscc"], what_if=False)
            out[row["uscc"]] = (single.lines(), bulk.lines())
    return out


def test_bulk_explanations_say_conditions_in_words_as_explain_does(tmp_path: Path) -> None:
    both = _both(tmp_path)
    for uscc, (single, bulk) in both.items():
        assert bulk == single, uscc  # the same text, line for line
    water = "\n".join(both[WATER["uscc"]][1])
    # the special class's condition (industry_division in ('44', '45', '46')) in words
    assert ("依据：特殊类别：免于评价（条件：行业大类为44（电力、热力生产和供应业）、"
            "45（燃气生产和供应业）、46（水的生产和供应业）之一）") in water
    assert "industry_division" not in water
    assert "黄岩区2022年度工业企业亩均效益综合评价（huangyan_2022）" in water
    accident = both[ACCIDENT][1]
    assert accident[-1].startswith("等级：D") and "发生较大及以上安全生产事故，直接评为D类" in (
        accident[-1])
    imputed = next(x for x in both[NO_EMISSION["uscc"]][1]
                   if x.strip().startswith("单位排放增加值"))
    assert imputed.endswith("得分按规则补入：缺数据，取同组均分")


def test_wording_round_trip_and_empty() -> None:
    w = Wording("办法", (("（条件：age_years < 2）", "（条件：成立年限小于2年）"),),
                (("T", "暂不评价"),))
    assert Wording.from_dict(w.to_dict()) == w
    assert w.reason("特殊类别：暂不评价（条件：age_years < 2）") == (
        "特殊类别：暂不评价（条件：成立年限小于2年）")
    assert w.imputed("missing:special_class T") == "缺数据，列入暂不评价"
    assert Wording.from_dict(None) == Wording() and Wording().reason(None) == ""
