"""Request-wide middleware: actor and request id, upload cap, CSP, forced password change."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import middleware as auth_middleware
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from tiangong.platform.core.context import Actor, _current

Handler = Callable[[HttpRequest], HttpResponse]
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

CSP = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")


class RequestContextMiddleware:
    """Gives each request an id (or keeps a well-formed X-Request-ID) and sets the actor."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        request.request_id = request_id
        # The user is resolved lazily (after AuthenticationMiddleware) through the request.
        token = _current.set(Actor(_LazyUser(request), request_id))
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response["X-Request-ID"] = request_id
        return response


class _LazyUser:
    """Proxy to request.user (or an API token's user) resolved when the change log asks."""

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    def _user(self) -> Any:
        user = getattr(self._request, "api_user", None) or getattr(self._request, "user", None)
        return user if user is not None and getattr(user, "is_authenticated", False) else None

    @property
    def pk(self) -> Any:
        user = self._user()
        return None if user is None else user.pk

    def get_username(self) -> str:
        user = self._user()
        return "" if user is None else str(user.get_username())

    def resolve(self) -> Any:
        return self._user()


class UploadLimitMiddleware:
    """Refuses a request body above MAX_UPLOAD_BYTES before Django reads it, in Chinese."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.MAX_UPLOAD_BYTES
        if length > limit:
            return render(request, "core/error.html", {
                "status": 413, "title": "上传文件过大",
                "message": f"本次提交 {length / 1048576:.1f} MB，超过上限 "
                           f"{limit / 1048576:.0f} MB。请压缩或分批上传。"}, status=413)
        return self.get_response(request)


class RefuseNulMiddleware:
    """A NUL character in the path or query string is never meaningful and PostgreSQL refuses it
    in text columns (a DataError deep in a view); answer 400 in Chinese before any view runs
    (a page for pages, the API's JSON `detail` for /api/).
    Form fields already refuse NUL (Django's ProhibitNullCharactersValidator); the API maps
    a database DataError to 400 as well."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            if request.path.startswith("/api/"):  # the API's documented JSON error shape
                return JsonResponse({"detail": "请求地址中含有无效字符，请检查后重试。"},
                                    status=400, json_dumps_params={"ensure_ascii": False})
            return render(request, "core/error.html", {
                "status": 400, "title": "请求有误",
                "message": "请求地址中含有无效字符，请检查后重试。"}, status=400)
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """CSP `default-src 'self'`: no script, style, font or request may leave the server."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CSP)
        return response


class LoginRequiredMiddleware(auth_middleware.LoginRequiredMiddleware):
    """Django's sign-in requirement; an htmx request from a page whose session expired gets
    `HX-Redirect` to the sign-in page instead of the sign-in form swapped into a fragment."""

    def handle_no_permission(self, request: HttpRequest, view_func: Any) -> HttpResponse:
        response = super().handle_no_permission(request, view_func)
        if request.headers.get("HX-Request") and response.status_code == 302:
            hx = HttpResponse(status=204)
            hx["HX-Redirect"] = response["Location"]
            return hx
        return response


class PasswordChangeRequiredMiddleware:
    """Accounts created in bulk must set their own password before doing anything else."""

    ALLOWED = ("core:password_change", "core:logout", "core:login")

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password",
                                                                  False):
            allowed = {reverse(name) for name in self.ALLOWED}
            if request.path not in allowed and not request.path.startswith(
                    (settings.STATIC_URL, "/api/")):
                return redirect("core:password_change")
        return self.get_response(request)
