"""Apache Spark adapter: the same DuckDB-dialect steps, transpiled by SQLGlot.

Spark is for regions that outgrow one machine; tests run it in local mode. Three things keep it
equal to DuckDB, not just close:
- every step is materialised with `localCheckpoint`, which also cuts its lineage: a cached view
  keeps the whole chain of earlier plans, and by the twentieth step Spark spends minutes (and its
  heap) printing and re-optimising plans for a few hundred rows;
- ANSI mode stays on (Spark 4's default), so a bad cast fails as it does in DuckDB; divisions in
  the pipeline are all `NULLIF`-guarded, so `x/0` is NULL on both engines rather than an error;
- `query` hands back Arrow with DuckDB's types (plain strings, nullable fields), so results from
  the two engines compare directly.
One SparkContext per process (start-up takes seconds); each engine gets its own `newSession()`,
so two evaluations never see each other's temporary views.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

import pyarrow as pa
import sqlglot
from sqlglot import exp

from tiangong.errors import DataError, Problem, TiangongError
from tiangong.evaluation.engines.base import Engine, Statement

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

INSTALL_HINT = "install with: pip install 'tiangong[spark]' (and Java 17 or newer)"

# Settings for a local-mode context (tests, one county on a laptop). A session passed in by the
# caller, or a cluster master, keeps its own; only SESSION_CONF is applied to those.
LOCAL_CONF: dict[str, str] = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.extraJavaOptions": "-Duser.timezone=UTC",
    "spark.executor.extraJavaOptions": "-Duser.timezone=UTC",
}

# Per-session settings the adapter relies on, set on every engine's own session.
SESSION_CONF: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "true",  # bad casts and overflows fail, as on DuckDB
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.execution.arrow.useLargeVarTypes": "false",  # plain strings, as DuckDB's
}

# For tiny data (tests, demos): no adaptive re-planning, one shuffle partition, and
# interpreted expressions instead of generating and compiling Java for every step; several
# times faster below some thousands of rows. Pass as `conf=`; all are per-session settings.
SMALL_DATA_CONF: dict[str, str] = {
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.shuffle.partitions": "1",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
}

_lock = threading.Lock()
_root: SparkSession | None = None


def to_spark_sql(sql: str) -> str:
    """One DuckDB-dialect statement in Spark SQL, with DuckDB's results where Spark's differ:
    EXTRACT is BIGINT on DuckDB (INT on Spark); LN of 0 is -inf and of a negative number NaN
    on DuckDB (NULL on Spark)."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    for extract in list(tree.find_all(exp.Extract)):
        if not isinstance(extract.parent, exp.Cast):
            extract.replace(exp.cast(extract.copy(), exp.DataType.Type.BIGINT))
    for ln in reversed(list(tree.find_all(exp.Ln, bfs=False))):  # innermost first
        ln.replace(_duckdb_ln(ln.this))
    return tree.sql(dialect="spark")


def _duckdb_ln(x: exp.Expression) -> exp.Expression:
    zero = exp.Literal.number(0)
    return (exp.case()
            .when(exp.GT(this=x.copy(), expression=zero.copy()), exp.Ln(this=x.copy()))
            .when(exp.EQ(this=x.copy(), expression=zero.copy()),
                  exp.cast(exp.Literal.string("-Infinity"), exp.DataType.Type.DOUBLE))
            .when(exp.LT(this=x.copy(), expression=zero.copy()),
                  exp.cast(exp.Literal.string("NaN"), exp.DataType.Type.DOUBLE)))


def _pyspark() -> Any:
    try:
        import pyspark
    except ImportError as err:
        raise TiangongError(f"the Spark engine needs pyspark ({err}); {INSTALL_HINT}") from None
    return pyspark


def spark_session(master: str = "local[2]", conf: dict[str, str] | None = None) -> SparkSession:
    """The process-wide SparkSession, started on first use (a few seconds) and then reused."""
    global _root
    _pyspark()
    from pyspark.sql import SparkSession

    # pyspark warns about pandas 3 on the first Arrow transfer; the adapter moves Arrow only
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas",
                            category=FutureWarning)

    with _lock:
        if _root is None or _root.sparkContext._jsc is None:  # stopped by someone else
            builder = SparkSession.builder.master(master).appName("tiangong")
            local = LOCAL_CONF if master.startswith("local") else {}
            for key, value in {**local, **SESSION_CONF, **(conf or {})}.items():
                builder = builder.config(key, value)
            try:
                _root = builder.getOrCreate()
            except Exception as err:  # Java missing or failing to start
                raise TiangongError(f"cannot start Spark: {err}; {INSTALL_HINT}") from None
            _root.sparkContext.setLogLevel("ERROR")
        return _root


def _arrow_type(spark_type: Any) -> pa.DataType:
    """The Arrow type DuckDB would return for a Spark SQL column type."""
    from pyspark.sql import types as T

    simple: list[tuple[type, pa.DataType]] = [
        (T.StringType, pa.string()), (T.VarcharType, pa.string()), (T.CharType, pa.string()),
        (T.BooleanType, pa.bool_()), (T.ByteType, pa.int8()), (T.ShortType, pa.int16()),
        (T.IntegerType, pa.int32()), (T.LongType, pa.int64()), (T.FloatType, pa.float32()),
        (T.DoubleType, pa.float64()), (T.DateType, pa.date32()), (T.BinaryType, pa.binary()),
        (T.TimestampNTZType, pa.timestamp("us")), (T.TimestampType, pa.timestamp("us", "UTC")),
        (T.NullType, pa.int32()),  # DuckDB types an untyped NULL column as INTEGER
    ]
    for cls, arrow in simple:
        if isinstance(spark_type, cls):
            return arrow
    if isinstance(spark_type, T.DecimalType):
        return pa.decimal128(spark_type.precision, spark_type.scale)
    raise TiangongError(f"the Spark engine cannot return a column of type {spark_type}")


def _is_cast_failure(err: Exception) -> bool:
    condition = getattr(err, "getCondition", lambda: None)() or ""
    return condition.startswith(("CAST_", "DATATYPE_MISMATCH.CAST", "NUMERIC_VALUE_OUT_OF_RANGE"))


class SparkEngine(Engine):
    name = "spark"

    def __init__(self, session: SparkSession | None = None, master: str = "local[2]",
                 conf: dict[str, str] | None = None) -> None:
        """`session`: an existing SparkSession (a cluster's); else the process-wide one for
        `master`, started with `conf` on first use. `spark.sql.*` entries of `conf` are also set
        on this engine's own session (see SMALL_DATA_CONF)."""
        super().__init__()
        root = session if session is not None else spark_session(master, conf)
        self.spark: SparkSession = root.newSession()
        per_session = {k: v for k, v in (conf or {}).items() if k.startswith("spark.sql.")}
        for key, value in {**SESSION_CONF, **per_session}.items():
            self.spark.conf.set(key, value)
        self._frames: dict[str, DataFrame] = {}

    # -- loading -----------------------------------------------------------------------------

    def _read(self, paths: Sequence[Path]) -> DataFrame:
        suffixes = {p.suffix.lower() for p in paths}
        names = [str(p) for p in paths]
        if suffixes not in ({".parquet"}, {".csv"}):
            raise DataError([Problem("input files must be all .parquet or all .csv",
                                     ", ".join(names))])
        try:
            if suffixes == {".parquet"}:
                return self.spark.read.option("mergeSchema", "true").parquet(*names)
            # Spark takes one header for all files: read each with its own and union by name
            frames = [self._read_csv(name) for name in names]
        except Exception as err:
            raise DataError([Problem(f"cannot read: {_first_line(err)}", ", ".join(names))]
                            ) from None
        frame = frames[0]
        for other in frames[1:]:
            frame = frame.unionByName(other, allowMissingColumns=True)
        return frame

    def _read_csv(self, path: str) -> DataFrame:
        """One CSV file as text columns plus its path, read as DuckDB reads it: RFC 4180 quotes
        (doubled, not backslash-escaped), quoted line breaks, an error on a malformed row, an
        empty field (quoted or not) as NULL, a UTF-8 byte-order mark dropped from the header."""
        from pyspark.sql import functions as F

        frame = self.spark.read.csv(path, header=True, inferSchema=False, encoding="UTF-8",
                                    multiLine=True, quote='"', escape='"', mode="FAILFAST")
        headers = [c.lstrip("\ufeff").strip() for c in frame.columns]
        text = [F.nullif(F.col(_quote(c)), F.lit("")).alias(h)
                for c, h in zip(frame.columns, headers, strict=True)]
        return frame.select(*text, F.col("_metadata.file_path").alias("__file"))

    def load_files(self, table: str, paths: Sequence[Path], columns: dict[str, str],
                   where: str | None = None) -> None:
        source = ", ".join(map(str, paths))
        frame = self._read(paths)
        present = set(frame.columns) - {"__file"}
        raw = f"{table}__raw"
        frame.createOrReplaceTempView(raw)
        try:
            if "__file" in frame.columns:
                self._check_csv_values(raw, paths, columns, present)
            select = ", ".join(
                f"CAST({name} AS {sql_type}) AS {name}" if name in present
                else f"CAST(NULL AS {sql_type}) AS {name}"
                for name, sql_type in columns.items()
            )
            sql = f"SELECT {select} FROM {raw}"
            if where:  # filter typed values, so `year = 2022` means the same for CSV text
                sql = f"SELECT * FROM ({sql}) t WHERE {where}"
            self._materialise(table, to_spark_sql(sql))
        except Exception as err:
            if isinstance(err, DataError) or not _is_cast_failure(err):
                raise
            raise DataError([Problem("a value does not fit the canonical column type: "
                                     f"{_first_line(err)}", source)]) from None
        finally:
            self.spark.catalog.dropTempView(raw)

    def _check_csv_values(self, raw: str, paths: Sequence[Path], columns: dict[str, str],
                          present: set[str]) -> None:
        """Every CSV cell that is not a number or date where one is needed, with file and line,
        in the words of the DuckDB engine (a failing cast would name neither row nor column).
        """
        typed = [(n, t) for n, t in columns.items() if n in present and t != "VARCHAR"]
        if not typed:
            return
        # a CSV file read with multiLine is one split, read in order: the id orders its lines
        lines = (f"SELECT *, ROW_NUMBER() OVER (PARTITION BY __file ORDER BY __id) + 1 AS __line"
                 f" FROM (SELECT *, monotonically_increasing_id() AS __id FROM {raw})")
        checks = " UNION ALL ".join(
            f"SELECT __file, __line, '{n}' AS col, {n} AS value, '{t}' AS type FROM lines"
            f" WHERE {n} IS NOT NULL AND TRY_CAST({n} AS {t}) IS NULL" for n, t in typed)
        bad = self.spark.sql(f"WITH lines AS ({lines}) SELECT * FROM ({checks})"
                             " ORDER BY __file, __line, col LIMIT 50").collect()
        by_uri = {Path(p).resolve().as_uri(): str(p) for p in paths}
        kinds = {"DOUBLE": "a number", "INTEGER": "a whole number", "DATE": "a date (YYYY-MM-DD)"}
        problems = [Problem(f"{value!r} is not {kinds.get(t, t)}", _local(f, by_uri), int(line),
                            col) for f, line, col, value, t in bad]
        if problems:
            raise DataError(problems, title="input values that cannot be read (first 50 shown)")

    def load_arrow(self, table: str, data: pa.Table) -> None:
        columns = [_plain(data.column(i)) for i in range(data.num_columns)]
        frame = self.spark.createDataFrame(pa.table(columns, names=data.column_names))
        frame.createOrReplaceTempView(table)
        self._frames[table] = frame

    # -- running -----------------------------------------------------------------------------

    def _materialise(self, table: str, spark_sql: str) -> None:
        frame = self.spark.sql(spark_sql).localCheckpoint(eager=True)
        frame.createOrReplaceTempView(table)
        self._frames[table] = frame

    def create(self, table: str, sql: str) -> None:
        spark_sql = to_spark_sql(sql)
        self.statements.append(Statement(table, spark_sql))
        self._materialise(table, spark_sql)

    def query(self, sql: str) -> pa.Table:
        frame = self.spark.sql(to_spark_sql(sql))
        target = pa.schema([pa.field(f.name, _arrow_type(f.dataType)) for f in frame.schema])
        data = frame.toArrow()
        return pa.table([data.column(i).cast(f.type) for i, f in enumerate(target)],
                        schema=target)

    def columns(self, table: str) -> list[str]:
        return list(self.spark.table(table).columns)

    def close(self) -> None:
        """Drop this engine's views; Spark's cleaner frees their checkpointed blocks."""
        for view in self._frames:
            self.spark.catalog.dropTempView(view)
        self._frames.clear()


def _plain(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Arrow types Spark does not take (dictionary, large and view strings) as plain ones."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        column = column.cast(kind.value_type)
        kind = column.type
    if pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        return column.cast(pa.string())
    if pa.types.is_large_binary(kind) or pa.types.is_binary_view(kind):
        return column.cast(pa.binary())
    return column


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _local(uri: str, known: dict[str, str]) -> str:
    """The path as the caller gave it, for a file URI Spark reports."""
    if uri in known:
        return known[uri]
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme == "file" else uri


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
