"""The core pages in a real browser (Debian's Chromium via Playwright) against the live server:
sign-in, the role's navigation, htmx polling of a task's progress, ECharts loadable, and no
Content-Security-Policy violation or console error on the way."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from chromium import BROWSER_TESTS, launched

from tiangong.platform.core.models import TaskProgress
from tiangong.platform.core.testing import PASSWORD, make_world

pytestmark = BROWSER_TESTS


@pytest.fixture
def page(live_server: Any) -> Iterator[Any]:
    with launched() as browser:
        pg = browser.new_page()
        pg.problems = []  # type: ignore[attr-defined]
        pg.on("console", lambda m: m.type in ("error", "warning") and pg.problems.append(m.text))
        pg.on("pageerror", lambda e: pg.problems.append(str(e)))
        yield pg


def test_login_navigation_and_htmx_progress(live_server: Any, page: Any) -> None:
    world = make_world()
    task = TaskProgress.objects.create(result_id="browser-task", title="浏览器测试任务",
                                       user=world.users["county_analyst"],
                                       region=world.regions["331003"], done=1, total=4,
                                       message="第一步")
    page.goto(f"{live_server.url}/enterprises/")
    assert page.url.startswith(f"{live_server.url}/login/")
    page.fill("#id_username", "county_analyst")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/enterprises/")
    assert "示例企业A" in page.content() and "示例企业C" not in page.content()
    nav = page.locator("nav.mainnav a").all_text_contents()  # menus closed: hidden links
    assert "企业" in nav and "变更记录" in nav
    page.goto(f"{live_server.url}/tasks/{task.result_id}/")
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.locator("#task-status").inner_text().count("第一步") == 1
    TaskProgress.objects.filter(pk=task.pk).update(done=3, message="第三步")
    page.wait_for_selector("text=第三步", timeout=10_000)  # htmx polled every 2 s
    assert page.locator("progress").get_attribute("value") == "75"
    # ECharts loads under the CSP and draws into a canvas
    page.add_script_tag(url=f"{live_server.url}/static/vendor/echarts.min.js")
    drawn = page.evaluate("""() => {
        const div = document.createElement('div'); div.style.width = '300px';
        div.style.height = '200px'; document.body.appendChild(div);
        const chart = echarts.init(div);
        chart.setOption({xAxis: {data: ['A', 'B']}, yAxis: {},
                         series: [{type: 'bar', data: [3, 5]}]});
        return [echarts.version, div.querySelectorAll('canvas').length];
    }""")
    assert drawn[0].startswith("6.") and drawn[1] >= 1
    assert page.problems == []  # type: ignore[attr-defined]


def test_enterprise_user_sees_only_its_own(live_server: Any, page: Any) -> None:
    world = make_world()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "enterprise_user")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    nav = page.locator("nav.mainnav a").all_text_contents()  # menus closed: hidden links
    assert "企业" not in nav and "变更记录" not in nav
    response = page.goto(f"{live_server.url}/enterprises/{world.enterprises['B'].uscc}/")
    assert response is not None and response.status == 404
    assert "页面不存在" in page.content()
    page.problems.clear()  # type: ignore[attr-defined]  # the 404 itself is logged by Chromium
    response = page.goto(f"{live_server.url}/enterprises/{world.enterprises['A'].uscc}/")
    assert response is not None and response.status == 200
    assert page.problems == []  # type: ignore[attr-defined]
