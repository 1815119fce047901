"""The whole loop in a real browser (Chromium): the enterprise files, the 直通办 routes with a
partner, the lead objects and the objection is settled, the partner answers, the lead answers
and closes, the enterprise rates, the 晾晒 shows the green closure."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from chromium import BROWSER_TESTS, launched

from tiangong.platform.core.calendar import seed_year
from tiangong.platform.core.roles import Role
from tiangong.platform.core.testing import PASSWORD, make_user, make_world

pytestmark = BROWSER_TESTS


@pytest.fixture
def browser() -> Iterator[Any]:
    with launched() as b:
        yield b


def _as(browser: Any, base: str, username: str) -> Any:
    page = browser.new_context().new_page()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    return page


def _do(page: Any, action: str, note: str = "", **selects: str) -> None:
    form = page.locator(f"form.action-{action}")
    for name, label in selects.items():
        form.locator(f"select[name={name}]").select_option(label=label)
    if note:
        form.locator("textarea[name=note]").fill(note)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_whole_loop_in_chromium(transactional_db: None, live_server: Any, browser: Any) -> None:
    seed_year(2026)
    world = make_world()
    make_user("power_user", Role.DEPARTMENT_USER, department=world.departments["331003/power"])
    base = live_server.url

    firm = _as(browser, base, "enterprise_user")
    firm.goto(f"{base}/services/new/")
    firm.select_option("#id_category", label="税费办理")
    firm.fill("#id_text", "留抵退税进度咨询")
    firm.locator("form.card button[type=submit]").click()
    assert "诉求已提交" in firm.content()
    url = firm.url

    office = _as(browser, base, "county_analyst")
    office.goto(f"{base}/services/")
    assert "诉求池（待交办 1 件）" in office.content()
    office.goto(url)
    assert "路由建议：主办 税务局" in office.locator("#proposal").inner_text()
    office.locator("form.action-route select[name=partners]").select_option(
        label="黄岩供电公司")
    _do(office, "route")  # the lead is preselected from the proposal
    assert office.locator("#lead").inner_text() == "黄岩区税务局"

    tax = _as(browser, base, "department_user")
    tax.goto(url)
    _do(tax, "object", "属供电公司职责")
    office.goto(url)
    _do(office, "settle_keep", "退税进度属税务局")
    tax.goto(url)
    _do(tax, "accept")
    _do(tax, "answer", "已加快审核，预计三个工作日到账")

    power = _as(browser, base, "power_user")
    power.goto(url)
    power.fill("textarea[name=note]", "供电方面无异议")
    power.click("text=提交协办意见")
    tax.goto(url)
    _do(tax, "close", "已退税", closure_code="已解决")
    assert tax.locator("#state").inner_text() == "已办结待评价"

    firm.goto(url)
    _do(firm, "rate", "很快", rating="满意")
    assert "绿码（来源：企业评价）" in firm.locator("#colour").inner_text()
    timeline = firm.locator("ol.timeline").inner_text()
    for step in ("提交诉求", "交办", "提出异议", "裁定维持交办", "签收", "答复企业", "办结",
                 "评价"):
        assert step in timeline, step

    office.goto(f"{base}/services/kpi/")
    green = office.locator("#kpi tr", has_text="绿码率").filter(has_text="全部").first
    assert "1.0000" in green.inner_text()
    assert "绿码率 = 本期办结且结果为绿码的诉求数" in office.locator("#formulas").inner_text()
