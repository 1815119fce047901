"""KPIs of the direct service, recounted from the event log, each with its formula.

A county reports 办结率 and 绿码率 and publishes who is overdue; a supervisor must be able to
recount every figure. So each KPI is a numerator and a denominator over per-request facts that
are derived from the events (last closure, its code, the rating after it, reopenings,
re-routings) and the stored deadline, and every report prints the formula next to the figure.
办结率 has two readings in practice and both are given: closed ÷ received in the period
(受理口径) and closed ÷ due in the period (到期口径). Working days to close are counted with
the calendar's working-day ordinals (one join, no per-row loop), so 140,000 requests with
1.5 M events take well under a second in DuckDB.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tiangong.services.calendar import TableCalendar, workday_ordinals
from tiangong.services.outcome import DEFAULT_CODE_COLOUR, DEFAULT_RATING_COLOUR
from tiangong.services.tables import check_tables


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    formula: str
    period_of: str  # the fact whose date puts a request in a period
    numerator: str  # SQL over the facts (a count or, for medians, the value)
    denominator: str
    median: bool = False


KPIS: tuple[Kpi, ...] = (
    Kpi("closed_of_received", "办结率（受理口径）",
        "本期受理且截至统计日已办结的诉求数 ÷ 本期受理的诉求数",
        "received_day", "count(*) FILTER (WHERE is_closed)", "count(*)"),
    Kpi("closed_of_due", "办结率（到期口径）",
        "期限落在本期（且不晚于统计日）的诉求中截至统计日已办结的数 ÷ 期限落在本期的诉求数",
        "due_day", "count(*) FILTER (WHERE is_closed AND due_day <= as_of)",
        "count(*) FILTER (WHERE due_day <= as_of)"),
    Kpi("green_rate", "绿码率",
        "本期办结且结果为绿码的诉求数 ÷ 本期办结的诉求数（颜色取企业评价，无评价时取办结结果）",
        "closed_day", "count(*) FILTER (WHERE colour = 'green')", "count(*)"),
    Kpi("overdue_rate", "超期率",
        "期限落在本期的诉求中超期办结或截至统计日超期未办结的数 ÷ 期限落在本期（且不晚于统计日）"
        "的诉求数",
        "due_day", "count(*) FILTER (WHERE is_overdue AND due_day <= as_of)",
        "count(*) FILTER (WHERE due_day <= as_of)"),
    Kpi("median_days", "办结用时中位数（工作日）",
        "本期办结诉求自受理至办结的工作日数的中位数（受理当日不计，调休按国务院通知）",
        "closed_day", "median(days_to_close)", "count(*)", median=True),
    Kpi("reopen_rate", "重办率",
        "本期办结的诉求中曾因不满意重新办理的数 ÷ 本期办结的诉求数",
        "closed_day", "count(*) FILTER (WHERE reopens > 0)", "count(*)"),
    Kpi("first_time_right", "首次交办准确率",
        "本期受理且已交办的诉求中从未改派的数 ÷ 本期受理且已交办的诉求数（= 1 − 改派诉求占比）",
        "received_day", "count(*) FILTER (WHERE routed AND reroutes = 0)",
        "count(*) FILTER (WHERE routed)"),
    Kpi("satisfaction", "满意率",
        "本期评价的诉求中最后一次评价为“满意”或“基本满意”的数 ÷ 本期评价的诉求数",
        "rated_day", "count(*) FILTER (WHERE last_rating IN ('satisfied', 'basic'))",
        "count(*)"),
)
DIMENSIONS: dict[str, str] = {"department": "lead_department", "town": "town",
                              "category": "category", "all": "'全部'"}
PERIODS = {"month": "strftime({d}, '%Y-%m')",
           "quarter": "strftime({d}, '%Y') || '-Q' || CAST(quarter({d}) AS VARCHAR)",
           "year": "strftime({d}, '%Y')"}

_FACTS = """
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
  FROM ev GROUP BY r)
SELECT r.request_id, r.lead_department, r.town, r.category,
  CAST(r.received_at AS DATE) AS received_day, r.due_on AS due_day,
  DATE '{as_of}' AS as_of,
  coalesce(p.routed, false) AS routed, coalesce(p.reroutes, 0) AS reroutes,
  coalesce(p.reopens, 0) AS reopens,
  p.closed_at IS NOT NULL AND (p.reopened_at IS NULL OR p.closed_at > p.reopened_at) AS is_closed,
  CASE WHEN p.closed_at IS NOT NULL AND (p.reopened_at IS NULL OR p.closed_at > p.reopened_at)
       THEN CAST(p.closed_at AS DATE) END AS closed_day,
  CASE WHEN p.rated_at >= p.closed_at THEN p.last_rating END AS rating,
  p.last_rating, CAST(p.rated_at AS DATE) AS rated_day, p.closure_code, p.state_now
FROM requests r LEFT JOIN per p USING (r)
"""

_COLOURED = """
CREATE OR REPLACE TEMP TABLE kfacts AS
WITH facts AS ({facts})
SELECT f.*,
  CASE WHEN f.rating IS NOT NULL THEN rc.colour ELSE cc.colour END AS colour,
  CASE WHEN f.rating IS NOT NULL THEN 'rating' WHEN f.closure_code IS NOT NULL
       THEN 'closure_code' END AS colour_source,
  (f.is_closed AND f.closed_day > f.due_day)
    OR (NOT f.is_closed AND f.due_day < f.as_of
        AND coalesce(f.state_now, '') NOT IN ('paused_enterprise', 'paused_inspection', 'merged'))
    AS is_overdue,
  oc.ord - orr.ord AS days_to_close,
  {periods}
FROM facts f
LEFT JOIN rating_colour rc ON rc.code = f.rating
LEFT JOIN code_colour cc ON cc.code = f.closure_code
LEFT JOIN ordinals orr ON orr.day = f.received_day
LEFT JOIN ordinals oc ON oc.day = f.closed_day
"""


def _connect(requests: pa.Table, events: pa.Table, cal: TableCalendar, as_of: dt.date,
             code_colour: Mapping[str, str], rating_colour: Mapping[str, str],
             period: str = "month") -> duckdb.DuckDBPyConnection:
    check_tables(requests, events)
    con = duckdb.connect()
    con.register("requests", requests.append_column(
        "r", pa.array(np.arange(requests.num_rows, dtype=np.int32))))
    # Events keyed by the request's row number: grouping 1.5 M rows on an integer is much
    # cheaper than on the id text (the join back is by position).
    key = pc.index_in(events.column("request_id"), value_set=requests.column("request_id"))
    con.register("events", pa.table({
        "r": key, **{c: events.column(c) for c in
                     ("at", "seq", "closure_code", "rating")},
        "action": events.column("action").dictionary_encode(),
        "to_state": events.column("to_state").dictionary_encode()}))
    days, ords = workday_ordinals(cal)
    con.register("ordinals", pa.table({"day": pa.array(days.astype("int32"), pa.int32())
                                       .cast(pa.date32()), "ord": ords}))
    con.register("code_colour", pa.table({"code": list(code_colour),
                                          "colour": list(code_colour.values())}))
    con.register("rating_colour", pa.table({"code": list(rating_colour),
                                            "colour": list(rating_colour.values())}))
    periods = ", ".join(f"{PERIODS[period].format(d=d)} AS {d}_period"
                        for d in sorted({k.period_of for k in KPIS}))
    con.execute(_COLOURED.format(periods=periods,
                                 facts=_FACTS.format(as_of=as_of.isoformat())))
    _check_calendar(con, cal)
    return con


def _check_calendar(con: duckdb.DuckDBPyConnection, cal: TableCalendar) -> None:
    """Refuse (CalendarMissing) a received or closure day in a year the calendar lacks."""
    years = con.execute("""SELECT DISTINCT year(d) FROM (SELECT received_day AS d FROM kfacts
                           UNION ALL SELECT closed_day FROM kfacts) WHERE d IS NOT NULL"""
                        ).fetchall()
    for (year,) in sorted(years):
        cal.is_workday(dt.date(int(year), 1, 1))


def kpi_report(requests: pa.Table, events: pa.Table, cal: TableCalendar, as_of: dt.date,
               by: str = "department", period: str = "month",
               code_colour: Mapping[str, str] = DEFAULT_CODE_COLOUR,
               rating_colour: Mapping[str, str] = DEFAULT_RATING_COLOUR) -> pd.DataFrame:
    """One row per KPI × group × period (and the group's total '全部' over the period).

    Columns: kpi, label, group, period, numerator, denominator, value, formula. value is the
    ratio (None for an empty denominator) or, for the median, the median working days.
    """
    if by not in DIMENSIONS:
        raise ValueError(f"不支持的分组“{by}”，可用：{', '.join(DIMENSIONS)}")
    if period not in PERIODS:
        raise ValueError(f"不支持的统计周期“{period}”，可用：{', '.join(PERIODS)}")
    con = _connect(requests, events, cal, as_of, code_colour, rating_colour, period)
    parts = []
    total = ("'全部'" if by == "all" else "CASE WHEN grouping(g) = 1 THEN '全部' ELSE "
             "coalesce(CAST(g AS VARCHAR), '（未填）') END")
    for k in KPIS:
        value = k.numerator if k.median else f"({k.numerator}) / nullif({k.denominator}, 0)"
        num = "NULL" if k.median else k.numerator
        parts.append(f"""
        SELECT '{k.key}' AS kpi, {total} AS "group", p AS period,
               CAST({num} AS BIGINT) AS numerator, CAST({k.denominator} AS BIGINT) AS denominator,
               CAST({value} AS DOUBLE) AS value
        FROM (SELECT *, {DIMENSIONS[by]} AS g, {k.period_of}_period AS p FROM kfacts
              WHERE {k.period_of} IS NOT NULL)
        GROUP BY GROUPING SETS ({"(p), (g, p)" if by != "all" else "(p)"})""")
    out = con.sql(" UNION ALL ".join(parts)).df()
    con.close()
    labels = {k.key: k.label for k in KPIS}
    texts = {k.key: k.formula for k in KPIS}
    out.insert(1, "label", out["kpi"].map(labels))
    out["formula"] = out["kpi"].map(texts)
    order = {k.key: i for i, k in enumerate(KPIS)}
    out["_o"] = out["kpi"].map(order)
    out["_t"] = out["group"].eq("全部")
    out = out.sort_values(["_o", "period", "_t", "group"], kind="stable")
    return out.drop(columns=["_o", "_t"]).reset_index(drop=True)


def request_facts(requests: pa.Table, events: pa.Table, cal: TableCalendar,
                  as_of: dt.date) -> pd.DataFrame:
    """The per-request facts the KPIs count (for the 晾晒 lists and for checking by hand)."""
    con = _connect(requests, events, cal, as_of, DEFAULT_CODE_COLOUR, DEFAULT_RATING_COLOUR)
    out = con.execute("SELECT * FROM kfacts ORDER BY request_id").df()
    con.close()
    return out


def formulas() -> str:
    """Every KPI's formula, one per line (printed above each report)."""
    return "\n".join(f"{k.label}：{k.formula}" for k in KPIS)
