"""Bulk inserts of many rows from a DataFrame: COPY on PostgreSQL, one executemany on SQLite.

A province-year of requests is 140,000 rows with 1.5 M events; Django's `bulk_create` builds
a model instance and prepares every field of every row in Python (≈ 50 µs a row), which alone
takes minutes. Here the caller hands a frame whose columns are the model's attnames and the
columns are converted to database values once, column by column, then streamed to the database.

This writes rows only: no signals, no primary keys back. A change-logged model's rows must be
logged by the caller (`changelog.log_created_frame`, which `insert_logged` below calls), so the
change log stays complete; the import paths use that, never this alone for such a model.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from django.db import connection, models
from django.utils import timezone


def _utc(col: pd.Series) -> pd.Series:
    """Aware or naive (taken as the platform's local time) timestamps → naive UTC."""
    at = pd.to_datetime(col)
    if at.dt.tz is None:
        at = at.dt.tz_localize(str(timezone.get_current_timezone()), ambiguous="NaT",
                               nonexistent="NaT")
    return at.dt.tz_convert("UTC").dt.tz_localize(None)


def _times(at: pd.Series, postgres: bool) -> list[Any]:
    """Naive UTC times as Django writes them (`str(datetime)`: seconds, and microseconds only
    when there are some), formatted by numpy rather than one strftime per row."""
    raw = at.to_numpy(dtype="datetime64[us]")
    text = np.char.replace(np.datetime_as_string(raw, unit="s"), "T", " ")
    micro = raw.astype("int64") % 1_000_000
    if micro.any():
        frac = np.char.add(".", np.char.zfill(micro.astype(str), 6))
        text = np.where(micro != 0, np.char.add(text, frac), text)
    if postgres:
        text = np.char.add(text, "+00:00")
    return [None if missing else t for t, missing in zip(text.tolist(), at.isna(), strict=True)]


def _column(field: models.Field[Any, Any], col: pd.Series, postgres: bool) -> list[Any]:
    """One column as database-ready Python values (None for a missing value)."""
    if isinstance(field, models.DateTimeField):
        return _times(_utc(col), postgres)
    if isinstance(field, models.DateField):
        days = pd.to_datetime(col)
        return [None if missing else d for d, missing in
                zip(days.dt.strftime("%Y-%m-%d").tolist(), days.isna(), strict=True)]
    if isinstance(field, models.JSONField):
        return [None if v is None or (isinstance(v, float) and np.isnan(v))
                else v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
                for v in col.tolist()]
    if isinstance(field, models.BooleanField):
        return [bool(v) for v in col.tolist()]
    values = col.astype(object).where(col.notna(), None).tolist()
    if isinstance(field, models.IntegerField | models.ForeignKey):
        return [None if v is None else int(v) for v in values]
    return values


def insert_frame(model: type[models.Model], frame: pd.DataFrame,
                 now: dt.datetime | None = None) -> int:
    """Insert the frame's rows into the model's table. Columns are attnames; `auto_now` and
    `auto_now_add` fields missing from the frame are set to `now` (default: the current
    time), other missing fields to their model default. JSON columns hold dicts or
    already-encoded text. Returns the number of rows."""
    if frame.empty:
        return 0
    stamp = now or timezone.now()
    fields = {f.attname: f for f in model._meta.concrete_fields}
    frame = frame.copy()
    for f in fields.values():
        if f.attname in frame or f.primary_key:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            frame[f.attname] = stamp
        else:  # what the model would write: its default ("" for text, None when nullable)
            frame[f.attname] = f.get_default()
    unknown = [c for c in frame.columns if c not in fields]
    if unknown:
        raise ValueError(f"{model.__name__} has no column {unknown}")
    postgres = connection.vendor == "postgresql"
    cols = list(frame.columns)
    data = [_column(fields[c], frame[c], postgres) for c in cols]
    rows = zip(*data, strict=True)
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(fields[c].column) for c in cols)
    with connection.cursor() as cur:
        if postgres:
            _copy(cur, f"COPY {table} ({names}) FROM STDIN", rows)
        else:
            marks = ", ".join(["%s"] * len(cols))
            cur.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(rows))
    return len(frame)


def _copy(cur: Any, sql: str, rows: Iterable[tuple[Any, ...]]) -> None:
    """psycopg 3's COPY FROM STDIN (text values are parsed by the server)."""
    with cur.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def reserve_ids(model: type[models.Model], n: int) -> list[int]:
    """`n` primary keys for rows about to be inserted with `insert_frame`, taken atomically
    from the table's sequence so that concurrent writers never get them: PostgreSQL's identity
    sequence; SQLite's sqlite_sequence row (AUTOINCREMENT), moved on in one statement, which
    also takes the write lock of the surrounding transaction."""
    if n <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                        "FROM generate_series(1, %s)", [table, model._meta.pk.column, n])
            return sorted(int(r[0]) for r in cur.fetchall())
        quoted = connection.ops.quote_name(table)
        top = f"(SELECT coalesce(max({connection.ops.quote_name(model._meta.pk.column)}), 0) " \
              f"FROM {quoted})"
        cur.execute(f"UPDATE sqlite_sequence SET seq = max(seq, {top}) + %s WHERE name = %s "
                    "RETURNING seq", [n, table])
        row = cur.fetchone()
        if row is None:  # the table never had a row: its sequence row does not exist yet
            cur.execute(f"INSERT INTO sqlite_sequence (name, seq) SELECT %s, {top} + %s "
                        "RETURNING seq", [table, n])
            row = cur.fetchone()
    end = int(row[0])
    return list(range(end - n + 1, end + 1))
