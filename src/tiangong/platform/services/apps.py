from __future__ import annotations

from django.apps import AppConfig


class ServicesConfig(AppConfig):
    name = "tiangong.platform.services"
    label = "services"
    verbose_name = "企业码直通服务"
    url_prefix = "services"

    def ready(self) -> None:
        from tiangong.platform.core.sections import (
            EnterpriseSection,
            register_enterprise_section,
        )

        register_enterprise_section(EnterpriseSection(
            "service_requests", "企业诉求记录", "services/_enterprise_requests.html",
            _requests, order=20))
        from tiangong.platform.core.sections import Section, register_section
        from tiangong.platform.services.dashboard_section import dashboard_section
        from tiangong.platform.services.objection_link import objection_section

        register_section("dashboard", Section(
            "services_kpis", "企业诉求办理（办结率、绿码率、超期）",
            "services/_dashboard_services.html", dashboard_section, order=20))
        register_section("objection", Section(
            "service_requests", "转为企业诉求", "services/_objection_requests.html",
            objection_section, order=20))
        from tiangong.platform.core.navigation import NavItem, register
        from tiangong.platform.core.roles import Role

        register(NavItem("企业诉求", "services:request_list",
                         roles={Role.ENTERPRISE_USER, Role.COUNTY_ANALYST, Role.DEPARTMENT_USER,
                                Role.SUPERVISOR, Role.TOWN_OFFICIAL}, order=20))
        from tiangong.platform.demo import register_demo_seeder

        register_demo_seeder(_seed_demo, order=30)
        register(NavItem("诉求晾晒", "services:kpi",
                         roles={Role.COUNTY_ANALYST, Role.SUPERVISOR, Role.CITY_ANALYST,
                                Role.PROVINCE_ANALYST}, order=21))


def _seed_demo(ctx: object) -> None:
    """`tiangong demo`: a year of the demo county's requests (pool, queues, clocks, 晾晒)."""
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("load_demo_requests", county=ctx.county.code, stdout=out)  # type: ignore[attr-defined]
    ctx.notes.append("企业诉求：" + out.getvalue().strip().splitlines()[-1])  # type: ignore[attr-defined]


def _requests(request: object, enterprise: object) -> dict[str, object] | None:
    """The enterprise's request history (issue 12 point 9), newest first."""
    from tiangong.platform.core.scope import restrict
    from tiangong.platform.services.models import ServiceRequest

    qs = restrict(ServiceRequest, request.user).filter(enterprise=enterprise)  # type: ignore[attr-defined]
    total = qs.count()
    return {"requests": qs[:10], "total": total, "more": total > 10,
            "enterprise": enterprise} if total else None
