"""The direct service's block on the 驾驶舱 (issue 12 point 7): this year's 办结率, 绿码率 and
overdue counts, and the quality of the handling — median working days to close, 重办率,
首次交办准确率, 满意率 — by month and by lead department (a county's readers) or by county
(city and province analysts), as ECharts charts (vendored, as the dashboard draws its own) and,
for every chart, a table with the same numbers.

Registered as a dashboard section (core/sections.py) so that the dashboard's view is not
touched: the figures come from the same report as the 晾晒 (export.report), over the requests
the user may see. The report counts the KPI facts kept on the request rows, so a province-year
(140,000 requests) is read in about a second rather than recounted from 1.3 M events. A city or
the province is counted by county, each county on its own working-day calendar (the national
one with the county's own days), as the county's own readers see it.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from tiangong.platform.core.roles import Role

READERS = {Role.COUNTY_ANALYST, Role.SUPERVISOR, Role.TOWN_OFFICIAL}
ABOVE = {Role.CITY_ANALYST, Role.PROVINCE_ANALYST}  # by county
KPIS = ("closed_of_received", "green_rate", "overdue_rate", "median_days", "reopen_rate",
        "first_time_right", "satisfaction")


def dashboard_section(request: HttpRequest, _obj: object) -> dict[str, Any] | None:
    from tiangong.platform.core.scope import restrict
    from tiangong.platform.services.calendar import CALENDAR_ERRORS, county_of
    from tiangong.platform.services.export import reports
    from tiangong.platform.services.models import ServiceRequest

    user: Any = request.user
    above = user.role in ABOVE and user.region is not None
    county = county_of(user.region) if user.role in READERS else None
    if county is None and not above:
        return None
    today = timezone.localdate()
    qs = restrict(ServiceRequest, user).filter(received_at__year=today.year)
    if not qs.exists():
        return None
    by = "county" if above else "department"
    try:
        both = reports(county, qs, today, by, ("month", "year"))
        months, groups = both["month"], both["year"]
    except CALENDAR_ERRORS as err:
        return {"error": str(err), "year": today.year}
    year = str(today.year)
    by_month = _rows(months[months["group"] == "全部"], "period")
    by_group = _rows(groups[(groups["period"] == year) & (groups["group"] != "全部")], "group")
    kind = "counties" if above else "departments"
    return {"year": today.year, "as_of": today, "kind": kind,
            "group_label": "区县" if above else "主办单位",
            "data": {"kind": kind, "months": by_month, "groups": by_group}}


def _rows(frame: Any, key: str) -> list[dict[str, Any]]:
    """One row per month or group: each KPI's ratio (percent, 1 decimal; the median in
    working days, 1 decimal) and counts; the overdue count is the numerator of 超期率."""
    out: dict[str, dict[str, Any]] = {}
    for r in frame[frame["kpi"].isin(KPIS)].to_dict("records"):
        row = out.setdefault(str(r[key]), {"name": str(r[key]), **dict.fromkeys(KPIS)})
        value = r["value"]
        scale = 1 if r["kpi"] == "median_days" else 100
        row[r["kpi"]] = None if value is None or value != value else round(value * scale, 1)
        row[f"{r['kpi']}_n"] = _count(r["numerator"])
        row[f"{r['kpi']}_d"] = _count(r["denominator"])
    for row in out.values():
        row["overdue"] = row.get("overdue_rate_n") or 0
    return [out[k] for k in sorted(out)]


def _count(value: Any) -> int | None:
    import pandas as pd

    return None if value is None or pd.isna(value) else int(value)
