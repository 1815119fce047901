"""The JSON API (django-ninja): one NinjaAPI; each app adds a Router in its `api.py`.

An app exposes `router = Router(tags=[...])` in `<app>/api.py`; it is mounted at
`/api/<AppConfig.url_prefix>/` automatically. Authentication: the session (browser, with CSRF)
or `Authorization: Bearer <token>` (ApiToken). Every endpoint reads through restrict().
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from ninja import NinjaAPI

api = NinjaAPI(title="天工平台接口", version="1", urls_namespace="api",
               openapi_url="/openapi.json", docs_url="/docs")


def _mount_app_routers() -> None:
    for config in apps.get_app_configs():
        prefix = getattr(config, "url_prefix", None)
        if prefix is None or config.name == "tiangong.platform.core":
            continue
        if find_spec(f"{config.name}.api") is not None:
            module = import_module(f"{config.name}.api")
            router = getattr(module, "router", None)
            if router is not None:
                api.add_router(f"/{prefix}/", router)


_mount_app_routers()
