"""Two 驾驶舱 panels in their own pages: the intake's data-quality summary (quality.py) and the
composite regional indices (indices.py). The dashboard loads each as an htmx fragment under its
other panels; without htmx (or JavaScript) each is a page of its own, tables included."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tiangong.platform.dashboard import aggregates as agg
from tiangong.platform.dashboard.indices import indices as indices_for
from tiangong.platform.dashboard.quality import chart_data, quality_for
from tiangong.platform.dashboard.views import _allowed, _filters


def _page(request: HttpRequest, fragment: str, title: str, ctx: dict[str, Any]) -> HttpResponse:
    if request.headers.get("HX-Request"):
        return render(request, fragment, ctx)
    return render(request, "dashboard/insight_page.html",
                  {**ctx, "fragment": fragment, "title": title})


@require_GET
def quality(request: HttpRequest) -> HttpResponse:
    """Rows read / used / quarantined / excluded per source and findings by severity, for the
    intake behind each current publication the user may see."""
    _allowed(request)
    f = _filters(request, agg.years(request.user))
    rows = quality_for(request.user, f.year)
    return _page(request, "dashboard/_quality.html", "数据质量", {
        "f": f, "rows": rows, "chart": chart_data(rows),
        "town_user": agg.unit_level(request.user) == "town" and not rows})


@require_GET
def indices(request: HttpRequest) -> HttpResponse:
    """The configured composite index of the counties under a city or province user."""
    _allowed(request)
    f = _filters(request, agg.years(request.user))
    result = indices_for(request.user, f.year, f.group, f.industry)
    chart = {"rows": [{"name": r["name"], "index": r["index"]} for r in result["rows"]]} \
        if result else {"rows": []}
    return _page(request, "dashboard/_indices.html", "综合指数",
                 {"f": f, "result": result, "chart": chart})
