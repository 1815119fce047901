"""Core pages; every object read goes through restrict() / get_scoped_or_404()."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from tiangong.platform.core.calendar import missing_years
from tiangong.platform.core.models import (
    Enterprise,
    EventAttachment,
    Notification,
    ObjectChange,
    TaskProgress,
)
from tiangong.platform.core.progress import task_status
from tiangong.platform.core.roles import Role
from tiangong.platform.core.scope import get_scoped_or_404, restrict
from tiangong.platform.core.sections import render_sections

PAGE = 50


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"calendar_warning": calendar_warning(request.user)})


def calendar_warning(user: Any) -> str:
    """From 1 December, tell analysts and administrators when next year's calendar is missing
    (deadlines reaching into it would be refused)."""
    today = timezone.localdate()
    if today.month != 12 or user.role not in (Role.COUNTY_ANALYST, Role.ADMINISTRATOR):
        return ""
    if not missing_years([today.year + 1]):
        return ""
    return (f"工作日历中还没有 {today.year + 1} 年的数据：跨入该年度的办理期限将无法计算。"
            f"国务院办公厅公布节假日安排后，请管理员运行 tiangong manage seed_calendar "
            f"{today.year + 1}。")


def enterprise_list(request: HttpRequest) -> HttpResponse:
    qs = restrict(Enterprise, request.user).select_related("region")
    q = (request.GET.get("q") or "").replace("\x00", "").strip()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(uscc__startswith=q.upper()))
    page = Paginator(qs.order_by("uscc"), PAGE).get_page(request.GET.get("page"))
    return render(request, "core/enterprise_list.html", {"page": page, "q": q})


def enterprise_detail(request: HttpRequest, uscc: str) -> HttpResponse:
    ent = get_scoped_or_404(Enterprise.objects.select_related("region"), request.user,
                            uscc=uscc)
    return render(request, "core/enterprise_detail.html",
                  {"enterprise": ent, "sections": render_sections(request, ent)})


def my_enterprise(request: HttpRequest) -> HttpResponse:
    """An enterprise user's own page (the entry in its navigation)."""
    ent = getattr(request.user, "enterprise", None)
    if ent is None:
        raise Http404("您的账号未绑定企业。")
    return redirect("core:enterprise_detail", uscc=ent.uscc)


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


def attachment(request: HttpRequest, pk: int) -> FileResponse:
    """An event's attachment, for users who may see the object the event belongs to."""
    att = EventAttachment.objects.select_related("event__content_type").filter(pk=pk).first()
    model = att.event.content_type.model_class() if att is not None else None
    if att is None or model is None or not restrict(model, request.user).filter(
            pk=att.event.object_id).exists():
        raise Http404("未找到该附件，或您无权查看。")
    try:
        handle = att.file.open("rb")
    except OSError:  # the file was removed from MEDIA_ROOT (a restore without uploads)
        raise Http404("附件文件已不存在，请联系管理员。") from None
    return FileResponse(handle, as_attachment=True, filename=att.name)


def task_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(restrict(TaskProgress, request.user), PAGE).get_page(request.GET.get("page"))
    return render(request, "core/task_list.html", {"page": page})


def task_detail(request: HttpRequest, result_id: str) -> HttpResponse:
    row = get_scoped_or_404(TaskProgress, request.user, result_id=result_id)
    status = task_status(row.result_id)
    template = "core/_task_status.html" if request.headers.get("HX-Request") \
        else "core/task_detail.html"
    return render(request, template, {"task": row, "status": status})
