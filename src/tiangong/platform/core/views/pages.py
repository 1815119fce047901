"""Core pages; every object read goes through restrict() / get_scoped_or_404()."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from tiangong.platform.core.models import Enterprise, Notification, ObjectChange, TaskProgress
from tiangong.platform.core.progress import task_status
from tiangong.platform.core.roles import Role
from tiangong.platform.core.scope import get_scoped_or_404, restrict

PAGE = 50


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {})


def enterprise_list(request: HttpRequest) -> HttpResponse:
    qs = restrict(Enterprise, request.user).select_related("region")
    q = (request.GET.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(uscc__startswith=q.upper()))
    page = Paginator(qs.order_by("uscc"), PAGE).get_page(request.GET.get("page"))
    return render(request, "core/enterprise_list.html", {"page": page, "q": q})


def enterprise_detail(request: HttpRequest, uscc: str) -> HttpResponse:
    ent = get_scoped_or_404(Enterprise.objects.select_related("region"), request.user,
                            uscc=uscc)
    return render(request, "core/enterprise_detail.html", {"enterprise": ent})


def change_list(request: HttpRequest) -> HttpResponse:
    """The change log: administrators see all; supervisors and county analysts their region's."""
    user = request.user
    qs = ObjectChange.objects.select_related("content_type")
    if not (user.is_superuser or user.role == Role.ADMINISTRATOR):
        if user.role not in (Role.SUPERVISOR, Role.COUNTY_ANALYST) or \
                user.region is None:
            qs = qs.none()
        else:
            qs = qs.filter(region_path__startswith=user.region.path)
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    return render(request, "core/change_list.html", {"page": page})


def notification_list(request: HttpRequest) -> HttpResponse:
    qs = Notification.objects.filter(user=request.user)
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    if request.method == "POST":
        qs.filter(read_at__isnull=True).update(read_at=timezone.now())
    return render(request, "core/notification_list.html", {"page": page})


def task_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(restrict(TaskProgress, request.user), PAGE).get_page(request.GET.get("page"))
    return render(request, "core/task_list.html", {"page": page})


def task_detail(request: HttpRequest, result_id: str) -> HttpResponse:
    row = get_scoped_or_404(TaskProgress, request.user, result_id=result_id)
    status = task_status(row.result_id)
    template = "core/_task_status.html" if request.headers.get("HX-Request") \
        else "core/task_detail.html"
    return render(request, template, {"task": row, "status": status})
