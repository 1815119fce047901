"""The 驾驶舱's routes as every role (the platform's permission walk, for this app): the hand-
written table below must name every route of the `dashboard:` namespace, so a new route without a
decided answer fails. Dashboard roles read (403 for department, enterprise and expert users: no
dashboard); out-of-scope objects answer 404; the boundary upload is the county analyst's."""

from __future__ import annotations

from typing import Any

from tiangong.platform.core.roles import Role
from tiangong.platform.core.testing import url_patterns, walk_urls

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
