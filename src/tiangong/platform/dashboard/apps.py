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
        from tiangong.platform.evaluation.signals import results_published

        results_published.connect(_fill_read_model, dispatch_uid="dashboard-read-model")
        results_published.connect(_fill_quality, dispatch_uid="dashboard-intake-quality")
        register(NavItem("边界文件", "dashboard:boundaries", roles={Role.COUNTY_ANALYST},
                         order=11, group="管理"))


def _fill_read_model(sender: object, publication: object, report: object = None,
                     **kwargs: object) -> None:
    """The town cells of a new publication are written with it, so no page view pays for them."""
    from tiangong.platform.dashboard.readmodel import fill

    fill(publication)  # type: ignore[arg-type]


def _fill_quality(sender: object, publication: object, report: object = None,
                  **kwargs: object) -> None:
    """The intake's data-quality summary is read from the run store once, at publication."""
    from tiangong.platform.dashboard.quality import fill_quality

    fill_quality(publication)  # type: ignore[arg-type]
