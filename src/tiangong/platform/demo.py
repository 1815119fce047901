"""The platform part of `tiangong demo`: a database with the demo county, its towns and
departments, the published demo run and one account per role.

Apps add their own demo data by registering a seeder (`register_demo_seeder(fn)` in their
AppConfig.ready); each seeder gets the DemoContext after the core seeder made regions,
departments and accounts. The evaluation app's seeder publishes the demo run.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEMO_PASSWORD = "tiangong-demo"
DEPARTMENTS = [("tax", "税务局"), ("power", "供电公司"), ("natres", "自然资源和规划局"),
               ("stats", "统计局"), ("env", "生态环境分局")]


@dataclass
class DemoContext:
    store: Path
    run_id: str
    county: Any = None
    towns: dict[str, Any] = field(default_factory=dict)
    departments: dict[str, Any] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)  # by role
    notes: list[str] = field(default_factory=list)


Seeder = Callable[[DemoContext], None]
_SEEDERS: list[tuple[int, Seeder]] = []


def register_demo_seeder(seeder: Seeder, order: int = 50) -> None:
    if all(s is not seeder for _, s in _SEEDERS):
        _SEEDERS.append((order, seeder))


class DemoRefused(Exception):
    """The demo cannot be seeded here (a database already holding regions, no run); the message
    is for the console."""


def build_demo_platform(db: Path, store: Path, run_id: str) -> DemoContext:
    """`tiangong demo`: create `db` afresh (a demo database, rebuilt on every demo run), migrate
    it and seed it with `seed_demo`."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    os.environ["TIANGONG_PLATFORM_DB"] = str(db.resolve())
    os.environ["TIANGONG_STORE"] = str(store.resolve())
    from tiangong.cli.serve import _setup, prepare

    _setup(db)
    # the demo makes its own accounts: the note asking for a first administrator is moot
    notes = [n for n in prepare() if "还没有账号" not in n]
    ctx = seed_demo(store, run_id)
    ctx.notes[:0] = [n for n in notes if n not in ctx.notes]
    return ctx


def seed_demo(store: Path | str, run_id: str | None = None) -> DemoContext:
    """The one demo builder: seed the configured (migrated, empty) database from run `run_id`
    of `store` (default: the newest run) — regions, departments, one account per role, then
    every app's registered seeder (the publication, requests, projects). `tiangong demo` and
    `tiangong manage platform_demo` both call this."""
    from tiangong.platform.core.context import acting_as
    from tiangong.platform.core.models import Region
    from tiangong.runs import RunStore

    path = Path(store).resolve()
    if not path.is_file():
        raise DemoRefused(f"结果库文件 {path} 不存在：请先运行 tiangong demo 或 "
                          "tiangong evaluate。")
    with RunStore(path, read_only=True) as st:
        runs = st.list()
        if not runs:
            raise DemoRefused(f"结果库 {path} 中没有评价记录：请先运行 tiangong demo。")
        run = st.get(run_id) if run_id else runs[-1]
    if Region.objects.exists():
        raise DemoRefused("数据库中已有区划数据：演示平台只能建在新建的空数据库上"
                          "（tiangong demo 每次都重建演示数据库）。")
    from tiangong.platform.core.calendar import seed_around

    ctx = DemoContext(store=path, run_id=run.id)
    ctx.notes.extend(seed_around(today()))  # deadlines of the demo's requests and objections
    with acting_as(None, "demo"):
        _seed_core(ctx)
        for _, seeder in sorted(_SEEDERS, key=lambda s: s[0]):
            seeder(ctx)
    return ctx


def _seed_core(ctx: DemoContext) -> None:
    from tiangong.platform.core.models import Department, Region, User
    from tiangong.runs import RunStore

    with RunStore(ctx.store, read_only=True) as st:
        res = st.results(ctx.run_id).select(["county_code", "town_code", "town_name"])
    rows = res.to_pylist()
    county_code = rows[0]["county_code"]
    province = Region.objects.create(code=county_code[:2] + "0000", name="浙江省",
                                     level="province")
    city = Region.objects.create(code=county_code[:4] + "00", name="台州市", level="city",
                                 parent=province)
    ctx.county = Region.objects.create(code=county_code, name="黄岩区", level="county",
                                       parent=city)
    for r in sorted({(r["town_code"], r["town_name"]) for r in rows if r["town_code"]}):
        ctx.towns[r[0]] = Region.objects.create(code=r[0], name=r[1] or f"乡镇{r[0]}",
                                                level="town", parent=ctx.county)
    for code, name in DEPARTMENTS:
        ctx.departments[code] = Department.objects.create(county=ctx.county, code=code,
                                                          name=f"黄岩区{name}")
    first_town = ctx.towns[sorted(ctx.towns)[0]]
    for role, username, binding in [
        ("province_analyst", "province", {"region": province}),
        ("city_analyst", "city", {"region": city}),
        ("county_analyst", "analyst", {"region": ctx.county}),
        ("town_official", "town", {"region": first_town}),
        ("department_user", "tax", {"department": ctx.departments["tax"]}),
        ("supervisor", "supervisor", {"region": ctx.county}),
        ("administrator", "admin", {}),
    ]:
        ctx.users[role] = _user(User, username, role, **binding)


def _user(model: Any, username: str, role: str, **binding: Any) -> Any:
    user = model(username=username, role=role, last_name=username, **binding)
    user.full_clean(exclude=["password"])
    user.set_password(DEMO_PASSWORD)
    user.must_change_password = False  # demo accounts: known password, no forced change
    user.save()
    return user


def demo_enterprise_user(ctx: DemoContext, enterprise: Any) -> Any:
    """The demo's enterprise account, bound to `enterprise` (chosen by the evaluation seeder)."""
    from tiangong.platform.core.models import User

    ctx.users["enterprise_user"] = _user(User, "firm", "enterprise_user", enterprise=enterprise)
    return ctx.users["enterprise_user"]


def logins(ctx: DemoContext) -> list[tuple[str, str, str]]:
    """(role label, user name, password) of every demo account."""
    from tiangong.platform.core.roles import Role

    return [(Role.LABELS.get(role, role), u.username, DEMO_PASSWORD)
            for role, u in ctx.users.items()]


def today() -> dt.date:
    return dt.date.today()


def main(argv: list[str] | None = None) -> None:
    """`python -m tiangong.platform.demo DB STORE RUN_ID`: build and print JSON (notes,
    logins). `tiangong demo` runs this in a child process, so that the CLI process (and the
    library tests that run the demo in-process) never configure Django themselves."""
    import json
    import sys

    # Run as __main__, this file is a second module object: use the imported one, whose
    # seeder registry the apps fill in their ready().
    from tiangong.platform import demo

    db, store, run_id = (argv or sys.argv[1:])[:3]
    ctx = demo.build_demo_platform(Path(db), Path(store), run_id)
    print(json.dumps({"notes": ctx.notes, "logins": demo.logins(ctx)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
