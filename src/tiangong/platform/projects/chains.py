"""Which stage chain a project follows, and the page where a county edits its own.

A county's chain (`StageChain`, checked by the library's `county_config`) replaces the
installation's for its projects: gates and their evidence, the project page's timeline, the
form's planned dates, the county's 晾晒 and the ledger import. A county without a row, and the
city and province views that span counties, use the installation's chain.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from tiangong.platform.core.models import Region
from tiangong.platform.projects.models import Project, StageChain
from tiangong.platform.projects.workflow import project_config
from tiangong.projects.chain import county_config
from tiangong.projects.config import ConfigError, ProjectsConfig

EDITORS = ("county_analyst", "administrator")
SPARE_ROWS = 2  # empty rows the page offers for new stages


def county_code(region: Any) -> str | None:
    """The county (6-digit code) a region lies in; None above county level."""
    if region is None or region.level in ("province", "city"):
        return None
    return str(region.code)[:6]


def config_for(region: Any) -> ProjectsConfig:
    """The configuration with the chain of the region's county (the installation's chain when
    the county has none, or for a region above county level)."""
    code = county_code(region)
    if code is None:
        return project_config()
    stages = StageChain.objects.filter(region__code=code).values_list("stages", flat=True).first()
    if stages is None:
        return project_config()
    return _county(json.dumps(stages, ensure_ascii=False, sort_keys=True))


@lru_cache(maxsize=256)
def _county(stages: str) -> ProjectsConfig:
    return county_config(project_config(), json.loads(stages))


def config_of(project: Project) -> ProjectsConfig:
    return config_for(project.region)


class StageRow(forms.Form):
    id = forms.CharField(label="代码", max_length=20, required=False)
    label = forms.CharField(label="名称", max_length=20, required=False)
    evidence = forms.CharField(label="关口证明材料（以顿号分隔）", max_length=300, required=False)
    contractual = forms.BooleanField(label="协议履约节点", required=False)
    automatic = forms.BooleanField(label="系统自动认定", required=False)


StageRows = forms.formset_factory(StageRow, extra=0)


def _rows(config: ProjectsConfig) -> list[dict[str, Any]]:
    return [{"id": s.id, "label": s.label, "evidence": "、".join(s.evidence),
             "contractual": s.contractual, "automatic": s.automatic} for s in config.stages]


def _stages(cleaned: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The formset's filled rows as the configuration's Stage dicts (empty rows skipped)."""
    out = []
    for row in cleaned:
        if not row or not (row.get("id") or row.get("label")):
            continue
        evidence = [e.strip() for e in str(row.get("evidence") or "").replace("，", "、")
                    .replace(",", "、").split("、") if e.strip()]
        out.append({"id": str(row.get("id") or "").strip(),
                    "label": str(row.get("label") or "").strip(), "evidence": evidence,
                    "contractual": bool(row.get("contractual")),
                    "automatic": bool(row.get("automatic"))})
    return out


def _county_of(request: HttpRequest) -> Region:
    user = request.user
    if user.role not in EDITORS or user.is_read_only:
        raise PermissionDenied("只有县级分析员或管理员可以修改阶段链。")
    if user.role == "administrator":
        county = Region.objects.filter(code=request.GET.get("county", ""),
                                       level="county").first()
    else:
        county = user.region if user.region is not None and \
            user.region.level == "county" else None
    if county is None:
        raise Http404("没有这个县（市、区）。")
    return county


def chain_page(request: HttpRequest) -> HttpResponse:
    """The county's chain as rows (order = row order), two spare rows for new stages; saved
    only when the library's checks pass (every problem listed), change-logged."""
    county = _county_of(request)
    current = config_for(county)
    row = StageChain.objects.filter(region=county).first()
    problems: list[str] = []
    if request.method == "POST":
        formset = StageRows(request.POST)
        if formset.is_valid():
            stages = _stages(formset.cleaned_data)
            problems = _check(stages, county)
            if not problems:
                with transaction.atomic():
                    if row is None:
                        StageChain.objects.create(region=county, stages=stages)
                    elif row.stages != stages:
                        row.stages = stages
                        row.save()
                messages.success(request, f"{county.name}的阶段链已保存。")
                return redirect(request.get_full_path())
        else:
            problems = [f"第 {i + 1} 行 {form.fields[k].label}：{e}"
                        for i, form in enumerate(formset.forms)
                        for k, errs in form.errors.items() for e in errs]
    else:
        formset = StageRows(initial=_rows(current) + [{}] * SPARE_ROWS)
    return render(request, "projects/chain.html", {
        "county": county, "formset": formset, "problems": problems, "own": row is not None,
        "default": project_config().stages})


def _check(stages: list[dict[str, Any]], county: Region) -> list[str]:
    """The library's problems, plus stages still held by projects of the county."""
    try:
        county_config(project_config(), stages)
        problems: list[str] = []
    except ConfigError as err:
        problems = [p.message for p in err.problems]
    from collections import Counter

    ids = {s["id"] for s in stages}
    held = Counter(Project.objects.filter(region__code__startswith=county.code).exclude(
        state__in=[*ids, "registered"]).order_by().values_list("state", flat=True))
    problems += [f"有 {n} 个项目处于“{state}”阶段，不能删除该阶段"
                 for state, n in sorted(held.items())]
    return problems


def state_labels() -> Any:
    """project → label of its state under its county's chain (one query for all chains: a
    list page shows projects of many counties)."""
    from tiangong.platform.projects.workflow import gate_workflow

    default = gate_workflow()
    own = {code: gate_workflow(_county(json.dumps(stages, ensure_ascii=False, sort_keys=True)))
           for code, stages in StageChain.objects.values_list("region__code", "stages")}

    def label(project: Project) -> str:
        wf = own.get(str(project.region.code)[:6], default)
        return str(wf.state_label(project.state))

    return label
