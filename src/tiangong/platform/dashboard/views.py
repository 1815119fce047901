"""驾驶舱 pages: the dashboard (full page, or its panels for htmx filters), the enterprise list
it drills into, and the boundary files behind its map. Every read goes through restrict()."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from tiangong.platform.core.calendar import missing_years
from tiangong.platform.core.roles import Role
from tiangong.platform.core.scope import get_scoped_or_404, restrict
from tiangong.platform.dashboard import aggregates as agg
from tiangong.platform.dashboard.awards import awards as awards_for
from tiangong.platform.dashboard.boundaries import BoundaryRefused, match, read_upload
from tiangong.platform.dashboard.models import Boundary
from tiangong.platform.dashboard.readmodel import current_publications
from tiangong.platform.evaluation.models import PublishedResult
from tiangong.report.boundaries import BoundaryMatch

DASHBOARD_ROLES = {Role.PROVINCE_ANALYST, Role.CITY_ANALYST, Role.COUNTY_ANALYST,
                   Role.TOWN_OFFICIAL, Role.SUPERVISOR, Role.ADMINISTRATOR}
PAGE = 50


def check_allowed(user: Any) -> None:
    """The 驾驶舱's roles only (pages and API alike)."""
    if user.role not in DASHBOARD_ROLES and not user.is_superuser:
        raise PermissionDenied("驾驶舱仅供分析、乡镇、监督人员使用。")


def _allowed(request: HttpRequest) -> None:
    check_allowed(request.user)


def _filters(request: HttpRequest, years: list[int]) -> agg.Filters:
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdigit() and int(raw) in years else (years[0] if years else None)
    return agg.Filters(year=year, group=request.GET.get("group", "")[:50],
                       industry=request.GET.get("industry", "")[:2],
                       town=request.GET.get("town", "")[:20],
                       class_code=request.GET.get("class", "")[:20])


def _calendar_warning(today: dt.date) -> str:
    """From 1 December, say so when next year's working-day calendar is not loaded."""
    if today.month != 12 or not missing_years([today.year + 1]):
        return ""
    return (f"{today.year + 1}年工作日历尚未导入：异议答复期限等按工作日计算的期限将无法计算。"
            f"请管理员执行 tiangong manage seed_calendar {today.year + 1}。")


def _boundary(user: Any) -> Boundary | None:
    """The newest boundary file of the user's own county (or own region above county); its
    GeoJSON (up to megabytes) is not read here: the map fetches it from boundary_json."""
    region = user.county() or user.region
    if region is None:
        return None
    return (restrict(Boundary, user).filter(region=region).defer("geojson")
            .order_by("-created", "-id").first())


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    user: Any = request.user
    pubs = agg.publication_set()  # once per page: every cache key below names it
    years = agg.years(user, pubs=pubs)
    f = _filters(request, years)
    if f.town and not agg.cells(user, agg.Filters(year=f.year, town=f.town)).exists():
        raise Http404("未找到该区域，或您无权查看。")
    level = agg.unit_level(user)
    fig = agg.figures(user, f, pubs=pubs)
    ranking = fig["ranking"]
    data: dict[str, Any] = {
        "classes": fig["classes"], "ranking": ranking, "trend": fig["trend"],
        "unit_label": "县（市、区）" if level == "county" else "乡镇（街道）"}
    boundary = _boundary(user)
    mismatch = None
    if boundary is not None:
        data["map"] = {"url": f"/dashboard/boundaries/{boundary.pk}.json",
                       "code_property": boundary.code_property}
        # Computed once per boundary file, scope and filters (a boundary is never edited:
        # a new upload is a new row), not by decoding the GeoJSON on every request.
        m = agg.cached(user, pubs, ("mismatch", asdict(f), boundary.pk), lambda: asdict(
            match(Boundary.objects.get(pk=boundary.pk).geojson, ranking,
                  boundary.code_property, boundary.name_property)))
        mismatch = BoundaryMatch(  # JSON lists back to the (code, name) pairs
            m["code_property"], m["matched"], [tuple(p) for p in m["no_data"]],
            [tuple(p) for p in m["no_boundary"]], m["no_code"])
    ctx = {"f": f, "years": years, "data": agg.canonical(data), "totals": fig["totals"],
           "ranking": ranking,
           "choices": fig["choices"], "mismatch": mismatch, "boundary": boundary,
           "warning": _calendar_warning(dt.date.today()),
           "big": request.GET.get("screen") == "big", "level": level,
           "awards": awards_for(user, f.year, pubs=pubs) if level == "county" else None}
    if request.headers.get("HX-Request"):
        return render(request, "dashboard/_panels.html", ctx)
    return render(request, "dashboard/dashboard.html", ctx)


@require_GET
def enterprises(request: HttpRequest) -> HttpResponse:
    """The published firms behind a dashboard figure (a town, a class, a group, an industry)."""
    _allowed(request)
    user: Any = request.user
    f = _filters(request, agg.years(user))
    qs = restrict(PublishedResult, user).filter(
        publication__in=current_publications(f.year)).select_related("region")
    if f.group:
        qs = qs.filter(group=f.group)
    if f.industry:
        qs = qs.filter(industry_code__startswith=f.industry)
    if f.town:
        qs = qs.filter(region__path__contains=f"/{f.town}/")
    if f.class_code:
        qs = qs.filter(class_code="" if f.class_code == "未参评" else f.class_code)
    page = Paginator(qs.order_by("uscc"), PAGE).get_page(request.GET.get("page"))
    keep = request.GET.copy()
    keep.pop("page", None)
    return render(request, "dashboard/enterprises.html",
                  {"page": page, "f": f, "query": keep.urlencode()})


class BoundaryForm(forms.Form):
    title = forms.CharField(label="名称", max_length=200)
    file = forms.FileField(label="边界文件（GeoJSON，UTF-8）")
    code_property = forms.CharField(label="区划代码属性名", max_length=50, initial="adcode")
    name_property = forms.CharField(label="名称属性名", max_length=50, initial="name",
                                    required=False)


def boundaries(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if user.role != Role.COUNTY_ANALYST:
        raise PermissionDenied("边界文件由县级分析员上传。")
    form = BoundaryForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            collection = read_upload(form.cleaned_data["file"].read(),
                                     form.cleaned_data["code_property"])
        except BoundaryRefused as err:
            form.add_error("file", str(err))
        else:
            Boundary.objects.create(
                region=user.region, title=form.cleaned_data["title"],
                code_property=form.cleaned_data["code_property"],
                name_property=form.cleaned_data["name_property"], geojson=collection,
                n_features=len(collection["features"]), uploaded_by=user)
            messages.success(request, f"已保存边界文件，共 {len(collection['features'])} 个区域。")
            return redirect("dashboard:boundaries")
    return render(request, "dashboard/boundaries.html",
                  {"form": form, "items": restrict(Boundary, user)})


@require_GET
def boundary_json(request: HttpRequest, pk: int) -> JsonResponse:
    """The stored (rewound) GeoJSON for ECharts' registerMap: served here, never from a CDN."""
    _allowed(request)
    boundary = get_scoped_or_404(Boundary, request.user, pk=pk)
    return JsonResponse(boundary.geojson, json_dumps_params={"ensure_ascii": False})
