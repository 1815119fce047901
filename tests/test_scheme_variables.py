"""Issue 15.6: variables the analyst declares (COD, 工业总产值, 主营业务收入, a flag), each with a
type, unit and Chinese label, flow from extra columns of the enterprise table into expressions
— from in-memory tables, Parquet and CSV alike. Expected values worked in the comments."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import tables

from tiangong.errors import DataError, SchemeError
from tiangong.evaluation.evaluate import evaluate
from tiangong.evaluation.scheme.loader import LoadedScheme, parse_scheme

VARIABLES = """\
variables:
  cod: {label: 化学需氧量排放量, type: number, unit: 吨}
  gross_output: {label: 工业总产值, type: number, unit: 万元}
  main_revenue: {label: 主营业务收入, type: number, unit: 万元}
  new_land: {label: 当年新供地, type: boolean}
  industry_group: {label: 行业组, type: text}
"""


def scheme(variables: str = VARIABLES, extra: str = "",
           partition: str = "[group, industry_group]") -> LoadedScheme:
    text = ("id: declared\nname: 声明变量\n" + variables + """\
indicators:
  va_per_cod: {label: 单位COD排放增加值, expr: value_added / cod, unit: 万元/吨}
  output_share: {label: 主营业务收入占总产值比重, expr: main_revenue / gross_output}
defaults: {missing: zero, zero_denominator: zero}
special_classes:
  - {code: T, label: 当年新供地暂不评价, when: new_land, scored: true, in_denominator: false}
groups:
  - id: g
    label: 工业企业
    select: {}
    items:
      - {indicator: va_per_cod, method: ratio, weight: 10, benchmark: 2, floor: 0}
      - {indicator: output_share, method: ratio, weight: 10, benchmark: 0.5}
classification:
  classes: [{code: A, label: A}, {code: B, label: B}]
  partition_by: PARTITION
  method: quota
  quotas: {A: 50, B: 100}
  rounding: floor
  ties: tiebreak
  tiebreak: [{by: eval_tax, order: desc}]
""" + extra).replace("PARTITION", partition)
    return parse_scheme(text, "declared.yaml")


ROWS = [  # uscc, value_added, cod, main_revenue, gross_output, new_land, industry_group
    ("F1", 40.0, 4.0, 50.0, 100.0, False, "轻工"),
    ("F2", 10.0, 5.0, 90.0, 100.0, False, "轻工"),
    ("F3", 30.0, 1.0, 10.0, 100.0, False, "化工"),
    ("F4", 30.0, 2.0, 10.0, 100.0, False, "化工"),
    ("F5", 90.0, 1.0, 90.0, 100.0, True, "化工"),
]
EXTRA = ("cod", "main_revenue", "gross_output", "new_land", "industry_group")


def with_columns() -> dict[str, pa.Table]:
    t = tables([{"uscc": r[0], "size_class": "above", "land_area": 1.0, "value_added": r[1]}
                for r in ROWS])
    ent = t["enterprises"]
    for i, name in enumerate(EXTRA, start=2):
        ent = ent.append_column(name, pa.array([r[i] for r in ROWS]))
    return {**t, "enterprises": ent}


def check(res: dict[str, dict[str, Any]]) -> None:
    # va_per_cod: F1 40/4 = 10 → 10·10/2 = 50; F2 10/5 = 2 → 10; F3 30; F4 15 → 75 points
    # output_share: F1 0.5 → 10·0.5/0.5 = 10; F2 0.9 → 18; F3, F4 0.1 → 2
    assert res["F1"]["score"] == pytest.approx(60.0)
    assert res["F2"]["score"] == pytest.approx(28.0)
    assert res["F3"]["score"] == pytest.approx(150.0 + 2.0)
    assert res["F4"]["score"] == pytest.approx(75.0 + 2.0)
    assert res["F5"]["class"] == "T"  # the flag
    # ranked within industry groups: 轻工 F1 A, F2 B; 化工 (F5 in T) F3 A, F4 B
    assert [res[f]["class"] for f in ("F1", "F2", "F3", "F4")] == ["A", "B", "A", "B"]
    assert res["F3"]["partition"] == "g|化工" and res["F3"]["partition_size"] == 2


def test_declared_variables_from_in_memory_tables() -> None:
    ev = evaluate(scheme(), with_columns(), 2022)
    check({r["uscc"]: r for r in ev.results.to_pylist()})


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_declared_variables_from_files(tmp_path: Path, fmt: str) -> None:
    ent = with_columns()["enterprises"]
    if fmt == "parquet":
        pq.write_table(ent, tmp_path / "enterprises.parquet")
    else:
        rows = ent.to_pylist()
        with (tmp_path / "enterprises.csv").open("w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=ent.column_names)
            w.writeheader()
            w.writerows({k: ("" if v is None else str(v).lower() if isinstance(v, bool) else v)
                         for k, v in r.items()} for r in rows)
    ev = evaluate(scheme(), tmp_path, 2022)
    check({r["uscc"]: r for r in ev.results.to_pylist()})


def test_a_declared_column_absent_from_the_data_is_named(tmp_path: Path) -> None:
    t = with_columns()
    t["enterprises"] = t["enterprises"].drop_columns(["cod"])
    with pytest.raises(DataError, match="declares variable 'cod' \\(化学需氧量排放量, 吨\\)"):
        evaluate(scheme(), t, 2022)


def test_an_undeclared_pollutant_is_unknown() -> None:
    with pytest.raises(SchemeError, match="unknown variable 'cod'"):
        scheme(variables="")


def test_a_flag_partitions_the_ranking() -> None:
    ev = evaluate(scheme(partition="[new_land]",
                         variables=VARIABLES.replace("when: new_land", "when: 'false'")),
                  with_columns(), 2022)
    res = {r["uscc"]: r for r in ev.results.to_pylist()}
    # F5 is in T (its flag), the others have new_land false: one partition of 4 firms
    assert {res[f]["partition"] for f in ("F1", "F2", "F3", "F4")} == {"false"}
    assert res["F1"]["partition_size"] == 4


def test_declarations_are_checked() -> None:
    with pytest.raises(SchemeError, match="'land_area' is already a variable"):
        scheme(VARIABLES + "  land_area: {label: 面积, type: number}\n")
    with pytest.raises(SchemeError, match="'industry_group' is text"):
        scheme(extra="  adjustments: [{when: 'industry_group > 3', action: set, class: B,"
                     " reason: r}]\n")


def test_a_declared_amount_that_can_be_negative_needs_a_floor() -> None:
    with pytest.raises(SchemeError, match="reads main_revenue, which can be negative"):
        scheme(VARIABLES.replace("主营业务收入, type: number, unit: 万元}",
                                 "主营业务收入, type: number, unit: 万元, can_be_negative: true}"))
