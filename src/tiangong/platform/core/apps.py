"""AppConfig of the core; `url_prefix` is the convention other platform apps follow."""

from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tiangong.platform.core"
    label = "core"
    verbose_name = "平台核心"
    url_prefix = ""  # the core's urls are mounted at the root by tiangong.platform.urls

    def ready(self) -> None:
        from tiangong.platform.core import changelog, navigation

        changelog.connect_signals()
        navigation.register_core_items()
