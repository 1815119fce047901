"""Registering and editing a project by hand: the form and the one function that saves it.

A project officer (county analyst — 发改/经信/招商 — or a town official, in scope) enters what the
项目库 ledger holds for one project: investor and its USCC once known, total and fixed
investment, land (parcels, 亩), industry, committed 达产 indicators, planned dates per stage
and annual investment plans. Every row is written through the ORM so the change log records it
(one entry per row changed), and the project's classes follow at once (`refresh_classes`).
Errors are in Chinese and shown beside the field they name.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db import transaction

from tiangong.identity.uscc import is_valid_uscc, normalize_uscc
from tiangong.platform.core.models import Enterprise, Region
from tiangong.platform.core.scope import restrict
from tiangong.platform.projects.models import (
    Project,
    ProjectCommitment,
    ProjectPlan,
    ProjectStage,
)
from tiangong.projects.config import ProjectsConfig

OFFICER_ROLES = ("county_analyst", "town_official")
PLAN_YEARS_BACK, PLAN_YEARS_AHEAD = 2, 4  # plan inputs: this year − 2 … this year + 4


def may_register(user: Any) -> bool:
    return user.role in OFFICER_ROLES and not user.is_read_only and user.region is not None


def regions_for(user: Any) -> Any:
    """Where the officer may place a project: its town, or its county and the county's towns."""
    if user.role == "town_official":
        return Region.objects.filter(pk=user.region_id)
    return Region.objects.filter(path__startswith=user.region.path,
                                 level__in=("county", "town")).order_by("path")


def plan_years(today: dt.date) -> list[int]:
    return list(range(today.year - PLAN_YEARS_BACK, today.year + PLAN_YEARS_AHEAD + 1))


class ProjectForm(forms.Form):
    code = forms.CharField(label="项目编号", max_length=40)
    name = forms.CharField(label="项目名称", max_length=200)
    region = forms.ModelChoiceField(label="所在乡镇（或县）", queryset=Region.objects.none(),
                                    error_messages={"invalid_choice": "不在您的管辖范围内。"})
    investor = forms.CharField(label="投资主体", max_length=200)
    investor_uscc = forms.CharField(label="投资主体统一社会信用代码", max_length=40, required=False,
                                    help_text="知悉后填写；若企业已在企业名录中，项目即关联该企业。")
    team = forms.CharField(label="专班", max_length=100, required=False)
    industry_code = forms.RegexField(
        label="行业代码", regex=r"^\d{2,4}$", required=False,
        error_messages={"invalid": "应为 2–4 位国民经济行业代码（GB/T 4754-2017），如 3421。"})
    total_investment = forms.FloatField(label="总投资（万元）", min_value=0.01)
    fixed_investment = forms.FloatField(label="固定资产投资（万元）", min_value=0)
    land_mu = forms.FloatField(label="用地（亩）", min_value=0, required=False)
    land_parcels = forms.CharField(label="地块（宗地编号，多个以顿号分隔）", max_length=500,
                                   required=False)

    def __init__(self, *args: Any, user: Any, config: ProjectsConfig,
                 project: Project | None = None, today: dt.date | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user, self.config, self.project = user, config, project
        self.fields["region"].queryset = regions_for(user)
        self.stage_ids = [s.id for s in config.stages if not s.automatic]
        for s in config.stages:
            if not s.automatic:
                self.fields[f"planned_{s.id}"] = forms.DateField(
                    label=f"计划{s.label}日期", required=False,
                    widget=forms.DateInput(attrs={"type": "date"}))
        self.years = plan_years(today or dt.date.today())
        for y in self.years:
            self.fields[f"plan_{y}"] = forms.FloatField(label=f"{y} 年计划投资（万元）",
                                                        min_value=0, required=False)
        for ind in config.handover.indicators:
            self.fields[f"commit_{ind.id}"] = forms.FloatField(
                label=f"承诺{ind.label}（{ind.unit}）", min_value=0, required=False)
        if project is not None:  # the code names the project: fixed once registered
            self.fields["code"].disabled = True
            self.fields["code"].initial = project.code

    def clean_code(self) -> str:
        code = str(self.cleaned_data["code"]).strip()
        others = Project.objects.filter(code=code)
        if self.project is not None:
            others = others.exclude(pk=self.project.pk)
        if others.exists():
            raise forms.ValidationError(f"项目编号 {code} 已被其他项目使用。")
        return code

    def clean_investor_uscc(self) -> str:
        code = normalize_uscc(self.cleaned_data.get("investor_uscc") or "")
        if code and not is_valid_uscc(code):
            raise forms.ValidationError(f"{code} 不是有效的统一社会信用代码（应为 18 位，"
                                        "校验位须正确），请核对。")
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        total, fixed = data.get("total_investment"), data.get("fixed_investment")
        if total is not None and fixed is not None and fixed > total:
            self.add_error("fixed_investment", f"固定资产投资 {fixed:g} 万元大于总投资 "
                                               f"{total:g} 万元。")
        before: tuple[str, dt.date] | None = None
        for sid in self.stage_ids:
            day = data.get(f"planned_{sid}")
            if day is None:
                continue
            if before is not None and day < before[1]:
                self.add_error(f"planned_{sid}", f"早于计划{before[0]}日期 {before[1]}，"
                                                 "阶段日期须按先后顺序。")
            before = (self.config.stage(sid).label, day)
        return data

    def initial_from(self, project: Project) -> dict[str, Any]:
        out: dict[str, Any] = {f: getattr(project, f) for f in (
            "code", "name", "investor", "investor_uscc", "team", "industry_code",
            "total_investment", "fixed_investment", "land_mu", "land_parcels")}
        out["region"] = project.region_id
        out.update({f"planned_{s.stage}": s.planned for s in project.stages.all()})
        out.update({f"plan_{p.year}": p.plan for p in project.plans.all()})
        out.update({f"commit_{c.indicator}": c.value for c in project.commitments.all()})
        return out


def save_project(form: ProjectForm) -> Project:
    """Create or update the project of a valid form with its stage plans, annual plans and
    commitments (each row saved through the ORM: the change log has every change), link the
    firm when its USCC is in the roster the officer sees, then recompute its classes."""
    from tiangong.platform.projects.services import refresh_classes

    data = form.cleaned_data
    project = form.project or Project(code=data["code"])
    for f in ("name", "region", "investor", "investor_uscc", "team", "industry_code",
              "total_investment", "fixed_investment", "land_parcels"):
        setattr(project, f, data[f] if data[f] is not None else "")
    project.land_mu = data["land_mu"] or 0.0
    if data["investor_uscc"] and project.enterprise_id is None:
        project.enterprise = restrict(Enterprise, form.user).filter(
            uscc=data["investor_uscc"]).first()
    with transaction.atomic():
        project.save()
        for sid in form.stage_ids:
            _set(ProjectStage, project, {"stage": sid}, "planned", data.get(f"planned_{sid}"),
                 keep_row=lambda row: row.actual is not None)
        for y in form.years:
            _set(ProjectPlan, project, {"year": y}, "plan", data.get(f"plan_{y}"))
        for name in form.fields:
            if name.startswith("commit_"):
                _set(ProjectCommitment, project, {"indicator": name.removeprefix("commit_")},
                     "value", data.get(name))
        refresh_classes(project)
    return project


def _set(model: Any, project: Project, key: dict[str, Any], field: str, value: Any,
         keep_row: Any = None) -> None:
    """Upsert one child row's value; a value cleared deletes the row (a stage row that holds
    an actual date keeps it, without the plan). Unchanged rows are not written."""
    row = model.objects.filter(project=project, **key).first()
    if value is None:
        if row is None:
            return
        if keep_row is not None and keep_row(row):
            if getattr(row, field) is not None:
                setattr(row, field, None)
                row.save()
            return
        row.delete()
        return
    if row is None:
        model.objects.create(project=project, **key, **{field: value})
    elif getattr(row, field) != value:
        setattr(row, field, value)
        row.save()
