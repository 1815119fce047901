"""The JSON API: token and session auth, the same scope as the pages, Chinese JSON errors."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tiangong.platform.core.models import ApiToken, ObjectChange
from tiangong.platform.core.testing import World


def _token(world: World, who: str) -> dict[str, str]:
    _, key = ApiToken.issue(world.users[who], "测试")
    return {"Authorization": f"Bearer {key}"}


def test_openapi_schema_is_public_and_lists_core_paths(world: World, client: Client) -> None:
    schema = client.get("/api/openapi.json").json()
    assert schema["info"]["title"] == "天工平台接口"
    for path in ("/api/core/me", "/api/core/enterprises", "/api/core/enterprises/{uscc}"):
        assert path in schema["paths"]


def test_anonymous_and_bad_token_get_401_json(world: World, client: Client) -> None:
    r = client.get("/api/core/enterprises")
    assert r.status_code == 401 and r.json()["detail"] == "未登录或接口令牌无效。"
    r = client.get("/api/core/enterprises", headers={"Authorization": "Bearer tg_nope"})
    assert r.status_code == 401


def test_revoked_token_is_refused(world: World, client: Client) -> None:
    headers = _token(world, "county_analyst")
    assert client.get("/api/core/me", headers=headers).status_code == 200
    ApiToken.objects.update(revoked=True)
    assert client.get("/api/core/me", headers=headers).status_code == 401


def test_token_acts_with_the_users_scope(world: World, client: Client) -> None:
    headers = _token(world, "town_official")
    me = client.get("/api/core/me", headers=headers).json()
    assert me["role"] == "town_official" and me["region_code"] == "331003001"
    listed = client.get("/api/core/enterprises", headers=headers).json()
    assert listed["count"] == 1 and listed["items"][0]["uscc"] == world.enterprises["A"].uscc
    b = world.enterprises["B"].uscc
    r = client.get(f"/api/core/enterprises/{b}", headers=headers)
    assert r.status_code == 404 and r.json()["detail"] == "未找到该对象，或您无权查看。"


def test_filters(world: World, client: Client) -> None:
    headers = _token(world, "city_analyst")
    get = lambda **q: client.get("/api/core/enterprises", q, headers=headers).json()  # noqa: E731
    assert get()["count"] == 3
    assert get(region="331004")["count"] == 1
    assert get(region="331003")["count"] == 2
    assert get(q="示例企业B")["count"] == 1
    assert get(region="999999")["count"] == 0


def test_patch_by_county_analyst_is_logged_with_the_token_user(world: World,
                                                               client: Client) -> None:
    a = world.enterprises["A"]
    r = client.patch(f"/api/core/enterprises/{a.uscc}", json.dumps({"name": "更正后的名称"}),
                     content_type="application/json",
                     headers={**_token(world, "county_analyst"), "X-Request-ID": "api-1"})
    assert r.status_code == 200 and r.json()["name"] == "更正后的名称"
    change = ObjectChange.objects.get(request_id="api-1")
    assert change.user == world.users["county_analyst"]
    assert change.before["name"] == "示例企业A" and change.after["name"] == "更正后的名称"


@pytest.mark.parametrize("who", ["supervisor", "town_official", "enterprise_user"])
def test_patch_refused_for_other_roles(world: World, client: Client, who: str) -> None:
    a = world.enterprises["A"]
    r = client.patch(f"/api/core/enterprises/{a.uscc}", json.dumps({"name": "x"}),
                     content_type="application/json", headers=_token(world, who))
    assert r.status_code == 403 and "只有县级分析员" in r.json()["detail"]


def test_invalid_input_is_422_in_chinese(world: World, client: Client) -> None:
    a = world.enterprises["A"]
    r = client.patch(f"/api/core/enterprises/{a.uscc}", json.dumps({"industry_code": "33 11"}),
                     content_type="application/json", headers=_token(world, "county_analyst"))
    assert r.status_code == 422 and r.json()["detail"].startswith("请求参数有误")
    r = client.get("/api/core/enterprises", {"page": "0"}, headers=_token(world, "expert"))
    assert r.status_code == 422


def test_session_writes_need_csrf(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["county_analyst"])
    a = world.enterprises["A"]
    assert client.get(f"/api/core/enterprises/{a.uscc}").status_code == 200
    r = client.patch(f"/api/core/enterprises/{a.uscc}", json.dumps({"name": "x"}),
                     content_type="application/json")
    assert r.status_code == 403
