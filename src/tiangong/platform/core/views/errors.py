"""Chinese error pages; never a traceback (DEBUG is off unless TIANGONG_DEBUG=1)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token


def _page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    return render(request, "core/error.html",
                  {"status": status, "title": title, "message": message}, status=status)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _page(request, 400, "请求有误", "提交的内容无法处理，请检查后重试。")


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else "您没有执行此操作的权限。"
    return _page(request, 403, "无权操作", message)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _page(request, 404, "页面不存在", "未找到该页面或对象，或您无权查看。")


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    return _page(request, 500, "系统出错",
                 "处理请求时出错，已记录。请稍后重试；如仍出错，请联系管理员并提供请求编号 "
                 f"{getattr(request, 'request_id', '')}。")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _page(request, 403, "页面已过期",
                 "表单校验失败（页面停留过久或已在别处退出登录）。请返回、刷新页面后重新提交。")
