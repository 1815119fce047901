"""Pages: portfolio with filters, project page (stages, money chart, evidence, events, gates,
monthly report), the quarter's 晾晒, town and 专班 views, the quarterly workbook. Every read goes
through restrict() / get_scoped_or_404(); every figure comes from the library."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from tiangong.platform.core.scope import get_scoped_or_404, restrict
from tiangong.platform.core.workflow import TransitionRefused, events_for
from tiangong.platform.projects import chains, classes, register, services
from tiangong.platform.projects.models import HandoverResult, Project, ProjectProblem
from tiangong.platform.projects.workflow import gate_workflow
from tiangong.platform.services.actions import config as service_config
from tiangong.platform.services.actions import file_request
from tiangong.projects.facts import project_facts
from tiangong.projects.kpis import kpi_table
from tiangong.projects.money import unit_money
from tiangong.projects.portfolio import day
from tiangong.projects.racing import look_back, previous_quarter, showing
from tiangong.projects.ranking import unit_scores
from tiangong.projects.stages import current_stage
from tiangong.services.config import ConfigError

# who may register a project's problem: the officers who follow it, and the firm itself
PROBLEM_ROLES = ("county_analyst", "town_official", "enterprise_user")


class MonthForm(forms.Form):
    month = forms.RegexField(label="月份", regex=r"^\d{4}-(0[1-9]|1[0-2])$",
                             error_messages={"invalid": "月份应写作 YYYY-MM。"})
    invest = forms.FloatField(label="当月完成投资（万元）", min_value=0)
    funds = forms.FloatField(label="当月到位资金（万元）", min_value=0)


def _today() -> dt.date:
    return dt.date.today()


def _quarter(request: HttpRequest) -> tuple[int, int]:
    today = _today()
    last = previous_quarter(today.year, (today.month - 1) // 3 + 1)
    try:
        year = int(request.GET.get("year", last[0]))
        quarter = int(request.GET.get("quarter", last[1]))
    except ValueError:
        return last
    return (year, quarter) if quarter in (1, 2, 3, 4) and 2000 <= year <= 2100 else last


PAGE = 100  # portfolio rows a page
TOWN_SUGGESTIONS = 20  # names the town filter suggests at a time


def portfolio(request: HttpRequest) -> HttpResponse:
    """All projects the user may see, filtered by town, 专班, stage and class. Classes are read
    as stored (`classes.refresh_stale` first brings rows computed by other rules up to date);
    only the page's projects have their money read (a province has 5,000)."""
    config = chains.config_for(request.user.region)  # its stages: the user's county's chain
    classes.refresh_stale()
    base = restrict(Project, request.user)
    qs = base
    town, team = request.GET.get("town", "").strip(), request.GET.get("team", "")
    stage, cls = request.GET.get("stage", ""), request.GET.get("class", "")
    teams = sorted(set(base.order_by().values_list("team", flat=True).distinct()) - {""})
    if town:
        qs = qs.filter(region__name=town)
    if team:
        qs = qs.filter(team=team)
    if stage:
        qs = qs.filter(state=stage)
    class_id = next((c.id for c in config.classes if cls in (c.id, c.label)), None)
    if cls:
        qs = qs.filter(class_ids__contains=f"|{class_id}|") if class_id else qs.none()
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    count = qs.count()
    shown = list(qs.select_related("region").defer("class_reasons").order_by("code")[
        (page - 1) * PAGE:page * PAGE])
    money = services.page_money(shown, _today())
    state_label = chains.state_labels()
    url = reverse("projects:project_detail", args=[0]).removesuffix("0/")  # not one a row
    rows = []
    for pr in shown:  # figures formatted here: template filters cost a page 10 ms
        ytd, ratio = money.get(pr.pk, (0.0, None))
        rows.append({"project": pr, "url": f"{url}{pr.pk}/",
                     "classes": "、".join(classes.labels_of(pr.class_ids, config)),
                     "state": state_label(pr), "ytd": f"{ytd:.1f}",
                     "total": "" if pr.total_investment is None else
                     f"{pr.total_investment:.0f}",
                     "ratio": "—" if ratio is None else f"{round(ratio * 100)}%"})
    pages = max(1, -(-count // PAGE))
    query = urlencode({k: v for k, v in (("town", town), ("team", team), ("stage", stage),
                                         ("class", cls)) if v})
    from tiangong.platform.projects.models import Baseline

    return render(request, "projects/portfolio.html", {
        "baselines": restrict(Baseline, request.user).order_by("-pk")[:5]
        if request.user.role == "county_analyst" else [],
        "rows": rows, "count": count, "teams": teams,
        "may_register": register.may_register(request.user), "page": page, "pages": pages,
        "query": query, "page_size": PAGE,
        "stages": [(s.id, s.label) for s in config.stages],
        "class_options": [(c.id, c.label) for c in config.classes],
        "selected": {"town": town, "team": team, "stage": stage, "class": class_id or cls}})


def town_suggestions(request: HttpRequest) -> JsonResponse:
    """Towns of the projects the user may see whose name contains `q` (the portfolio's town
    filter asks as the officer types: a province has 1,200 towns, too many to list)."""
    q = request.GET.get("q", "").strip()
    rows = (restrict(Project, request.user).filter(region__name__contains=q).order_by()
            .values_list("region__name", "region__parent__name").distinct()
            .order_by("region__name", "region__parent__name")[:TOWN_SUGGESTIONS]) if q else []
    return JsonResponse({"towns": [{"name": n, "county": c or ""} for n, c in rows]})


def project_new(request: HttpRequest) -> HttpResponse:
    """Register a project by hand (county or town project officer)."""
    return _project_form(request, None)


def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a project's figures, dates, plans and commitments (404 outside the scope)."""
    return _project_form(request, get_scoped_or_404(Project, request.user, pk=pk))


def _project_form(request: HttpRequest, project: Project | None) -> HttpResponse:
    if not register.may_register(request.user):
        raise PermissionDenied("只有县级或乡镇项目专员可以登记和修改项目。")
    config = chains.config_for(project.region if project else request.user.region)
    kwargs: dict[str, Any] = {"user": request.user, "config": config, "project": project,
                              "today": _today()}
    if request.method == "POST":
        form = register.ProjectForm(request.POST, **kwargs)
        if form.is_valid():
            saved = register.save_project(form)
            messages.success(request, f"项目“{saved.name}”已{'保存' if project else '登记'}。")
            return redirect(saved)
    else:
        form = register.ProjectForm(**kwargs)
        if project is not None:
            form.initial = form.initial_from(project)
    return render(request, "projects/project_form.html", {
        "form": form, "project": project,
        "errors": [(form.fields[name].label if name in form.fields else "", e)
                   for name, errs in form.errors.items() for e in errs]})


def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_scoped_or_404(Project.objects.select_related("region", "enterprise"),
                                request.user, pk=pk)
    config = chains.config_of(project)
    workflow = gate_workflow(config)
    one = Project.objects.filter(pk=project.pk)
    if classes.refresh_stale():
        project.refresh_from_db(fields=classes.FIELDS)
    today = _today()
    facts = project_facts(services.portfolio(one), config, today)
    stages = {s.stage: s for s in project.stages.all()}
    evidence = services.evidence_of(project)
    timeline = [{"id": s.id, "label": s.label, "evidence": s.evidence,
                 "planned": stages[s.id].planned if s.id in stages else None,
                 "actual": stages[s.id].actual if s.id in stages else None,
                 "given": {k: evidence.get(k, []) for k in s.evidence}} for s in config.stages]
    actions = workflow.allowed(project, request.user)
    gate = next((t for t in actions if t.action.startswith("pass_")), None)
    back = next((t for t in actions if t.action.startswith("back_")), None)
    months = list(project.months.order_by("month").values("month", "invest", "funds"))
    plans = list(project.plans.order_by("year").values("year", "plan"))
    may_report = not request.user.is_read_only and request.user.role in PROBLEM_ROLES
    problems = restrict(ProjectProblem, request.user).filter(project=project).select_related(
        "request__lead")
    return render(request, "projects/project_detail.html", {
        "problems": problems, "categories": service_config().categories.values(),
        "project": project, "timeline": timeline, "events": events_for(project),
        "classes": classes.reasons_table(project, config), "classes_as_of": project.classes_as_of,
        "facts": facts.iloc[0].to_dict(),
        "state_label": workflow.state_label(project.state),
        "gate": gate, "gate_stage": config.stage(gate.target) if gate else None, "back": back,
        "chart": {"months": months, "plans": plans}, "month_form": MonthForm(),
        "may_report": may_report, "today": today,
        "may_edit": register.may_register(request.user),
        "handover": HandoverResult.objects.filter(project=project).first(),
        "reached_capacity": bool(stages.get("capacity") and stages["capacity"].actual)})


@require_POST
def problem(request: HttpRequest, pk: int) -> HttpResponse:
    """A blocking problem becomes a request in the direct service's pool (channel 重大项目问题),
    routed and timed there like any other; the project page lists it."""
    project = get_scoped_or_404(Project.objects.select_related("enterprise"), request.user, pk=pk)
    if request.user.is_read_only or request.user.role not in PROBLEM_ROLES:
        raise PermissionDenied("您的角色不能为项目登记问题。")
    if project.enterprise is None:
        messages.error(request, "该项目尚未关联企业（统一社会信用代码），问题无法转为企业服务诉求。"
                                "请先在项目信息中关联项目企业。")
        return redirect(project)
    try:
        with transaction.atomic():
            req = file_request(request.user, project.enterprise,
                               request.POST.get("category", ""),
                               f"【重大项目 {project.code} {project.name}】"
                               f"{request.POST.get('text', '').strip()}"
                               if request.POST.get("text", "").strip() else "",
                               channel="project")
            ProjectProblem.objects.create(project=project, request=req)
    except (TransitionRefused, ConfigError) as err:
        messages.error(request, str(err))
        return redirect(project)
    messages.success(request, "问题已登记为企业服务诉求，进入直通办诉求池等待交办。")
    return redirect(project)


@require_POST
def gate(request: HttpRequest, pk: int, stage: str) -> HttpResponse:
    project = get_scoped_or_404(Project, request.user, pk=pk)
    try:
        actual = dt.date.fromisoformat(request.POST.get("actual", ""))
    except ValueError:
        messages.error(request, "请填写实际日期（YYYY-MM-DD）。")
        return redirect(project)
    config = chains.config_of(project)
    files = {kind: request.FILES[f"evidence_{i}"]
             for i, kind in enumerate(config.stage(stage).evidence)
             if f"evidence_{i}" in request.FILES} if stage in config.stage_ids() else {}
    try:
        services.pass_gate(project, stage, request.user, actual, files,
                           request.POST.get("note", ""), uscc=request.POST.get("uscc", ""))
    except TransitionRefused as err:
        messages.error(request, str(err))
    else:
        messages.success(request, "已通过关口。")
    return redirect(project)


@require_POST
def back(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_scoped_or_404(Project, request.user, pk=pk)
    try:
        services.go_back(project, request.user, request.POST.get("note", ""))
    except TransitionRefused as err:
        messages.error(request, str(err))
    else:
        messages.success(request, "已退回。")
    return redirect(project)


@require_POST
def report(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_scoped_or_404(Project, request.user, pk=pk)
    if request.user.is_read_only or request.user.role not in (
            "county_analyst", "town_official", "enterprise_user"):
        raise PermissionDenied("您的角色无权填报项目投资。")
    form = MonthForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect(project)
    try:
        services.report_month(project, request.user, form.cleaned_data["month"],
                              form.cleaned_data["invest"], form.cleaned_data["funds"])
    except ValueError as err:
        messages.error(request, str(err))
    else:
        messages.success(request, f"{form.cleaned_data['month']} 投资已填报。")
    return redirect(project)


def _showing(request: HttpRequest) -> dict[str, Any]:
    config = chains.config_for(request.user.region)
    year, quarter = _quarter(request)
    p = services.portfolio(restrict(Project, request.user))
    now = showing(p, config, year, quarter)
    before = showing(p, config, *previous_quarter(year, quarter))
    as_of = now.as_of
    return {
        "year": year, "quarter": quarter, "as_of": as_of, "share": now.share_text,
        "yellow": now.listed("黄牌").to_dict("records"),
        "red": now.listed("红旗").to_dict("records"),
        "look_back": look_back(before, now).to_dict("records"),
        "kpis": kpi_table(p, config, as_of).to_dict("records"),
        "towns": unit_scores(p, config, now.facts, as_of, "town").to_dict("records"),
        "teams": unit_scores(p, config, now.facts, as_of, "team").to_dict("records"),
        "in_scope": len(now.flags), "portfolio": p, "facts": now.facts}


def showing_page(request: HttpRequest) -> HttpResponse:
    if request.user.role == "enterprise_user":
        raise PermissionDenied("企业用户不能查看晾晒。")
    context = _showing(request)
    return render(request, "projects/showing.html", context)


def units(request: HttpRequest, unit: str) -> HttpResponse:
    """Money and rates per town, 专班 or industry as of today (ratios of sums)."""
    if unit not in ("town", "team", "industry") or request.user.role == "enterprise_user":
        raise PermissionDenied("无此视图。")
    config = chains.config_for(request.user.region)
    p = services.portfolio(restrict(Project, request.user))
    facts = project_facts(p, config, _today())
    table = unit_money(p, facts, unit)
    stages = current_stage(p, config, _today()).value_counts().to_dict()
    return render(request, "projects/units.html", {
        "unit": unit, "label": {"town": "乡镇", "team": "专班", "industry": "行业"}[unit],
        "rows": table.to_dict("records"), "stages": stages, "today": _today()})


def showing_workbook(request: HttpRequest) -> HttpResponse:
    """The quarter's 晾晒 as an xlsx: 黄牌, 红旗, 回头看, KPIs with formulas, rankings."""
    if request.user.role == "enterprise_user":
        raise PermissionDenied("企业用户不能查看晾晒。")
    import xlsxwriter

    c = _showing(request)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True})
    sheets = [
        ("黄牌", ["项目编号", "项目名称", "乡镇", "专班", "原因"],
         [[r["project_id"], r["name"], r["town_name"], r["team"], r["reasons"]]
          for r in c["yellow"]]),
        ("红旗", ["项目编号", "项目名称", "乡镇", "专班", "原因"],
         [[r["project_id"], r["name"], r["town_name"], r["team"], r["reasons"]]
          for r in c["red"]]),
        ("回头看", ["项目编号", "项目名称", "上季原因", "现状", "本季情况"],
         [[r["project_id"], r["name"], r["last_reasons"], r["state"], r["reasons_now"]]
          for r in c["look_back"]]),
        ("指标", ["指标", "分子", "分母", "值", "公式"],
         [[r["label"], r["numerator"], r["denominator"],
           None if r["value"] != r["value"] else r["value"], r["formula"]] for r in c["kpis"]]),
        ("乡镇排名", ["名次", "乡镇", "得分", "计分说明"],
         [[r["rank"], r["unit"], r["total"], r["detail"]] for r in c["towns"]]),
        ("专班排名", ["名次", "专班", "得分", "计分说明"],
         [[r["rank"], r["unit"], r["total"], r["detail"]] for r in c["teams"]]),
    ]
    for name, head, rows in sheets:
        ws = book.add_worksheet(name)
        ws.write_row(0, 0, head, bold)
        for i, row in enumerate(rows, 1):
            ws.write_row(i, 0, row)
        ws.set_column(0, len(head) - 1, 16)
        ws.set_column(len(head) - 1, len(head) - 1, 90)  # reasons: CJK needs the width
    book.close()
    response = HttpResponse(buffer.getvalue(), content_type=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    name = f"projects-{c['year']}Q{c['quarter']}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
def baseline_freeze(request: HttpRequest) -> HttpResponse:
    """Freeze this year's plans and planned dates of the county's projects (county only)."""
    from tiangong.platform.projects.models import Baseline
    from tiangong.projects.baseline import freeze

    user = request.user
    if user.role != "county_analyst" or user.is_read_only:
        raise PermissionDenied("只有县级分析员可以冻结年度计划。")
    today = _today()
    base = freeze(services.portfolio(restrict(Project, user)), today.year, today)
    stages = base.stages.assign(planned=base.stages["planned"].dt.strftime("%Y-%m-%d"))
    row = Baseline.objects.create(region=user.region, year=base.year, frozen_on=today,
                                  digest=base.digest, plans=base.plans.to_dict("records"),
                                  stages=stages.to_dict("records"))
    messages.success(request, f"{base.year} 年计划已冻结（摘要 {base.digest[:12]}）。")
    return redirect("projects:baseline_detail", row.pk)


def baseline_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Variance of money and dates of the live portfolio against a frozen baseline."""
    import pandas as pd

    from tiangong.platform.projects.models import Baseline
    from tiangong.projects.baseline import Baseline as Frozen
    from tiangong.projects.baseline import date_variance, money_variance

    row = get_scoped_or_404(Baseline, request.user, pk=pk)
    stages = pd.DataFrame(row.stages, columns=["project_id", "stage", "planned"])
    stages["planned"] = pd.to_datetime(stages["planned"])
    base = Frozen(row.year, row.frozen_on,
                  pd.DataFrame(row.plans, columns=["project_id", "plan"]), stages, row.digest)
    p = services.portfolio(restrict(Project, request.user))
    names = dict(zip(p.projects["project_id"], p.projects["name"], strict=True))
    money = money_variance(base, p)
    money = money[money["change"].fillna(1) != 0]
    config = chains.config_for(request.user.region)
    dates = date_variance(base, p, config, _today())
    dates = dates[dates["slip_days"].fillna(0) != 0]
    labels = {s.id: s.label for s in config.stages}
    return render(request, "projects/baseline.html", {
        "baseline": row, "names": names,
        "money": [{**r, "name": names.get(r["project_id"], r["project_id"])}
                  for r in money.to_dict("records")],
        "dates": [{**r, "name": names.get(r["project_id"], r["project_id"]),
                   "stage_label": labels.get(r["stage"], r["stage"]),
                   **{k: day(r[k]) for k in ("baseline_planned", "current_planned", "actual")}}
                  for r in dates.to_dict("records")]})
