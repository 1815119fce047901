"""Objection (异议) pages: file (enterprise, within 公示), list, detail, workflow actions.

Moves go through core.workflow.apply_transition only; deadlines in working days through the
core calendar (a year without calendar data is refused with its message, nothing is moved).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tiangong.platform.core.calendar import CalendarMissing
from tiangong.platform.core.changelog import record_change, snapshot
from tiangong.platform.core.roles import Role
from tiangong.platform.core.scope import get_scoped_or_404, restrict
from tiangong.platform.core.workflow import (
    TransitionRefused,
    events_for,
    record_event,
)
from tiangong.platform.evaluation.forms import ActionForm, ObjectionForm, form_errors
from tiangong.platform.evaluation.models import Objection, Publication, PublishedResult
from tiangong.platform.evaluation.objection_service import (
    FilingRefused,
    act_on_objection,
    file_objection,
)

PAGE = 50




@require_POST
def objection_file(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_scoped_or_404(PublishedResult.objects.select_related("publication"),
                            request.user, pk=pk)
    form = ObjectionForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(row)
    try:
        obj = file_objection(request.user, row, form.cleaned_data["reason"],
                             form.cleaned_data["attachments"])
    except FilingRefused as err:
        messages.error(request, str(err))
        return redirect(row)
    messages.success(request, "异议已提交，所在乡镇（街道）核实后将转交县级处理。")
    return redirect(obj)


def objection_list(request: HttpRequest) -> HttpResponse:
    qs = restrict(Objection, request.user).select_related("enterprise", "result__publication")
    state = request.GET.get("state", "")
    if state in Objection.workflow.states:
        qs = qs.filter(state=state)
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    return render(request, "evaluation/objection_list.html", {
        "page": page, "state": state, "states": Objection.workflow.states.items(),
        "today": dt.date.today()})


def objection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_scoped_or_404(Objection.objects.select_related(
        "result", "result__publication", "enterprise", "correction"), request.user, pk=pk)
    corrections = []
    if obj.state == "accepted" and request.user.role == Role.COUNTY_ANALYST:
        corrections = list(restrict(Publication, request.user).filter(
            previous=obj.result.publication, state=Publication.PUBLISHED))
    return render(request, "evaluation/objection_detail.html", {
        "obj": obj, "events": events_for(obj), "form": ActionForm(),
        "actions": obj.workflow.allowed(obj, request.user),
        "state_label": obj.workflow.state_label(obj.state), "corrections": corrections})


@require_POST
def objection_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    obj = get_scoped_or_404(Objection.objects.select_related("result__publication__county"),
                            request.user, pk=pk)
    form = ActionForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(obj)
    try:
        act_on_objection(obj, action, request.user, form.cleaned_data["note"] or "",
                         form.cleaned_data["working_days"], form.cleaned_data["attachments"])
    except CalendarMissing as err:
        messages.error(request, str(err))
    except TransitionRefused as err:
        messages.error(request, str(err))
    else:
        messages.success(request, "操作成功。")
    return redirect(obj)


@require_POST
def objection_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Link an accepted objection to the corrected publication (county analyst), so that it can
    be resolved; the link is an event on the timeline."""
    obj = get_scoped_or_404(Objection.objects.select_related("result__publication"),
                            request.user, pk=pk)
    if request.user.role != Role.COUNTY_ANALYST or request.user.is_read_only:
        raise PermissionDenied("只有县级分析人员可以关联更正后的发布。")
    if obj.state != "accepted":
        messages.error(request, "只有已采纳的异议可以关联更正后的发布。")
        return redirect(obj)
    pub = restrict(Publication, request.user).filter(
        pk=request.POST.get("publication") or 0, previous=obj.result.publication,
        state=Publication.PUBLISHED).first()
    if pub is None:
        messages.error(request, "请选择本次公示的更正发布（须已发布完成）。")
        return redirect(obj)
    with transaction.atomic():
        before = snapshot(obj)
        if Objection.objects.filter(pk=obj.pk, state="accepted").update(correction=pub) != 1:
            messages.error(request, "该异议已被他人处理，请刷新页面。")
            return redirect(obj)
        obj.correction = pub
        record_change(obj, "update", before, snapshot(obj))
        record_event(obj, "link", "关联更正发布", request.user, f"更正后的发布：{pub}")
    messages.success(request, "已关联更正后的发布，可执行“更正完成”。")
    return redirect(obj)
