"""Navigation per role: apps register menu items, the base template shows the user's own.

    from tiangong.platform.core.navigation import NavItem, register
    register(NavItem("异议处理", "evaluation:objections",
                     roles={Role.COUNTY_ANALYST, Role.TOWN_OFFICIAL}, order=30))

Call `register` from the app's `AppConfig.ready()`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

from tiangong.platform.core.roles import ALL_ROLES, Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str] | set[str] = field(default_factory=lambda: frozenset(ALL_ROLES))
    order: int = 100


_ITEMS: dict[str, NavItem] = {}


def register(item: NavItem) -> None:
    _ITEMS[item.url_name] = item
    _items.cache_clear()


def items_for(user: Any) -> list[dict[str, str]]:
    if not getattr(user, "is_authenticated", False):
        return []
    return [dict(i) for i in _items(user.role, bool(user.is_superuser), get_script_prefix(),
                                    str(get_urlconf() or settings.ROOT_URLCONF))]


@functools.cache
def _items(role: str, superuser: bool, prefix: str, urlconf: str
           ) -> tuple[tuple[tuple[str, str], ...], ...]:
    """The menu of a role, reversed once per process and URL configuration (it runs on every
    page: reversing each item on every request cost about a millisecond)."""
    out = []
    for item in sorted(_ITEMS.values(), key=lambda i: (i.order, i.label)):
        if role in item.roles or (superuser and Role.ADMINISTRATOR in item.roles):
            try:
                out.append((("label", item.label), ("url", reverse(item.url_name))))
            except NoReverseMatch:
                continue
    return tuple(out)


def context(request: HttpRequest) -> dict[str, Any]:
    """Template context processor: `nav_items` and the unread notification count."""
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        unread = user.notifications.filter(read_at__isnull=True).count()
    return {"nav_items": items_for(user), "unread_notifications": unread}


def register_core_items() -> None:
    staff = {Role.COUNTY_ANALYST, Role.CITY_ANALYST, Role.PROVINCE_ANALYST, Role.TOWN_OFFICIAL,
             Role.DEPARTMENT_USER, Role.SUPERVISOR, Role.ADMINISTRATOR}
    register(NavItem("首页", "core:home", order=0))
    register(NavItem("企业", "core:enterprise_list", roles=staff, order=20))
    register(NavItem("本企业", "core:my_enterprise", roles={Role.ENTERPRISE_USER}, order=10))
    register(NavItem("后台任务", "core:task_list", roles=staff, order=80))
    register(NavItem("变更记录", "core:change_list",
                     roles={Role.SUPERVISOR, Role.ADMINISTRATOR, Role.COUNTY_ANALYST}, order=90))
    register(NavItem("消息", "core:notification_list", order=95))
