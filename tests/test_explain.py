"""Explanations come from the stored run; what-if finds the smallest change, or says none can."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from conftest import tables

from tiangong.evaluation.evaluate import evaluate
from tiangong.evaluation.explain import explain
from tiangong.runs import RunStore

# Five 规下 firms, constant benchmarks: score = tax/land/11.5932*50 + tax/elec/0.2352*50.
BELOW = [dict(uscc=f"91331003MA0001{i:04d}", size_class="below", land_area=30.0,
              eval_tax=20.0 + 10 * i, electricity=100.0) for i in range(5)]
ABOVE = [dict(uscc=f"91331003MA0000{i:04d}", size_class="above", land_area=10.0 + i,
              eval_tax=100.0 + 20 * i, value_added=1000, energy_tce=300, emissions=1,
              employees=50, rd_expense=100, revenue=5000) for i in range(6)]


def below_score(tax: float, land: float = 30.0, elec: float = 100.0) -> float:
    return tax / land / 11.5932 * 50 + tax / elec / 0.2352 * 50


@pytest.fixture
def store(tmp_path: Path):
    events = [dict(uscc=ABOVE[0]["uscc"], year=2022, event_type="safety_accident",
                   severity="major")]
    with RunStore(tmp_path / "runs.duckdb") as st:
        st.save(evaluate("huangyan_2022", tables(BELOW + ABOVE, events), 2022))
        yield st


def test_explanation_lists_every_number_behind_the_class(store: RunStore) -> None:
    ex = explain(store, "latest", BELOW[2]["uscc"], what_if=False)
    assert ex.row["group"] == "below" and ex.row["class"] == "B"
    items = {i.indicator: i for i in ex.items}
    assert set(items) == {"tax_per_mu", "tax_per_kwh"}
    assert items["tax_per_mu"].value == pytest.approx(40 / 30)
    assert items["tax_per_mu"].benchmark == pytest.approx(11.5932)
    assert items["tax_per_mu"].points == pytest.approx(40 / 30 / 11.5932 * 50, abs=1e-9)
    assert ex.row["score"] == pytest.approx(below_score(40), abs=1e-9)
    assert ex.row["rank"] == 3 and ex.row["partition_size"] == 5
    text = "\n".join(ex.lines())
    for needle in ("亩均税收", "基准值 11.5932", "第 3 名 / 共 5 家", "等级：B", "依据"):
        assert needle in text
    # the lowest score of each class in the partition, best class first
    assert list(ex.class_floors) == ["A", "B", "C"]
    assert ex.class_floors["A"] == pytest.approx(below_score(60), abs=1e-9)


def test_what_if_tax_finds_the_boundary_of_the_next_class(store: RunStore) -> None:
    # quotas (round half up) on 5 firms: A = 1, B = 2, C = 2; firm 2 (tax 40) is B.
    ex = explain(store, "latest", BELOW[2]["uscc"])
    tax = ex.what_if[0]
    assert tax.variable == "eval_tax" and tax.target == "A"
    # A needs a score at least that of firm 4 (tax 60); at tax 60 the scores and the taxes tie
    # and the lower credit code (firm 2's) ranks first, so 60.00 is the lowest value on the
    # 0.01 grid that reaches A: exactly, not within a tolerance.
    assert tax.needed == 60.0
    # the search guesses from the score's slope and confirms at 60.00 and 59.99: two questions
    assert tax.evaluations == 2
    assert "增至" in tax.message and "A 类" in tax.message
    land = ex.what_if[1]
    # land only enters 亩均税收: 40/land/11.5932*50 + 40/100/0.2352*50 ≥ below_score(60)
    needed_land = 40 / 11.5932 * 50 / (below_score(60) - 40 / 100 / 0.2352 * 50)
    # at needed_land the scores tie and firm 4's higher tax ranks first: the answer is the
    # largest value on the 0.01 grid strictly below it
    assert land.needed == math.ceil(needed_land * 100 - 1) / 100
    assert 3 <= land.needed < needed_land  # never claims more land than allowed


def test_what_if_land_stops_at_the_population_threshold(tmp_path: Path) -> None:
    # with 10 亩 each, firm 2 would need 2.52 亩, below the 3 亩 threshold of 规下 evaluation
    rows = [{**r, "land_area": 10.0} for r in BELOW]
    with RunStore(tmp_path / "runs.duckdb") as st:
        st.save(evaluate("huangyan_2022", tables(rows), 2022))
        land = explain(st, "latest", rows[2]["uscc"]).what_if[1]
    assert land.needed is None and "不再参评" in land.message


def test_what_if_says_when_no_change_can_help(store: RunStore) -> None:
    vetoed = explain(store, "latest", ABOVE[0]["uscc"])
    assert vetoed.row["class"] == "D"
    assert all(w.needed is None for w in vetoed.what_if)
    assert "无法" in vetoed.what_if[0].message
    best = explain(store, "latest", BELOW[4]["uscc"])
    assert best.row["class"] == "A"
    assert "已是最高等级" in best.what_if[0].message and best.what_if[0].evaluations == 0


def test_unknown_enterprise_is_a_clear_error(store: RunStore) -> None:
    from tiangong.errors import TiangongError

    with pytest.raises(TiangongError, match="not in run R0001"):
        explain(store, "R0001", "91330000XXXXXXXXXX")


def test_a_firm_outside_every_group_is_told_the_condition_it_failed(tmp_path: Path) -> None:
    # issue 15, point 20: `explain` said only "未参评：不符合任何评价组的纳入条件"
    small = dict(uscc="91331003MA00029999", size_class="below", land_area=2.1, eval_tax=10.0,
                 electricity=50.0)
    with RunStore(tmp_path / "runs.duckdb") as st:
        st.save(evaluate("huangyan_2022", tables([*BELOW, small]), 2022))
        ex = explain(st, "latest", small["uscc"], what_if=False)
    assert ex.row["group"] is None
    # 黄岩: 规上 needs size_class above; 规下 needs at least 3 亩 (min inclusive)
    assert ("未参评：不符合任何评价组的纳入条件：规上工业企业：规模为规下（要求为规上）；"
            "规下工业企业：用地面积2.1亩（要求不低于3亩）") in ex.lines()


def test_explanation_states_conditions_and_imputations_in_words(tmp_path: Path) -> None:
    # issue 15, point 19: the special class's condition and the imputation rule were printed
    # as code (industry_division in ('44', '45', '46'); missing:group_mean); the scheme by id
    water = {**ABOVE[1], "uscc": "91331003MA00039999", "industry_code": "4610"}
    no_emission = {k: v for k, v in ABOVE[2].items() if k != "emissions"}
    with RunStore(tmp_path / "runs.duckdb") as st:
        st.save(evaluate("huangyan_2022", tables([ABOVE[0], ABOVE[1], no_emission, *ABOVE[3:],
                                                   water]), 2022))
        exempt = explain(st, "latest", water["uscc"], what_if=False)
        imputed = explain(st, "latest", no_emission["uscc"], what_if=False)
    text = "\n".join(exempt.lines())
    assert ("依据：特殊类别：免于评价（条件：行业大类为44（电力、热力生产和供应业）、"
            "45（燃气生产和供应业）、46（水的生产和供应业）之一）") in text
    assert "industry_division" not in text
    assert "黄岩区2022年度工业企业亩均效益综合评价（huangyan_2022）" in exempt.lines()[0]
    line = next(x for x in imputed.lines() if x.strip().startswith("单位排放增加值"))
    assert line.endswith("得分按规则补入：缺数据，取同组均分")
    assert imputed.to_dict()["imputed_words"] == {"va_per_emission": "缺数据，取同组均分"}
