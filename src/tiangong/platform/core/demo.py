"""The demo platform: regions, departments, enterprises and one account per role, built from a
stored run, so that every page of every app has something true to show right after
`tiangong demo`.

Region names come from the demo's own vocabulary (Zhejiang counties and cities) and the run's
town names; every other code is named after itself. Accounts share one password and are not
forced to change it (they are demo accounts, printed on the console, never for production).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from tiangong.platform.core.context import acting_as
from tiangong.platform.core.importers import ImportReport, import_enterprises, upsert_regions
from tiangong.platform.core.roles import Role

DEMO_PASSWORD = "tiangong-demo"
# The departments a county's 亩均 data and 直通 requests go to (services-research.md).
DEPARTMENTS = [("econ", "经济和信息化局"), ("tax", "税务局"), ("power", "供电公司"),
               ("natres", "自然资源和规划局"), ("stats", "统计局"), ("eco", "生态环境分局"),
               ("safety", "应急管理局"), ("market", "市场监督管理局"),
               ("housing", "住房和城乡建设局"), ("direct", "企业服务中心（直通办）")]


@dataclass
class DemoPlatform:
    run_id: str
    regions: ImportReport
    enterprises: ImportReport
    departments: int = 0
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # user, role, binding


def _names(codes: set[str], towns: dict[str, str]) -> dict[str, str]:
    from tiangong.demo import vocabulary as vocab

    names = {c: n for c, n in vocab.ZHEJIANG_COUNTIES}
    names |= {c + "00": n + "市" for c, n in vocab.ZHEJIANG_CITIES}
    names |= {"330000": "浙江省"} | towns
    return {c: names.get(c, f"区划{c}") for c in codes}


def build_demo_platform(store: str | Path | None, run_id: str | None = None) -> DemoPlatform:
    """Load regions, departments, enterprises and demo accounts from run `run_id` (default:
    the newest run) of the store. Idempotent: a second call updates nothing it need not."""
    import pandas as pd

    from tiangong.regions.divisions import Regions
    from tiangong.runs import RunStore

    with RunStore(store, read_only=True) as rs:
        runs = rs.list()
        if not runs:
            raise ValueError("结果库中没有评价记录：请先运行 tiangong demo")
        run = rs.get(run_id) if run_id else runs[-1]
        table = rs.inputs(run.id)["enterprises"]
    frame = table.select(["county_code", "town_code", "town_name"]).to_pandas()
    towns = {str(t): str(n) for t, n in zip(frame["town_code"], frame["town_name"], strict=True)
             if isinstance(t, str) and isinstance(n, str)}
    codes = {str(c) for c in pd.concat([frame["county_code"], frame["town_code"]]).dropna()}
    units = Regions.from_codes(codes).units
    names = _names(set(units["code"]), towns)
    rows = [{"code": str(r.code), "name": names[str(r.code)], "level": str(r.level),
             "parent": str(r.parent_code) if isinstance(r.parent_code, str) else ""}
            for r in units.itertuples(index=False)]
    with acting_as(None, f"demo-{run.id}"), transaction.atomic():
        region_report = upsert_regions(rows)
        enterprise_report = import_enterprises(table)
        result = DemoPlatform(run.id, region_report, enterprise_report)
        result.departments = _departments()
        result.accounts = _accounts()
    return result


def _departments() -> int:
    from tiangong.platform.core.models import Department, Region

    made = 0
    for county in Region.objects.filter(level="county"):
        for code, name in DEPARTMENTS:
            _, created = Department.objects.get_or_create(
                county=county, code=code, defaults={"name": f"{county.name}{name}"})
            made += created
    return made


def _accounts() -> list[tuple[str, str, str]]:
    """One account per role inside the county with the most enterprises."""
    from django.db.models import Count

    from tiangong.platform.core.models import Department, Enterprise, Region, User

    county = (Region.objects.filter(level="county")
              .annotate(n=Count("children__enterprises")).order_by("-n", "code").first())
    if county is None:
        return []
    town = county.children.annotate(n=Count("enterprises")).order_by("-n", "code").first()
    firm = Enterprise.objects.filter(region=town).order_by("uscc").first() if town else None
    bindings: list[tuple[str, str, dict[str, Any]]] = [
        ("demo_county", Role.COUNTY_ANALYST, {"region": county}),
        ("demo_town", Role.TOWN_OFFICIAL, {"region": town}),
        ("demo_tax", Role.DEPARTMENT_USER,
         {"department": Department.objects.get(county=county, code="tax")}),
        ("demo_direct", Role.DEPARTMENT_USER,
         {"department": Department.objects.get(county=county, code="direct")}),
        ("demo_enterprise", Role.ENTERPRISE_USER, {"enterprise": firm}),
        ("demo_supervisor", Role.SUPERVISOR, {"region": county}),
        ("demo_city", Role.CITY_ANALYST, {"region": county.parent}),
        ("demo_province", Role.PROVINCE_ANALYST,
         {"region": county.parent.parent if county.parent else None}),
        ("demo_expert", Role.EXPERT, {}),
        ("demo_admin", Role.ADMINISTRATOR, {}),
    ]
    out = []
    for username, role, binding in bindings:
        if any(v is None for v in binding.values()):
            continue
        user = User.objects.filter(username=username).first() or User(username=username)
        user.role, user.last_name = role, Role.LABELS[role]
        user.region = binding.get("region")
        user.department = binding.get("department")
        user.enterprise = binding.get("enterprise")
        user.must_change_password = False
        user.full_clean(exclude=["password"])
        user.set_password(DEMO_PASSWORD)
        user.save()
        where = binding.get("region") or binding.get("department") or binding.get("enterprise")
        out.append((username, Role.LABELS[role], str(where or "")))
    return out
