"""Navigation per role: apps register menu items, the base template shows the user's own.

    from tiangong.platform.core.navigation import NavItem, register
    register(NavItem("异议处理", "evaluation:objections",
                     roles={Role.COUNTY_ANALYST, Role.TOWN_OFFICIAL}, order=30))

Call `register` from the app's `AppConfig.ready()`.

The top bar groups the items into menus (评价 / 服务 / 项目 / 管理, `GROUPS`) so that a role with
many items still fits one line at 1280 px: an item names its menu with `group=` ("" for the top
level); without one it goes to its URL namespace's menu (`NAMESPACE_GROUPS`), else the top
level. A menu the user has a single item of is shown as that item's plain link. The menus are
HTML `<details>` disclosures: keyboard and screen-reader accessible without any script
(core/static/core/nav.js only closes the other menus, and one on Escape or a click outside).
The home page's tiles keep the flat list (`nav_items`).
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
    group: str | None = None  # a GROUPS menu, "" the top level, None its namespace's menu


GROUPS = {"评价": 20, "服务": 40, "项目": 45, "管理": 80}  # menu → its place among the items
NAMESPACE_GROUPS = {"evaluation": "评价", "services": "服务", "projects": "项目"}


def group_of(item: NavItem) -> str:
    if item.group is not None:
        return item.group
    return NAMESPACE_GROUPS.get(item.url_name.split(":")[0], "")


_ITEMS: dict[str, NavItem] = {}


def register(item: NavItem) -> None:
    _ITEMS[item.url_name] = item
    _items.cache_clear()


def items_for(user: Any) -> list[dict[str, str]]:
    """The user's items, flat, in order: [{label, url}]."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [{"label": label, "url": url} for label, url, _, _ in _role_items(user)]


def menu_for(user: Any) -> list[dict[str, Any]]:
    """The top bar: [{label, url}] links and [{label, children: [{label, url}]}] menus, each
    menu at its GROUPS place; a menu of one item is that item's link."""
    entries: list[tuple[int, dict[str, Any]]] = []
    menus: dict[str, dict[str, Any]] = {}
    for label, url, group, order in _role_items(user):
        if group not in GROUPS:
            entries.append((order, {"label": label, "url": url}))
        elif group in menus:
            menus[group]["children"].append({"label": label, "url": url})
        else:
            menus[group] = {"label": group, "children": [{"label": label, "url": url}]}
            entries.append((GROUPS[group], menus[group]))
    entries.sort(key=lambda e: e[0])  # stable: items of one order keep theirs
    return [e["children"][0] if len(e.get("children", ())) == 1 else e for _, e in entries]


def _role_items(user: Any) -> tuple[tuple[str, str, str, int], ...]:
    if not getattr(user, "is_authenticated", False):
        return ()
    return _items(user.role, bool(user.is_superuser), get_script_prefix(),
                  str(get_urlconf() or settings.ROOT_URLCONF))


@functools.cache
def _items(role: str, superuser: bool, prefix: str, urlconf: str
           ) -> tuple[tuple[str, str, str, int], ...]:
    """(label, url, menu, order) of a role's items, reversed once per process and URL configuration
    (it runs on every page: reversing each item on every request cost about a millisecond)."""
    out = []
    for item in sorted(_ITEMS.values(), key=lambda i: (i.order, i.label)):
        if role in item.roles or (superuser and Role.ADMINISTRATOR in item.roles):
            try:
                out.append((item.label, reverse(item.url_name), group_of(item), item.order))
            except NoReverseMatch:
                continue
    return tuple(out)


def context(request: HttpRequest) -> dict[str, Any]:
    """Template context processor: `nav_items` (flat), `nav_menu` (grouped, the top bar) and
    the unread notification count."""
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        unread = user.notifications.filter(read_at__isnull=True).count()
    return {"nav_items": items_for(user), "nav_menu": menu_for(user),
            "unread_notifications": unread}


def register_core_items() -> None:
    staff = {Role.COUNTY_ANALYST, Role.CITY_ANALYST, Role.PROVINCE_ANALYST, Role.TOWN_OFFICIAL,
             Role.DEPARTMENT_USER, Role.SUPERVISOR, Role.ADMINISTRATOR}
    register(NavItem("首页", "core:home", order=0))
    register(NavItem("企业", "core:enterprise_list", roles=staff, order=20, group="管理"))
    register(NavItem("本企业", "core:my_enterprise", roles={Role.ENTERPRISE_USER}, order=10))
    register(NavItem("后台任务", "core:task_list", roles=staff, order=80, group="管理"))
    register(NavItem("变更记录", "core:change_list",
                     roles={Role.SUPERVISOR, Role.ADMINISTRATOR, Role.COUNTY_ANALYST}, order=90,
                     group="管理"))
    register(NavItem("消息", "core:notification_list", order=95))
