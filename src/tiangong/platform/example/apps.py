from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class ExampleConfig(AppConfig):
    name = "tiangong.platform.example"
    label = "example"
    verbose_name = "示例应用"
    url_prefix = "example"  # pages at /example/…, API at /api/example/…

    def ready(self) -> None:
        from tiangong.platform.core.navigation import NavItem, register
        from tiangong.platform.core.roles import ALL_ROLES
        from tiangong.platform.core.sections import (
            EnterpriseSection,
            register_enterprise_section,
        )

        register(NavItem("示例事项", "example:case_list", roles=set(ALL_ROLES), order=50))
        register_enterprise_section(EnterpriseSection(
            "example_cases", "示例事项", "example/_enterprise_cases.html", _cases, order=50))


def _cases(request: Any, enterprise: Any) -> dict[str, Any] | None:
    from tiangong.platform.core.scope import restrict
    from tiangong.platform.example.models import ExampleCase

    rows = restrict(ExampleCase, request.user).filter(enterprise=enterprise)
    return {"cases": rows} if rows.exists() else None
