"""SQL over Arrow tables in a private in-memory DuckDB, for the lookups of one explanation.

`explain` picks one firm, its partition, its group and their tenancy partners out of a stored
run of up to a province (120,000 firms). Arrow's compute functions would do it in
milliseconds, but comparing a column with a Python value makes pyarrow build a scalar, and
building any array or scalar from Python values makes pyarrow import pandas to ask whether the
value is a pandas object: 0.2 s of every `explain` (issue 15.22 allows 1 s in all). DuckDB
reads the Arrow tables in place, takes the Python values as query parameters, and hands back
Arrow tables with the same schema; pandas is never imported. Each use is a cursor of one
empty in-memory database kept by the process: opening a database costs 13 ms, a cursor
nothing, and what a cursor registers or creates is its own.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import duckdb
import pyarrow as pa

_database: list[duckdb.DuckDBPyConnection] = []
_opening = threading.Lock()


def _cursor() -> duckdb.DuckDBPyConnection:
    with _opening:
        if not _database:
            _database.append(duckdb.connect(":memory:"))
        return _database[0].cursor()


@contextmanager
def reading(**tables: pa.Table) -> Iterator[duckdb.DuckDBPyConnection]:
    """A private DuckDB connection that reads `tables` by their keyword names, closed after."""
    con = _cursor()
    try:
        for name, table in tables.items():
            con.register(name, table)
        yield con
    finally:
        con.close()


def select(sql: str, params: Sequence[Any] = (), **tables: pa.Table) -> pa.Table:
    """The Arrow result of `sql`, which reads `tables` by their keyword names and `params`
    as `?` or `$n`. Types as the tables have them (DuckDB's Arrow round trip keeps the
    schema)."""
    with reading(**tables) as con:
        return con.sql(sql, params=list(params)).to_arrow_table()


def select_rows(sql: str, params: Sequence[Any] = (), **tables: pa.Table) -> list[dict[str, Any]]:
    """`select`, as Python rows."""
    return select(sql, params, **tables).to_pylist()


__all__ = ["reading", "select", "select_rows"]
