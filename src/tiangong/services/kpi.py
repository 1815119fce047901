"""KPIs of the direct service, recounted from the event log, each with its formula.

A county reports 办结率 and 绿码率 and publishes who is overdue; a supervisor must be able to
recount every figure. So each KPI is a numerator and a denominator over per-request facts
(`tiangong.services.facts`: last closure, its code, the rating after it, reopenings,
re-routings), derived from the events or kept on the platform's request rows, and the stored
deadline, and every report prints the formula next to the figure.
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
import pandas as pd
import pyarrow as pa

from tiangong.services.calendar import TableCalendar, workday_ordinals
from tiangong.services.facts import FACTS, check_facts, facts_from_events
from tiangong.services.outcome import DEFAULT_CODE_COLOUR, DEFAULT_RATING_COLOUR


@dataclass(frozen=True)
class Calendars:
    """A calendar per group of requests: `own[v]` for the requests whose fact `column` is v,
    `default` for every other. A city or the province reports by county, and each county
    counts working days on its own calendar (the national one with its own days), so a
    county's figure on the city's page is the county's own figure."""

    default: TableCalendar
    own: Mapping[str, TableCalendar]
    column: str = "lead_department"

    def all(self) -> list[TableCalendar]:
        return [self.default, *self.own.values()]


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

_COLOURED = """
CREATE OR REPLACE TEMP TABLE kfacts AS
SELECT f.* EXCLUDE (_cal), f.closed_day IS NOT NULL AS is_closed, DATE '{as_of}' AS as_of,
  CASE WHEN f.rating IS NOT NULL THEN rc.colour ELSE cc.colour END AS colour,
  CASE WHEN f.rating IS NOT NULL THEN 'rating' WHEN f.closure_code IS NOT NULL
       THEN 'closure_code' END AS colour_source,
  (f.closed_day IS NOT NULL AND f.closed_day > f.due_day)
    OR (f.closed_day IS NULL AND f.due_day < DATE '{as_of}'
        AND coalesce(f.state_now, '') NOT IN ('paused_enterprise', 'paused_inspection', 'merged'))
    AS is_overdue,
  oc.ord - orr.ord AS days_to_close,
  {periods}
FROM (SELECT *, {cal_key} AS _cal FROM facts) f
LEFT JOIN rating_colour rc ON rc.code = f.rating
LEFT JOIN code_colour cc ON cc.code = f.closure_code
LEFT JOIN ordinals orr ON orr.day = f.received_day AND orr.cal = f._cal
LEFT JOIN ordinals oc ON oc.day = f.closed_day AND oc.cal = f._cal
"""


def _connect(facts: pa.Table, cal: TableCalendar | Calendars, as_of: dt.date,
             code_colour: Mapping[str, str], rating_colour: Mapping[str, str],
             period: str = "month") -> duckdb.DuckDBPyConnection:
    check_facts(facts)
    con = duckdb.connect()
    con.register("facts", facts.select(FACTS.names))
    cals = cal if isinstance(cal, Calendars) else Calendars(cal, {})
    keyed = [("", cals.default), *sorted(cals.own.items(), key=lambda kv: kv[0])]
    parts = []
    for key, one in keyed:
        days, ords = workday_ordinals(one)
        parts.append(pa.table({
            "cal": pa.array([key] * len(days), pa.string()),
            "day": pa.array(days.astype("int32"), pa.int32()).cast(pa.date32()), "ord": ords}))
    con.register("ordinals", pa.concat_tables(parts))
    con.register("own_calendars", pa.table({"cal": pa.array([k for k, _ in keyed[1:]],
                                                            pa.string())}))
    cal_key = (f'CASE WHEN "{cals.column}" IN (SELECT cal FROM own_calendars) THEN'
               f' "{cals.column}" ELSE \'\' END' if cals.own else "''")
    con.register("code_colour", pa.table({"code": list(code_colour),
                                          "colour": list(code_colour.values())}))
    con.register("rating_colour", pa.table({"code": list(rating_colour),
                                            "colour": list(rating_colour.values())}))
    periods = ", ".join(f"{PERIODS[period].format(d=d)} AS {d}_period"
                        for d in sorted({k.period_of for k in KPIS}))
    con.execute(_COLOURED.format(periods=periods, as_of=as_of.isoformat(), cal_key=cal_key))
    for one in cals.all():
        _check_calendar(con, one)
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
    """One row per KPI × group × period (and the group's total '全部' over the period),
    recounted from the events as of the end of `as_of`.

    Columns: kpi, label, group, period, numerator, denominator, value, formula. value is the
    ratio (None for an empty denominator) or, for the median, the median working days.
    """
    return kpi_report_from_facts(facts_from_events(requests, events, as_of), cal, as_of, by,
                                 period, code_colour, rating_colour)


def kpi_report_from_facts(facts: pa.Table, cal: TableCalendar | Calendars, as_of: dt.date,
                          by: str = "department", period: str = "month",
                          code_colour: Mapping[str, str] = DEFAULT_CODE_COLOUR,
                          rating_colour: Mapping[str, str] = DEFAULT_RATING_COLOUR
                          ) -> pd.DataFrame:
    """The report of `kpi_report` over per-request FACTS (`tiangong.services.facts`) that hold
    as of `as_of`, e.g. those the platform keeps on its request rows; working days on `cal`,
    or on each group's own calendar (`Calendars`)."""
    if by not in DIMENSIONS:
        raise ValueError(f"不支持的分组“{by}”，可用：{', '.join(DIMENSIONS)}")
    if period not in PERIODS:
        raise ValueError(f"不支持的统计周期“{period}”，可用：{', '.join(PERIODS)}")
    con = _connect(facts, cal, as_of, code_colour, rating_colour, period)
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
    con = _connect(facts_from_events(requests, events, as_of), cal, as_of, DEFAULT_CODE_COLOUR,
                   DEFAULT_RATING_COLOUR)
    out = con.execute("SELECT * FROM kfacts ORDER BY request_id").df()
    con.close()
    return out


def formulas() -> str:
    """Every KPI's formula, one per line (printed above each report)."""
    return "\n".join(f"{k.label}：{k.formula}" for k in KPIS)
