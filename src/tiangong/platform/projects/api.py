"""The projects API (/api/projects/…): the portfolio, one project, the quarter's 晾晒, and
monthly figures reported by departments' systems or the enterprise (企业码). Same scope as the
pages; figures from the library.

No `from __future__ import annotations`: django-ninja reads endpoint annotations at runtime.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from tiangong.platform.core.api_routes import Page, answers
from tiangong.platform.core.scope import get_scoped_or_404, restrict
from tiangong.platform.projects import services
from tiangong.platform.projects.models import Project, ProjectMonth
from tiangong.platform.projects.workflow import project_config
from tiangong.projects.kpis import kpi_table
from tiangong.projects.racing import showing

router = Router(tags=["projects"])
REPORTERS = frozenset({"county_analyst", "town_official", "enterprise_user"})


class ProjectOut(Schema):
    id: int
    code: str
    name: str
    region_code: str
    team: str
    total_investment: float | None
    fixed_investment: float | None
    land_mu: float
    state: str
    enterprise_uscc: str | None
    classes: list[str] = Field(description="按配置规则计算的项目类别（数据变更后重算）")

    @staticmethod
    def resolve_classes(obj: Project) -> list[str]:
        from tiangong.platform.projects.classes import labels_of
        from tiangong.platform.projects.workflow import project_config

        return labels_of(obj.class_ids, project_config())

    @staticmethod
    def resolve_region_code(obj: Project) -> str:
        return str(obj.region.code)

    @staticmethod
    def resolve_enterprise_uscc(obj: Project) -> str | None:
        return obj.enterprise.uscc if obj.enterprise_id else None


class MonthIn(Schema):
    month: str = Field(..., pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")
    invest: float = Field(..., ge=0, le=1e9, description="当月完成投资（万元）")
    funds: float = Field(..., ge=0, le=1e9, description="当月到位资金（万元）")


class MonthOut(Schema):
    month: str
    invest: float
    funds: float


class FlagOut(Schema):
    project_id: str
    name: str
    flag: str
    reasons: str


class KpiOut(Schema):
    kpi: str
    label: str
    numerator: int
    denominator: int
    value: float | None
    formula: str


class ShowingOut(Schema):
    year: int
    quarter: int
    as_of: str
    flags: list[FlagOut]
    kpis: list[KpiOut]


@router.get("/projects", response=answers(list[ProjectOut]), summary="项目列表")
@paginate(Page)
def projects(request: HttpRequest, town: str | None = None, team: str | None = None,
             state: str | None = None, class_id: str | None = None) -> Any:
    from tiangong.platform.projects.classes import refresh_stale

    refresh_stale()
    qs = restrict(Project, request.auth).select_related("region", "enterprise").defer(
        "class_reasons")
    if class_id:
        qs = qs.filter(class_ids__contains=f"|{class_id}|")
    if town:
        qs = qs.filter(region__code=town)
    if team:
        qs = qs.filter(team=team)
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("code")


@router.get("/projects/{project_id}", response=answers(ProjectOut), summary="项目详情")
def project(request: HttpRequest, project_id: int) -> Project:
    from tiangong.platform.projects.classes import refresh_stale

    refresh_stale()
    return get_scoped_or_404(Project.objects.select_related("region", "enterprise"),
                             request.auth, pk=project_id)


@router.get("/projects/{project_id}/months", response=answers(list[MonthOut]),
            summary="项目月度投资")
def months(request: HttpRequest, project_id: int) -> Any:
    p = get_scoped_or_404(Project, request.auth, pk=project_id)
    return list(ProjectMonth.objects.filter(project=p).order_by("month"))


@router.post("/projects/{project_id}/months", response=answers(MonthOut),
             summary="填报月度投资（县、乡镇、项目企业）")
def report(request: HttpRequest, project_id: int, body: MonthIn) -> ProjectMonth:
    user = request.auth
    p = get_scoped_or_404(Project, user, pk=project_id)
    if user.is_read_only or user.role not in REPORTERS:
        raise PermissionDenied("您的角色无权填报项目投资。")
    return services.report_month(p, user, body.month, body.invest, body.funds)


@router.get("/showing", response=answers(ShowingOut), summary="季度晾晒（红旗、黄牌、指标）")
def quarter(request: HttpRequest, year: int = Query(..., ge=2000, le=2100),
            quarter: int = Query(..., ge=1, le=4)) -> dict[str, Any]:
    user = request.auth
    if user.role == "enterprise_user":
        raise PermissionDenied("企业用户不能查看晾晒。")
    config = project_config()
    p = services.portfolio(restrict(Project, user))
    s = showing(p, config, year, quarter)
    kpis = kpi_table(p, config, s.as_of).to_dict("records")
    return {"year": year, "quarter": quarter, "as_of": s.as_of.isoformat(),
            "flags": s.flags.to_dict("records"),
            "kpis": [{**k, "value": None if k["value"] != k["value"] else k["value"]}
                     for k in kpis]}
