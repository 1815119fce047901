"""The 驾驶舱's 企业诉求 charts in a real browser (Debian's Chromium): both drawn on a canvas of
non-zero size from the vendored ECharts, no console error, no failed request, no CSP
violation."""

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
    page.wait_for_selector('[data-services-chart="departments"][data-drawn="1"] canvas')
    sizes = dict(page.eval_on_selector_all(
        "[data-services-chart]", "els => els.map(e => { const r = e.querySelector('canvas')"
        ".getBoundingClientRect(); return [e.dataset.servicesChart, [r.width, r.height]]; })"))
    assert set(sizes) == {"months", "departments"}
    assert all(w > 100 and h > 100 for w, h in sizes.values()), sizes
    # the chart holds the table's numbers (ECharts' own model, not a screenshot)
    series = page.evaluate("""() => echarts.getInstanceByDom(document.querySelector(
        '[data-services-chart="departments"]')).getOption().series.map(s => s.data)""")
    assert series == [[100, 0], [100, None], [0, 1]]
    assert errors == [] and page.evaluate("window.__csp") == []
    context.close()
