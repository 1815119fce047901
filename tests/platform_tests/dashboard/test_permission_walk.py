"""The 驾驶舱's routes as every role (the platform's permission walk, for this app): the hand-
written table below must name every route of the `dashboard:` namespace, so a new route without a
decided answer fails, and the same for its API operations (/api/dashboard/…). Dashboard roles
read (403 for department, enterprise and expert users: no dashboard); out-of-scope objects answer
404; the boundary upload is the county analyst's."""

from __future__ import annotations

from typing import Any

from tiangong.platform.core.roles import Role
from tiangong.platform.core.testing import api_operations, url_patterns, walk_api, walk_urls

ROLES = [*Role.values, "other_county_analyst", "other_enterprise_user"]
DASHBOARD = {"province_analyst", "city_analyst", "county_analyst", "town_official",
             "supervisor", "administrator", "other_county_analyst"}
# the boundary of 黄岩区: its county and above; the town official draws its county's map
SEES_BOUNDARY = {"province_analyst", "city_analyst", "county_analyst", "town_official",
                 "supervisor", "administrator"}


def _dashboard(ok: int = 200) -> dict[str, int]:
    return {r: ok if r in DASHBOARD else 403 for r in ROLES}


def test_every_dashboard_route_as_every_role(world: Any, published: Any, client: Any) -> None:
    from tiangong.platform.dashboard.models import Boundary

    boundary = Boundary.objects.create(
        region=world.regions["331003"], title="黄岩区乡镇", geojson={
            "type": "FeatureCollection", "features": []}, n_features=0)
    table: dict[str, tuple[str, dict[str, int]]] = {
        "dashboard:home": ("/dashboard/?year=2022", _dashboard()),
        "dashboard:enterprises": ("/dashboard/enterprises/?year=2022", _dashboard()),
        "dashboard:boundaries": ("/dashboard/boundaries/", {
            r: 200 if r in ("county_analyst", "other_county_analyst") else 403 for r in ROLES}),
        "dashboard:boundary_json": (f"/dashboard/boundaries/{boundary.pk}.json", {
            r: 200 if r in SEES_BOUNDARY else 404 if r in DASHBOARD else 403 for r in ROLES}),
        "dashboard:quality": ("/dashboard/quality/?year=2022", _dashboard()),
        "dashboard:indices": ("/dashboard/indices/?year=2022", _dashboard()),
    }
    names = {n for n, _ in url_patterns() if n.startswith("dashboard:")}
    assert names == set(table)
    users = {r: world.users[r] for r in ROLES}
    visits = walk_urls(client, users, {name: url for name, (url, _) in table.items()})
    wrong = [(v.name, v.role, v.status, table[v.name][1][v.role]) for v in visits
             if v.status != table[v.name][1][v.role]]
    assert wrong == []
    assert len(visits) == len(table) * len(ROLES)
    client.logout()
    for name, (url, _) in table.items():
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), name


# The index setting is the province's: province and city users (under it) have an index; county,
# town and supervisor users (bound to a county) and the administrator (no region) have none: 404.
HAS_INDEX = {"province_analyst", "city_analyst"}


def test_every_dashboard_api_operation_as_every_role(world: Any, published: Any,
                                                     client: Any) -> None:
    from tiangong.platform.dashboard.models import IndexSetting

    IndexSetting.objects.create(region=world.regions["330000"], title="浙江省综合指数")
    table: dict[tuple[str, str], tuple[str, dict[str, int]]] = {
        ("GET", "/api/dashboard/quality"): ("/api/dashboard/quality?year=2022", _dashboard()),
        ("GET", "/api/dashboard/indices"): ("/api/dashboard/indices?year=2022", {
            r: (200 if r in HAS_INDEX else 404) if r in DASHBOARD else 403 for r in ROLES}),
    }
    assert {op for op in api_operations(client) if op[1].startswith("/api/dashboard/")} == set(
        table)
    users = {r: world.users[r] for r in ROLES}
    calls = walk_api(client, users, {k: (url, None) for k, (url, _) in table.items()})
    wrong = [(c.path, c.role, c.status, table[(c.method, c.path)][1][c.role]) for c in calls
             if c.status != table[(c.method, c.path)][1][c.role]]
    assert wrong == []
    assert len(calls) == len(table) * len(ROLES)
    client.logout()
    for _, (url, _) in table.items():
        assert client.get(url).status_code == 401
