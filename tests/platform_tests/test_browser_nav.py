"""The top bar's navigation in a real browser (Debian's Chromium): at 1280 px the menu of the
role with the most items is one row with every label on one line (before the 评价 / 服务 / 项目 /
管理 menus, 16 items wrapped each label onto two lines at 1400 px), and the menus work from the
keyboard alone: Tab to a menu, Enter opens it, Tab into its links, Escape closes it and returns
focus, Enter on a link follows it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from chromium import BROWSER_TESTS, launched

from tiangong.platform.core.navigation import items_for, menu_for
from tiangong.platform.core.testing import PASSWORD, make_world

pytestmark = BROWSER_TESTS

# every top-level entry's box: its text's line count from its height and the line height
GEOMETRY = """() => {
  const entries = [...document.querySelectorAll(
    '.navbar > li > a, .navbar > li > details > summary')];
  return {
    nav: document.querySelector('nav.mainnav').getBoundingClientRect().height,
    topbar: document.querySelector('.topbar').getBoundingClientRect().height,
    brand: document.querySelector('.brand').getBoundingClientRect().top,
    who: document.querySelector('.who').getBoundingClientRect().top,
    entries: entries.map(e => {
      const r = e.getBoundingClientRect(), s = getComputedStyle(e);
      return {text: e.innerText, top: r.top, height: r.height, rects: e.getClientRects().length,
              line: parseFloat(s.lineHeight) || parseFloat(s.fontSize) * 1.5};
    }),
  };
}"""


@pytest.fixture
def page(live_server: Any) -> Iterator[Any]:
    with launched() as browser:
        pg = browser.new_page(viewport={"width": 1280, "height": 800})
        pg.problems = []  # type: ignore[attr-defined]
        pg.on("console", lambda m: m.type in ("error", "warning") and pg.problems.append(m.text))
        pg.on("pageerror", lambda e: pg.problems.append(str(e)))
        yield pg


def _login(page: Any, url: str, username: str) -> None:
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


def test_menu_is_one_line_at_1280(live_server: Any, page: Any) -> None:
    world = make_world()
    # the role with the most items (the county analyst: 15 with the test-only example app)
    role = max(world.users, key=lambda r: len(items_for(world.users[r])))
    assert len(items_for(world.users[role])) >= 14
    _login(page, live_server.url, role)
    g = page.evaluate(GEOMETRY)
    labels = [e["text"].strip() for e in g["entries"]]
    assert [m["label"] for m in menu_for(world.users[role]) if "children" in m] == [
        "评价", "服务", "项目", "管理"]
    assert {"评价", "服务", "项目", "管理"} <= set(labels), labels
    for e in g["entries"]:
        assert e["rects"] == 1 and e["height"] < 1.5 * e["line"], e  # one line, not two
    assert max(e["top"] for e in g["entries"]) - min(e["top"] for e in g["entries"]) < 2
    line = max(e["line"] for e in g["entries"])
    assert g["nav"] < 2 * line, g  # one row of entries
    assert abs(g["brand"] - g["who"]) < line, g  # brand, menu and the user's box on one row
    assert page.problems == []  # type: ignore[attr-defined]


def test_menus_by_keyboard(live_server: Any, page: Any) -> None:
    make_world()
    _login(page, live_server.url, "county_analyst")
    link = page.locator(".navmenu a", has_text="评价结果")
    assert not link.is_visible()
    for _ in range(20):  # Tab from the top of the page to the 评价 menu
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.innerText") == "评价":
            break
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")
    assert link.is_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.innerText") == "评价结果"
    page.keyboard.press("Escape")
    assert not link.is_visible()
    assert page.evaluate("document.activeElement.innerText") == "评价"
    # opening another menu closes the first
    page.keyboard.press("Enter")
    assert link.is_visible()
    page.locator(".navgroup summary", has_text="管理").click()
    assert not link.is_visible()
    assert page.locator(".navmenu a", has_text="变更记录").is_visible()
    page.mouse.click(640, 600)  # a click outside closes it
    assert not page.locator(".navmenu a", has_text="变更记录").is_visible()
    # Enter on a link follows it, and the page marks its menu as the current one
    page.locator(".navgroup summary", has_text="评价").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/evaluation/")
    assert page.locator(".navgroup summary.current").inner_text() == "评价"
    assert page.problems == []  # type: ignore[attr-defined]
