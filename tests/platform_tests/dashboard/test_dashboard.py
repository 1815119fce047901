"""The 驾驶舱: figures from sums checked against hand counts (conftest.py's table), scope,
drill-down, the December calendar warning."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from tiangong.platform.core.testing import World

pytestmark = pytest.mark.django_db


def get(client: Client, user: Any, url: str) -> Any:
    client.force_login(user)
    return client.get(url)


def by_code(ranking: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["code"]: r for r in ranking}


def test_county_analyst_sums_not_means(client: Client, world: World, published: Any) -> None:
    r = get(client, world.users["county_analyst"], "/dashboard/")
    assert r.status_code == 200
    ctx = r.context
    assert ctx["f"].year == 2022
    # 东城: Σtax 100+20 over Σland 10+30 (the firm without tax is left out of both) = 3.0;
    # the mean of firm ratios would be (10 + 0.667) / 2 = 5.33.  Σva 370 / Σland 45 = 8.2222.
    # 院桥: 95 / 30 = 3.1667; va 140 / 30 = 4.6667.
    towns = by_code(ctx["ranking"])
    assert set(towns) == {"331003001", "331003100"}
    assert towns["331003001"]["tax_per_mu"] == pytest.approx(3.0)
    assert towns["331003001"]["va_per_mu"] == pytest.approx(8.2222)
    assert towns["331003100"]["tax_per_mu"] == pytest.approx(3.1667)
    assert towns["331003100"]["va_per_mu"] == pytest.approx(4.6667)
    assert [t["code"] for t in ctx["ranking"]] == ["331003100", "331003001"]
    assert towns["331003001"]["va_per_mu_rank"] == 1 and towns["331003100"]["va_per_mu_rank"] == 2
    assert {c["class_code"]: c["n"] for c in ctx["data"]["classes"]} == {"A": 2, "B": 2, "C": 1}
    # County: Σtax 215 / Σland 70 = 3.0714; Σva 510 / Σland 75 = 6.8.
    assert ctx["totals"]["n"] == 5
    assert ctx["totals"]["tax_per_mu"] == pytest.approx(3.0714)
    assert ctx["totals"]["va_per_mu"] == pytest.approx(6.8)
    # Trend: 2021 东城 only, 50 / 25 = 2.0, va 4.0; 2022 tax 3.0714 → +53.57 %.
    trend = {t["year"]: t for t in ctx["data"]["trend"]}
    assert trend[2021]["tax_per_mu"] == pytest.approx(2.0)
    assert trend[2022]["tax_per_mu_yoy"] == pytest.approx(3.0714 / 2.0 - 1, abs=1e-3)
    text = r.content.decode()
    assert 'id="dashboard-data"' in text and "<table" in text and "院桥镇" in text


def test_filters_and_htmx_partial(client: Client, world: World, published: Any) -> None:
    user = world.users["county_analyst"]
    r = get(client, user, "/dashboard/?class=B")
    assert r.context["totals"]["n"] == 2
    # B firms only: 东城 tax 20 / land 30 = 0.6667
    assert by_code(r.context["ranking"])["331003001"]["tax_per_mu"] == pytest.approx(0.6667)
    r = client.get("/dashboard/?year=2021&town=331003001", HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "<html" not in r.content.decode()
    assert r.context["totals"]["n"] == 1 and r.context["totals"]["tax_per_mu"] == 2.0
    assert get(client, user, "/dashboard/?group=below").context["totals"]["n"] == 0


def test_town_official_sees_only_its_town(client: Client, world: World, published: Any) -> None:
    # The county's figures, cached first, must not be served to the town (cache keyed by scope).
    assert get(client, world.users["county_analyst"], "/dashboard/").context["totals"]["n"] == 5
    user = world.users["town_official"]  # 东城街道
    r = get(client, user, "/dashboard/")
    assert [t["code"] for t in r.context["ranking"]] == ["331003001"]
    assert r.context["totals"]["n"] == 3
    assert client.get("/dashboard/?town=331003100").status_code == 404
    page = client.get("/dashboard/enterprises/")
    assert page.context["page"].paginator.count == 3
    assert client.get("/dashboard/enterprises/?town=331003100").context[
        "page"].paginator.count == 0


def test_other_county_and_roles(client: Client, world: World, published: Any) -> None:
    r = get(client, world.users["other_county_analyst"], "/dashboard/")
    assert [t["code"] for t in r.context["ranking"]] == ["331004001"]
    assert client.get("/dashboard/?town=331003001").status_code == 404
    for role in ("enterprise_user", "department_user", "expert"):
        assert get(client, world.users[role], "/dashboard/").status_code == 403


def test_city_user_ranks_counties(client: Client, world: World, published: Any) -> None:
    r = get(client, world.users["city_analyst"], "/dashboard/")
    counties = by_code(r.context["ranking"])
    assert set(counties) == {"331003", "331004"}
    assert counties["331003"]["tax_per_mu"] == pytest.approx(3.0714)
    assert counties["331004"]["tax_per_mu"] == pytest.approx(1.0)
    assert r.context["totals"]["n"] == 6


def test_drill_down_links_to_enterprise_page(client: Client, world: World,
                                             published: Any) -> None:
    from tiangong.platform.evaluation.models import PublishedResult

    r = get(client, world.users["county_analyst"], "/dashboard/enterprises/?town=331003001&class=B")
    rows = list(r.context["page"])
    assert len(rows) == 2 and all(x.class_code == "B" for x in rows)
    target = PublishedResult.objects.get(pk=rows[0].pk).get_absolute_url()
    assert target.startswith("/evaluation/results/") and target in r.content.decode()


def test_december_calendar_warning(world: World, published: Any) -> None:
    from tiangong.platform.core.models.calendar import WorkCalendarDay
    from tiangong.platform.dashboard.views import _calendar_warning

    WorkCalendarDay.objects.filter(date__year=2027).delete()
    assert "2027年工作日历尚未导入" in _calendar_warning(dt.date(2026, 12, 1))
    assert _calendar_warning(dt.date(2026, 11, 30)) == ""
    WorkCalendarDay.objects.create(date=dt.date(2027, 1, 1), county=None, is_workday=False,
                                   source="manual")
    assert _calendar_warning(dt.date(2026, 12, 1)) == ""


def test_award_for_province_users(client: Client, world: World, published: Any) -> None:
    from tiangong.platform.dashboard.models import AwardSetting

    AwardSetting.objects.create(region=world.regions["330000"], title="测试鼎", config={
        "name": "测试鼎", "measure": "tax_per_mu", "streak": 2, "streak_award": "金鼎",
        "groups": [{"id": "county", "k": 1, "label": "县（市、区）", "level": "county"}]})
    r = get(client, world.users["province_analyst"], "/dashboard/")
    rows = {x["region_code"]: x for x in r.context["awards"]["rows"]}
    # 2022: 黄岩区 3.0714 (hand count above) beats 路桥区 1.0; it also won 2021 (the only county
    # published then, 2.0), so 2022 is its second year in a row: 金鼎 with streak 2.
    assert rows["331003"]["awarded"] and rows["331003"]["rank"] == 1
    assert not rows["331004"]["awarded"] and rows["331004"]["rank"] == 2
    assert rows["331003"]["streak"] == 2 and rows["331003"]["streak_award"] is True
    assert r.context["awards"]["streak_name"] == "金鼎"
    assert rows["331004"]["streak_award"] is False
    assert "测试鼎" in r.content.decode()
    # No setting above a county analyst: no award panel.
    assert get(client, world.users["county_analyst"], "/dashboard/").context["awards"] is None
