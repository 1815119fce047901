"""Sign-in rate limit, first-login password change, CSRF, CSP, Chinese error pages, upload cap."""

from __future__ import annotations

import pytest
from django.test import Client

from tiangong.platform.core.middleware import CSP
from tiangong.platform.core.testing import PASSWORD, World


def _login(client: Client, username: str, password: str) -> str:
    return client.post("/login/", {"username": username, "password": password}).content.decode()


def test_login_rate_limit(world: World, client: Client, settings) -> None:
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert "用户名或密码不正确" in _login(client, "county_analyst", "wrong")
    page = _login(client, "county_analyst", PASSWORD)  # right password, but throttled
    assert "登录失败次数过多，请 15 分钟后再试" in page
    assert "_auth_user_id" not in client.session
    assert client.post("/login/", {"username": "town_official", "password": PASSWORD}
                       ).status_code == 302  # another account is not blocked


def test_anonymous_is_sent_to_login(world: World, client: Client) -> None:
    response = client.get("/enterprises/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_first_login_must_change_password(world: World, client: Client) -> None:
    user = world.users["town_official"]
    user.must_change_password = True
    user.save()
    client.post("/login/", {"username": "town_official", "password": PASSWORD})
    response = client.get("/enterprises/")
    assert response.status_code == 302 and response["Location"] == "/password/"
    assert "首次登录请先设置您自己的密码" in client.get("/password/").content.decode()
    response = client.post("/password/", {"old_password": PASSWORD,
                                          "new_password1": "Huangyan-2026-new",
                                          "new_password2": "Huangyan-2026-new"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get("/enterprises/").status_code == 200


def test_csrf_failure_page_is_chinese(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()


def test_csp_header_on_every_page(world: World, client: Client) -> None:
    assert client.get("/login/")["Content-Security-Policy"] == CSP
    assert "default-src 'self'" in CSP


def test_404_and_500_pages_are_chinese_without_traceback(world: World) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(world.users["county_analyst"])
    page = client.get("/no/such/page/")
    assert page.status_code == 404 and "页面不存在" in page.content.decode()
    boom = client.get("/example/boom/")
    text = boom.content.decode()
    assert boom.status_code == 500 and "系统出错" in text and "请求编号" in text
    assert "Traceback" not in text and "RuntimeError" not in text


def test_oversized_upload_refused_in_chinese(world: World, client: Client, settings) -> None:
    client.force_login(world.users["town_official"])
    settings.MAX_UPLOAD_BYTES = 1024
    response = client.post("/example/1/forward/", {"note": "x" * 4096})
    assert response.status_code == 413
    assert "上传文件过大" in response.content.decode() and "超过上限" in response.content.decode()


@pytest.mark.parametrize("path", ["/", "/enterprises/", "/tasks/", "/notifications/"])
def test_pages_are_chinese_and_load_only_local_scripts(world: World, client: Client,
                                                       path: str) -> None:
    client.force_login(world.users["county_analyst"])
    page = client.get(path).content.decode()
    assert '<html lang="zh-Hans">' in page and "/static/vendor/htmx.min.js" in page
    assert "http://" not in page and "https://" not in page


def test_expired_session_says_so_and_htmx_gets_a_redirect(world: World, client: Client) -> None:
    client.force_login(world.users["county_analyst"])
    client.session.flush()
    client.cookies.clear()  # what an expired session looks like to the server
    response = client.get("/tasks/", follow=True)
    assert "请先登录（未登录或登录已超时）" in response.content.decode()
    fragment = client.get("/tasks/x/", headers={"HX-Request": "true"})
    assert fragment.status_code == 204 and fragment["HX-Redirect"].startswith("/login/?next=")
