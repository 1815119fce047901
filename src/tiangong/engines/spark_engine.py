"""Apache Spark adapter: the same DuckDB-dialect steps, transpiled by SQLGlot.

Spark is for regions that outgrow one machine; tests run it in local mode. Each step becomes a
cached temporary view so later steps and the final fetch do not recompute the chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import sqlglot

from tiangong.engines.base import Engine, Statement
from tiangong.errors import DataError, Problem

_ARROW_TYPES = {"VARCHAR": pa.string(), "INTEGER": pa.int32(), "DOUBLE": pa.float64(),
                "DATE": pa.date32(), "BIGINT": pa.int64(), "BOOLEAN": pa.bool_()}


def to_spark_sql(sql: str) -> str:
    return sqlglot.transpile(sql, read="duckdb", write="spark")[0]


class SparkEngine(Engine):
    name = "spark"

    def __init__(self, session: Any = None, master: str = "local[2]") -> None:
        super().__init__()
        from pyspark.sql import SparkSession

        self.spark = session or (
            SparkSession.builder.master(master)
            .appName("tiangong")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .getOrCreate()
        )
        self._views: list[str] = []

    def load_files(self, table: str, paths: Sequence[Path], columns: dict[str, str],
                   where: str | None = None) -> None:
        parts = []
        for path in paths:
            try:
                if path.suffix.lower() == ".parquet":
                    data = pq.read_table(path)
                else:
                    opts = pacsv.ConvertOptions(column_types={c: pa.string() for c in columns})
                    data = pacsv.read_csv(path, convert_options=opts)
            except (OSError, pa.ArrowInvalid) as err:
                raise DataError([Problem(f"cannot read: {err}", str(path))]) from None
            arrays = []
            for name, sql_type in columns.items():
                target = _ARROW_TYPES[sql_type]
                if name in data.column_names:
                    arrays.append(data.column(name).cast(target))
                else:
                    arrays.append(pa.nulls(data.num_rows, target))
            parts.append(pa.table(arrays, names=list(columns)))
        self.load_arrow(table, pa.concat_tables(parts))
        if where:
            self.create(table, f"SELECT * FROM {table}__raw WHERE {where}")

    def load_arrow(self, table: str, data: pa.Table) -> None:
        frame = self.spark.createDataFrame(data)
        frame.createOrReplaceTempView(table)
        frame.createOrReplaceTempView(f"{table}__raw")

    def create(self, table: str, sql: str) -> None:
        spark_sql = to_spark_sql(sql)
        self.statements.append(Statement(table, spark_sql))
        frame = self.spark.sql(spark_sql).cache()
        frame.createOrReplaceTempView(table)
        self._views.append(table)

    def query(self, sql: str) -> pa.Table:
        frame = self.spark.sql(to_spark_sql(sql))
        return frame.toArrow()

    def columns(self, table: str) -> list[str]:
        return list(self.spark.table(table).columns)

    def close(self) -> None:
        for view in self._views:
            self.spark.catalog.dropTempView(view)
