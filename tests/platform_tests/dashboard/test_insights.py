"""The 驾驶舱's data-quality panel and composite indices.

Quality: a real intake of generated departmental exports (tiangong.intake.assemble) kept in a
real run store with the run evaluated from it, published through the real publication code; the
per-source counts on the page are checked against the intake's ledger (every physical row and its
fate, a different table from the reconciliation the summary sums) and the intake record's own
totals. Indices: the hand-countable rows of conftest.py plus a third county, computed by hand
below under the default configuration.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tiangong.platform.core.testing import World, make_user, valid_uscc

YEAR = 2022


@pytest.fixture(scope="module")
def intake_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    from tiangong.demo.exports import write_exports
    from tiangong.demo.generator import generate
    from tiangong.evaluation.evaluate import evaluate
    from tiangong.intake.assemble import assemble
    from tiangong.runs import RunStore
    from tiangong.runs.intakes import save_intake

    root = tmp_path_factory.mktemp("intake")
    tables = generate(300, 5, year=YEAR, years=1)
    write_exports(tables, root / "exports", 5, YEAR)
    intake = assemble(root / "exports", YEAR, root / "canonical")
    ev = evaluate("huangyan_2022", root / "canonical", YEAR)
    path = root / "runs.duckdb"
    with RunStore(path) as st:
        kept = save_intake(st, intake)
        ev.fingerprints["intake"] = kept.id
        run = st.save(ev, label="with intake")
        bare = st.save(evaluate("huangyan_2022", tables, YEAR), label="from tables")
    return path, run.id, bare.id


def _publish(world: World, store: Path, run_id: str) -> Any:
    from tiangong.platform.evaluation.publishing import prepare, write_results

    today = dt.date.today()
    pub = prepare(str(store), run_id, world.regions["331003"], today, today + dt.timedelta(7),
                  hide_ranks=True, user=world.users["county_analyst"])
    write_results(pub, lambda done, total, message: None)
    return pub


def _ledger_counts(store: Path, run_id: str) -> dict[str, Counter[str]]:
    """Per source: ledger rows by status (used / quarantined / excluded), read independently."""
    from tiangong.runs import RunStore
    from tiangong.runs.intakes import get_intake, intake_table

    with RunStore(store, read_only=True) as st:
        record = get_intake(st, st.get(run_id).fingerprints["intake"])
        ledger = intake_table(st, record, "ledger").to_pandas()
    out: dict[str, Counter[str]] = {}
    for (source, status), n in ledger.groupby(["source", "status"], observed=True).size().items():
        out.setdefault(str(source), Counter())[str(status)] += int(n)
    return out


def test_quality_summary_matches_the_ledger(world, intake_store, client):
    from tiangong.platform.dashboard.models import IntakeQuality
    from tiangong.runs import RunStore
    from tiangong.runs.intakes import get_intake

    store, run_id, _ = intake_store
    pub = _publish(world, store, run_id)
    stored = IntakeQuality.objects.get(publication=pub)  # written at publication
    summary = stored.summary
    ledger = _ledger_counts(store, run_id)
    for s in summary["sources"]:
        counted = ledger[s["source"]]
        assert s["rows_used"] == counted["used"], s
        assert s["rows_quarantined"] == counted["quarantined"], s
        assert s["rows_excluded"] == counted["excluded"], s
        assert s["rows_read"] == sum(counted.values()), s
    with RunStore(store, read_only=True) as st:
        counts = get_intake(st, stored.intake_id).counts
    assert summary["totals"] == {k: counts[k] for k in (
        "rows_read", "rows_used", "rows_quarantined", "rows_excluded")}
    assert sum(s["n"] for s in summary["severity"]) == counts["quality_rows"]
    assert [s["label"] for s in summary["severity"]] == ["错误", "警告", "提示"]

    client.force_login(world.users["county_analyst"])
    page = client.get(f"/dashboard/quality/?year={YEAR}").content.decode()
    assert "归集数据质量" in page and f"归集批次 {stored.intake_id}" in page
    tax = next(s for s in summary["sources"] if s["source"] == "tax")
    assert (f"<tr><td>税务</td><td>{tax['files']}</td><td>{tax['rows_read']}</td>"
            f"<td>{tax['rows_used']}</td>") in page
    assert 'data-insight="quality"' in page  # the chart, with the tables

    fragment = client.get(f"/dashboard/quality/?year={YEAR}", HTTP_HX_REQUEST="true")
    assert "<html" not in fragment.content.decode() and "税务" in fragment.content.decode()


def test_quality_is_scoped(world, intake_store, client):
    store, run_id, _ = intake_store
    _publish(world, store, run_id)
    seen = {}
    for role in ("county_analyst", "city_analyst", "province_analyst", "supervisor",
                 "administrator", "other_county_analyst", "town_official"):
        client.force_login(world.users[role])
        page = client.get(f"/dashboard/quality/?year={YEAR}").content.decode()
        seen[role] = "黄岩区 · 评价运行" in page
    assert seen == {"county_analyst": True, "city_analyst": True, "province_analyst": True,
                    "supervisor": True, "administrator": True, "other_county_analyst": False,
                    "town_official": False}
    client.force_login(world.users["town_official"])
    assert "按县（市、区）的归集批次统计" in client.get("/dashboard/quality/").content.decode()
    for role in ("department_user", "enterprise_user", "expert"):
        client.force_login(world.users[role])
        assert client.get("/dashboard/quality/").status_code == 403


def test_run_without_intake_says_so(world, intake_store, client):
    store, _, bare = intake_store
    _publish(world, store, bare)
    client.force_login(world.users["county_analyst"])
    page = client.get(f"/dashboard/quality/?year={YEAR}").content.decode()
    assert "未记录其归集批次" in page


# --- composite indices ---------------------------------------------------------------------
# Counties in 2022 (conftest ROWS plus 温岭市 below); ratios are Σ/Σ over firms reporting both:
#   黄岩 331003: tax 215/70 = 3.0714  va 510/75 = 6.8  share A 2/5 = .4  share D 0
#   路桥 331004: tax 1/1 = 1          va 1/1 = 1       share A 0          share D 0
#   温岭 331081: tax 40/20 = 2        va 60/20 = 3     share A 1/2 = .5   share D 1/2 = .5
# min-max 0–100 (D share inverted, direction -1):
#   tax  100 | 0 | (2-1)/(215/70-1) = 14/29 → 48.2759     va  100 | 0 | 2/5.8 → 34.4828
#   A    80  | 0 | 100                                      D   100 | 100 | 0
#   yield (tax, va equal) 100 | 0 | 41.3793; structure (A, D equal) 90 | 50 | 50
#   index = (2·yield + structure) / 3 → 96.67 | 16.67 | 44.25; ranks 1 | 3 | 2
EXPECTED = {"331003": (1, 96.67), "331081": (2, 44.25), "331004": (3, 16.67)}


@pytest.fixture
def third_county(world: World, published: dict[tuple[str, int], Any]) -> None:
    from tiangong.platform.core.models import Enterprise, Region
    from tiangong.platform.evaluation.models import Publication, PublishedResult

    county = Region.objects.create(code="331081", name="温岭市", level="county",
                                   parent=world.regions["331000"])
    town = Region.objects.create(code="331081001", name="太平街道", level="town", parent=county)
    today = dt.date.today()
    pub = Publication.objects.create(
        run_id="R331081", digest="0" * 64, scheme_id="huangyan_2022", scheme_title="办法",
        year=YEAR, county=county, start=today, end=today, state=Publication.PUBLISHED)
    for i, (cls, tax, land, va) in enumerate([("A", 40.0, 10.0, 50.0), ("D", 0.0, 10.0, 10.0)]):
        ent = Enterprise.objects.create(uscc=valid_uscc("331081001", 300 + i), name=f"温岭{i}",
                                        region=town, industry_code="3311")
        PublishedResult.objects.create(
            publication=pub, enterprise=ent, region=town, uscc=ent.uscc, name=ent.name,
            year=YEAR, industry_code="3311", group="above", group_label="规上",
            class_code=cls, eval_tax=tax, land_area=land, value_added=va)


def test_indices_ranked_as_computed_by_hand(world, third_county, client):
    from tiangong.platform.dashboard.indices import indices
    from tiangong.platform.dashboard.models import IndexSetting

    IndexSetting.objects.create(region=world.regions["331000"], title="台州市亩均效益综合指数")
    result = indices(world.users["city_analyst"], YEAR)
    assert result is not None and result["error"] == ""
    assert {r["code"]: (r["rank"], r["index"]) for r in result["rows"]} == EXPECTED
    assert [r["code"] for r in result["rows"]] == ["331003", "331081", "331004"]
    dims = {c["key"]: i for i, c in enumerate(result["columns"])}
    first = result["rows"][0]["values"]
    assert first[dims["yield"]] == 100.0 and first[dims["structure"]] == 90.0

    client.force_login(world.users["city_analyst"])
    page = client.get(f"/dashboard/indices/?year={YEAR}").content.decode()
    assert "台州市亩均效益综合指数" in page and 'data-insight="indices"' in page
    assert "<td>1</td><td><a" in page and "96.67" in page
    # the dashboard loads the panel for a city user, not for a county analyst
    assert "/dashboard/indices/" in client.get(f"/dashboard/?year={YEAR}").content.decode()
    client.force_login(world.users["county_analyst"])
    assert "/dashboard/indices/" not in client.get(f"/dashboard/?year={YEAR}").content.decode()
    page = client.get(f"/dashboard/indices/?year={YEAR}").content.decode()
    assert 'data-insight="indices"' not in page and "您所在区域未配置综合指数" in page


def test_indices_respect_scope_and_bad_config(world, third_county, client):
    from tiangong.platform.dashboard.indices import check_config, indices
    from tiangong.platform.dashboard.models import IndexSetting

    setting = IndexSetting.objects.create(region=world.regions["330000"])
    # a province user sees every county of the province
    assert len(indices(world.users["province_analyst"], YEAR)["rows"]) == 3
    # a city analyst bound elsewhere (丽水市, no firms) sees none of them
    from tiangong.platform.core.models import Region

    lishui = Region.objects.create(code="331100", name="丽水市", level="city",
                                   parent=world.regions["330000"])
    other_city = make_user("lishui", "city_analyst", region=lishui)
    assert "不足两个" in indices(other_city, YEAR)["error"]
    setting.config = {"id": "x", "name": "x", "indicators": {"gdp": {"label": "GDP"}},
                      "hierarchy": {"index": {"gdp": 1}}}
    setting.save()
    assert "gdp" in indices(world.users["province_analyst"], YEAR)["error"]
    assert "可用指标" in check_config(setting.config)
    assert "hierarchy" in check_config({"id": "x", "name": "x",
                                        "indicators": {"tax_per_mu": {"label": "亩均税收"}},
                                        "hierarchy": {"index": {"va_per_mu": 1}}})
