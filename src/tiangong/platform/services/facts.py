"""The KPI facts kept on the request rows: read for the report, backfilled from the events.

`actions.move` keeps each row's facts (`tiangong.services.facts`) as the request moves and the
bulk store writes them with the rows, so the KPI report reads one row per request instead of
1.3 M events. A row's facts hold for any statistics date on or after its last move
(`last_event_on`); the few rows moved after the statistics date (a past month's 晾晒), and rows
written before the facts existed, are recounted from their own events by the library — the same
numbers, fewer events. `backfill` fills the facts of rows written before them (management
command `services_backfill_facts`, run once after the migration).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import CharField
from django.db.models.functions import Cast, TruncDate
from django.utils import timezone

from tiangong.platform.services.models import ServiceRequest
from tiangong.services.facts import FACTS, facts_from_events

# FACTS column ← request field (received_day is the local day of received_at)
_FIELDS = {"request_id": "pk", "lead_department": "lead__name",
           "town": "enterprise__region__name", "category": "category",
           "received_day": "received_day", "due_day": "due_on", "routed": "routed",
           "reroutes": "reroutes", "reopens": "reopen_count", "closed_day": "closed_on",
           "closure_code": "closure_code", "rating": "rating", "last_rating": "last_rating",
           "rated_day": "rated_on", "state_now": "state"}
_BLANK_IS_NONE = ("closure_code", "rating", "last_rating")


def facts_table(requests: Any, as_of: dt.date, by_county: bool = False) -> pa.Table:
    """FACTS of a queryset of requests as of the end of `as_of` (one plain SQL read).

    by_county: the lead_department column holds the request's county (区县) instead, so the
    library's "by department" report groups a province or a city by county."""
    from tiangong.platform.services.export import tables

    read = _read(requests, path=by_county)
    if by_county:  # lead_department ← the county's name, from the path /省/市/县/…
        read = read.set_column(read.schema.get_field_index("lead_department"),
                               "lead_department", _county_names(read.column("path")))
    last = read.column("last_event_on")
    fresh = pc.fill_null(pc.less_equal(last, pa.scalar(as_of, pa.date32())), False)
    stored = read.filter(fresh).select(FACTS.names)
    if pc.all(fresh).as_py() is not False:
        return _by_request(stored)
    req, ev = tables(requests.exclude(last_event_on__lte=as_of))  # None included
    recount = facts_from_events(req, ev, as_of)
    if by_county:
        where = pc.index_in(recount.column("request_id"), value_set=read.column("request_id"))
        recount = recount.set_column(recount.schema.get_field_index("lead_department"),
                                     "lead_department",
                                     read.column("lead_department").take(where))
    return _by_request(pa.concat_tables([stored, recount]))


def _by_request(table: pa.Table) -> pa.Table:
    """In the order of the requests' numbers, whatever order the database hands the rows in
    (PostgreSQL's changes after an UPDATE): the same facts give the same table."""
    if table.num_rows < 2:
        return table
    return table.take(pc.sort_indices(pc.cast(table.column("request_id"), pa.int64())))


def _county_names(paths: pa.ChunkedArray) -> pa.Array:
    from tiangong.platform.core.models import Region

    names = dict(Region.objects.filter(level="county").values_list("code", "name"))
    codes = pc.list_element(pc.split_pattern(paths, "/"), 3)
    keys = pa.array(list(names), pa.string())
    return pa.array(list(names.values()), pa.string()).take(pc.index_in(codes,
                                                                          value_set=keys))


def _read(requests: Any, path: bool = False) -> pa.Table:
    """The fact columns, last_event_on (and the firm's region path) of every row; COPY …
    TO STDOUT as CSV parsed by Arrow on PostgreSQL (140,000 rows without a Python object per
    cell), on SQLite the days as text converted column-wise (not by Django's per-value
    converters and its per-row time-zone function)."""
    extra = ["enterprise__region__path"] if path else []
    names = [*_FIELDS, "last_event_on", *(["path"] if path else [])]
    types = {**{f.name: f.type for f in FACTS}, "last_event_on": pa.date32(),
             "path": pa.string()}
    empty = pa.schema([(n, types[n]) for n in names]).empty_table()
    if connection.vendor != "postgresql":
        return _read_sqlite(requests, names, types, extra, empty)
    qs = (requests.order_by().annotate(received_day=TruncDate("received_at"))
          .values_list(*_FIELDS.values(), "last_event_on", *extra))
    try:
        sql, params = qs.query.sql_with_params()
    except EmptyResultSet:  # a queryset that cannot match (`.none()`)
        return empty
    buf = io.BytesIO()
    with connection.cursor() as cur, cur.cursor.copy(
            f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as copy:
        for block in copy:
            buf.write(block)
    if not buf.tell():  # no rows: Arrow refuses an empty CSV
        return empty
    buf.seek(0)
    table = pcsv.read_csv(buf, pcsv.ReadOptions(column_names=names), convert_options=(
        pcsv.ConvertOptions(column_types=types, true_values=["t"], false_values=["f"],
                            strings_can_be_null=True)))
    return table.select(names)


def _read_sqlite(requests: Any, names: list[str], types: dict[str, Any], extra: list[str],
                 empty: pa.Table) -> pa.Table:
    days = [n for n in names if types[n] == pa.date32()]
    source = {**_FIELDS, "last_event_on": "last_event_on", "received_day": "received_at"}
    text = {f"t_{n}": Cast(source[n], CharField()) for n in days}
    qs = requests.order_by().annotate(**text).values_list(
        *[f"t_{n}" if n in days else source[n] for n in names if n != "path"], *extra)
    try:
        sql, params = qs.query.sql_with_params()
    except EmptyResultSet:
        return empty
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    if not rows:
        return empty
    data: dict[str, Any] = {}
    for name, raw in zip(names, zip(*rows, strict=True), strict=True):
        if name == "received_day":  # stored UTC → the platform's local day
            at = pd.to_datetime(pd.Series(raw), utc=True, format="ISO8601")
            local = at.dt.tz_convert(str(timezone.get_current_timezone()))
            data[name] = pa.array(local.dt.date, pa.date32())
        elif name in days:
            data[name] = pc.cast(pa.array(raw, pa.string()), pa.date32())
        elif name == "request_id":
            data[name] = pa.array([str(v) for v in raw], pa.string())
        elif name in _BLANK_IS_NONE:
            data[name] = pa.array([v or None for v in raw], pa.string())
        else:
            data[name] = pa.array(raw).cast(types[name])
    return pa.table(data)


def backfill(requests: Any, chunk: int = 2000) -> int:
    """Fill routed, last_rating, rated_on and last_event_on of `requests` from their events
    (the other facts — reroutes, reopen_count, closed_on, closure_code, rating — were kept by
    the moves from the start). A reopened request whose rating was cleared by the reopening
    was rated 不满意: reopening is allowed only then (`outcome.may_reopen`). Returns rows."""
    from tiangong.platform.services.export import tables

    req, ev = tables(requests)
    if req.num_rows == 0:
        return 0
    today = timezone.localdate()
    facts = facts_from_events(req, ev, today).to_pandas().set_index("request_id")
    events = ev.select(["request_id", "at", "action"]).to_pandas()
    last = events.groupby("request_id")["at"].max().dt.date
    rated = events[events.action == "rate"].groupby("request_id")["at"].max()
    reopened = events[events.action == "reopen"].groupby("request_id")["at"].max()
    lost = rated.index[(reopened.reindex(rated.index) > rated).to_numpy()]
    facts.loc[facts.index.isin(lost) & facts.last_rating.isna(), "last_rating"] = "dissatisfied"
    facts["last_event_on"] = last.reindex(facts.index)
    pks = facts.index.astype(int)
    _update_by_value(pks, facts.routed.astype(bool), "routed", chunk)
    _update_by_value(pks, facts.last_rating.fillna(""), "last_rating", chunk)
    for name, col in (("rated_on", facts.rated_day), ("last_event_on", facts.last_event_on)):
        _update_by_value(pks, col.astype(object).where(col.notna(), None), name, chunk)
    return len(facts)


def _update_by_value(pks: Iterable[int], values: pd.Series, field: str, chunk: int) -> None:
    """One UPDATE … WHERE pk IN (…) per distinct value and chunk of keys (a few hundred
    statements for a province, not one per row)."""
    groups: dict[Any, list[int]] = {}
    for pk, value in zip(pks, values.tolist(), strict=True):
        groups.setdefault(value, []).append(int(pk))
    for value, keys in groups.items():
        for i in range(0, len(keys), chunk):
            ServiceRequest.objects.filter(pk__in=keys[i:i + chunk]).update(**{field: value})
