"""Core endpoints: who am I, regions, enterprises (read; correction by county analysts),
notifications, task status. Every read goes through restrict() / get_scoped_or_404().

No `from __future__ import annotations` here: django-ninja resolves the annotations of endpoint
signatures at runtime (`Query[EnterpriseFilter]` must be a real object).
"""


import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from tiangong.platform.core.models import Enterprise, Notification, Region, TaskProgress
from tiangong.platform.core.progress import task_status
from tiangong.platform.core.roles import Role
from tiangong.platform.core.scope import get_scoped_or_404, restrict

router = Router(tags=["core"])

EDITORS = frozenset({Role.COUNTY_ANALYST, Role.ADMINISTRATOR})


class Page(PageNumberPagination):
    """?page=1&page_size=50 (at most 200); the answer is {"items": [...], "count": n}."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000, description="页码，从 1 开始")
        page_size: int | None = Field(None, ge=1, le=200, description="每页条数（默认 50）")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(page_size=50, max_page_size=200, **kwargs)


class ErrorOut(Schema):
    """Every error answer: a Chinese sentence in `detail` (422 adds the field `errors`)."""

    detail: str
    errors: list[dict[str, Any]] | None = None


# The error statuses the platform answers (api.py's handlers); documented on every endpoint.
ERROR_CODES = frozenset({400, 401, 403, 404, 409, 413, 422})


def answers(ok: Any) -> dict[Any, Any]:
    """`response=` for an endpoint: its 200 schema plus the documented 4xx error shape."""
    return {200: ok, ERROR_CODES: ErrorOut}


class RegionFilter(Schema):
    level: str | None = Field(None, max_length=10, description="province / city / county / town")
    parent: str | None = Field(None, max_length=20, description="上级区划代码")


class EnterpriseFilter(Schema):
    q: str | None = Field(None, max_length=100, description="名称包含或代码前缀")
    region: str | None = Field(None, max_length=20, description="区划代码（含下级）")
    industry: str | None = Field(None, max_length=10, description="行业代码前缀")


class MeOut(Schema):
    username: str
    name: str
    role: str
    role_label: str
    region_code: str | None
    department: str | None
    enterprise_uscc: str | None
    must_change_password: bool


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None

    @staticmethod
    def resolve_parent_code(obj: Region) -> str | None:
        return obj.parent.code if obj.parent_id else None


class EnterpriseOut(Schema):
    uscc: str
    name: str
    region_code: str
    region_name: str
    industry_code: str

    @staticmethod
    def resolve_region_code(obj: Enterprise) -> str:
        return str(obj.region.code)

    @staticmethod
    def resolve_region_name(obj: Enterprise) -> str:
        return str(obj.region.name)


class EnterprisePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    industry_code: str | None = Field(None, max_length=10, pattern=r"^[0-9A-Za-z]*$")


class NotificationOut(Schema):
    id: int
    title: str
    body: str
    url: str
    created: datetime.datetime
    read: bool

    @staticmethod
    def resolve_read(obj: Notification) -> bool:
        return obj.read_at is not None


class TaskOut(Schema):
    result_id: str
    title: str
    status: str
    done: int
    total: int
    percent: int
    message: str


def _user(request: HttpRequest) -> Any:
    return request.auth


@router.get("/me", response=answers(MeOut), summary="当前用户及其角色、绑定")
def me(request: HttpRequest) -> dict[str, Any]:
    u = _user(request)
    return {"username": u.username, "name": u.get_full_name() or u.username, "role": u.role,
            "role_label": u.get_role_display(),
            "region_code": u.region.code if u.region_id else None,
            "department": u.department.name if u.department_id else None,
            "enterprise_uscc": u.enterprise.uscc if u.enterprise_id else None,
            "must_change_password": u.must_change_password}


@router.get("/regions", response=answers(list[RegionOut]), summary="行政区划（公开参考数据）")
@paginate(Page)
def regions(request: HttpRequest, filters: Query[RegionFilter]) -> Any:
    qs = restrict(Region, _user(request)).select_related("parent").order_by("code")
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.parent:
        qs = qs.filter(parent__code=filters.parent)
    return qs


@router.get("/enterprises", response=answers(list[EnterpriseOut]), summary="企业名录（权限范围内）")
@paginate(Page)
def enterprises(request: HttpRequest, filters: Query[EnterpriseFilter]) -> Any:
    q, region, industry = filters.q, filters.region, filters.industry
    qs = restrict(Enterprise, _user(request)).select_related("region").order_by("uscc")
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(uscc__startswith=q.upper()))
    if region:
        node = Region.objects.filter(code=region).first()
        qs = qs.filter(region__path__startswith=node.path) if node else qs.none()
    if industry:
        qs = qs.filter(industry_code__startswith=industry)
    return qs


@router.get("/enterprises/{uscc}", response=answers(EnterpriseOut), summary="企业详情")
def enterprise(request: HttpRequest, uscc: str) -> Enterprise:
    return get_scoped_or_404(Enterprise.objects.select_related("region"), _user(request),
                             uscc=uscc)


@router.patch("/enterprises/{uscc}", response=answers(EnterpriseOut),
              summary="更正企业名称或行业代码（县级分析员）")
def enterprise_patch(request: HttpRequest, uscc: str, patch: EnterprisePatch) -> Enterprise:
    user = _user(request)
    ent = get_scoped_or_404(Enterprise.objects.select_related("region"), user, uscc=uscc)
    if user.role not in EDITORS and not user.is_superuser:
        raise PermissionDenied("只有县级分析员可以更正企业信息。")
    with transaction.atomic():
        for field, value in patch.dict(exclude_none=True).items():
            setattr(ent, field, value.strip() if isinstance(value, str) else value)
        ent.save()
    return ent


@router.get("/notifications", response=answers(list[NotificationOut]), summary="我的消息")
@paginate(Page)
def notifications(request: HttpRequest, unread: bool = False) -> Any:
    qs = Notification.objects.filter(user=_user(request))
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return qs


@router.post("/notifications/{notification_id}/read", response=answers(NotificationOut),
             summary="标记消息已读")
def notification_read(request: HttpRequest, notification_id: int) -> Notification:
    from django.shortcuts import get_object_or_404

    n = get_object_or_404(Notification, pk=notification_id, user=_user(request))
    if n.read_at is None:
        n.read_at = timezone.now()
        n.save(update_fields=["read_at"])
    return n


@router.get("/tasks/{result_id}", response=answers(TaskOut), summary="后台任务状态与进度")
def task(request: HttpRequest, result_id: str) -> dict[str, Any]:
    row = get_scoped_or_404(TaskProgress, _user(request), result_id=result_id)
    status = task_status(row.result_id)
    return {"result_id": row.result_id, "title": row.title, "status": status["status"],
            "done": row.done, "total": row.total, "percent": row.percent,
            "message": row.message}
