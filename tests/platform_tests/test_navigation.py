"""The top bar's menus (core/navigation.menu_for): items grouped into 评价 / 服务 / 项目 / 管理 at
fixed places, a menu of one item shown as that item's link, the flat list unchanged."""

from __future__ import annotations

import pytest

from tiangong.platform.core.navigation import items_for, menu_for
from tiangong.platform.core.testing import World

pytestmark = pytest.mark.django_db


def _shape(menu: list[dict]) -> list[object]:
    return [(m["label"], [c["label"] for c in m["children"]]) if "children" in m else m["label"]
            for m in menu]


def test_county_analyst_menus(world: World) -> None:
    user = world.users["county_analyst"]
    assert _shape(menu_for(user)) == [
        "首页", "驾驶舱", ("评价", ["评价结果", "评价与发布", "异议"]),
        ("服务", ["企业诉求", "诉求晾晒"]), ("项目", ["重大项目", "项目晾晒"]), "示例事项",
        ("管理", ["边界文件", "企业", "后台任务", "变更记录"]), "消息"]
    flat = [i["label"] for i in items_for(user)]
    assert len(flat) == 15 and flat[:3] == ["首页", "驾驶舱", "边界文件"]


def test_enterprise_user_single_item_menus_are_links(world: World) -> None:
    menu = menu_for(world.users["enterprise_user"])
    # 企业诉求 and 重大项目 are the only items of their menus: plain links, not one-item menus
    assert _shape(menu) == ["首页", "本企业", ("评价", ["评价结果", "异议"]), "企业诉求",
                            "重大项目", "示例事项", "消息"]
    assert next(m for m in menu if m["label"] == "企业诉求")["url"] == "/services/"


def test_page_renders_menus_as_disclosures(world: World, client) -> None:
    client.force_login(world.users["county_analyst"])
    html = client.get("/evaluation/").content.decode()
    assert '<summary class="current">评价</summary>' in html
    assert '<a href="/evaluation/" aria-current="page">评价结果</a>' in html
    assert html.count("<details>") == 4 and "core/nav.js" in html
