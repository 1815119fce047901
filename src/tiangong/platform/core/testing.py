"""Test helpers for every platform app: a small region tree with departments, enterprises and one
user per role, plus the permission walk over every URL and API endpoint.

    from tiangong.platform.core.testing import make_world, walk_urls

    def test_my_pages(db, client):
        world = make_world()
        world.users["county_analyst"]  # a User bound to 黄岩区 (331003)

The world: 浙江省 330000 › 台州市 331000 › 黄岩区 331003 (towns 331003001 东城街道 and
331003100 院桥镇) and 路桥区 331004 (town 331004001 路桥街道); departments 税务 and 供电 in
黄岩区, 税务 in 路桥区; enterprises A (东城街道), B (院桥镇), C (路桥街道). Users: one per role,
bound inside 黄岩区 (province/city analysts to 浙江省/台州市, town official to 东城街道,
department user to 黄岩区 税务, enterprise user to A), plus `other_county_analyst` (路桥区)
and `other_enterprise_user` (C). Every user's password is `PASSWORD`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tiangong.identity.uscc import org_code_check_char, uscc_check_char
from tiangong.platform.core.roles import Role

PASSWORD = "Tiangong-test-1"


def valid_uscc(county_code: str, serial: int) -> str:
    """A USCC with correct check characters (GB 32100 / GB 11714), e.g. for enterprise fixtures."""
    body = f"{serial:08d}"
    org = body + org_code_check_char(body)
    first17 = "91" + county_code[:6] + org
    return first17 + uscc_check_char(first17)


@dataclass
class World:
    regions: dict[str, Any] = field(default_factory=dict)      # by code
    departments: dict[str, Any] = field(default_factory=dict)  # "331003/tax"
    enterprises: dict[str, Any] = field(default_factory=dict)  # "A", "B", "C"
    users: dict[str, Any] = field(default_factory=dict)        # by role value (+ "other_*")


def make_world() -> World:
    from tiangong.platform.core.context import acting_as
    from tiangong.platform.core.models import Department, Enterprise, Region, User

    w = World()
    with acting_as(None, "fixture"):
        for code, name, level, parent in [
            ("330000", "浙江省", "province", None), ("331000", "台州市", "city", "330000"),
            ("331003", "黄岩区", "county", "331000"), ("331004", "路桥区", "county", "331000"),
            ("331003001", "东城街道", "town", "331003"), ("331003100", "院桥镇", "town", "331003"),
            ("331004001", "路桥街道", "town", "331004")]:
            w.regions[code] = Region.objects.create(
                code=code, name=name, level=level,
                parent=w.regions[parent] if parent else None)
        for county, code, name in [("331003", "tax", "黄岩区税务局"),
                                   ("331003", "power", "黄岩供电公司"),
                                   ("331004", "tax", "路桥区税务局")]:
            w.departments[f"{county}/{code}"] = Department.objects.create(
                county=w.regions[county], code=code, name=name)
        for key, town, serial in [("A", "331003001", 1), ("B", "331003100", 2),
                                  ("C", "331004001", 3)]:
            w.enterprises[key] = Enterprise.objects.create(
                uscc=valid_uscc(town, serial), name=f"示例企业{key}", region=w.regions[town],
                industry_code="3311")
        bindings: dict[str, dict[str, Any]] = {
            Role.PROVINCE_ANALYST: {"region": w.regions["330000"]},
            Role.CITY_ANALYST: {"region": w.regions["331000"]},
            Role.COUNTY_ANALYST: {"region": w.regions["331003"]},
            Role.TOWN_OFFICIAL: {"region": w.regions["331003001"]},
            Role.DEPARTMENT_USER: {"department": w.departments["331003/tax"]},
            Role.ENTERPRISE_USER: {"enterprise": w.enterprises["A"]},
            Role.EXPERT: {},
            Role.SUPERVISOR: {"region": w.regions["331003"]},
            Role.ADMINISTRATOR: {},
        }
        for role, binding in bindings.items():
            w.users[str(role)] = make_user(str(role), str(role), **binding)
        w.users["other_county_analyst"] = make_user(
            "other_county_analyst", Role.COUNTY_ANALYST, region=w.regions["331004"])
        w.users["other_enterprise_user"] = make_user(
            "other_enterprise_user", Role.ENTERPRISE_USER, enterprise=w.enterprises["C"])
    assert User.objects.count() == len(w.users)
    return w


def make_user(username: str, role: str, **binding: Any) -> Any:
    from tiangong.platform.core.models import User

    user = User(username=username, role=role, last_name=username, **binding)
    user.full_clean(exclude=["password"])
    user.set_password(PASSWORD)
    user.save()
    return user


@dataclass(frozen=True)
class Visit:
    name: str
    url: str
    role: str
    status: int


def url_patterns(urlconf: Any = None) -> list[tuple[str, str]]:
    """(name, route) of every named URL pattern, namespaces joined with ':'."""
    from django.urls import URLPattern, URLResolver, get_resolver

    out: list[tuple[str, str]] = []

    def walk(patterns: Iterable[Any], prefix: str, ns: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern),
                     f"{ns}{p.namespace}:" if p.namespace else ns)
            elif isinstance(p, URLPattern) and p.name:
                out.append((ns + p.name, prefix + str(p.pattern)))

    walk(get_resolver(urlconf).url_patterns, "", "")
    return out


def walk_urls(client: Any, users: Mapping[str, Any], urls: Mapping[str, str]) -> list[Visit]:
    """GET every url in `urls` (name → concrete path) as every user; returns the visits so a
    test can compare them with the expected matrix (who gets 200, 302, 403, 404)."""
    visits = []
    for role, user in users.items():
        client.force_login(user)
        for name, url in urls.items():
            visits.append(Visit(name, url, role, client.get(url).status_code))
        client.logout()
    return visits


@dataclass(frozen=True)
class ApiCall:
    method: str
    path: str  # the schema's path template, e.g. /api/core/enterprises/{uscc}
    url: str   # the concrete URL called
    role: str
    status: int


def api_operations(client: Any) -> list[tuple[str, str]]:
    """(METHOD, path template) of every operation in /api/openapi.json."""
    schema = client.get("/api/openapi.json").json()
    return sorted((method.upper(), path) for path, ops in schema["paths"].items()
                  for method in ops if method in ("get", "post", "put", "patch", "delete"))


def walk_api(client: Any, users: Mapping[str, Any],
             calls: Mapping[tuple[str, str], tuple[str, Any]]) -> list[ApiCall]:
    """Call every API operation as every user with a Bearer token.

    `calls` maps (METHOD, path template) → (concrete url, JSON body or None)."""
    import json

    from tiangong.platform.core.models import ApiToken

    out = []
    for role, user in users.items():
        key = ApiToken.issue(user, "permission walk")[1]
        headers = {"Authorization": f"Bearer {key}"}
        for (method, template), (url, body) in calls.items():
            response = client.generic(method, url, json.dumps(body) if body is not None else "",
                                      content_type="application/json", headers=headers)
            out.append(ApiCall(method, template, url, role, response.status_code))
    return out
