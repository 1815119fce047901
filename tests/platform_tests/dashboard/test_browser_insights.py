"""The data-quality and composite-index panels in a real browser (Debian's Chromium): loaded by
htmx into the 驾驶舱, their charts actually drawn (canvas of non-zero size), no console error,
no failed request and no CSP violation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from chromium import BROWSER_TESTS, launched

from tiangong.platform.core.testing import World

from . import test_insights as insights
from .test_browser import open_as
from .test_insights import YEAR, _publish

intake_store = insights.intake_store  # the fixtures, shared with the non-browser tests
third_county = insights.third_county

pytestmark = BROWSER_TESTS


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched() as b:
        yield b


def _size(page: Any, name: str) -> tuple[float, float]:
    box = page.eval_on_selector(f"[data-insight={name}] canvas",
                                "c => { const r = c.getBoundingClientRect(); "
                                "return [r.width, r.height]; }")
    return box[0], box[1]


def test_quality_chart_drawn(transactional_db: None, world: World, intake_store: Any,
                             browser: Any, live_server: Any, client: Any) -> None:
    store, run_id, _ = intake_store
    _publish(world, store, run_id)
    page, errors = open_as(browser, live_server, client, world.users["county_analyst"],
                           f"/dashboard/?year={YEAR}")
    page.wait_for_selector("[data-insight=quality][data-drawn='1'] canvas", timeout=20000)
    width, height = _size(page, "quality")
    assert width > 100 and height > 100
    assert page.locator("#h-quality").count() == 1 and page.locator("text=税务").count() >= 1
    assert page.locator("[data-insight=indices]").count() == 0  # a county user: no index
    assert page.evaluate("window.__csp") == [] and errors == []
    page.context.close()


def test_indices_chart_drawn(transactional_db: None, world: World, third_county: None,
                             browser: Any, live_server: Any, client: Any) -> None:
    from tiangong.platform.dashboard.models import IndexSetting

    IndexSetting.objects.create(region=world.regions["331000"], title="台州市亩均效益综合指数")
    page, errors = open_as(browser, live_server, client, world.users["city_analyst"],
                           f"/dashboard/?year={YEAR}")
    page.wait_for_selector("[data-insight=indices][data-drawn='1'] canvas", timeout=20000)
    width, height = _size(page, "indices")
    assert width > 100 and height > 100
    bars = page.evaluate("echarts.getInstanceByDom(document.querySelector("
                         "'[data-insight=indices]')).getOption().series[0].data")
    assert bars == [16.67, 44.25, 96.67]  # drawn bottom-up: the first-ranked county on top
    # the filters swap the panels: the panel is loaded and drawn again
    page.select_option("select[name=group]", index=1)
    page.wait_for_url("**group=**")
    page.wait_for_selector("[data-insight=indices][data-drawn='1'] canvas", timeout=20000)
    assert page.evaluate("window.__csp") == [] and errors == []
    page.context.close()
