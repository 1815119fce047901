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
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from tiangong.platform.core.models import WorkflowEvent
from tiangong.platform.services.calendar import table_calendar
from tiangong.platform.services.models import ServiceRequest
from tiangong.services.kpi import KPIS, kpi_report
from tiangong.services.tables import EVENTS, REQUESTS


def _naive(t: dt.datetime) -> dt.datetime:
    return timezone.localtime(t).replace(tzinfo=None) if timezone.is_aware(t) else t


def tables(requests: Any) -> tuple[pa.Table, pa.Table]:
    """(requests, events) of a queryset of ServiceRequest, in the library's schemas."""
    rows = list(requests.select_related("enterprise__region", "lead").order_by("pk"))
    req = pa.Table.from_pylist([{
        "request_id": str(r.pk), "received_at": _naive(r.received_at), "channel": r.channel,
        "external_id": r.external_id or None, "uscc": r.enterprise.uscc,
        "enterprise_name": r.enterprise.name, "link_method": "platform",
        "needs_confirmation": r.needs_confirmation, "town": r.enterprise.region.name,
        "industry_chain": None, "enterprise_class": None, "category": r.category,
        "text": r.text, "lead_department": r.lead.name if r.lead_id else None,
        "assigned_on": r.assigned_on, "due_on": r.due_on, "state": r.state} for r in rows],
        schema=REQUESTS)
    ct = ContentType.objects.get_for_model(ServiceRequest)
    ids = [str(r.pk) for r in rows]
    evs = (WorkflowEvent.objects.filter(content_type=ct, object_id__in=ids)
           .order_by("object_id", "time", "pk").values_list(
               "object_id", "time", "action", "from_state", "to_state", "role", "note", "sla"))
    seq: dict[str, int] = {}
    out = []
    for oid, time, action, src, dst, role, note, sla in evs:
        seq[oid] = seq.get(oid, 0) + 1
        due = (sla or {}).get("due_on")
        out.append({"request_id": oid, "seq": seq[oid], "at": _naive(time), "action": action,
                    "from_state": src or None, "to_state": dst, "department": None,
                    "role": role, "closure_code": None, "rating": None,
                    "due_on": dt.date.fromisoformat(due) if due else None, "note": note})
    ev = pa.Table.from_pylist(out, schema=EVENTS)
    # closure codes and ratings are fields of the request; put them on their last event
    return req, _outcomes(ev, rows)


def _outcomes(ev: pa.Table, rows: list[ServiceRequest]) -> pa.Table:
    frame = ev.to_pandas()
    if frame.empty:
        return ev
    by = {str(r.pk): r for r in rows}
    for action, field in (("close", "closure_code"), ("rate", "rating")):
        last = frame[frame.action == action].groupby("request_id").tail(1).index
        frame.loc[last, field] = [getattr(by[i], field) or None
                                  for i in frame.loc[last, "request_id"]]
    return pa.Table.from_pandas(frame, schema=EVENTS, preserve_index=False)


def report(county: Any, requests: Any, as_of: dt.date, by: str = "department",
           period: str = "month") -> pd.DataFrame:
    req, ev = tables(requests)
    years = sorted({as_of.year, *(d.year for d in
                                  pd.to_datetime(req.column("received_at").to_pandas()))})
    years = list(range(years[0], years[-1] + 1))
    return kpi_report(req, ev, table_calendar(county, years), as_of, by=by, period=period)


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
        late.write_row(i, 0, [r.pk, r.enterprise.name, r.category,
                              r.lead.name if r.lead_id else "", r.due_on.isoformat()
                              if r.due_on else "", r.state_label])
    late.set_column(0, 0, 8)
    late.set_column(1, 1, 36)
    late.set_column(2, 5, 16)
    wb.close()
    return buf.getvalue()
