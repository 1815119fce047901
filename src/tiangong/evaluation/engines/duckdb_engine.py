"""The embedded default engine: DuckDB in memory, no server."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from tiangong.errors import DataError, Problem
from tiangong.evaluation.engines.base import Engine, Statement

DEFAULT_MEMORY_LIMIT = "2200MB"


def _sql_list(paths: Sequence[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def _aggregates(sql: str) -> bool:
    """Whether the outermost SELECT of `sql` has a GROUP BY (quotes and subqueries skipped)."""
    depth, i, n, upper = 0, 0, len(sql), sql.upper()
    while i < n:
        ch = sql[i]
        if ch in "'\"":
            end = sql.find(ch, i + 1)
            while end != -1 and end + 1 < n and sql[end + 1] == ch:  # doubled quote
                end = sql.find(ch, end + 2)
            i = n if end == -1 else end + 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0 and upper.startswith("GROUP", i) and re.match(
                r"GROUP\s+BY\b", upper[i:i + 20]) and (i == 0 or not _word(sql[i - 1])):
            return True
        i += 1
    return False


def _word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


class DuckDBEngine(Engine):
    name = "duckdb"

    def __init__(self, threads: int | None = None, memory_limit: str | None = None) -> None:
        super().__init__()
        self.con = duckdb.connect(":memory:")
        # what this engine made of each name, TABLE or VIEW: asking the catalog before each
        # step cost 1.5 ms × 21 steps, a tenth of a what-if session's start
        self._kinds: dict[str, str] = {}
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        # DuckDB would take 80 % of RAM before spilling; the evaluation's own buffers need far
        # less (2.5 million firms fit), and the Arrow results, the stored inputs and the
        # output writers share the process with it. Beyond the limit DuckDB spills to a
        # private temporary folder, which it creates on demand and removes on close. At 2.5
        # million firms the results sort peaks at about 1.9 GB: at 2 GB it spilled 0.4 GB (half
        # a second more), while the peak of `tiangong evaluate` is set later, by the run store.
        limit = memory_limit or DEFAULT_MEMORY_LIMIT
        self.con.execute(f"SET memory_limit = '{limit}'")
        spill = Path(tempfile.gettempdir()) / f"tiangong-duckdb-{os.getpid()}-{id(self):x}"
        self.con.execute(f"SET temp_directory = '{str(spill).replace(chr(39), chr(39) * 2)}'")
        self.con.execute("SET preserve_insertion_order = true")

    def _reader(self, paths: Sequence[Path]) -> str:
        suffixes = {p.suffix.lower() for p in paths}
        if suffixes == {".parquet"}:
            return f"read_parquet({_sql_list(paths)}, union_by_name = true)"
        if suffixes == {".csv"}:
            return (f"read_csv({_sql_list(paths)}, header = true, all_varchar = true, "
                    "union_by_name = true)")
        raise DataError([Problem("input files must be all .parquet or all .csv",
                                 ", ".join(str(p) for p in paths))])

    def load_files(self, table: str, paths: Sequence[Path], columns: dict[str, str],
                   where: str | None = None) -> None:
        reader = self._reader(paths)
        try:
            described = self.con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
        except duckdb.Error as err:
            raise DataError([Problem(f"cannot read: {err}", ", ".join(map(str, paths)))]) from None
        present = {r[0] for r in described}
        if reader.startswith("read_csv"):
            self._check_csv_values(paths, columns, present)
        select = ", ".join(
            f"CAST({name} AS {sql_type}) AS {name}" if name in present
            else f"CAST(NULL AS {sql_type}) AS {name}"
            for name, sql_type in columns.items()
        )
        sql = f"SELECT {select} FROM {reader}" + (f" WHERE {where}" if where else "")
        try:
            self.con.execute(f"CREATE OR REPLACE TABLE {table} AS {sql}")
            self._kinds[table] = "TABLE"
        except duckdb.ConversionException as err:
            raise DataError([Problem(f"a value does not fit the canonical column type: {err}",
                                     ", ".join(map(str, paths)))]) from None

    def _check_csv_values(self, paths: Sequence[Path], columns: dict[str, str],
                          present: set[str]) -> None:
        """Every CSV cell that is not a number or date where one is needed, with file and line.

        CSV is read as text; a cast failure would otherwise name neither row nor column.
        """
        typed = [(n, t) for n, t in columns.items() if n in present and t != "VARCHAR"]
        if not typed:
            return
        raw = (f"SELECT *, row_number() OVER (PARTITION BY filename) + 1 AS __line FROM "
               f"read_csv({_sql_list(paths)}, header = true, all_varchar = true, "
               "union_by_name = true, filename = true)")
        checks = " UNION ALL ".join(
            f"SELECT filename, __line, '{n}' AS col, {n} AS value, '{t}' AS type FROM raw "
            f"WHERE {n} IS NOT NULL AND TRY_CAST({n} AS {t}) IS NULL" for n, t in typed)
        bad = self.con.execute(f"WITH raw AS ({raw}) SELECT * FROM ({checks}) "
                               "ORDER BY filename, __line, col LIMIT 50").fetchall()
        kinds = {"DOUBLE": "a number", "INTEGER": "a whole number", "DATE": "a date (YYYY-MM-DD)"}
        problems = [Problem(f"{value!r} is not {kinds.get(t, t)}", str(f), int(line), col)
                    for f, line, col, value, t in bad]
        if problems:
            raise DataError(problems, title="input values that cannot be read (first 50 shown)")

    def load_arrow(self, table: str, data: pa.Table) -> None:
        self.con.register(f"__arrow_{table}", data)
        self.con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM __arrow_{table}")
        self._kinds[table] = "TABLE"
        self.con.unregister(f"__arrow_{table}")

    def create(self, table: str, sql: str) -> None:
        """Row-level steps become views, aggregates (one row per group) tables.

        Materialising every step copied the whole, ever wider row set about fifteen times (at
        2.5 million firms: minutes and tens of GB). As views, the chain runs once, inside the
        final query, where DuckDB keeps only the columns the results read; the small per-group
        tables (benchmarks, mean item scores) are computed once and joined.
        """
        self.statements.append(Statement(table, sql))
        kind = "TABLE" if _aggregates(sql) else "VIEW"
        existing = self._kinds.get(table)
        if existing is not None and existing != kind:
            self.con.execute(f"DROP {existing} {table}")
        self.con.execute(f"CREATE OR REPLACE {kind} {table} AS {sql}")
        self._kinds[table] = kind

    def query(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def columns(self, table: str) -> list[str]:
        return [r[0] for r in self.con.execute(f"DESCRIBE {table}").fetchall()]

    def close(self) -> None:
        self.con.close()
