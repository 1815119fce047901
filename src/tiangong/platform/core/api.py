"""The JSON API (django-ninja): one NinjaAPI for the platform; each app adds a Router.

- Schema: /api/openapi.json; browsable docs: /api/docs (Swagger UI served locally by ninja).
- Authentication: `Authorization: Bearer <token>` (ApiToken, for departments' systems and the
  企业码 app; `tiangong manage issue_token`) or the browser session (CSRF enforced on writes).
  Either way the endpoint acts as that user, with the user's role and scope.
- An app exposes `router = Router(tags=[...])` in `<app>/api.py`; it is mounted at
  `/api/<AppConfig.url_prefix>/` automatically. Every endpoint reads through restrict() /
  get_scoped_or_404(), so out-of-scope objects answer 404 exactly as the pages do.
- Errors are JSON with a Chinese `detail` (401, 403, 404, 409, 422, 500); no traceback.
"""

from __future__ import annotations

import logging
from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from tiangong.platform.core.calendar import CalendarMissing
from tiangong.platform.core.workflow import TransitionRefused

log = logging.getLogger("tiangong.api")


class BearerToken(HttpBearer):
    """`Authorization: Bearer tg_…`: the token's user, if the token is live and the user active."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from tiangong.platform.core.models import ApiToken

        row = ApiToken.objects.select_related("user").filter(
            key_hash=ApiToken.hash(token), revoked=False).first()
        if row is None or not row.user.is_active:
            return None
        ApiToken.objects.filter(pk=row.pk).update(last_used=timezone.now())
        request.api_user = row.user  # read by the change log
        return row.user


api = NinjaAPI(title="天工平台接口", version="1", urls_namespace="api",
               description="企业、评价结果、异议等数据接口。认证：Bearer 令牌或浏览器会话；"
                           "每个接口只返回调用者权限范围内的数据，范围外的对象返回 404。",
               auth=[BearerToken(), SessionAuth()], openapi_url="/openapi.json",
               docs_url="/docs")


def _error(request: HttpRequest, status: int, detail: str, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"detail": detail, **extra}, status=status)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 401, "未登录或接口令牌无效。")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 404, "未找到该对象，或您无权查看。")


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 403, str(exc) or "您没有执行此操作的权限。")


@api.exception_handler(TransitionRefused)
def _refused(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 409, str(exc))


@api.exception_handler(CalendarMissing)
def _calendar(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 400, str(exc))


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: Exception) -> HttpResponse:
    errors = getattr(exc, "errors", [])
    return _error(request, 422, "请求参数有误：" + "；".join(_describe(e) for e in errors),
                  errors=errors)


@api.exception_handler(ValueError)
def _bad_value(request: HttpRequest, exc: Exception) -> HttpResponse:
    # e.g. a NUL character in a query string, which PostgreSQL refuses in text
    log.info("API bad value on %s: %s", request.path, exc)
    return _error(request, 400, "请求参数含有无法处理的字符或数值。")


@api.exception_handler(Exception)
def _crash(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("API error on %s", request.path)
    return _error(request, 500, "系统出错，已记录。请稍后重试；如仍出错，请联系管理员并提供"
                  f"请求编号 {getattr(request, 'request_id', '')}。")


def _describe(error: dict[str, Any]) -> str:
    where = ".".join(str(x) for x in error.get("loc", ()) if x not in ("query", "body", "path"))
    return f"{where or '参数'}：{error.get('msg', '无效')}"


def _mount_routers() -> None:
    from tiangong.platform.core.api_routes import router as core_router

    api.add_router("/core/", core_router)
    for config in apps.get_app_configs():
        prefix = getattr(config, "url_prefix", None)
        if not prefix or config.name == "tiangong.platform.core":
            continue
        if find_spec(f"{config.name}.api") is not None:
            router = getattr(import_module(f"{config.name}.api"), "router", None)
            if router is not None:
                api.add_router(f"/{prefix}/", router)


def api_urls() -> tuple[list[Any], str, str]:
    """`api.urls` with every view exempt from LoginRequiredMiddleware (the API authenticates
    itself and answers 401 in JSON instead of redirecting to the sign-in page)."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        pattern.callback.login_required = False
    return patterns, app_name, namespace


_mount_routers()
