"""The platform's requests and events as the library's two tables, for KPIs and the 晾晒.

The KPI formulas live once, in `tiangong.services.kpi`; the platform only hands it its rows
(request fields plus the core's WorkflowEvent rows of the request workflow, partner answers
included) and a TableCalendar made from the same calendar table the deadlines were computed on.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import CharField
from django.db.models.functions import Cast
from django.utils import timezone

from tiangong.platform.core.models import WorkflowEvent
from tiangong.platform.services.calendar import table_calendar
from tiangong.platform.services.models import ServiceRequest
from tiangong.services.calendar import TableCalendar
from tiangong.services.kpi import KPIS, Calendars, kpi_report_from_facts
from tiangong.services.tables import EVENTS, REQUESTS


def tables(requests: Any) -> tuple[pa.Table, pa.Table]:
    """(requests, events) of a queryset of ServiceRequest, in the library's schemas, for the
    KPI report. A province is 140,000 requests with 1.5 M events, so both are read with one
    plain SQL query each (no model instances, no per-row field converters) and converted
    column-wise; of the events only what the KPIs read is fetched (request, time, action, new
    state; the closure code and rating come from the request), the other event columns are
    left empty."""
    fields = {"pk": "request_id", "received_at": "received_at", "channel": "channel",
              "external_id": "external_id", "enterprise__uscc": "uscc",
              "enterprise__name": "enterprise_name", "needs_confirmation": "needs_confirmation",
              "enterprise__region__name": "town", "category": "category", "text": "text",
              "lead__name": "lead_department", "assigned_on": "assigned_on",
              "due_on": "due_on", "state": "state", "closure_code": "closure_code",
              "rating": "rating", "last_rating": "last_rating"}
    try:
        rows = _fetch(*requests.order_by("pk").values_list(*fields).query.sql_with_params())
    except EmptyResultSet:  # a queryset that cannot match (`.none()`)
        rows = []
    if not rows:  # a county without requests yet: empty tables (pandas would type them float)
        return REQUESTS.empty_table(), EVENTS.empty_table()
    rq = pd.DataFrame.from_records(rows, columns=list(fields.values()))
    rq["request_id"] = rq["request_id"].astype(str)
    rq["received_at"] = _local(rq["received_at"])
    rq["needs_confirmation"] = rq["needs_confirmation"].astype(bool)
    for day in ("assigned_on", "due_on"):
        rq[day] = pd.to_datetime(rq[day]).dt.date.astype(object).where(rq[day].notna(), None)
    rq["external_id"] = rq["external_id"].replace("", None)
    # the last rating survives a reopening (last_rating); rows from before it have rating
    rq["rating"] = rq["last_rating"].where(rq["last_rating"] != "", rq["rating"])
    rq = rq.assign(link_method="platform", industry_chain=None, enterprise_class=None)
    req = pa.Table.from_pandas(rq[REQUESTS.names], schema=REQUESTS, preserve_index=False)
    ct = ContentType.objects.get_for_model(ServiceRequest)
    seconds = ("FLOOR(EXTRACT(EPOCH FROM e.time))" if connection.vendor == "postgresql"
               else "CAST(strftime('%%s', e.time) AS INTEGER)")
    table = connection.ops.quote_name(WorkflowEvent._meta.db_table)
    events: list[tuple[Any, ...]] = []
    if rows:
        keys, key_params = (requests.order_by().annotate(key=Cast("pk", CharField()))
                            .values("key").query.sql_with_params())
        events = _fetch(f"SELECT e.object_id, {seconds}, e.action, e.to_state FROM {table} e "
                        f"WHERE e.content_type_id = %s AND e.object_id IN ({keys}) "
                        "ORDER BY e.object_id, e.time, e.id", (ct.pk, *key_params))
    frame = pd.DataFrame.from_records(events, columns=["request_id", "epoch", "action",
                                                       "to_state"])
    frame["at"] = _local(pd.to_datetime(frame["epoch"].astype("int64"), unit="s", utc=True))
    frame["seq"] = frame.groupby("request_id").cumcount().astype("int32") + 1
    frame = frame.assign(from_state=None, department=None, role=None, closure_code=None,
                         rating=None, due_on=None, note=None)
    # closure codes and ratings are fields of the request; put them on their last event
    outcome = rq.set_index("request_id")
    for action, name in (("close", "closure_code"), ("rate", "rating")):
        last = frame[frame.action == action].groupby("request_id").tail(1).index
        frame.loc[last, name] = (outcome.loc[frame.loc[last, "request_id"], name]
                                 .replace("", None).to_numpy())
    ev = pa.Table.from_pandas(frame[EVENTS.names], schema=EVENTS, preserve_index=False)
    return req, ev


def _fetch(sql: str, params: Any) -> list[tuple[Any, ...]]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _local(times: pd.Series) -> pd.Series:
    """Aware database times → naive local times to the second (the library's timestamps are
    seconds; a time typed in a form or read from an export has none, one taken from the clock
    has microseconds, which the library's schema would refuse)."""
    present = times.dropna()
    text = len(present) > 0 and isinstance(present.iloc[0], str)  # SQLite hands back text
    at = pd.to_datetime(times, utc=True, format="ISO8601") if text \
        else pd.to_datetime(times, utc=True)
    local = at.dt.tz_convert(str(timezone.get_current_timezone())).dt.tz_localize(None)
    return local.dt.floor("s")


def report(county: Any, requests: Any, as_of: dt.date, by: str = "department",
           period: str = "month") -> pd.DataFrame:
    """The KPI report over the requests' stored facts (`services.facts`; no event scan).
    by="county" groups by the firm's county (for a city or the province), each county's
    working days on its own calendar; otherwise `county`'s calendar, or for None the national
    one."""
    return reports(county, requests, as_of, by, (period,))[period]


def reports(county: Any, requests: Any, as_of: dt.date, by: str,
            periods: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """`report` for several periods over one read of the facts (the dashboard's month and
    year)."""
    from tiangong.platform.services.facts import facts_table

    by_county = by == "county"
    facts = facts_table(requests, as_of, by_county=by_county)
    by = "department" if by_county else by
    days = pc.min_max(facts.column("received_day")).as_py()
    first = days["min"].year if days["min"] else as_of.year
    last = days["max"].year if days["max"] else as_of.year
    years = list(range(min(first, as_of.year), max(last, as_of.year) + 1))
    cal: TableCalendar | Calendars = table_calendar(county, years)
    if by_county:
        cal = _county_calendars(facts, years)
    return {p: kpi_report_from_facts(facts, cal, as_of, by=by, period=p) for p in periods}


def _county_calendars(facts: pa.Table, years: list[int]) -> Calendars:
    """For a report by county: the national calendar, and their own for the counties in
    `facts` (by name, as the report groups them) that have days of their own."""
    from tiangong.platform.core.models import Region
    from tiangong.platform.core.models.calendar import WorkCalendarDay

    named = set(pc.unique(facts.column("lead_department")).drop_null().to_pylist())
    with_days = WorkCalendarDay.objects.filter(county__isnull=False).values("county_id")
    own = {c.name: table_calendar(c, years) for c in Region.objects.filter(
        pk__in=with_days, name__in=named).order_by("code")}
    return Calendars(table_calendar(None, years), own)


def workbook(rep: pd.DataFrame, overdue: list[ServiceRequest], title: str) -> bytes:
    """The 晾晒 workbook: KPIs with their formulas, and the list of overdue requests."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    bold = wb.add_format({"bold": True})
    pct = wb.add_format({"num_format": "0.00%"})
    ws = wb.add_worksheet("指标")
    ws.write(0, 0, title, bold)
    for i, k in enumerate(KPIS, start=1):
        ws.write(i, 0, f"{k.label}：{k.formula}")
    top = len(KPIS) + 2
    heads = ["指标", "分组", "期间", "分子", "分母", "值"]
    for j, h in enumerate(heads):
        ws.write(top, j, h, bold)
    for i, row in enumerate(rep.to_dict("records"), start=top + 1):
        ws.write(i, 0, row["label"])
        ws.write(i, 1, row["group"])
        ws.write(i, 2, row["period"])
        for j, key in ((3, "numerator"), (4, "denominator")):
            if pd.notna(row[key]):
                ws.write_number(i, j, int(row[key]))
        if pd.notna(row["value"]):
            ws.write_number(i, 5, float(row["value"]),
                            None if row["kpi"] == "median_days" else pct)
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 24)
    ws.set_column(2, 5, 12)
    late = wb.add_worksheet("超期诉求")
    for j, h in enumerate(["编号", "企业", "类别", "主办单位", "期限", "状态"]):
        late.write(0, j, h, bold)
    for i, r in enumerate(overdue, start=1):
        late.write_row(i, 0, [r.pk, r.enterprise.name, r.category_label,
                              r.lead.name if r.lead_id else "", r.due_on.isoformat()
                              if r.due_on else "", r.state_label])
    late.set_column(0, 0, 8)
    late.set_column(1, 1, 36)
    late.set_column(2, 5, 16)
    wb.close()
    return buf.getvalue()
