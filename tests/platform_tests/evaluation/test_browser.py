"""Real-browser walk (Playwright on Debian's /usr/bin/chromium, never `playwright install`):
sign-in, the enterprise page, filing an objection with an attachment, the town forwarding, the
county rejecting with a reason, and a publication from the analyst's page through the task
worker to the public 公示 list. Data from fixtures (live_server flushes the database)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from chromium import BROWSER_TESTS, launched
from django.core.management import call_command

from tiangong.platform.core.calendar import seed_year
from tiangong.platform.core.testing import PASSWORD
from tiangong.platform.evaluation.models import Objection, Publication, PublishedResult

pytestmark = BROWSER_TESTS


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched() as b:
        yield b


def _login(browser: Any, live_server: Any, username: str) -> Any:
    page = browser.new_context().new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def test_objection_filed_forwarded_and_rejected_in_the_browser(
        transactional_db, live_server, browser, world, published, firm_user, tmp_path):
    seed_year(dt.date.today().year)
    row = PublishedResult.objects.get(publication=published, enterprise=firm_user.enterprise)
    page = _login(browser, live_server, "firm_user")
    page.goto(f"{live_server.url}/evaluation/")
    assert page.url.endswith(f"/evaluation/results/{row.pk}/")
    assert page.locator("h1").inner_text() == row.name
    assert f"第 {row.rank} 名 / 共 {row.partition_size} 家" in page.content()
    evidence = tmp_path / "不动产权证.pdf"
    evidence.write_bytes(b"%PDF-1.4 evidence")
    page.fill("textarea[name=reason]", "用地面积多算了 2 亩，附不动产权证。")
    page.set_input_files("input[name=attachments]", str(evidence))
    page.click("text=提交异议")
    page.wait_for_load_state()
    assert "异议已提交" in page.content()
    obj = Objection.objects.get()

    town = _login(browser, live_server, "town_official")
    town.goto(f"{live_server.url}/evaluation/objections/{obj.pk}/")
    town.click("form:has(h3:text('转交县级')) button[type=submit]")
    town.wait_for_load_state()
    assert town.locator("#objection-state").inner_text() == "县级审核中"

    county = _login(browser, live_server, "county_analyst")
    county.goto(f"{live_server.url}/evaluation/objections/{obj.pk}/")
    form = county.locator("form:has(h3:text('驳回'))")
    form.locator("textarea[name=note]").fill("面积以不动产登记为准。")
    form.locator("button[type=submit]").click()
    county.wait_for_load_state()
    assert county.locator("#objection-state").inner_text() == "已驳回"
    page.goto(f"{live_server.url}/evaluation/objections/{obj.pk}/")
    assert "已驳回" in page.content() and "面积以不动产登记为准" in page.content()


def test_publication_from_the_analyst_page(transactional_db, live_server, browser, world, runs,
                                           settings):
    settings.TIANGONG_RUN_STORE = str(runs.store)
    page = _login(browser, live_server, "county_analyst")
    page.goto(f"{live_server.url}/evaluation/analyst/")
    form = page.locator(f"form.publish-form:has(input[value='{runs.first}'])")
    today = dt.date.today()
    form.locator("input[name=start]").fill(today.isoformat())
    form.locator("input[name=end]").fill((today + dt.timedelta(days=10)).isoformat())
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "/tasks/" in page.url
    call_command("db_worker", "--batch", "--no-reload", verbosity=0)
    pub = Publication.objects.get()
    assert pub.state == Publication.PUBLISHED and pub.n_results == 300
    page.reload()
    assert "已完成" in page.content()
    public = browser.new_context().new_page()  # not signed in
    public.goto(f"{live_server.url}/evaluation/gongshi/{pub.pk}/")
    assert "排名不分先后" in public.content()
    assert public.locator("table.data tbody tr").count() > 0
