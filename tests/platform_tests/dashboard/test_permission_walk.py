"""The 驾驶舱's routes as every role (the platform's permission walk, for this app): the hand-
written table below must name every route of the `dashboard:` namespace, so a new route without a
decided answer fails, and the same for its API operations (/api/dashboard/…). Dashboard roles
read (403 for department, enterprise and expert users: no dashboard); out-of-scope objects answer
404; the boundary upload is the county analyst's."""

from __future__ import annotations

from typing import Any

from ..walk import (
    ROLES,
    assert_api_anonymous_is_401,
    assert_api_walk,
    assert_operations_covered,
    assert_page_walk,
    assert_pages_send_anonymous_to_login,
    assert_routes_covered,
)

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
    assert_routes_covered(("dashboard",), table)
    assert_page_walk(client, world, table)
    assert_pages_send_anonymous_to_login(client, table)


# The index setting is the province's: province and city users (under it) have an index; county,
# town and supervisor users (bound to a county) and the administrator (no region) have none: 404.
HAS_INDEX = {"province_analyst", "city_analyst"}


def test_every_dashboard_api_operation_as_every_role(world: Any, published: Any,
                                                     client: Any) -> None:
    from tiangong.platform.dashboard.models import IndexSetting

    IndexSetting.objects.create(region=world.regions["330000"], title="浙江省综合指数")
    table: dict[tuple[str, str], tuple[str, None, dict[str, int]]] = {
        ("GET", "/api/dashboard/quality"): ("/api/dashboard/quality?year=2022", None,
                                            _dashboard()),
        ("GET", "/api/dashboard/indices"): ("/api/dashboard/indices?year=2022", None, {
            r: (200 if r in HAS_INDEX else 404) if r in DASHBOARD else 403 for r in ROLES}),
    }
    assert_operations_covered(client, ("/api/dashboard/",), table)
    assert_api_walk(client, world, table)
    assert_api_anonymous_is_401(client, table)
