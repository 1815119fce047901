"""The 驾驶舱 in a real browser (Debian's Chromium via Playwright) against a live server: the
charts must be drawn (canvas of non-zero size), the map's hole must stay empty for files in
either winding order, no console error and no CSP violation; the big screen at 1920×1080."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chromium import BROWSER_TESTS, launched

from tiangong.platform.core.testing import World

from .maps import as_bytes

pytestmark = BROWSER_TESTS
# Records CSP violations before any page script runs.
CSP_PROBE = ("window.__csp = []; document.addEventListener('securitypolicyviolation', "
             "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + "
             "e.sourceFile + ':' + e.lineNumber + ':' + e.columnNumber));")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched() as b:
        yield b


def open_as(browser: Any, live_server: Any, client: Any, user: Any, path: str,
            viewport: tuple[int, int] = (1400, 1000)) -> tuple[Any, list[str]]:
    client.force_login(user)
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    host = live_server.url.split("//", 1)[1].split(":")[0]
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                          "domain": host, "path": "/"}])
    page = context.new_page()
    errors: list[str] = []
    # The browser's own favicon probe is not the page's (base.html declares no icon).
    page.on("console", lambda m: errors.append(f"{m.text} {m.location.get('url')}")
            if m.type == "error" and not str(m.location.get("url")).endswith("/favicon.ico")
            else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400
            else None)
    page.add_init_script(CSP_PROBE)
    page.goto(live_server.url + path, wait_until="load")
    return page, errors


def canvases(page: Any) -> dict[str, tuple[float, float]]:
    return dict(page.eval_on_selector_all(
        ".chart", "els => els.map(e => { const c = e.querySelector('canvas');"
        " const r = c ? c.getBoundingClientRect() : {width: 0, height: 0};"
        " return [e.dataset.chart, [r.width, r.height]]; })"))


def pixel_alpha(page: Any, lon: float, lat: float) -> int:
    """Alpha of the map canvas at (lon, lat): 0 where nothing is painted."""
    return int(page.evaluate(
        """([lon, lat]) => { const el = document.querySelector('[data-chart=map]');
        const chart = echarts.getInstanceByDom(el);
        const [x, y] = chart.convertToPixel({seriesIndex: 0}, [lon, lat]);
        const c = el.querySelector('canvas'); const k = c.width / c.getBoundingClientRect().width;
        return c.getContext('2d').getImageData(Math.round(x * k), Math.round(y * k), 1, 1)
          .data[3]; }""", [lon, lat]))


@pytest.mark.parametrize("rfc7946", [True, False], ids=["rfc7946-ccw", "d3-cw"])
def test_charts_and_map_drawn(transactional_db: None, world: World, published: Any,
                              browser: Any, live_server: Any, client: Any,
                              rfc7946: bool) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    analyst = world.users["county_analyst"]
    client.force_login(analyst)
    r = client.post("/dashboard/boundaries/", {
        "title": "边界", "code_property": "adcode", "name_property": "name",
        "file": SimpleUploadedFile("t.geojson", as_bytes(rfc7946), "application/geo+json")})
    assert r.status_code == 302
    page, errors = open_as(browser, live_server, client, analyst, "/dashboard/")
    page.wait_for_selector("[data-chart=map][data-drawn='1'] canvas", timeout=20000)
    sizes = canvases(page)
    assert set(sizes) == {"classes", "ranking", "trend", "map"}
    assert all(w > 100 and h > 100 for w, h in sizes.values()), sizes
    # Inside 东城街道's ring: painted; inside its hole (maps.py): empty; 院桥镇: painted.
    assert pixel_alpha(page, 121.02, 28.52) > 0
    assert pixel_alpha(page, 121.10, 28.60) == 0
    assert pixel_alpha(page, 121.30, 28.60) > 0
    # htmx filter: the panels are swapped and the charts drawn again.
    page.select_option("select[name=town]", "331003001")
    page.wait_for_url("**town=331003001**")
    page.wait_for_function("document.querySelector('.kpis strong').textContent.trim() === '3'")
    page.wait_for_selector("[data-chart=ranking] canvas")
    assert page.evaluate("window.__csp") == []
    assert errors == []
    page.context.close()


def test_big_screen(transactional_db: None, world: World, published: Any, browser: Any,
                    live_server: Any, client: Any, tmp_path: Path) -> None:
    page, errors = open_as(browser, live_server, client, world.users["city_analyst"],
                           "/dashboard/?screen=big", viewport=(1920, 1080))
    page.wait_for_selector("[data-chart=trend] canvas")
    assert "bigscreen" in page.evaluate("document.body.className")
    sizes = canvases(page)
    assert all(w > 300 and h > 300 for w, h in sizes.values()), sizes
    shot = Path(os.environ.get("TIANGONG_SCREENSHOT_DIR", tmp_path)) / "dashboard_bigscreen.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    # Everything on one 1920×1080 screen: nothing scrolls.
    assert page.evaluate("document.documentElement.scrollHeight") <= 1080
    assert page.evaluate("window.__csp") == [] and errors == []
    page.context.close()
