from __future__ import annotations

from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "tiangong.platform.dashboard"
    label = "dashboard"
    verbose_name = "驾驶舱"
    url_prefix = "dashboard"  # pages at /dashboard/…

    def ready(self) -> None:
        from tiangong.platform.core.navigation import NavItem, register
        from tiangong.platform.core.roles import Role

        register(NavItem("驾驶舱", "dashboard:home",
                         roles={Role.PROVINCE_ANALYST, Role.CITY_ANALYST, Role.COUNTY_ANALYST,
                                Role.TOWN_OFFICIAL, Role.SUPERVISOR, Role.ADMINISTRATOR},
                         order=10))
        register(NavItem("边界文件", "dashboard:boundaries", roles={Role.COUNTY_ANALYST},
                         order=11))
