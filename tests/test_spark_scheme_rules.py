"""Issue 15's new rules give the same results on Spark as on DuckDB: selection stages, item
points in measures, quota tables per group, partitions by any category, declared variables
(a boolean flag and a text partition among them), tenancies by tenant attributes, coalesce in
indicators and invalid values of ln/sqrt/pow. Marked `spark` (see test_spark.py)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from conftest import tables

pytestmark = pytest.mark.spark
pytest.importorskip("pyspark", reason="pyspark is not installed (pip install 'tiangong[spark]')")

from test_scheme_classes import POINTS, STAGES, TOWNS, WENLING  # noqa: E402
from test_scheme_tenants import scheme as tenant_scheme  # noqa: E402
from test_scheme_values import COALESCE, LOG_ITEMS, LOGS, log_rows  # noqa: E402
from test_scheme_values import scheme as values_scheme  # noqa: E402
from test_scheme_variables import scheme as declared_scheme  # noqa: E402
from test_scheme_variables import with_columns  # noqa: E402
from test_spark import both as both_on  # noqa: E402

from tiangong.evaluation.engines.spark_engine import (  # noqa: E402
    SMALL_DATA_CONF,
    SparkEngine,
    spark_session,
)
from tiangong.evaluation.scheme.loader import LoadedScheme  # noqa: E402


@pytest.fixture(scope="module")
def spark() -> Any:
    return spark_session()


def both(scheme: LoadedScheme, data: Any, session: Any) -> Any:
    """DuckDB and a fresh Spark engine (its statement log is per run)."""
    eng = SparkEngine(session=session, conf=SMALL_DATA_CONF)
    try:
        return both_on(scheme, data, eng)
    finally:
        eng.close()


def firms(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return tables([{"size_class": "above", "land_area": 1.0, **r} for r in rows])


def classes(ev: Any) -> dict[str, Any]:
    return {r["uscc"]: r["class"] for r in ev.results.to_pylist()}


def test_stages_points_quota_tables_and_partitions(spark: Any) -> None:
    revenue = {1: 1, 2: 50, 3: 2, 4: 100, 5: 3, 6: 1000}
    rows = [{"uscc": f"F{i:02d}", "eval_tax": float(11 - i), "revenue": float(revenue.get(i, 0)),
             "energy_tce": float({1: 0, 7: 1}.get(i, 10))} for i in range(1, 11)]
    duck, _ = both(STAGES, firms(rows), spark)
    assert classes(duck)["F07"] == "D"
    rows = [{"uscc": f"U{i}", "size_class": s, "eval_tax": t, "rd_expense": rd,
             "revenue": 100.0, "value_added": va, "energy_tce": 1.0}
            for i, (s, t, rd, va) in enumerate([("above", 10, 5, 1), ("above", 20, 0, 0.01),
                                                ("above", 30, 0, 0.01), ("below", 10, 0, 1),
                                                ("below", 20, 0, 0.01)])]
    both(POINTS, firms(rows), spark)
    rows = [{"uscc": f"A{i:02d}", "eval_tax": float(i)} for i in range(1, 11)]
    rows += [{"uscc": f"B{i:02d}", "size_class": "below", "eval_tax": float(i)}
             for i in range(1, 21)]
    both(WENLING, firms(rows), spark)
    rows = [{"uscc": f"F{i}", "eval_tax": float(t), "town_name": town}
            for i, (t, town) in enumerate([(1, "东城"), (2, "西城"), (3, "西城"), (6, "东城")])]
    both(TOWNS, firms(rows), spark)


def test_declared_variables_and_tenant_attributes(spark: Any) -> None:
    duck, _ = both(declared_scheme(), with_columns(), spark)
    assert classes(duck)["F5"] == "T"
    both(declared_scheme(partition="[new_land]"), with_columns(), spark)  # 'true'/'false'

    rows = [{"uscc": "L1", "land_area": 10.0, "eval_tax": 100.0},
            {"uscc": "T1", "size_class": "below"}, {"uscc": "T2"}]
    leases = [{"year": 2022, "landlord_uscc": "L1", "tenant_uscc": t, "land_area": 2.0}
              for t in ("T1", "T2", "T3")]
    duck, _ = both(tenant_scheme(), firms(rows) | {"tenancies": tables(
        [], tenancies=leases)["tenancies"]}, spark)
    by = {r["uscc"]: r for r in duck.results.to_pylist()}
    assert by["L1"]["points_below_tenants"] == 5.0


def test_coalesce_and_invalid_values(spark: Any) -> None:
    rows = [{"uscc": "F1", "rd_expense": 20.0, "tech_invest": 30.0, "revenue": 1000.0},
            {"uscc": "F2", "rd_expense": None, "tech_invest": 30.0, "revenue": 1000.0},
            {"uscc": "F4", "rd_expense": 20.0, "tech_invest": 30.0, "revenue": None}]
    both(COALESCE, firms(rows), spark)
    clip = values_scheme("  tax_per_mu: {label: 亩均税收, expr: eval_tax / land_area}\n",
                         "      - {indicator: tax_per_mu, method: minmax, weight: 100, floor: 0,"
                         " missing: zero,\n         zero_denominator: zero,"
                         " clip: {low_percent: 25, high_percent: 90}}\n")
    both(clip, firms([{"uscc": f"F{t:03d}", "eval_tax": float(t)}
                      for t in (1, 2, 3, 4, 5, 6, 7, 8, 9, 100)]), spark)
    duck, _ = both(values_scheme(LOGS, LOG_ITEMS), firms(log_rows()), spark)
    points = {r["uscc"]: r["points_log_tax"] for r in duck.results.to_pylist()}
    assert points["F2"] == -1.0 and math.isclose(points["F1"], 5.0)
