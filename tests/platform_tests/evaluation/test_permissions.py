"""Permission walk: every URL and API route of the evaluation app, GET as every role, against
the expected matrix (out of scope: 404, never 403; the 公示 pages public); plus the API by
bearer token."""

from __future__ import annotations

import datetime as dt

import pytest

from tiangong.platform.core.models import ApiToken
from tiangong.platform.core.testing import url_patterns, walk_urls
from tiangong.platform.evaluation.models import Objection, PublishedResult

ALL = ["province_analyst", "city_analyst", "county_analyst", "town_official", "department_user",
       "enterprise_user", "expert", "supervisor", "administrator", "other_county_analyst",
       "other_enterprise_user", "firm_user", "anonymous"]


@pytest.fixture
def objects(world, published, firm_user):
    own = PublishedResult.objects.get(publication=published, enterprise=firm_user.enterprise)
    other_town = PublishedResult.objects.filter(publication=published).exclude(
        region__code="331003001").order_by("uscc").first()
    objection = Objection.objects.create(result=own, enterprise=own.enterprise,
                                         filed_by=firm_user, reason="测试")
    return {"pub": published, "own": own, "other_town": other_town, "objection": objection}


def _expected(name: str, role: str) -> int:
    """Status of GET `name` for `role` (200 read, 302 to login, 403 no right, 404 out of scope,
    405 POST-only routes)."""
    county_region = {"province_analyst", "city_analyst", "county_analyst", "supervisor",
                     "administrator"}
    public = {"gongshi_index", "gongshi_list", "gongshi_pdf"}
    if name in public:
        return 200
    if role == "anonymous":
        return 302
    if name in {"objection_file", "objection_action", "objection_link", "upload", "evaluate",
                "publish", "what_if_start", "what_if_all"}:
        return 405
    if name == "home":
        return 302 if role == "firm_user" else 200
    if name == "analyst_home":
        return 200 if role in {"county_analyst", "other_county_analyst"} else 403
    if name == "objection_list":
        return 200
    sees_pub = role in county_region
    if name == "publication_detail":
        return 200 if sees_pub or role in {"town_official", "firm_user"} else 404
    if name in {"result_detail", "result_pdf", "own_detail", "objection_detail",
                "what_if_panel"}:
        return 200 if sees_pub or role in {"town_official", "firm_user"} else 404
    if name in {"other_town_detail"}:
        return 200 if sees_pub else 404
    raise AssertionError(f"no expectation for {name}")


def test_every_route_as_every_role(client, world, objects, firm_user, monkeypatch):
    # Permissions only: the PDF renderer is replaced by a constant (PDF content: test_pages).
    monkeypatch.setattr("tiangong.platform.evaluation.views.pdfs.render_pdf",
                        lambda template, context: b"%PDF-1.7 permission walk")
    pub, own, other, obj = (objects[k] for k in ("pub", "own", "other_town", "objection"))
    urls = {
        "home": "/evaluation/", "gongshi_index": "/evaluation/gongshi/",
        "gongshi_list": f"/evaluation/gongshi/{pub.pk}/",
        "gongshi_pdf": f"/evaluation/gongshi/{pub.pk}/pdf/",
        "publication_detail": f"/evaluation/publications/{pub.pk}/",
        "result_detail": f"/evaluation/results/{own.pk}/",
        "other_town_detail": f"/evaluation/results/{other.pk}/",
        "result_pdf": f"/evaluation/results/{own.pk}/pdf/",
        "what_if_panel": f"/evaluation/results/{own.pk}/what-if/",
        "what_if_start": f"/evaluation/results/{own.pk}/what-if/exact/",
        "what_if_all": f"/evaluation/publications/{pub.pk}/what-if/",
        "objection_file": f"/evaluation/results/{own.pk}/object/",
        "objection_list": "/evaluation/objections/",
        "objection_detail": f"/evaluation/objections/{obj.pk}/",
        "objection_link": f"/evaluation/objections/{obj.pk}/link/",
        "objection_action": f"/evaluation/objections/{obj.pk}/forward/",
        "analyst_home": "/evaluation/analyst/", "upload": "/evaluation/analyst/upload/",
        "evaluate": "/evaluation/analyst/evaluate/", "publish": "/evaluation/analyst/publish/",
    }
    routes = {n.split(":", 1)[1] for n, _ in url_patterns() if n.startswith("evaluation:")}
    assert routes <= set(urls), routes - set(urls)  # a new route needs a row here
    users = {**{r: world.users[r] for r in ALL if r in world.users}, "firm_user": firm_user}
    visits = walk_urls(client, users, urls)
    for name, url in urls.items():  # anonymous
        visits_anon = client.get(url).status_code
        assert visits_anon == _expected(name, "anonymous"), (name, visits_anon)
    wrong = [(v.name, v.role, v.status, _expected(v.name, v.role)) for v in visits
             if v.status != _expected(v.name, v.role)]
    assert not wrong, wrong


def test_api_routes_as_every_role(client, world, objects, firm_user):
    pub, own, other, obj = (objects[k] for k in ("pub", "own", "other_town", "objection"))
    users = {**{r: world.users[r] for r in ALL if r in world.users}, "firm_user": firm_user}
    for role, user in users.items():
        client.force_login(user)
        sees_pub = role in {"province_analyst", "city_analyst", "county_analyst", "supervisor",
                            "administrator"}
        in_pub = sees_pub or role in {"town_official", "firm_user"}
        pubs = client.get("/api/evaluation/publications").json()
        assert ([p["id"] for p in pubs] == [pub.pk]) == in_pub, role
        status = client.get(f"/api/evaluation/publications/{pub.pk}/results").status_code
        assert status == (200 if in_pub else 404), (role, status)
        own_status = client.get(f"/api/evaluation/results/{own.pk}").status_code
        expect_own = 200 if sees_pub or role in {"town_official", "firm_user"} else 404
        assert own_status == expect_own, (role, own_status)
        other_status = client.get(f"/api/evaluation/results/{other.pk}").status_code
        assert other_status == (200 if sees_pub else 404), (role, other_status)
        assert client.get(f"/api/evaluation/objections/{obj.pk}").status_code == expect_own
        client.logout()


def test_api_by_bearer_token_has_the_users_scope(client, world, objects, firm_user):
    _, key = ApiToken.issue(firm_user, "企业码")
    own, other = objects["own"], objects["other_town"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    detail = client.get(f"/api/evaluation/results/{own.pk}", **auth).json()
    assert detail["uscc"] == own.uscc and detail["items"] and detail["explanation"]
    assert client.get(f"/api/evaluation/results/{other.pk}", **auth).status_code == 404
    bad = client.get(f"/api/evaluation/results/{own.pk}", HTTP_AUTHORIZATION="Bearer nope")
    assert bad.status_code == 401 and "令牌无效" in bad.json()["detail"]


def test_every_api_operation_as_every_role(client, world, objects, firm_user):
    """Each /api/evaluation/ operation (the schema's list must equal this table) called with a
    Bearer token per role, anonymous too (401). Writes get a fresh objection per role, so that
    one role's move does not change what the next one meets."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tiangong.platform.core.testing import api_operations

    from .test_objections import _seed

    _seed(dt.date.today())
    pub, own, other = objects["pub"], objects["own"], objects["other_town"]
    users = {**{r: world.users[r] for r in ALL if r in world.users}, "firm_user": firm_user}
    sees_pub = {"province_analyst", "city_analyst", "county_analyst", "supervisor",
                "administrator"}
    in_pub = sees_pub | {"town_official", "firm_user"}

    def fresh() -> Objection:
        return Objection.objects.create(result=own, enterprise=own.enterprise,
                                        filed_by=firm_user, reason="走查")

    def scoped(ok: int, group: set[str]) -> dict[str, int]:
        return {r: ok if r in group else 404 for r in users}

    table = {
        ("GET", "/api/evaluation/publications"): (lambda: "/api/evaluation/publications",
                                                  dict.fromkeys(users, 200)),
        ("GET", "/api/evaluation/publications/{pk}/results"): (
            lambda: f"/api/evaluation/publications/{pub.pk}/results", scoped(200, in_pub)),
        ("GET", "/api/evaluation/results/{pk}"): (
            lambda: f"/api/evaluation/results/{other.pk}", scoped(200, sees_pub)),
        ("GET", "/api/evaluation/objections"): (lambda: "/api/evaluation/objections",
                                                dict.fromkeys(users, 200)),
        ("GET", "/api/evaluation/objections/{pk}"): (
            lambda: f"/api/evaluation/objections/{fresh().pk}", scoped(200, in_pub)),
        # only the firm itself files (others who see the result: 403)
        ("POST", "/api/evaluation/results/{pk}/objections"): (
            lambda: f"/api/evaluation/results/{own.pk}/objections",
            {**scoped(403, in_pub), "firm_user": 200}),
        # forwarding a filed objection: the town only; others who see it are refused (409)
        ("POST", "/api/evaluation/objections/{pk}/{action}"): (
            lambda: f"/api/evaluation/objections/{fresh().pk}/forward",
            {**scoped(409, in_pub), "town_official": 200}),
    }
    ops = {op for op in api_operations(client) if op[1].startswith("/api/evaluation/")}
    assert ops == set(table)
    wrong = []
    for role, user in [*users.items(), ("anonymous", None)]:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user, 'walk')[1]}"} \
            if user else {}
        for (method, template), (url, expected) in table.items():
            if template.endswith("/results/{pk}/objections"):
                response = client.post(url(), {"reason": "走查", "attachments": [
                    SimpleUploadedFile("证明.pdf", b"%PDF-1.4 walk")]}, **headers)
            elif method == "POST":
                response = client.post(url(), {}, content_type="application/json", **headers)
            else:
                response = client.get(url(), **headers)
            want = expected[role] if user else 401
            if response.status_code != want:
                wrong.append((method, template, role, response.status_code, want))
    assert wrong == []
