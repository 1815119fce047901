from __future__ import annotations

from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "tiangong.platform.projects"
    label = "projects"
    verbose_name = "重大项目"
    url_prefix = "projects"  # pages at /projects/…, API at /api/projects/…

    def ready(self) -> None:
        from tiangong.platform.core.sections import (
            EnterpriseSection,
            register_enterprise_section,
        )

        register_enterprise_section(EnterpriseSection(
            "projects", "重大项目", "projects/_enterprise_projects.html", _projects, order=30))
        from tiangong.platform.core.navigation import NavItem, register
        from tiangong.platform.core.roles import Role

        officers = {Role.PROVINCE_ANALYST, Role.CITY_ANALYST, Role.COUNTY_ANALYST,
                    Role.TOWN_OFFICIAL, Role.SUPERVISOR}
        register(NavItem("重大项目", "projects:portfolio", roles=officers | {Role.ENTERPRISE_USER},
                         order=40))
        register(NavItem("项目晾晒", "projects:showing", roles=officers, order=41))
        from tiangong.platform.core.signals import intake_stored
        from tiangong.platform.projects.tasks import on_intake_stored

        intake_stored.connect(on_intake_stored, dispatch_uid="projects-handover")
        from tiangong.platform.demo import register_demo_seeder

        register_demo_seeder(_seed_demo, order=40)


def _seed_demo(ctx: object) -> None:
    """`tiangong demo`: about 100 major projects of the demo county, linked to its firms."""
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("projects_demo", run=ctx.run_id, store=str(ctx.store), stdout=out)  # type: ignore[attr-defined]
    ctx.notes.append("重大项目：" + out.getvalue().strip().splitlines()[-1])  # type: ignore[attr-defined]


def _projects(request: object, enterprise: object) -> dict[str, object] | None:
    from tiangong.platform.core.scope import restrict
    from tiangong.platform.projects.models import Project

    rows = restrict(Project, request.user).filter(enterprise=enterprise)  # type: ignore[attr-defined]
    return {"projects": rows} if rows.exists() else None
