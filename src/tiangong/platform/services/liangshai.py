"""The monthly (and quarterly) 晾晒 of the direct service as a PDF (issue 12 point 7).

One month (?month=YYYY-MM) or quarter (?quarter=YYYY-Qn), by lead department: 办结率 (both
definitions), 绿码率, 超期率 and the other KPIs with
their counts, each KPI's formula printed, and who is overdue — counted per department and listed
request by request. The figures come from the same `kpi_report` as the page and the workbook
(`export.report`); the PDF is rendered by the evaluation app's WeasyPrint mechanism, which
refuses to write a PDF without the CJK font rather than drop the characters.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from tiangong.platform.evaluation.pdf import FontMissing, render_pdf
from tiangong.platform.services.models import RUNNING
from tiangong.services.kpi import KPIS

# the columns of the department table, in the order a 晾晒 prints them
COLUMNS = ("closed_of_received", "closed_of_due", "green_rate", "overdue_rate", "median_days",
           "satisfaction")


def month_of(raw: str, today: dt.date) -> tuple[str, dt.date]:
    """('YYYY-MM', statistics date) for ?month=; the statistics date is the month's last day,
    or today for the running month. A malformed or future month falls back to this month."""
    try:
        year, month = (int(x) for x in raw.split("-"))
        first = dt.date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)
    if first > today:
        first = today.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return f"{first:%Y-%m}", min(last, today)


def quarter_of(raw: str, today: dt.date) -> tuple[str, dt.date] | None:
    """('YYYY-Qn', statistics date) for ?quarter=, the quarter's last day or today; None when
    malformed or in the future (the month then serves)."""
    try:
        year, q = raw.split("-Q")
        first = dt.date(int(year), 3 * int(q) - 2, 1)
    except ValueError:
        return None
    if first > today:
        return None
    end = dt.date(first.year, first.month + 2, 1)
    last = end.replace(day=calendar.monthrange(end.year, end.month)[1])
    return f"{first.year}-Q{q}", min(last, today)


def context(county: Any, requests: Any, month: str, as_of: dt.date,
            period: str = "month") -> dict[str, Any]:
    """Everything the PDF prints; the overdue list is as of the statistics date (due before
    it and still running — a request paused for the enterprise is not overdue)."""
    from tiangong.platform.services.export import report

    rep = report(county, requests, as_of, "department", period)
    rep = rep[rep["period"] == month]
    cells: dict[str, dict[str, dict[str, Any]]] = {}
    for row in rep.to_dict("records"):
        cells.setdefault(str(row["group"]), {})[str(row["kpi"])] = {str(k): v
                                                                   for k, v in row.items()}
    groups = sorted(g for g in cells if g != "全部")
    if "全部" in cells:
        groups.append("全部")
    labels = {k.key: k.label for k in KPIS}
    table = [{"group": g, "cells": [_cell(cells[g].get(k), k) for k in COLUMNS]}
             for g in groups]
    overdue = list(requests.filter(state__in=RUNNING, due_on__lt=as_of)
                   .select_related("enterprise", "lead").order_by("lead__name", "due_on", "pk"))
    by_dept: dict[str, int] = {}
    for r in overdue:
        name = r.lead.name if r.lead_id else "（未交办）"
        by_dept[name] = by_dept.get(name, 0) + 1
    return {"month": month, "as_of": as_of, "county": county,
            "kind": "季度" if period == "quarter" else "月度",
            "heads": [labels[k] for k in COLUMNS], "table": table,
            "formulas": [(k.label, k.formula) for k in KPIS],
            "overdue": overdue, "overdue_by_dept": sorted(by_dept.items(),
                                                           key=lambda x: (-x[1], x[0]))}


def _cell(row: dict[str, Any] | None, kpi: str) -> str:
    if row is None or row["value"] is None or row["value"] != row["value"]:
        return "—"
    if kpi == "median_days":
        return f"{row['value']:.1f}"
    return f"{row['value']:.1%}（{int(row['numerator'])}/{int(row['denominator'])}）"


def pdf_response(request: HttpRequest, county: Any, requests: Any) -> HttpResponse:
    from tiangong.platform.services.calendar import CALENDAR_ERRORS

    today = timezone.localdate()
    quarter = quarter_of(request.GET.get("quarter", ""), today)
    period = "quarter" if quarter else "month"
    month, as_of = quarter or month_of(request.GET.get("month", ""), today)
    try:
        data = render_pdf("services/pdf_liangshai.html",
                          context(county, requests, month, as_of, period))
    except FontMissing as err:
        return render(request, "core/error.html",
                      {"title": "无法生成 PDF", "message": str(err), "status": 503}, status=503)
    except CALENDAR_ERRORS as err:  # a year without working-day data: say which
        return render(request, "core/error.html",
                      {"title": "无法生成晾晒", "message": str(err), "status": 409}, status=409)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="liangshai-{month}.pdf"'
    return response
