"""The project page and the quarter's 晾晒 in a real browser (Debian's Chromium via Playwright):
a town official passes the 供地 gate by uploading both pieces of evidence, sees the state move
and the evidence listed; the money chart draws under the CSP; the county analyst opens the
晾晒 and finds the 黄牌 the library computes, with no console error."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chromium import BROWSER_TESTS, launched

from tiangong.platform.core.testing import PASSWORD, make_world
from tiangong.platform.projects.models import Project, ProjectMonth, ProjectPlan, ProjectStage

pytestmark = BROWSER_TESTS


@pytest.fixture
def page(live_server: Any) -> Iterator[Any]:
    with launched() as browser:
        pg = browser.new_page()
        pg.problems = []  # type: ignore[attr-defined]
        pg.on("console", lambda m: m.type in ("error", "warning") and pg.problems.append(m.text))
        pg.on("pageerror", lambda e: pg.problems.append(str(e)))
        yield pg


def _login(page: Any, url: str, who: str) -> None:
    page.context.clear_cookies()  # sign out whoever was signed in
    page.goto(f"{url}/login/")
    page.fill("#id_username", who)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_pass_a_gate_with_evidence_and_see_the_showing(live_server: Any, page: Any,
                                                        tmp_path: Path) -> None:
    world = make_world()
    project = Project.objects.create(
        code="XM-B1", name="浏览器测试项目", region=world.regions["331003001"],
        enterprise=world.enterprises["A"], team="装备制造专班", industry_code="3421",
        total_investment=60000, fixed_investment=48000, land_mu=100, state="sign")
    ProjectStage.objects.create(project=project, stage="sign", planned=dt.date(2025, 1, 10),
                                actual=dt.date(2025, 1, 10))
    # planned to start 2025-02-01, never started: 应开工未开工 in the 2025 Q1 晾晒
    ProjectStage.objects.create(project=project, stage="start", planned=dt.date(2025, 2, 1))
    ProjectPlan.objects.create(project=project, year=2025, plan=1200)
    for month, amount in (("2025-01", 100.0), ("2025-02", 120.0), ("2025-03", 90.0)):
        ProjectMonth.objects.create(project=project, month=month, invest=amount, funds=amount)
    contract, deed = tmp_path / "出让合同.pdf", tmp_path / "不动产权证书.pdf"
    for f in (contract, deed):
        f.write_bytes(b"%PDF-1.4 evidence")
    _login(page, live_server.url, "town_official")
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    assert page.locator("#state").inner_text() == "已签约"
    page.wait_for_selector("#project-chart svg", timeout=10_000)  # ECharts drew the months
    form = page.locator("#gate-form")
    form.locator("input[name=actual]").fill((dt.date.today() - dt.timedelta(days=2)).isoformat())
    form.locator("input[name=evidence_0]").set_input_files(str(contract))
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "缺少证明材料：不动产权证书" in page.content()  # one file is not enough
    assert page.locator("#state").inner_text() == "已签约"
    form = page.locator("#gate-form")
    form.locator("input[name=actual]").fill((dt.date.today() - dt.timedelta(days=2)).isoformat())
    form.locator("input[name=evidence_0]").set_input_files(str(contract))
    form.locator("input[name=evidence_1]").set_input_files(str(deed))
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#state").inner_text() == "已供地"
    assert page.locator("#stages").inner_text().count("已上传") == 2
    _login(page, live_server.url, "county_analyst")
    page.goto(f"{live_server.url}/projects/showing/?year=2025&quarter=1")
    yellow = page.locator("#yellow").inner_text()
    assert "浏览器测试项目" in yellow and "应开工未开工：计划开工 2025-02-01" in yellow
    assert "开工率" in page.locator("#kpis").inner_text()
    assert page.problems == []  # type: ignore[attr-defined]


def test_town_filter_suggests_as_the_officer_types(live_server: Any, page: Any) -> None:
    """The portfolio's town filter asks the server as the officer types (CSP-clean script)
    and offers the towns in scope; choosing one filters the list."""
    world = make_world()
    for code, town in (("XM-T1", "331003001"), ("XM-T2", "331003100"), ("XM-T3", "331004001")):
        Project.objects.create(code=code, name=f"项目{code}", region=world.regions[town],
                               total_investment=20000, fixed_investment=10000, land_mu=40)
    _login(page, live_server.url, "county_analyst")
    page.goto(f"{live_server.url}/projects/")
    assert page.locator("select[name=town]").count() == 0
    with page.expect_response(lambda r: "/projects/towns/" in r.url):
        page.fill("#town-filter", "镇")
    page.wait_for_function(
        "document.querySelectorAll('#town-suggestions option').length > 0")
    options = page.eval_on_selector_all("#town-suggestions option", "os => os.map(o => o.value)")
    assert options == ["院桥镇"]
    page.fill("#town-filter", options[0])  # what choosing the suggestion puts in the input
    page.click("button:has-text('筛选')")
    page.wait_for_load_state()
    assert "重大项目（1 个）" in page.content() and "XM-T2" in page.content()
    assert page.problems == []
