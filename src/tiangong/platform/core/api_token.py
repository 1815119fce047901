"""Bearer tokens for the JSON API: `Authorization: Bearer tg_…` acts as the token's user.

Runs after AuthenticationMiddleware and before LoginRequiredMiddleware, for /api/ paths only:
a valid, unrevoked token (ApiToken, only its hash stored) replaces the anonymous user, so every
endpoint's restrict() applies the token user's role and scope. A wrong or revoked token answers
401 in Chinese; it never falls back to the session.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

Handler = Callable[[HttpRequest], HttpResponse]


class ApiTokenMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        if request.path.startswith("/api/") and header.startswith("Bearer "):
            from tiangong.platform.core.models import ApiToken

            key = header.removeprefix("Bearer ").strip()
            token = (ApiToken.objects.select_related("user")
                     .filter(key_hash=ApiToken.hash(key), revoked=False).first())
            if token is None or not token.user.is_active:
                return JsonResponse({"detail": "接口令牌无效或已吊销。"}, status=401)
            ApiToken.objects.filter(pk=token.pk).update(last_used=timezone.now())
            request.user = token.user
            request.api_user = token.user
            request._dont_enforce_csrf_checks = True
        return self.get_response(request)
