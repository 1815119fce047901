"""Pages: the enterprise files and rates, the 直通办 routes from the pool, departments work their
queue by deadline, supervisors see what is overdue. Every read goes through restrict() /
get_scoped_or_404(); every move through actions.py (the core's apply_transition)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tiangong.platform.core.forms import AttachmentsField
from tiangong.platform.core.models import Department, Enterprise
from tiangong.platform.core.roles import Role
from tiangong.platform.core.scope import get_scoped_or_404, restrict
from tiangong.platform.core.workflow import TransitionRefused, apply_transition, events_for
from tiangong.platform.services import actions
from tiangong.platform.services.models import RUNNING, PartnerTask, ServiceRequest
from tiangong.services.config import ConfigError
from tiangong.services.duplicates import suggest_duplicates
from tiangong.services.outcome import CLOSURE_CODES, RATINGS


class FileForm(forms.Form):
    category = forms.ChoiceField(label="诉求类别")
    text = forms.CharField(label="诉求内容", widget=forms.Textarea, max_length=4000)
    attachments = AttachmentsField(label="附件（可多选）")

    def __init__(self, *args: Any, county: Any = None, **kwargs: Any) -> None:
        from tiangong.platform.services.county_config import settings_for

        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [
            (c.code, c.name) for c in settings_for(county).config.categories.values()]


class OfficeFileForm(FileForm):
    """The 直通办 registering a request received in person or by telephone."""

    uscc = forms.CharField(label="企业统一社会信用代码", max_length=18)
    channel = forms.ChoiceField(label="渠道", choices=[("visit", "走访"),
                                                       ("hotline", "12345热线")])

    field_order = ["uscc", "channel", "category", "text", "attachments"]


class ActionForm(forms.Form):
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea)
    lead = forms.ModelChoiceField(Department.objects.none(), label="主办单位", required=False)
    partners = forms.ModelMultipleChoiceField(Department.objects.none(), label="协办单位",
                                              required=False)
    new_due = forms.DateField(label="申请延期至", required=False)
    closure_code = forms.ChoiceField(label="办结结果", required=False,
                                     choices=[("", "—"), *CLOSURE_CODES.items()])
    rating = forms.ChoiceField(label="评价", required=False, choices=[("", "—"),
                                                                    *RATINGS.items()])
    join_task = forms.IntegerField(label="或加入已有协办任务（编号）", required=False,
                                   min_value=1)

    def __init__(self, req: ServiceRequest, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        depts = actions.departments_of(req)
        self.fields["lead"].queryset = depts
        self.fields["partners"].queryset = depts


# which extra fields each action's form shows
FIELDS = {"route": ("lead", "partners", "note"), "settle_reroute": ("lead", "note"),
          "reroute": ("lead", "note"), "extension_ask": ("new_due", "note"),
          "close": ("closure_code", "note"), "rate": ("rating", "note"),
          "partner_assign": ("partners", "join_task", "note")}


def request_list(request: HttpRequest) -> HttpResponse:
    """The enterprise's requests, the 直通办's pool, a department's queue by deadline, a
    supervisor's overdue list: one page, the rows each role may see."""
    user = request.user
    qs = restrict(ServiceRequest, user).select_related("enterprise", "lead")
    today = timezone.localdate()
    view = request.GET.get("view", "")
    firm = request.GET.get("enterprise", "")
    if firm:  # one enterprise's request history (linked from the enterprise's page)
        qs = qs.filter(enterprise__uscc=firm)
    pool, dupes = None, {}
    rows: Any = None
    if user.role == Role.DEPARTMENT_USER and not firm:
        rows = _department_queue(qs, user)
    elif user.role == Role.DEPARTMENT_USER:
        qs = qs.filter(state__in=OPEN).order_by("due_on", "pk")
    elif view == "overdue" or user.role == Role.SUPERVISOR:
        qs = qs.filter(state__in=RUNNING, due_on__lt=today).order_by("due_on", "pk")
        view = "overdue"
    if user.role == Role.COUNTY_ANALYST and view != "overdue":
        pool = list(qs.filter(state="received").order_by("received_at", "pk")[:200])
        dupes = _duplicates(pool, qs)
    tasks, tasks_total = [], 0
    if user.role == Role.DEPARTMENT_USER:
        # the first 100 open tasks by deadline, each with its requests prefetched (the link
        # goes to a request: one query for all rows, not one per row)
        open_tasks = restrict(PartnerTask, user).filter(state="open")
        tasks_total = open_tasks.count()
        tasks = list(open_tasks.select_related("department").prefetch_related(Prefetch(
            "requests", queryset=ServiceRequest.objects.only("pk", "received_at")))[:100])
    return render(request, "services/request_list.html", {
        "requests": qs[:100] if rows is None else rows, "pool": pool, "dupes": dupes,
        "today": today, "view": view,
        "tasks": tasks, "tasks_total": tasks_total,
        "can_file": user.role in (Role.ENTERPRISE_USER, Role.COUNTY_ANALYST)})


OPEN = (*RUNNING, "paused_enterprise", "paused_inspection")
QUEUE_COLUMNS = ("pk", "category", "state", "due_on", "colour", "enterprise__name",
                 "lead__name")


def _department_queue(qs: Any, user: Any, n: int = 100) -> list[ServiceRequest]:
    """A department's first `n` open requests by deadline: those it leads and those it assists.

    One query with "leads OR assists" ORDER BY due_on cannot use an index and walks the
    deadline index over the whole province (≈ 60 ms at 140,000 requests); so the keys of each
    half are taken by its own index (lead, state, due_on / the keys of the requests the
    department's partner tasks serve), the first `n` merged here, and only those rows read,
    with the columns the page shows, still through the user's scope (`qs`)."""
    mine = qs.filter(state__in=OPEN).order_by("due_on", "pk").values_list("due_on", "pk")
    assisted = list(PartnerTask.requests.through.objects.filter(
        partnertask__department_id=user.department_id).values_list("servicerequest_id",
                                                                    flat=True))
    keys = {*mine.filter(lead_id=user.department_id)[:n], *mine.filter(pk__in=assisted)[:n]}
    first = sorted(keys, key=lambda k: (k[0] is None, k[0] or dt.date.min, k[1]))[:n]
    rows = {r.pk: r for r in qs.filter(pk__in=[k[1] for k in first]).only(*QUEUE_COLUMNS)}
    return [rows[k[1]] for k in first if k[1] in rows]


def _duplicates(pool: list[ServiceRequest], qs: Any) -> dict[int, list[Any]]:
    """Earlier requests of the same firms that the new ones probably repeat."""
    import pandas as pd

    firms = {r.enterprise_id for r in pool}
    rows = list(qs.filter(enterprise_id__in=firms).values("pk", "enterprise_id", "received_at",
                                                          "text"))
    if not rows:
        return {}
    frame = pd.DataFrame([{"request_id": r["pk"], "uscc": r["enterprise_id"],
                           "received_at": r["received_at"], "text": r["text"]} for r in rows])
    out: dict[int, list[Any]] = {}
    for rid, dup, sim in suggest_duplicates(frame)[
            ["request_id", "duplicate_of", "similarity"]].itertuples(index=False):
        out.setdefault(int(rid), []).append((int(dup), float(sim)))
    return out


def request_new(request: HttpRequest) -> HttpResponse:
    """The enterprise files its own request; the 直通办 registers one received in person or by
    telephone (channel 走访 / 12345热线) for a firm of its county, named by USCC."""
    user = request.user
    office = user.role == Role.COUNTY_ANALYST and not user.is_read_only
    if not office and (user.role != Role.ENTERPRISE_USER or user.enterprise_id is None):
        raise PermissionDenied("只有企业用户或直通办（县级分析员）可以在此提交诉求。")
    from tiangong.platform.services.calendar import county_of

    region = user.region if office else Enterprise.objects.select_related("region").get(
        pk=user.enterprise_id).region
    form = (OfficeFileForm if office else FileForm)(request.POST or None, request.FILES or None,
                                                    county=county_of(region))
    if request.method == "POST" and form.is_valid():
        if office:
            from tiangong.identity.uscc import normalize_uscc

            code = normalize_uscc(form.cleaned_data["uscc"])
            enterprise = restrict(Enterprise, user).filter(uscc=code).first()
            channel = form.cleaned_data["channel"]
        else:
            enterprise, channel = Enterprise.objects.get(pk=user.enterprise_id), "form"
        if enterprise is None:
            form.add_error("uscc", f"本县企业名录中没有统一社会信用代码为 {code} 的企业。")
        else:
            req = actions.file_request(user, enterprise, form.cleaned_data["category"],
                                       form.cleaned_data["text"], channel=channel,
                                       attachments=form.cleaned_data["attachments"])
            messages.success(request, "诉求已提交，直通办将在 3 个工作日内交办。" if not office
                             else "诉求已登记，进入诉求池。")
            return redirect(req)
    return render(request, "services/request_new.html", {"form": form})


def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_scoped_or_404(ServiceRequest, request.user, pk=pk)
    allowed = req.workflow.allowed(req, request.user)
    prop, lead, partners = actions.proposal(req) if req.state == "received" else (None, None, [])
    forms_ = []
    for t in allowed:
        form = ActionForm(req, initial={"lead": lead, "partners": partners})
        fields = FIELDS.get(t.action, ("note",))
        forms_.append((t, [form[f] for f in fields]))
    tasks = list(req.partner_tasks.select_related("department"))
    my_tasks = [t for t in tasks if t.state == "open" and request.user.role ==
                Role.DEPARTMENT_USER and t.department_id == request.user.department_id]
    from tiangong.services.approvals import APPROVAL_KINDS

    approvals = [(a, a.workflow.allowed(a, request.user)) for a in req.approvals.all()]
    can_spawn = (request.user.role == Role.DEPARTMENT_USER and req.lead_id ==
                 request.user.department_id and req.state == "handling")
    return render(request, "services/request_detail.html", {
        "req": req, "events": events_for(req), "forms": forms_, "proposal": prop,
        "tasks": tasks, "my_tasks": my_tasks, "today": timezone.localdate(),
        "approvals": approvals, "can_spawn": can_spawn, "kinds": APPROVAL_KINDS.values()})


@require_POST
def request_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    req = get_scoped_or_404(ServiceRequest, request.user, pk=pk)
    form = ActionForm(req, request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect(req)
    try:
        _act(req, request.user, action, form.cleaned_data)
    except (TransitionRefused, ConfigError) as err:
        messages.error(request, str(err))
    else:
        messages.success(request, "操作成功。")
    return redirect(req)


def _act(req: ServiceRequest, user: Any, action: str, data: dict[str, Any]) -> None:
    note = data.get("note") or ""
    if action == "route":
        if data.get("lead") is None:
            raise TransitionRefused("请选择主办单位。")
        actions.route(req, user, data["lead"], list(data.get("partners") or []), note)
    elif action in ("settle_reroute", "reroute"):
        if data.get("lead") is None or data["lead"] == req.lead:
            raise TransitionRefused("请选择另一个主办单位。")
        actions.reassign(req, user, action, data["lead"], note)
    elif action == "partner_assign":
        actions.assign_partners(req, user, list(data.get("partners") or []),
                                data.get("join_task"), note)
    elif action == "settle_keep":
        actions.settle_keep(req, user, note)
    elif action == "pause":
        actions.pause(req, user, note)
    elif action == "resume":
        actions.resume(req, user, note)
    elif action == "extension_ask":
        if not isinstance(data.get("new_due"), dt.date):
            raise TransitionRefused("请填写申请延期到的日期。")
        actions.ask_extension(req, user, data["new_due"], note)
    elif action == "extension_approve":
        actions.approve_extension(req, user, note)
    elif action == "close":
        if not data.get("closure_code"):
            raise TransitionRefused("请选择办结结果。")
        actions.close(req, user, data["closure_code"], note)
    elif action == "rate":
        if not data.get("rating"):
            raise TransitionRefused("请选择评价（满意 / 基本满意 / 不满意）。")
        actions.rate(req, user, data["rating"], note)
    elif action == "reopen":
        actions.reopen(req, user, note)
    else:  # accept, object, merge, note, pause_switch, answer, extension_reject …
        actions.move(req, action, user, note)


@require_POST
def partner_answer(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_scoped_or_404(PartnerTask, request.user, pk=pk)
    try:
        actions.answer_partner(task, request.user, request.POST.get("note", ""))
    except TransitionRefused as err:
        messages.error(request, str(err))
    else:
        messages.success(request, "协办意见已提交主办单位。")
    return redirect(task)


def _county_scope(request: HttpRequest) -> tuple[Any, Any]:
    from tiangong.platform.services.calendar import county_of

    user = request.user
    if user.role not in (Role.COUNTY_ANALYST, Role.SUPERVISOR, Role.CITY_ANALYST,
                         Role.PROVINCE_ANALYST, Role.ADMINISTRATOR) and not user.is_superuser:
        raise PermissionDenied("只有直通办、督查人员和上级分析员可以查看晾晒。")
    return county_of(user.region), restrict(ServiceRequest, user)


def kpi(request: HttpRequest) -> HttpResponse:
    """The monthly 晾晒: every KPI by department (or town / category) with its formula."""
    from tiangong.platform.services.export import report
    from tiangong.services.kpi import KPIS

    county, qs = _county_scope(request)
    by = request.GET.get("by", "department")
    period = request.GET.get("period", "month")
    as_of = timezone.localdate()
    error, rows = "", None
    try:
        rep = report(county, qs, as_of, by if by in ("department", "town", "category")
                     else "department", period if period in ("month", "quarter") else "month")
        rows = rep.to_dict("records")
    except Exception as err:  # calendar gaps and bad data arrive with a Chinese message
        from tiangong.platform.services.calendar import CALENDAR_ERRORS

        if not isinstance(err, CALENDAR_ERRORS):
            raise
        error = str(err)
    return render(request, "services/kpi.html", {"rows": rows, "kpis": KPIS, "error": error,
                                                 "by": by, "period": period, "as_of": as_of,
                                                 "quarter": (as_of.month - 1) // 3 + 1})


def kpi_xlsx(request: HttpRequest) -> HttpResponse:
    from tiangong.platform.services.export import report, workbook

    county, qs = _county_scope(request)
    period = "quarter" if request.GET.get("period") == "quarter" else "month"
    as_of = timezone.localdate()
    rep = report(county, qs, as_of, "department", period)
    overdue = list(qs.filter(state__in=RUNNING, due_on__lt=as_of)
                   .select_related("enterprise", "lead").order_by("due_on"))
    data = workbook(rep, overdue, f"企业诉求晾晒（截至 {as_of:%Y-%m-%d}）")
    resp = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument."
                                           "spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="liangshai-{as_of:%Y%m%d}.xlsx"'
    return resp


def kpi_pdf(request: HttpRequest) -> HttpResponse:
    """The monthly 晾晒 as a PDF (?month=YYYY-MM), for the same readers as the page."""
    from tiangong.platform.services.liangshai import pdf_response

    county, qs = _county_scope(request)
    return pdf_response(request, county, qs)


@require_POST
def approval_new(request: HttpRequest, pk: int) -> HttpResponse:
    from tiangong.platform.services.approvals import spawn_approval

    req = get_scoped_or_404(ServiceRequest, request.user, pk=pk)
    try:
        spawn_approval(req, request.user, request.POST.get("kind", ""))
    except TransitionRefused as err:
        messages.error(request, str(err))
    else:
        messages.success(request, "审批事项已受理。")
    return redirect(req)


@require_POST
def approval_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    from tiangong.platform.services.approvals import Approval

    app = get_scoped_or_404(Approval, request.user, pk=pk)
    try:
        if action == "visit":  # the enterprise came in person: the 跑 count
            if request.user.role != Role.DEPARTMENT_USER or request.user.is_read_only:
                raise TransitionRefused("只有受理部门可以登记企业跑动。")
            Approval.objects.filter(pk=app.pk).update(visits=app.visits + 1)
        else:
            apply_transition(app, action, request.user, request.POST.get("note", ""))
    except TransitionRefused as err:
        messages.error(request, str(err))
    return redirect(app)
