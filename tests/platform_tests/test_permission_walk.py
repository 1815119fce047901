"""The permission walk: every named URL and every API operation, as every role (and anonymous),
against a hand-written table of what each role may read and change.

A new route or API operation without a row in the tables below fails the completeness tests:
its expected answers must be decided, not discovered. Apps keep their own walk in the same shape
(see docs/platform-internals.md §10).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tiangong.platform.core.models import Notification, TaskProgress
from tiangong.platform.core.testing import World, url_patterns
from tiangong.platform.core.workflow import apply_transition
from tiangong.platform.example.models import ExampleCase

from .walk import (
    ROLES,
    assert_api_anonymous_is_401,
    assert_api_walk,
    assert_operations_covered,
    assert_page_walk,
    assert_pages_send_anonymous_to_login,
    assert_routes_covered,
)
from .walk import every as _all
from .walk import sees as _sees

# Who sees enterprise A (东城街道, 黄岩区) — and so the example case filed for A (but the
# department user only once a case is routed to its department; this one is not).
SEES_A = {"province_analyst", "city_analyst", "county_analyst", "town_official",
          "department_user", "enterprise_user", "supervisor", "administrator"}
SEES_CASE = SEES_A - {"department_user"}
# The background task was started by the county analyst for 黄岩区: its owner and the regions
# containing 黄岩区 see it; the town official's region (东城街道) lies below it, not above.
SEES_TASK = {"province_analyst", "city_analyst", "county_analyst", "supervisor",
             "administrator"}
EDITORS = {"county_analyst", "administrator"}


@pytest.fixture
def fixtures(world: World) -> dict[str, Any]:
    case = ExampleCase.objects.create(enterprise=world.enterprises["A"], title="走查事项")
    task = TaskProgress.objects.create(result_id="walk-task", title="走查任务",
                                       user=world.users["county_analyst"],
                                       region=world.regions["331003"])
    note = Notification.objects.create(user=world.users["county_analyst"], title="走查消息")
    event = apply_transition(case, "forward", world.users["town_official"], "附证明",
                             [SimpleUploadedFile("证明.pdf", b"%PDF-1.4 walk")])
    return {"case": case, "task": task, "note": note, "a": world.enterprises["A"],
            "attachment": event.attachments.get()}


def page_table(fx: dict[str, Any]) -> dict[str, tuple[str, dict[str, int]]]:
    a, case, task = fx["a"], fx["case"], fx["task"]
    return {
        # an attachment is readable by whoever may see the object its event belongs to
        "core:attachment": (f"/attachments/{fx['attachment'].pk}/", _sees(SEES_CASE)),
        "core:home": ("/", _all(200)),
        "core:login": ("/login/", _all(302)),           # signed in: sent on to the home page
        "core:logout": ("/logout/", _all(405)),         # POST only
        "core:password_change": ("/password/", _all(200)),
        "core:enterprise_list": ("/enterprises/", _all(200)),  # the rows are scoped
        # an enterprise user is sent to its own page; other roles have no enterprise
        "core:my_enterprise": ("/my-enterprise/", {r: 302 if r.endswith("enterprise_user")
                                                   else 404 for r in ROLES}),
        "core:enterprise_detail": (f"/enterprises/{a.uscc}/", _sees(SEES_A)),
        "core:change_list": ("/changes/", _all(200)),   # the rows are scoped
        "core:notification_list": ("/notifications/", _all(200)),
        "core:task_list": ("/tasks/", _all(200)),
        "core:task_detail": (f"/tasks/{task.result_id}/", _sees(SEES_TASK)),
        "example:case_list": ("/example/", _all(200)),
        "example:case_detail": (f"/example/{case.pk}/", _sees(SEES_CASE)),
        "example:case_action": (f"/example/{case.pk}/forward/", _all(405)),
    }


# Routes deliberately not walked, with the reason.
NOT_WALKED = {"example:boom": "raises on purpose (tests the 500 page)"}


def api_table(fx: dict[str, Any]) -> dict[tuple[str, str], tuple[str, object, dict[str, int]]]:
    a, case, task, note = fx["a"], fx["case"], fx["task"], fx["note"]
    uscc = a.uscc
    patch = {r: (200 if r in EDITORS else 403) if r in SEES_A else 404 for r in ROLES}
    return {
        ("GET", "/api/core/me"): ("/api/core/me", None, _all(200)),
        ("GET", "/api/core/regions"): ("/api/core/regions", None, _all(200)),
        ("GET", "/api/core/enterprises"): ("/api/core/enterprises", None, _all(200)),
        ("GET", "/api/core/enterprises/{uscc}"): (f"/api/core/enterprises/{uscc}", None,
                                                  _sees(SEES_A)),
        ("PATCH", "/api/core/enterprises/{uscc}"): (f"/api/core/enterprises/{uscc}",
                                                    {"industry_code": "3311"}, patch),
        ("GET", "/api/core/notifications"): ("/api/core/notifications", None, _all(200)),
        ("POST", "/api/core/notifications/{notification_id}/read"): (
            f"/api/core/notifications/{note.pk}/read", None,
            _sees({"county_analyst"})),  # only the recipient, administrators included
        ("GET", "/api/core/tasks/{result_id}"): (f"/api/core/tasks/{task.result_id}", None,
                                                 _sees(SEES_TASK)),
        ("GET", "/api/example/cases"): ("/api/example/cases", None, _all(200)),
        ("GET", "/api/example/cases/{case_id}"): (f"/api/example/cases/{case.pk}", None,
                                                  _sees(SEES_CASE)),
    }


def test_every_route_has_a_row(world: World, fixtures: dict[str, Any]) -> None:
    assert_routes_covered(("core", "example"), page_table(fixtures), NOT_WALKED)


def test_every_api_operation_has_a_row(world: World, fixtures: dict[str, Any],
                                       client: Client) -> None:
    # other apps walk their own
    assert_operations_covered(client, ("/api/core/", "/api/example/"), api_table(fixtures))


def test_page_walk(world: World, fixtures: dict[str, Any], client: Client) -> None:
    assert_page_walk(client, world, page_table(fixtures))


def test_pages_send_anonymous_to_login(world: World, fixtures: dict[str, Any],
                                       client: Client) -> None:
    table = page_table(fixtures)
    assert client.get(table["core:login"][0]).status_code == 200
    assert_pages_send_anonymous_to_login(client, table, public={"core:login"})


def test_api_walk(world: World, fixtures: dict[str, Any], client: Client) -> None:
    assert_api_walk(client, world, api_table(fixtures))


def test_api_anonymous_is_401_everywhere(world: World, fixtures: dict[str, Any],
                                         client: Client) -> None:
    assert_api_anonymous_is_401(client, api_table(fixtures))


def test_admin_site_only_for_administrators(world: World, client: Client) -> None:
    """Every admin page without arguments: administrators get in, every other role is sent to
    the admin sign-in page (302); the sign-in page itself answers 200 (its form)."""
    admin_routes = [(n, "/" + r) for n, r in url_patterns()
                    if n.startswith("admin:") and "<" not in r]
    assert len(admin_routes) > 20  # index, login … and changelist/add per registered model
    for role in ROLES:
        client.force_login(world.users[role])
        for name, url in admin_routes:
            status = client.get(url).status_code
            if role == "administrator":
                assert status in (200, 302, 403, 405), (name, status)
                if name.endswith("_changelist") or name == "admin:index":
                    assert status == 200, name
            elif name == "admin:login":
                assert status == 200
            else:  # admin_view wraps every other page, logout included
                assert status == 302, (role, name, status)
        client.logout()
