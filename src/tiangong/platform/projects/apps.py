from __future__ import annotations

from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "tiangong.platform.projects"
    label = "projects"
    verbose_name = "重大项目"
    url_prefix = "projects"  # pages at /projects/…, API at /api/projects/…

    def ready(self) -> None:
        from tiangong.platform.core.navigation import NavItem, register
        from tiangong.platform.core.roles import Role

        officers = {Role.PROVINCE_ANALYST, Role.CITY_ANALYST, Role.COUNTY_ANALYST,
                    Role.TOWN_OFFICIAL, Role.SUPERVISOR}
        register(NavItem("重大项目", "projects:portfolio", roles=officers | {Role.ENTERPRISE_USER},
                         order=40))
        register(NavItem("项目晾晒", "projects:showing", roles=officers, order=41))
