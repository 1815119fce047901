"""Boundary files: uploaded by the county analyst, checked, rewound (both winding orders give the
same drawable rings), served from the platform, matched by code with mismatches listed."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tiangong.platform.core.testing import World

from .maps import HOLE_CCW, OUTER_CW, as_bytes

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("rfc7946", [True, False])
def test_either_winding_gives_clockwise_exterior_and_ccw_hole(rfc7946: bool) -> None:
    from tiangong.platform.dashboard.boundaries import read_upload

    out = read_upload(as_bytes(rfc7946), "adcode")
    rings = out["features"][0]["geometry"]["coordinates"]
    # Hand-written orientation (maps.py): exterior clockwise, hole counter-clockwise, so a
    # non-zero fill leaves the hole empty whichever order the file used.
    assert rings[0] == OUTER_CW
    assert rings[1] == HOLE_CCW


def upload(client: Client, user: Any, data: bytes, code_property: str = "adcode") -> Any:
    client.force_login(user)
    return client.post("/dashboard/boundaries/", {
        "title": "黄岩区乡镇边界", "code_property": code_property, "name_property": "name",
        "file": SimpleUploadedFile("towns.geojson", data, "application/geo+json")})


def test_upload_serve_and_mismatches(client: Client, world: World, published: Any) -> None:
    analyst = world.users["county_analyst"]
    r = upload(client, analyst, as_bytes(True))
    assert r.status_code == 302
    r = client.get("/dashboard/")
    m = r.context["mismatch"]
    assert m.matched == ["331003001", "331003100"]
    assert m.no_data == [("331003999", "无数据镇")] and m.no_boundary == []
    assert "无数据镇" in r.content.decode()
    url = r.context["data"]["map"]["url"]
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"].startswith("application/json")
    assert served.json()["features"][0]["geometry"]["coordinates"][0] == OUTER_CW
    # The town official of the same county sees the county's map; another county does not.
    client.force_login(world.users["town_official"])
    assert client.get(url).status_code == 200
    client.force_login(world.users["other_county_analyst"])
    assert client.get(url).status_code == 404


def test_bad_upload_gets_a_chinese_message(client: Client, world: World) -> None:
    r = upload(client, world.users["county_analyst"], b"{not json", "adcode")
    assert r.status_code == 200 and "边界文件无法使用" in r.content.decode()
    r = upload(client, world.users["county_analyst"], as_bytes(True), "code")
    assert "边界文件无法使用" in r.content.decode() and "adcode" in r.content.decode()
    client.force_login(world.users["town_official"])
    assert client.get("/dashboard/boundaries/").status_code == 403
