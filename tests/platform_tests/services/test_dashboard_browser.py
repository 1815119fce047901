"""The 驾驶舱's 企业诉求 charts in a real browser (Debian's Chromium): all four (办结率 / 绿码率 /
overdue and the quality chart — median days, 重办率, 首次交办准确率, 满意率 — by month and by
department, or by county for the province) drawn on a canvas of non-zero size from the vendored
ECharts with the tables' numbers, no console error, no failed request, no CSP violation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from chromium import BROWSER_TESTS, launched

from tiangong.platform.core.testing import World

from .test_liangshai_pdf import _march

pytestmark = BROWSER_TESTS
CSP_PROBE = ("window.__csp = []; document.addEventListener('securitypolicyviolation', "
             "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched() as b:
        yield b


def test_services_charts_drawn(transactional_db: None, world: World, cal: None, today: Any,
                               power_user: Any, browser: Any, live_server: Any,
                               client: Any) -> None:
    _march(world, power_user, today)
    client.force_login(world.users["county_analyst"])
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    host = live_server.url.split("//", 1)[1].split(":")[0]
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                          "domain": host, "path": "/"}])
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and not str(
        m.location.get("url")).endswith("/favicon.ico") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400
            else None)
    page.add_init_script(CSP_PROBE)
    page.goto(live_server.url + "/dashboard/", wait_until="load")
    page.wait_for_selector('[data-services-chart="quality-departments"][data-drawn="1"] canvas')
    assert _sizes(page) == {"months", "departments", "quality-months", "quality-departments"}
    # the charts hold the tables' numbers (ECharts' own model, not a screenshot)
    assert _series(page, "departments") == [[100, 0], [100, None], [0, 1]]
    # 重办率, 首次交办准确率, 满意率, median working days: 供电 then 税务 (see the table test)
    assert _series(page, "quality-departments") == [[0, None], [100, 100], [None, None],
                                                    [0, None]]
    assert _series(page, "quality-months") == [[0], [100], [None], [0]]
    # the province analyst: the same by county
    client.force_login(world.users["province_analyst"])
    context.clear_cookies()
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                          "domain": host, "path": "/"}])
    page.goto(live_server.url + "/dashboard/", wait_until="load")
    page.wait_for_selector('[data-services-chart="quality-counties"][data-drawn="1"] canvas')
    assert _sizes(page) == {"months", "counties", "quality-months", "quality-counties"}
    assert _series(page, "counties") == [[50], [100], [1]]
    assert _series(page, "quality-counties") == [[0], [100], [None], [0]]
    assert errors == [] and page.evaluate("window.__csp") == []
    context.close()


def _sizes(page: Any) -> set[str]:
    """The charts drawn, each on a canvas of real size."""
    sizes = dict(page.eval_on_selector_all(
        "[data-services-chart]", "els => els.map(e => { const r = e.querySelector('canvas')"
        ".getBoundingClientRect(); return [e.dataset.servicesChart, [r.width, r.height]]; })"))
    assert all(w > 100 and h > 100 for w, h in sizes.values()), sizes
    return set(sizes)


def _series(page: Any, name: str) -> list[Any]:
    return page.evaluate("""name => echarts.getInstanceByDom(document.querySelector(
        '[data-services-chart="' + name + '"]')).getOption().series.map(s => s.data)""", name)
