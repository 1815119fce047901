"""JSON API of the 驾驶舱 (mounted at /api/dashboard/): the intake's data-quality summary and
the composite regional indices, the same figures as the pages /dashboard/quality/ and
/dashboard/indices/ (the same functions: quality.quality_for, indices.indices), read through
restrict() like every endpoint.

Who may call: the 驾驶舱's roles (views.DASHBOARD_ROLES); any other role answers 403. The year
defaults to the newest year with a publication in the caller's scope. Errors: 403 a role without
the 驾驶舱; 404 a year without a publication in scope, or (indices) no index configured for the
caller's region; 422 a malformed parameter (industry must be a two-digit division). An index
that cannot be computed (its configuration, or fewer than two counties with data) answers 200
with the Chinese reason in `error` and no rows, as the page shows it.

No `from __future__ import annotations`: django-ninja reads the endpoint annotations at runtime.
"""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from tiangong.platform.core.api_routes import answers
from tiangong.platform.dashboard import aggregates as agg
from tiangong.platform.dashboard.indices import indices as indices_for
from tiangong.platform.dashboard.quality import quality_for
from tiangong.platform.dashboard.views import check_allowed

router = Router(tags=["驾驶舱"])


class YearIn(Schema):
    year: int | None = Field(None, ge=1900, le=2200,
                             description="评价年度；省略时为权限范围内最新的已发布年度")


class IndicesIn(YearIn):
    group: str = Field("", max_length=50, description="评价组代码（如 above）；省略为全部")
    industry: str = Field("", pattern=r"^([0-9]{2})?$",
                          description="国民经济行业大类（两位代码）；省略为全部")


class SourceOut(Schema):
    source: str
    label: str
    files: int
    rows_read: int
    rows_used: int
    rows_quarantined: int
    rows_excluded: int


class TotalsOut(Schema):
    rows_read: int
    rows_used: int
    rows_quarantined: int
    rows_excluded: int


class SeverityOut(Schema):
    severity: str
    label: str
    n: int


class RuleOut(Schema):
    rule: str
    label: str
    severity: str
    severity_label: str
    n: int


class QualityOut(Schema):
    county_code: str
    county_name: str
    publication_id: int
    run_id: str
    intake_id: str
    error: str = Field(..., description="无法汇总时的原因（中文）；有汇总时为空")
    sources: list[SourceOut]
    totals: TotalsOut | None
    severity: list[SeverityOut]
    rules: list[RuleOut] = Field(..., description="主要问题（按严重程度和条数）")
    n_rules: int
    awaiting_review: int


class QualityListOut(Schema):
    year: int
    items: list[QualityOut] = Field(..., description="每个县（市、区）的归集批次一项；乡镇用户为空")


class IndexColumnOut(Schema):
    key: str
    label: str


class IndexRowOut(Schema):
    code: str
    name: str
    rank: int | None
    index: float | None
    values: list[float | None] = Field(..., description="与 columns 一一对应")


class IndicesOut(Schema):
    name: str
    year: int
    group: str
    group_label: str
    industry: str
    not_filtered: str = Field(..., description="哪些驾驶舱筛选条件不适用于综合指数，及原因")
    error: str = Field(..., description="无法计算时的原因（中文）；此时 rows 为空")
    columns: list[IndexColumnOut]
    rows: list[IndexRowOut]


def _year(user: Any, year: int | None) -> int:
    check_allowed(user)
    years = agg.years(user)
    if year is None and years:
        return years[0]
    if year is None or year not in years:
        raise HttpError(404, f"{year or ''}年度没有您权限范围内的已发布评价结果。"
                        if year else "您的权限范围内没有已发布的评价结果。")
    return year


def _quality(q: Any) -> dict[str, Any]:
    s = q.summary or {}
    return {"county_code": q.publication.county.code, "county_name": q.publication.county.name,
            "publication_id": q.publication_id, "run_id": q.publication.run_id,
            "intake_id": q.intake_id, "error": q.error, "sources": s.get("sources", []),
            "totals": s.get("totals"), "severity": s.get("severity", []),
            "rules": s.get("rules", []), "n_rules": s.get("n_rules", 0),
            "awaiting_review": s.get("awaiting_review", 0)}


@router.get("/quality", response=answers(QualityListOut),
            summary="归集数据质量汇总：各来源读取、使用、隔离、排除行数，问题按严重程度（权限范围内）")
def quality(request: HttpRequest, params: Query[YearIn]) -> dict[str, Any]:
    year = _year(request.auth, params.year)
    return {"year": year, "items": [_quality(q) for q in quality_for(request.auth, year)]}


@router.get("/indices", response=answers(IndicesOut),
            summary="综合指数：各县（市、区）排名（设区市、省级用户；可按评价组、行业大类筛选）")
def indices(request: HttpRequest, params: Query[IndicesIn]) -> dict[str, Any]:
    year = _year(request.auth, params.year)
    result = indices_for(request.auth, year, params.group, params.industry)
    if result is None:
        raise HttpError(404, "您所在区域未配置综合指数（综合指数面向设区市、省级用户，"
                             "由管理员为省或设区市配置）。")
    return result
