"""Shared set-up of the permission walks (test_permission_walk.py for core and example,
test_permission_walk_services_projects.py, dashboard/test_permission_walk.py): the walked roles,
the expected-answer builders for the hand-written tables, and the walks themselves with their
checks, so each walk file holds only its objects and its tables.

Table shapes:
- pages: {url name: (concrete url, {role: status})}
- API:   {(METHOD, path template): (concrete url, JSON body or None, {role: status})}
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from tiangong.platform.core.roles import Role
from tiangong.platform.core.testing import World, api_operations, url_patterns, walk_api, walk_urls

ROLES = [*Role.values, "other_county_analyst", "other_enterprise_user"]

PageTable = Mapping[str, tuple[str, Mapping[str, int]]]
ApiTable = Mapping[tuple[str, str], tuple[str, Any, Mapping[str, int]]]


def sees(group: set[str]) -> dict[str, int]:
    """200 for the roles in `group`, 404 (out of scope) for the others."""
    return {r: 200 if r in group else 404 for r in ROLES}


def only(group: set[str]) -> dict[str, int]:
    """200 for the roles in `group`, 403 (role not allowed) for the others."""
    return {r: 200 if r in group else 403 for r in ROLES}


def every(status: int) -> dict[str, int]:
    """The same answer for every role."""
    return dict.fromkeys(ROLES, status)


def users(world: World) -> dict[str, Any]:
    return {r: world.users[r] for r in ROLES}


def assert_routes_covered(namespaces: Iterable[str], table: PageTable,
                          skipped: Iterable[str] = ()) -> None:
    """Every named route of `namespaces` has a row (or a reason in `skipped`)."""
    names = {n for n, _ in url_patterns() if n.split(":")[0] in set(namespaces)}
    assert names == set(table) | set(skipped)


def assert_operations_covered(client: Any, prefixes: tuple[str, ...], table: ApiTable) -> None:
    """Every API operation under `prefixes` has a row."""
    assert {op for op in api_operations(client) if op[1].startswith(prefixes)} == set(table)


def assert_page_walk(client: Any, world: World, table: PageTable) -> None:
    """GET every page as every role; every answer as the table says."""
    visits = walk_urls(client, users(world), {name: url for name, (url, _) in table.items()})
    wrong = [(v.name, v.role, v.status, table[v.name][1][v.role]) for v in visits
             if v.status != table[v.name][1][v.role]]
    assert wrong == []
    assert len(visits) == len(table) * len(ROLES)


def assert_api_walk(client: Any, world: World, table: ApiTable) -> None:
    """Call every operation as every role (Bearer token); every answer as the table says."""
    calls = walk_api(client, users(world),
                     {k: (url, body) for k, (url, body, _) in table.items()})
    wrong = [(c.method, c.path, c.role, c.status, table[(c.method, c.path)][2][c.role])
             for c in calls if c.status != table[(c.method, c.path)][2][c.role]]
    assert wrong == []
    assert len(calls) == len(table) * len(ROLES)


def assert_pages_send_anonymous_to_login(client: Any, table: PageTable,
                                         public: Iterable[str] = ()) -> None:
    """Signed out, every page but the `public` ones redirects to the sign-in page."""
    client.logout()
    for name, (url, _) in table.items():
        if name in set(public):
            continue
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith("/login/?next="), name


def assert_api_anonymous_is_401(client: Any, table: ApiTable) -> None:
    """Without a token or session, every operation answers 401."""
    client.logout()
    for (method, _), (url, body, _) in table.items():
        response = client.generic(method, url, "" if body is None else json.dumps(body),
                                  content_type="application/json")
        assert response.status_code == 401, (method, url)
