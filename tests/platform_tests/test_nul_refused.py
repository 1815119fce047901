"""A NUL character in a query string is refused with 400 before any view runs: JSON for the
API (what every API answer is), the error page elsewhere."""

from __future__ import annotations

from django.test import Client

from tiangong.platform.core.testing import World


def test_nul_in_a_query_string(world: World, client: Client) -> None:
    client.force_login(world.users["county_analyst"])
    api = client.get("/api/projects/projects?team=%00")
    assert api.status_code == 400 and api["Content-Type"] == "application/json"
    assert api.json() == {"detail": "请求地址中含有无效字符，请检查后重试。"}
    page = client.get("/projects/?team=%00")
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")
    assert "请求地址中含有无效字符" in page.content.decode()
