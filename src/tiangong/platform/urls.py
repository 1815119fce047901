"""Root URLs: the core, every platform app that has a `urls.py`, the JSON API and the admin.

An app is mounted at `/<AppConfig.url_prefix>/` when its AppConfig sets `url_prefix`; nothing
here needs editing when an app is added (see docs/platform-internals.md).
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.contrib import admin
from django.urls import include, path

from tiangong.platform.core.api import api_urls

handler400 = "tiangong.platform.core.views.errors.bad_request"
handler403 = "tiangong.platform.core.views.errors.permission_denied"
handler404 = "tiangong.platform.core.views.errors.page_not_found"
handler500 = "tiangong.platform.core.views.errors.server_error"

urlpatterns = [
    path("api/", api_urls()),
    path("admin/", admin.site.urls),
    path("", include("tiangong.platform.core.urls")),
]

for _config in apps.get_app_configs():
    _prefix = getattr(_config, "url_prefix", None)
    if _prefix and _config.name != "tiangong.platform.core" \
            and find_spec(f"{_config.name}.urls") is not None:
        urlpatterns.insert(-1, path(f"{_prefix}/", include(import_module(f"{_config.name}.urls"))))
