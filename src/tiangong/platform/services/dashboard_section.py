"""The direct service's block on the 驾驶舱 (issue 12 point 7): 办结率, 绿码率 and overdue
counts of this year by month and by lead department, as ECharts charts (vendored, as the
dashboard draws its own) and, for every chart, a table with the same numbers.

Registered as a dashboard section (core/sections.py) so that the dashboard's view is not
touched: the figures come from the same `kpi_report` as the 晾晒 (export.report), over the
requests the user may see. Shown to users bound to a county or a town (a county's 直通办,
supervisors, town officials); province and city users open a county's 晾晒 instead — a
province-year of requests is not recomputed on every dashboard view.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from tiangong.platform.core.roles import Role

READERS = {Role.COUNTY_ANALYST, Role.SUPERVISOR, Role.TOWN_OFFICIAL}
KPIS = ("closed_of_received", "green_rate", "overdue_rate")


def dashboard_section(request: HttpRequest, _obj: object) -> dict[str, Any] | None:
    from tiangong.platform.core.scope import restrict
    from tiangong.platform.services.calendar import CALENDAR_ERRORS, county_of
    from tiangong.platform.services.export import report
    from tiangong.platform.services.models import ServiceRequest

    user: Any = request.user
    county = county_of(user.region) if user.role in READERS else None
    if county is None:
        return None
    today = timezone.localdate()
    qs = restrict(ServiceRequest, user).filter(received_at__year=today.year)
    if not qs.exists():
        return None
    try:
        months = report(county, qs, today, "department", "month")
        depts = report(county, qs, today, "department", "year")
    except CALENDAR_ERRORS as err:
        return {"error": str(err), "year": today.year}
    year = str(today.year)
    by_month = _rows(months[months["group"] == "全部"], "period")
    by_dept = _rows(depts[(depts["period"] == year) & (depts["group"] != "全部")], "group")
    return {"year": today.year, "as_of": today,
            "data": {"months": by_month, "departments": by_dept}}


def _rows(frame: Any, key: str) -> list[dict[str, Any]]:
    """One row per month or department: each KPI's ratio (percent, 1 decimal) and counts;
    the overdue count is the numerator of 超期率."""
    out: dict[str, dict[str, Any]] = {}
    for r in frame[frame["kpi"].isin(KPIS)].to_dict("records"):
        row = out.setdefault(str(r[key]), {"name": str(r[key])})
        value = r["value"]
        row[r["kpi"]] = None if value is None or value != value else round(value * 100, 1)
        row[f"{r['kpi']}_n"] = None if r["numerator"] != r["numerator"] else int(r["numerator"])
        row[f"{r['kpi']}_d"] = int(r["denominator"]) if r["denominator"] == r["denominator"] \
            else None
    for row in out.values():
        row["overdue"] = row.get("overdue_rate_n") or 0
    return [out[k] for k in sorted(out)]
