"""App config of the evaluation app (label `evaluation`, pages at /evaluation/, API at
/api/evaluation/)."""
from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "tiangong.platform.evaluation"
    label = "evaluation"
    verbose_name = "亩均评价"
    url_prefix = "evaluation"

    def ready(self) -> None:
        from tiangong.platform.core.sections import (
            EnterpriseSection,
            register_enterprise_section,
        )

        register_enterprise_section(EnterpriseSection(
            "evaluation_results", "亩均评价结果", "evaluation/_enterprise_results.html",
            _results, order=10))
        from tiangong.platform.core.navigation import NavItem, register
        from tiangong.platform.core.roles import ALL_ROLES, Role

        register(NavItem("评价结果", "evaluation:home", roles=set(ALL_ROLES) - {Role.EXPERT},
                         order=20))
        register(NavItem("异议", "evaluation:objection_list",
                         roles={Role.COUNTY_ANALYST, Role.TOWN_OFFICIAL, Role.ENTERPRISE_USER,
                                Role.SUPERVISOR, Role.CITY_ANALYST, Role.PROVINCE_ANALYST},
                         order=30))
        from tiangong.platform.demo import register_demo_seeder
        from tiangong.platform.evaluation.demo import seed

        register_demo_seeder(seed, order=10)
        register(NavItem("评价与发布", "evaluation:analyst_home",
                         roles={Role.COUNTY_ANALYST}, order=25))


def _results(request: Any, enterprise: Any) -> dict[str, Any] | None:
    """The enterprise's published results, newest year first (the page links to the details)."""
    from tiangong.platform.core.scope import restrict
    from tiangong.platform.evaluation.models import PublishedResult

    rows = (restrict(PublishedResult, request.user).filter(enterprise=enterprise)
            .select_related("publication").order_by("-year", "-publication_id")[:10])
    return {"results": rows} if rows else None
