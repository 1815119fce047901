"""Per-request KPI facts: the few values the KPIs count, one row per request.

Every KPI of the direct service is a count (or a median) over these facts, not over the events
themselves: whether and when the request is closed, with which code, the rating of that closure,
the last rating and its day, how often it was re-routed and reopened, whether it was ever
routed, its state. They are derived here from the event log (`facts_from_events`, the recount a
supervisor can make) and kept on the platform's request rows by the one function that records
a move, so a province's report reads 140,000 fact rows instead of 1.3 M events. Both paths give
the FACTS table below, and `kpi.kpi_report_from_facts` counts it.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tiangong.errors import DataError, Problem
from tiangong.services.tables import check_tables

FACTS = pa.schema([
    ("request_id", pa.string()), ("lead_department", pa.string()), ("town", pa.string()),
    ("category", pa.string()), ("received_day", pa.date32()), ("due_day", pa.date32()),
    ("routed", pa.bool_()),  # routed at least once
    ("reroutes", pa.int32()),  # re-routings (改派 and 裁定改派)
    ("reopens", pa.int32()),  # reopenings after 不满意
    ("closed_day", pa.date32()),  # day of the closure in force (None: not closed now)
    ("closure_code", pa.string()),  # code of the last closure
    ("rating", pa.string()),  # rating of the closure in force (None: not rated since)
    ("last_rating", pa.string()), ("rated_day", pa.date32()),  # the last rating, its day
    ("state_now", pa.string()),
])

_FROM_EVENTS = """
WITH ev AS (SELECT * FROM events WHERE "at" < DATE '{as_of}' + INTERVAL 1 DAY),
per AS (
  SELECT r,
    max("at") FILTER (WHERE action = 'close') AS closed_at,
    arg_max(closure_code, "at") FILTER (WHERE action = 'close') AS closure_code,
    max("at") FILTER (WHERE action = 'reopen') AS reopened_at,
    max("at") FILTER (WHERE action = 'rate') AS rated_at,
    arg_max(rating, "at") FILTER (WHERE action = 'rate') AS last_rating,
    count(*) FILTER (WHERE action = 'reopen') AS reopens,
    count(*) FILTER (WHERE action IN ('reroute', 'settle_reroute')) AS reroutes,
    count(*) FILTER (WHERE action = 'route') > 0 AS routed,
    arg_max(to_state, seq) AS state_now
  FROM ev GROUP BY r),
f AS (
  SELECT r.request_id, r.lead_department, r.town, r.category,
    CAST(r.received_at AS DATE) AS received_day, r.due_on AS due_day,
    coalesce(p.routed, false) AS routed, CAST(coalesce(p.reroutes, 0) AS INTEGER) AS reroutes,
    CAST(coalesce(p.reopens, 0) AS INTEGER) AS reopens,
    p.closed_at IS NOT NULL AND (p.reopened_at IS NULL OR p.closed_at > p.reopened_at)
      AS is_closed,
    p.closed_at, p.closure_code, p.rated_at, p.last_rating, p.state_now
  FROM requests r LEFT JOIN per p USING (r))
SELECT request_id, lead_department, town, category, received_day, due_day, routed, reroutes,
  reopens, CASE WHEN is_closed THEN CAST(closed_at AS DATE) END AS closed_day, closure_code,
  CASE WHEN is_closed AND rated_at >= closed_at THEN last_rating END AS rating,
  last_rating, CAST(rated_at AS DATE) AS rated_day, state_now
FROM f ORDER BY request_id
"""


def facts_from_events(requests: pa.Table, events: pa.Table, as_of: dt.date) -> pa.Table:
    """The FACTS of every request as of the end of `as_of`, recounted from its events."""
    check_tables(requests, events)
    con = duckdb.connect()
    con.register("requests", requests.append_column(
        "r", pa.array(np.arange(requests.num_rows, dtype=np.int32))))
    # Events keyed by the request's row number: grouping 1.5 M rows on an integer is much
    # cheaper than on the id text (the join back is by position).
    key = pc.index_in(events.column("request_id"), value_set=requests.column("request_id"))
    con.register("events", pa.table({
        "r": key, **{c: events.column(c) for c in ("at", "seq", "closure_code", "rating")},
        "action": events.column("action").dictionary_encode(),
        "to_state": events.column("to_state").dictionary_encode()}))
    out = con.sql(_FROM_EVENTS.format(as_of=as_of.isoformat())).to_arrow_table()
    con.close()
    return out.cast(FACTS)


def check_facts(facts: pa.Table) -> None:
    """Raise DataError naming the missing fact columns (a caller's table, not ours)."""
    missing = [f.name for f in FACTS if f.name not in facts.column_names]
    if missing:
        raise DataError([Problem(f"缺少列：{', '.join(missing)}", "facts")],
                        title="诉求指标事实表有误：")
