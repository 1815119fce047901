from __future__ import annotations

from django.apps import AppConfig


class ExampleConfig(AppConfig):
    name = "tiangong.platform.example"
    label = "example"
    verbose_name = "示例应用"
    url_prefix = "example"  # pages at /example/…, API at /api/example/…

    def ready(self) -> None:
        from tiangong.platform.core.navigation import NavItem, register
        from tiangong.platform.core.roles import ALL_ROLES

        register(NavItem("示例事项", "example:case_list", roles=set(ALL_ROLES), order=50))
