"""The HTML reports opened in a real browser (Debian's Chromium via Playwright), offline.

A report that passes every string check can still show blank boxes: a script that fails, a
chart library that wants a CDN. Here each page is opened from file:// with every network request
aborted and recorded; the charts must have drawn (SVG with marks of non-zero size), the Chinese
titles must be in the DOM, the console must hold no error, and no request may have left the page.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chromium import BROWSER_TESTS, launched
from region_data import TAIZHOU, boundaries, divisions_csv, stored_city_run
from typer.testing import CliRunner

from tiangong.cli.main import app

pytestmark = BROWSER_TESTS
runner = CliRunner()

INDEX_CONFIG = """\
id: demo_index
name: 示例县域指数
indicators:
  tax_per_mu: {label: 亩均税收, direction: 1}
  energy_per_va: {label: 单位增加值能耗, direction: -1}
hierarchy:
  index: {tax_per_mu: 1, energy_per_va: 1}
spec: {treat_outliers: false, normalisation: minmax, low: 1, high: 100}
uncertainty:
  weights: {spread: 0.25}
  aggregation: [arithmetic, geometric]
"""
INDEX_TABLE = """region_code,region_name,year,tax_per_mu,energy_per_va
330001,甲县,2024,10,1
330002,乙县,2024,20,3
330003,丙县,2024,30,2
330004,丁县,2024,25,2.5
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched() as b:
        yield b


def open_offline(browser: Any, page_path: Path, charts: int) -> dict[str, Any]:
    """Open a report from file:// with the network cut; wait for `charts` drawn charts."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route("**/*", lambda route: route.continue_()
               if route.request.url.startswith("file:") else route.abort())
    page.goto(page_path.resolve().as_uri(), wait_until="load")
    page.wait_for_function(
        "n => document.querySelectorAll('.chart svg .role-mark').length > 0 && "
        "document.querySelectorAll('.chart svg').length >= n", arg=charts, timeout=20000)
    boxes = page.eval_on_selector_all(
        ".chart svg", "els => els.map(e => { const r = e.getBoundingClientRect();"
        " const marks = [...e.querySelectorAll('.role-mark path, .role-mark line')]"
        "   .filter(m => { const b = m.getBoundingClientRect(); return b.width > 0 || "
        "b.height > 0; }).length;"
        " return {w: r.width, h: r.height, marks: marks,"
        " text: [...e.querySelectorAll('text')].map(t => t.textContent).join(' ')}; })")
    shot = page_path.with_suffix(".png")
    page.screenshot(path=str(shot), full_page=True)
    body = page.inner_text("body")
    page.close()
    external = [u for u in requests if not u.startswith("file:")]
    return {"boxes": boxes, "errors": errors, "external": external, "body": body,
            "screenshot": shot}


def assert_rendered(seen: dict[str, Any], charts: int, titles: list[str]) -> None:
    assert seen["external"] == [], seen["external"]
    assert seen["errors"] == [], seen["errors"]
    assert len(seen["boxes"]) == charts
    for box in seen["boxes"]:
        assert box["w"] > 0 and box["h"] > 0 and box["marks"] > 0, box
    svg_text = " ".join(b["text"] for b in seen["boxes"])
    for title in titles:
        assert title in svg_text, title
    assert "图表无法显示" not in seen["body"]
    assert seen["screenshot"].stat().st_size > 10_000


def test_regions_report_renders_offline(browser: Any,
                                        tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("regions")
    store, run_id = stored_city_run(folder)
    geo = boundaries(folder / "b.geojson", [*list(TAIZHOU)[:8], 339999])
    out = folder / "report"
    result = runner.invoke(app, [
        "regions", "report", "--run", run_id, "--level", "county", "--regions",
        str(divisions_csv(folder)), "--geojson", str(geo), "--code-property", "code",
        "--store", str(store), "--out", str(out)])
    assert result.exit_code == 0, result.output
    seen = open_offline(browser, out / "regions_report.html", charts=2)
    assert_rendered(seen, 2, ["各县(市、区)A/B/C/D类企业占比", "各县(市、区)亩均税收"])
    assert "玉环市" in seen["body"] and "地图与数据未对应的区域" in seen["body"]
    _keep_screenshot(seen["screenshot"], "regions_report")


def test_index_uncertainty_report_renders_offline(
        browser: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("index")
    (folder / "index.yaml").write_text(INDEX_CONFIG, encoding="utf-8")
    (folder / "data.csv").write_text(INDEX_TABLE, encoding="utf-8")
    result = runner.invoke(app, [
        "index", "uncertainty", "--config", str(folder / "index.yaml"), "--data",
        str(folder / "data.csv"), "--year", "2024", "--runs", "200", "--sobol", "64",
        "--report", "--out", str(folder / "u")])
    assert result.exit_code == 0, result.output
    seen = open_offline(browser, folder / "u" / "demo_index_report.html", charts=2)
    assert_rendered(seen, 2, ["排名稳健性", "敏感性分析:Sobol指数", "丙县"])
    assert "示例县域指数" in seen["body"]
    _keep_screenshot(seen["screenshot"], "index_report")


def _keep_screenshot(shot: Path, name: str) -> None:
    """With $TIANGONG_SCREENSHOTS set, copy the screenshot there to look at it."""
    import os

    target = os.environ.get("TIANGONG_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(target) / f"{name}.png")
