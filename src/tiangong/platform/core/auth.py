"""The authentication backend: Django's ModelBackend, with the per-request user load joined to
the user's region.

Every signed-in page reads `request.user.region`: the scope mechanism for region roles and the
page header. With the plain ModelBackend that is a second query on every request; here the
session's user is loaded with its region in one (benchmarks/bench_platform_pages.py).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class PlatformBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        try:
            user = model._default_manager.select_related("region").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
