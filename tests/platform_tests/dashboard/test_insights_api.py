"""The JSON API of the 驾驶舱's quality summary and composite indices (/api/dashboard/…), and
the indices under the 驾驶舱's group and industry filters.

Quality: counts checked against the intake's ledger (test_insights._ledger_counts, an
independent table). Indices under a filter: computed by hand below.
"""

from __future__ import annotations

from typing import Any

import pytest

from tiangong.platform.core.testing import World, valid_uscc

from .test_insights import (  # noqa: F401 (fixtures)
    EXPECTED,
    YEAR,
    _ledger_counts,
    _publish,
    intake_store,
    third_county,
)


def test_quality_api_matches_the_ledger(world, intake_store, client):  # noqa: F811
    store, run_id, _ = intake_store
    _publish(world, store, run_id)
    client.force_login(world.users["county_analyst"])
    r = client.get("/api/dashboard/quality")  # year defaults to the newest published
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["year"] == YEAR and len(body["items"]) == 1
    item = body["items"][0]
    assert item["county_code"] == "331003" and item["run_id"] == run_id and item["error"] == ""
    ledger = _ledger_counts(store, run_id)
    assert {s["source"] for s in item["sources"]} == set(ledger)
    for s in item["sources"]:
        counted = ledger[s["source"]]
        assert (s["rows_used"], s["rows_quarantined"], s["rows_excluded"], s["rows_read"]) == (
            counted["used"], counted["quarantined"], counted["excluded"],
            sum(counted.values())), s
    assert item["totals"]["rows_read"] == sum(sum(c.values()) for c in ledger.values())
    assert [s["label"] for s in item["severity"]] == ["错误", "警告", "提示"]


def test_quality_api_scope_and_errors(world, intake_store, client):  # noqa: F811
    store, run_id, _ = intake_store
    _publish(world, store, run_id)
    seen = {}
    for role in ("county_analyst", "city_analyst", "other_county_analyst", "town_official"):
        client.force_login(world.users[role])
        r = client.get(f"/api/dashboard/quality?year={YEAR}")
        seen[role] = (r.status_code, [i["county_code"] for i in r.json().get("items", [])])
    # 路桥区's analyst has no publication of 2022 in scope: 404, not another county's intake
    assert seen == {"county_analyst": (200, ["331003"]), "city_analyst": (200, ["331003"]),
                    "other_county_analyst": (404, []), "town_official": (200, [])}
    for role in ("enterprise_user", "department_user", "expert"):
        client.force_login(world.users[role])
        r = client.get("/api/dashboard/quality")
        assert r.status_code == 403 and "驾驶舱" in r.json()["detail"]
    client.force_login(world.users["county_analyst"])
    r = client.get("/api/dashboard/quality?year=2019")
    assert r.status_code == 404 and "2019年度" in r.json()["detail"]
    assert client.get("/api/dashboard/quality?year=abc").status_code == 422
    client.logout()
    assert client.get("/api/dashboard/quality").status_code == 401


# --- indices under the group and industry filters ------------------------------------------
# `food` adds 规下 (group "below") firms of industry division 13 to 黄岩 and 温岭; every firm of
# conftest.py and third_county is 规上, division 33, so group=above or industry=33 gives the
# unfiltered EXPECTED of test_insights, and group=below or industry=13 only these:
#   黄岩 331003: B tax 30 land 10 va 50             → tax 3, va 5,  share A 0,  share D 0
#   温岭 331081: A tax 80 land 10 va 120, D tax 0 land 10 va 10
#                                                   → tax 4, va 6.5, share A .5, share D .5
#   (路桥 has no such firm: two counties.) min-max 0–100, D inverted:
#   tax 0 | 100, va 0 | 100 → yield 0 | 100;  A 0 | 100, D 100 | 0 → structure 50 | 50
#   index (2·yield + structure) / 3 = 50/3 = 16.67 | 250/3 = 83.33; ranks 2 | 1
FILTERED = {"331081": (1, 83.33), "331003": (2, 16.67)}
FOOD = [("331003001", "B", 30.0, 10.0, 50.0), ("331081001", "A", 80.0, 10.0, 120.0),
        ("331081001", "D", 0.0, 10.0, 10.0)]


@pytest.fixture
def food(world: World, third_county: None) -> None:  # noqa: F811
    from tiangong.platform.core.models import Enterprise, Region
    from tiangong.platform.evaluation.models import Publication, PublishedResult

    for i, (town_code, cls, tax, land, va) in enumerate(FOOD):
        town = Region.objects.get(code=town_code)
        pub = Publication.objects.get(county__code=town_code[:6], year=YEAR)
        ent = Enterprise.objects.create(uscc=valid_uscc(town_code, 400 + i), name=f"食品{i}",
                                        region=town, industry_code="1311")
        PublishedResult.objects.create(
            publication=pub, enterprise=ent, region=town, uscc=ent.uscc, name=ent.name,
            year=YEAR, industry_code="1311", group="below", group_label="规下",
            class_code=cls, eval_tax=tax, land_area=land, value_added=va)


def _ranks(body: dict[str, Any]) -> dict[str, tuple[int, float]]:
    assert body["error"] == "", body["error"]
    return {r["code"]: (r["rank"], r["index"]) for r in body["rows"]}


def test_indices_api_filtered_by_group_and_industry(world, food, client):
    from tiangong.platform.dashboard.models import IndexSetting

    IndexSetting.objects.create(region=world.regions["331000"], title="台州市亩均效益综合指数")
    client.force_login(world.users["city_analyst"])
    for query, expected in (("", None), ("group=above", EXPECTED), ("industry=33", EXPECTED),
                            ("group=below", FILTERED), ("industry=13", FILTERED),
                            ("group=below&industry=13", FILTERED)):
        r = client.get(f"/api/dashboard/indices?year={YEAR}&{query}")
        assert r.status_code == 200, (query, r.content)
        body = r.json()
        if expected is not None:
            assert _ranks(body) == expected, query
        assert "不按乡镇（街道）和等级筛选" in body["not_filtered"]
    # unfiltered, the food firms change every county but 路桥: not the EXPECTED of above
    assert _ranks(client.get(f"/api/dashboard/indices?year={YEAR}").json()) != EXPECTED
    body = client.get(f"/api/dashboard/indices?year={YEAR}&group=below").json()
    assert body["group_label"] == "规下" and [r["code"] for r in body["rows"]] == [
        "331081", "331003"]
    # one county only under the filter: the reason, no rows
    body = client.get(f"/api/dashboard/indices?year={YEAR}&industry=13&group=above").json()
    assert "不足两个" in body["error"] and body["rows"] == []
    # the page: the same numbers, the filter and what is not filtered said in words
    page = client.get(f"/dashboard/indices/?year={YEAR}&group=below").content.decode()
    assert "筛选：评价组 规下。" in page and "83.33" in page and "16.67" in page
    assert "按乡镇筛选只剩一个县" in page
    # the dashboard passes its filters on to the panel it loads
    page = client.get(f"/dashboard/?year={YEAR}&group=below&industry=13").content.decode()
    assert "/dashboard/indices/?year=2022&amp;group=below&amp;industry=13" in page


def test_indices_api_errors(world, food, client):
    from tiangong.platform.dashboard.models import IndexSetting

    client.force_login(world.users["city_analyst"])
    r = client.get(f"/api/dashboard/indices?year={YEAR}")
    assert r.status_code == 404 and "未配置综合指数" in r.json()["detail"]
    IndexSetting.objects.create(region=world.regions["331000"], title="台州市亩均效益综合指数")
    assert client.get(f"/api/dashboard/indices?year={YEAR}&industry=1311").status_code == 422
    assert client.get(f"/api/dashboard/indices?year={YEAR}&industry=ab").status_code == 422
    r = client.get(f"/api/dashboard/indices?year={YEAR}&group=%00")  # NUL: JSON 400, no page
    assert r.status_code == 400 and r["Content-Type"] == "application/json"
    assert "无效字符" in r.json()["detail"]
    client.force_login(world.users["county_analyst"])  # no index for a county analyst
    assert client.get(f"/api/dashboard/indices?year={YEAR}").status_code == 404
    client.force_login(world.users["enterprise_user"])
    assert client.get(f"/api/dashboard/indices?year={YEAR}").status_code == 403


def test_schema_documents_the_endpoints(client, world):
    schema = client.get("/api/openapi.json").json()
    for path in ("/api/dashboard/quality", "/api/dashboard/indices"):
        responses = schema["paths"][path]["get"]["responses"]
        assert {"200", "403", "404", "422"} <= set(responses), path
