"""The services API, mounted at /api/services/: the 企业码 app files requests and reads their
progress; departments' systems read their queue and act. Same scope and workflow as the pages.

No `from __future__ import annotations`: django-ninja reads endpoint annotations at runtime.
"""

import datetime as dt
from enum import Enum
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from tiangong.platform.core.api_routes import Page, answers
from tiangong.platform.core.models import Department, Enterprise
from tiangong.platform.core.roles import Role
from tiangong.platform.core.scope import get_scoped_or_404, restrict
from tiangong.platform.core.workflow import events_for
from tiangong.platform.services import actions
from tiangong.platform.services.models import ServiceRequest
from tiangong.services.config import ConfigError
from tiangong.services.outcome import CLOSURE_CODES, RATINGS
from tiangong.services.tables import CHANNELS

router = Router(tags=["services"])

# Closed vocabularies are enums in the schema, so a client (and schemathesis) knows them. The
# categories are not: each county keeps its own list (`GET /categories` gives the caller's).
Channel = Enum("Channel", {c: c for c in CHANNELS}, type=str)  # type: ignore[misc]
ClosureCode = Enum("ClosureCode", {c: c for c in CLOSURE_CODES}, type=str)  # type: ignore[misc]
Rating = Enum("Rating", {c: c for c in RATINGS}, type=str)  # type: ignore[misc]


class RequestOut(Schema):
    id: int
    enterprise_uscc: str
    channel: str
    category: str
    text: str
    state: str
    state_label: str
    lead: str | None
    due_on: dt.date | None
    closure_code: str
    rating: str
    colour: str
    colour_source: str

    @staticmethod
    def resolve_enterprise_uscc(obj: ServiceRequest) -> str:
        return str(obj.enterprise.uscc)

    @staticmethod
    def resolve_lead(obj: ServiceRequest) -> str | None:
        return obj.lead.name if obj.lead_id else None


class EventOut(Schema):
    time: dt.datetime
    action: str
    action_label: str
    to_state: str
    actor_name: str
    note: str


class RequestDetailOut(RequestOut):
    events: list[EventOut]

    @staticmethod
    def resolve_events(obj: ServiceRequest) -> list[Any]:
        return list(events_for(obj))


class RequestIn(Schema):
    category: str = Field(..., min_length=1, max_length=40,
                          description="类别代码：本县的诉求类别之一（见 GET /categories）")
    text: str = Field(..., min_length=1, max_length=4000, description="诉求内容")
    enterprise_uscc: str | None = Field(None, max_length=18,
                                        description="直通办代企业提交时填写；企业用户省略")
    channel: Channel = Field(Channel("api"), description="渠道：api（企业码）、visit 等")
    external_id: str = Field("", max_length=64, description="来源系统编号（重复提交只受理一次）")


class ActionIn(Schema):
    note: str = Field("", max_length=4000)
    lead_code: str | None = Field(None, max_length=40, description="交办/改派：主办单位代码")
    partner_codes: list[str] = Field(default_factory=list, description="交办：协办单位代码")
    new_due: dt.date | None = Field(None, description="申请延期到的日期")
    closure_code: ClosureCode | None = None
    rating: Rating | None = None


class CategoryOut(Schema):
    code: str
    name: str
    close_days: int
    complex: bool


@router.get("/categories", response=answers(list[CategoryOut]),
            summary="诉求类别（调用者所在县的类别；企业用户为其企业所在县）")
def categories(request: HttpRequest) -> list[dict[str, Any]]:
    from tiangong.platform.services.county_config import settings_for

    # the caller's county (an enterprise's, a department's, a town's); above a county: default
    found = settings_for(request.auth.county()).config.categories.values()
    return [{"code": c.code, "name": c.name, "close_days": c.limits.close_days,
             "complex": c.complex} for c in found]


@router.get("/requests", response=answers(list[RequestOut]), summary="诉求列表（按期限排序）")
@paginate(Page)
def requests(request: HttpRequest, state: str | None = None) -> Any:
    qs = restrict(ServiceRequest, request.auth).select_related("enterprise", "lead")
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("due_on", "pk")


@router.get("/requests/{request_id}", response=answers(RequestDetailOut), summary="诉求详情")
def request_detail(request: HttpRequest, request_id: int) -> ServiceRequest:
    return get_scoped_or_404(ServiceRequest.objects.select_related("enterprise", "lead"),
                             request.auth, pk=request_id)


@router.post("/requests", response=answers(RequestOut), summary="提交诉求")
def file(request: HttpRequest, body: RequestIn) -> ServiceRequest:
    user = request.auth
    if user.role == Role.ENTERPRISE_USER and user.enterprise_id:
        enterprise = Enterprise.objects.get(pk=user.enterprise_id)
    elif user.role == Role.COUNTY_ANALYST and body.enterprise_uscc:
        enterprise = restrict(Enterprise, user).filter(uscc=body.enterprise_uscc).first()
        if enterprise is None:
            raise HttpError(404, f"企业名录中没有统一社会信用代码为 {body.enterprise_uscc} 的企业"
                                 "（或不在您的辖区）。")
    else:
        raise HttpError(403, "只有企业用户或直通办（须指明企业）可以提交诉求。")
    channel = body.channel.value
    if body.external_id:
        known = ServiceRequest.objects.filter(channel=channel,
                                              external_id=body.external_id).first()
        if known is not None:
            return get_scoped_or_404(ServiceRequest, user, pk=known.pk)
    try:
        return actions.file_request(user, enterprise, body.category, body.text,
                                    channel, body.external_id)
    except ConfigError as err:
        raise HttpError(422, str(err)) from None


@router.post("/requests/{request_id}/{action}", response=answers(RequestOut),
             summary="办理动作（交办、签收、异议、答复、办结、评价…）")
def act(request: HttpRequest, request_id: int, action: str, body: ActionIn) -> ServiceRequest:
    from tiangong.platform.services.views import _act

    req = get_scoped_or_404(ServiceRequest, request.auth, pk=request_id)
    depts = actions.departments_of(req)
    data: dict[str, Any] = {
        "note": body.note, "new_due": body.new_due,
        "closure_code": body.closure_code.value if body.closure_code else None,
        "rating": body.rating.value if body.rating else None}
    if body.lead_code:
        data["lead"] = depts.filter(code=body.lead_code).first()
        if data["lead"] is None:
            raise HttpError(404, f"本县没有代码为 {body.lead_code} 的部门。")
    data["partners"] = list(depts.filter(code__in=body.partner_codes))
    _act(req, request.auth, action, data)
    req.refresh_from_db()
    return req


__all__ = ["Department", "router"]
