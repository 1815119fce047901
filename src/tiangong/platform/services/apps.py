from __future__ import annotations

from django.apps import AppConfig


class ServicesConfig(AppConfig):
    name = "tiangong.platform.services"
    label = "services"
    verbose_name = "企业码直通服务"
    url_prefix = "services"

    def ready(self) -> None:
        from tiangong.platform.core.navigation import NavItem, register
        from tiangong.platform.core.roles import Role

        register(NavItem("企业诉求", "services:request_list",
                         roles={Role.ENTERPRISE_USER, Role.COUNTY_ANALYST, Role.DEPARTMENT_USER,
                                Role.SUPERVISOR, Role.TOWN_OFFICIAL}, order=20))
        register(NavItem("诉求晾晒", "services:kpi",
                         roles={Role.COUNTY_ANALYST, Role.SUPERVISOR, Role.CITY_ANALYST,
                                Role.PROVINCE_ANALYST}, order=21))
