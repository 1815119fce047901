"""The same evaluation on Apache Spark (local mode) equals DuckDB's.

Every test here is marked `spark`: `pytest -m spark` runs them, `pytest -m "not spark"` skips
them. They need pyspark (the dev group, or `pip install 'tiangong[spark]'`) and Java 17+, and
share one Spark context for the whole session (start-up takes seconds).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from conftest import tables
from ruamel.yaml import YAML

from tiangong.errors import DataError, TiangongError
from tiangong.evaluation.evaluate import Evaluation, evaluate, sorted_rows
from tiangong.evaluation.scheme.loader import load_scheme, parse_scheme

pytestmark = pytest.mark.spark

pytest.importorskip("pyspark", reason="pyspark is not installed (pip install 'tiangong[spark]')")
if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
    pytest.skip("Spark needs Java 17 or newer", allow_module_level=True)

from tiangong.evaluation.engines.spark_engine import (  # noqa: E402 - after the skips above
    SMALL_DATA_CONF,
    SparkEngine,
    spark_session,
)

TOLERANCE = 1e-9
YEAR = 2022


@pytest.fixture(scope="session")
def spark() -> Any:
    """One local Spark context for all tests (start-up takes seconds)."""
    return spark_session()


@pytest.fixture
def engine(spark: Any) -> Iterator[SparkEngine]:
    """An engine with its own session, tuned for tiny data (see SMALL_DATA_CONF)."""
    eng = SparkEngine(session=spark, conf=SMALL_DATA_CONF)
    yield eng
    eng.close()


@pytest.fixture
def default_engine(spark: Any) -> Iterator[SparkEngine]:
    """An engine with Spark's own settings (code generation, adaptive plans): what users get."""
    eng = SparkEngine(session=spark)
    yield eng
    eng.close()


@pytest.fixture(scope="module")
def county() -> dict[str, pa.Table]:
    generator = pytest.importorskip("tiangong.demo.generator")
    return generator.generate("county", seed=7, year=YEAR)


def assert_same_table(duck: pa.Table, spark: pa.Table, what: str) -> None:
    """Same schema, same rows in the same order; doubles equal to 1e-9 (absolute or relative),
    everything else (text, integers, dates, booleans) identical."""
    assert spark.schema.equals(duck.schema), f"{what}: schema\n{duck.schema}\n!=\n{spark.schema}"
    assert spark.num_rows == duck.num_rows, what
    for name in duck.column_names:
        want, got = duck.column(name).to_pylist(), spark.column(name).to_pylist()
        if pa.types.is_floating(duck.schema.field(name).type):
            for row, (a, b) in enumerate(zip(want, got, strict=True)):
                same = (a is None and b is None) or (
                    a is not None and b is not None
                    and (math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)
                         or (math.isnan(a) and math.isnan(b))))
                assert same, f"{what}.{name} row {row}: duckdb {a!r} != spark {b!r}"
        else:
            diff = next((i for i, (a, b) in enumerate(zip(want, got, strict=True)) if a != b),
                        None)
            assert diff is None, (f"{what}.{name} row {diff}: duckdb {want[diff]!r} != "
                                  f"spark {got[diff]!r}")


def assert_same_evaluation(duck: Evaluation, spark: Evaluation) -> None:
    assert spark.engine == "spark" and duck.engine == "duckdb"
    assert_same_table(duck.results, spark.results, "results")
    assert_same_table(duck.benchmarks, spark.benchmarks, "benchmarks")
    assert spark.warnings == duck.warnings
    assert spark.class_counts() == duck.class_counts()
    assert [s.step for s in spark.statements] == [s.step for s in duck.statements]
    for name, table in duck.inputs.items():
        assert_same_table(sorted_rows(table), sorted_rows(spark.inputs[name]),
                          f"inputs.{name}")


def both(scheme: Any, data: Any, engine: SparkEngine | str,
         year: int = YEAR) -> tuple[Evaluation, Evaluation]:
    duck = evaluate(scheme, data, year)
    spark = evaluate(scheme, data, year, engine=engine)
    assert_same_evaluation(duck, spark)
    return duck, spark


# -- the demo county under the built-in schemes ---------------------------------------------


def test_huangyan_demo_county_equals_duckdb(county: dict[str, pa.Table],
                                            default_engine: SparkEngine) -> None:
    duck, spark = both("huangyan_2022", county, default_engine)
    classes = set(duck.results.column("class").to_pylist())
    assert {"A", "B", "C", "D", "T", "免评"} <= classes  # the comparison covers every path
    assert duck.results.num_rows == county["enterprises"].filter(
        pc.equal(county["enterprises"].column("year"), YEAR)).num_rows
    # the stored statements are what Spark ran: its dialect, not DuckDB's
    final = next(s.sql for s in spark.statements if s.step == "final")
    assert "`" in final or "STRING" in final or "CONCAT" in final


def test_template_two_year_scheme_equals_duckdb(county: dict[str, pa.Table],
                                                engine: SparkEngine) -> None:
    """Every feature of the format: prior-year, group-mean and group-max benchmarks, minmax,
    inverse and step items, reweighting, penalties, bonus/penalty points, total bounds, special
    classes from rules, two-stage classes with share bounds, and all adjustment actions."""
    loaded = load_scheme("template")
    duck, _ = both(loaded, county, engine)
    kinds = {r["benchmark_kind"] for r in duck.benchmarks.to_pylist()}
    assert {"prior_year_mean", "group_mean", "group_max", "constant"} <= kinds
    reasons = "".join(r or "" for r in duck.results.column("class_reason").to_pylist())
    assert "两阶段评选" in reasons


def test_thresholds_by_town_equals_duckdb(county: dict[str, pa.Table],
                                          engine: SparkEngine) -> None:
    """The template with score thresholds instead of two stages, ranked within each town."""
    yaml = YAML(typ="safe")
    data = yaml.load(load_scheme("template").text)
    cls = data["classification"]
    for key in ("two_stage", "quotas", "bounds"):
        cls.pop(key, None)
    cls.update(method="thresholds", thresholds={"A": 70, "B": 50, "C": 30},
               partition_by=["group", "town_code"])
    out = io.StringIO()
    yaml.dump(data, out)
    duck, _ = both(parse_scheme(out.getvalue(), "thresholds.yaml"), county, engine)
    assert "按分数线分档" in set(duck.results.column("class_reason").to_pylist())


def test_huaian_prior_year_scheme_equals_duckdb(county: dict[str, pa.Table],
                                                engine: SparkEngine) -> None:
    both("huaian_2024", county, engine)


# -- hand-made edge cases --------------------------------------------------------------------

TWO_YEAR_SCHEME = """
id: two_year
name: 两年度测试
indicators:
  tax_per_mu: {label: 亩均税收, expr: eval_tax / land_area}
  va_per_energy: {label: 单位能耗增加值, expr: value_added / energy_tce}
  tax_per_kwh: {label: 单位用电税收, expr: eval_tax / electricity}
defaults: {missing: zero, zero_denominator: zero}
special_classes:
  - {code: T, label: 暂不评价, when: "age_years < 2", scored: true, in_denominator: false}
groups:
  - id: above
    label: 规上
    select: {size_class: [above]}
    items:
      - {indicator: tax_per_mu, method: ratio, weight: 60, floor: 0, cap: 90,
         benchmark: {kind: prior_year_mean, factor: 1.5}}
      - {indicator: va_per_energy, method: ratio, weight: 40, floor: 0,
         benchmark: {kind: group_mean}, missing: group_mean, zero_denominator: {penalty: 2}}
  - id: below
    label: 规下
    select: {size_class: [below], land_area: {min: 3, min_inclusive: true}}
    items:
      - {indicator: tax_per_kwh, method: ratio, weight: 100, floor: 0,
         benchmark: {kind: prior_year_mean}}
classification:
  classes: [{code: A, label: 优}, {code: B, label: 良}, {code: C, label: 中}, {code: D, label: 差}]
  method: quota
  quotas: {A: 25, B: 50, C: 75, D: 100}
  rounding: ceil
  ties: better_class
  adjustments:
    - {when: "events.env_violation >= 1", action: downgrade, steps: 2, reason: 环境违法}
"""


def _edge_rows() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Missing values, zero denominators, negative tax, exact ties, a quote and a comma in a
    name, firms in no group, in both years."""
    lands = [None, 0.0, 2.0, 5.5, 12.25, 40.0, 3.0]
    taxes = [None, -3.0, 0.0, 12.3, 150.7, 800.0, 150.7]
    energy = [None, 0.0, 50.0, 300.3]
    rows = []
    for year in (YEAR - 1, YEAR):
        for i in range(48):
            rows.append({
                "uscc": f"91331003MA2{i:07d}", "year": year,
                "size_class": "above" if i % 3 else "below",
                "name": '台州"精工",有限公司' if i == 7 else f"企业{i:04d}",
                "industry_code": ["3311", "4410", "2650", "3412"][i % 4 if i % 5 else 0],
                "founded_date": dt.date(2021 if i % 11 == 0 else 2005 + i % 9, 3, 1),
                "land_area": lands[i % 7], "eval_tax": taxes[(i + year) % 7],
                "value_added": [None, 100.0, 523.4, 2000.1][i % 4],
                "revenue": [0.0, 1000.0, 5000.0][i % 3],
                "energy_tce": energy[(i + year) % 4],
                "electricity": [None, 0.0, 20.0, 300.0][(i // 2) % 4],
                "emissions": [None, 0.0, 0.5, 3.0][(i // 3) % 4],
                "employees": [None, 0.0, 30.0, 250.0][(i // 4) % 4],
                "rd_expense": [None, 0.0, 30.0, 250.0][(i // 5) % 4],
            })
    events = [
        {"uscc": "91331003MA20000004", "year": YEAR, "event_type": "safety_accident",
         "severity": "major"},
        {"uscc": "91331003MA20000005", "year": YEAR, "event_type": "env_violation"},
        {"uscc": "91331003MA20000010", "year": YEAR, "event_type": "env_violation"},
    ]
    tenancies = [{"year": YEAR, "landlord_uscc": "91331003MA20000006",
                  "tenant_uscc": "91331003MA20000008", "land_area": 1.5}]
    return rows, events, tenancies


def test_edge_cases_two_year_scheme_equal(engine: SparkEngine) -> None:
    rows, events, tenancies = _edge_rows()
    data = tables(rows, events, tenancies)
    duck, _ = both(parse_scheme(TWO_YEAR_SCHEME, "two_year.yaml"), data, engine)
    imputed = set(duck.results.column("imputed_va_per_energy").to_pylist())
    assert {"missing:group_mean", "zero_denominator:penalty 2"} <= imputed


def test_edge_cases_builtin_scheme_equal(spark: Any) -> None:
    """Also the plain `engine="spark"` call: evaluate() makes and closes its own engine."""
    rows, events, tenancies = _edge_rows()
    data = tables([r for r in rows if r["year"] == YEAR], events, tenancies)
    both("huangyan_2022", data, "spark")


# -- files: Parquet and CSV read by each engine's own reader ---------------------------------


def _write(data: dict[str, pa.Table], folder: Path, suffix: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in data.items():
        if suffix == ".csv":
            pacsv.write_csv(table, folder / f"{name}.csv")
        else:
            pq.write_table(table, folder / f"{name}.parquet")
    return folder


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_files_equal_duckdb(suffix: str, engine: SparkEngine, tmp_path: Path) -> None:
    rows, events, tenancies = _edge_rows()
    folder = _write(tables(rows, events, tenancies), tmp_path / "data", suffix)
    scheme = parse_scheme(TWO_YEAR_SCHEME, "two_year.yaml")
    _, spark = both(scheme, folder, engine)
    from_memory = evaluate(scheme, tables(rows, events, tenancies), YEAR)
    assert_same_table(from_memory.results, spark.results, f"results from {suffix}")


def test_csv_with_byte_order_mark_and_missing_optional_columns(engine: SparkEngine,
                                                               tmp_path: Path) -> None:
    folder = tmp_path / "bom"
    folder.mkdir()
    (folder / "enterprises.csv").write_text(
        "\ufeffuscc,name,year,size_class,land_area,eval_tax,electricity\n"
        '91331003MA20000001,"甲,有限公司",2022,below,4,10,20\n'
        "91331003MA20000002,乙,2022,below,5,,0\n"
        '91331003MA20000003,"",2022,below,6,30,""\n',
        encoding="utf-8")
    _, spark = both("huangyan_2022", folder, engine)
    assert spark.results.column("name").to_pylist() == ["甲,有限公司", "乙", None]


def test_bad_values_are_the_same_data_error_on_both(engine: SparkEngine,
                                                    tmp_path: Path) -> None:
    """CSV: every unreadable cell with file, line and column; Parquet: a failing cast."""
    from tiangong.evaluation.engines.duckdb_engine import DuckDBEngine
    from tiangong.evaluation.sources import column_types

    folder = tmp_path / "坏 数据"
    folder.mkdir()
    (folder / "a.csv").write_text(
        "uscc,name,year,size_class,land_area,founded_date\n"
        '91331003MA20000001,"甲,""精工""\n有限公司",2022,above,十亩,2001-01-01\n'
        "91331003MA20000002,乙,2022,above,3,2001-13-01\n", encoding="utf-8")
    (folder / "b.csv").write_text("uscc,name,year,size_class,land_area\n"
                                  "91331003MA20000003,丙,2022,below,abc\n", encoding="utf-8")
    pq.write_table(pa.table({"uscc": ["x"], "year": ["2022"], "land_area": ["abc"]}),
                   folder / "c.parquet")
    duck = DuckDBEngine()
    messages: dict[str, list[str]] = {"duckdb": [], "spark": []}
    try:
        for eng in (duck, engine):
            for files in ([folder / "a.csv", folder / "b.csv"], [folder / "c.parquet"]):
                with pytest.raises(DataError) as caught:
                    eng.load_files("enterprises", files, column_types("enterprises"),
                                   "year = 2022")
                messages[eng.name].append(str(caught.value))
    finally:
        duck.close()
    assert messages["spark"][0] == messages["duckdb"][0]
    assert "a.csv:2 [land_area]: '十亩' is not a number" in messages["spark"][0]
    assert "a.csv:3 [founded_date]" in messages["spark"][0]
    assert "b.csv:2 [land_area]: 'abc'" in messages["spark"][0]
    assert all("canonical column type" in m[1] for m in messages.values())


# -- the adapter itself ----------------------------------------------------------------------


def test_query_types_match_duckdb(engine: SparkEngine) -> None:
    from tiangong.evaluation.engines.duckdb_engine import DuckDBEngine

    data = pa.table({"s": pa.array(["a", None, "中文"], pa.large_string()),
                     "k": pa.array(["x", "y", "x"]).dictionary_encode(),
                     "i": pa.array([1, 2, None], pa.int32()),
                     "d": pa.array([0.5, None, -12345.678]),
                     "t": pa.array([dt.date(2022, 1, 1), None, dt.date(1999, 12, 31)])})
    sql = ("SELECT s, k, i, d, t, CAST(i AS BIGINT) AS b, i > 1 AS flag, COUNT(*) OVER () AS n,"
           " CAST(d AS DECIMAL(18, 3)) AS dec, d / NULLIF(i - 1, 0) AS ratio,"
           " CAST(i AS VARCHAR) || '号' AS label, EXTRACT(YEAR FROM t) - 1 AS y,"
           " 0.5e0 * i AS half FROM x ORDER BY i NULLS LAST")
    duck = DuckDBEngine()
    try:
        for eng in (duck, engine):
            eng.load_arrow("x", data)
        assert_same_table(duck.query(sql), engine.query(sql), "query")
        empty = "SELECT s, i FROM x WHERE FALSE"
        assert_same_table(duck.query(empty), engine.query(empty), "empty query")
        assert engine.columns("x") == duck.columns("x")
    finally:
        duck.close()


def test_scheme_functions_match_duckdb_at_the_edges(engine: SparkEngine) -> None:
    """What a scheme formula may use (see scheme.expressions), at zero, negative and NULL."""
    from tiangong.evaluation.engines.duckdb_engine import DuckDBEngine

    data = pa.table({"x": pa.array([2.5, 0.0, -1.0, None, 1e308]),
                     "n": pa.array([1, 0, -3, None, 7], pa.int32())})
    exprs = ["LN(x)", "LN(LN(x))", "SQRT(x)", "POW(x, -1e0)", "POW(x, 0.5e0)", "ABS(x)",
             "LEAST(x, 1e0)", "GREATEST(x, n)", "COALESCE(x, n, 0)", "x BETWEEN 0 AND 2",
             "n IN (0, 7)", "CAST(x AS DOUBLE) / NULLIF(n, 0)", "x * 10", "-x", "n * 0.5",
             "x >= 0.05 AND n <> 0"]
    sql = ", ".join(f"{e} AS c{i}" for i, e in enumerate(exprs)) + " FROM x"
    duck = DuckDBEngine()
    try:
        for eng in (duck, engine):
            eng.load_arrow("x", data)
        assert_same_table(duck.query(f"SELECT n, {sql} ORDER BY n"),
                          engine.query(f"SELECT n, {sql} ORDER BY n"), "functions")
    finally:
        duck.close()


def test_engines_do_not_share_views(spark: Any) -> None:
    one, two = SparkEngine(session=spark), SparkEngine(session=spark)
    try:
        one.create("step", "SELECT 1 AS a")
        two.create("step", "SELECT 'x' AS b")
        assert one.columns("step") == ["a"] and two.columns("step") == ["b"]
        assert one.statements[0].step == "step" and len(two.statements) == 1
    finally:
        one.close()
        two.close()


def test_missing_pyspark_gives_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    from tiangong.evaluation.engines import spark_engine

    monkeypatch.setitem(sys.modules, "pyspark", None)
    with pytest.raises(TiangongError, match=r"pip install 'tiangong\[spark\]'"):
        spark_engine._pyspark()
