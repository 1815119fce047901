"""Administrator imports: divisions (the user's table), enterprises from a stored run, roster."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from tiangong.evaluation.evaluate import evaluate
from tiangong.evaluation.sources import empty_table
from tiangong.platform.core.models import Enterprise, ObjectChange, Region, User
from tiangong.platform.core.testing import World, valid_uscc
from tiangong.runs import RunStore

DIVISIONS = Path("/work/shared/data/zhejiang_divisions.csv")


@pytest.mark.skipif(not DIVISIONS.exists(), reason="shared divisions table not on this machine")
def test_import_zhejiang_divisions(db: None) -> None:
    call_command("import_divisions", str(DIVISIONS))
    # 101 rows in the file (11 cities, 90 counties) + the province, created from the codes.
    assert Region.objects.count() == 102
    assert Region.objects.filter(level="city").count() == 11
    assert Region.objects.filter(level="county").count() == 90
    zj = Region.objects.get(code="330000")
    assert zj.name == "浙江省" and zj.level == "province"
    xihu = Region.objects.get(code="330106")
    assert xihu.path == "/330000/330100/330106/" and xihu.name == "西湖区"
    call_command("import_divisions", str(DIVISIONS))  # again: nothing changes
    assert Region.objects.count() == 102
    assert ObjectChange.objects.filter(action="update").count() == 0


def _rows() -> list[dict]:
    base = {"year": 2022, "county_code": "331003", "town_name": "东城街道",
            "industry_code": "3311", "size_class": "above", "land_area": 10.0,
            "eval_tax": 100.0, "value_added": 1000.0, "energy_tce": 300.0, "emissions": 1.0,
            "employees": 50, "rd_expense": 100.0, "revenue": 5000.0}
    rows = [{**base, "uscc": valid_uscc("331003", 100 + i), "name": f"导入企业{i}",
             "town_code": "331003001" if i < 3 else "331003200",
             "town_name": "东城街道" if i < 3 else "新前街道", "eval_tax": 100.0 + 10 * i}
            for i in range(5)]
    rows.append({**base, "uscc": "91331003MA00000000", "name": "校验位错误",
                 "town_code": "331003001"})
    return rows


def _tables(rows: list[dict]) -> dict[str, pa.Table]:
    out = {}
    for name in ("enterprises", "events", "tenancies"):
        schema = empty_table(name).schema
        data = rows if name == "enterprises" else []
        out[name] = pa.Table.from_pylist([{f.name: r.get(f.name) for f in schema}
                                          for r in data], schema=schema)
    return out


def test_import_enterprises_from_a_stored_run(world: World, tmp_path: Path) -> None:
    store_path = tmp_path / "runs.duckdb"
    with RunStore(store_path) as store:
        run = store.save(evaluate("huangyan_2022", _tables(_rows()), 2022))
    with pytest.raises(CommandError, match="R9999"):
        call_command("import_enterprises", "--run", "R9999", "--store", str(store_path))
    call_command("import_enterprises", "--run", run.id, "--store", str(store_path))
    imported = Enterprise.objects.filter(name__startswith="导入企业")
    assert imported.count() == 5
    logged = ObjectChange.objects.filter(content_type__model="enterprise", action="create",
                                         object_id__in=[str(e.pk) for e in imported])
    assert logged.count() == 5  # bulk-created, and still one change-log row each
    assert {c.after["uscc"] for c in logged} == set(imported.values_list("uscc", flat=True))
    assert not Enterprise.objects.filter(name="校验位错误").exists()
    new_town = Region.objects.get(code="331003200")  # created under its county
    assert new_town.name == "新前街道" and new_town.parent == world.regions["331003"]
    assert imported.filter(region=new_town).count() == 2
    assert Enterprise.objects.restrict(world.users["town_official"]).filter(
        name__startswith="导入企业").count() == 3


def _roster(path: Path, rows: list[list[str]]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(["用户名", "姓名", "角色", "区划代码", "部门代码", "统一社会信用代码", "邮箱"])
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_roster_creates_accounts_with_forced_password_change(world: World,
                                                              tmp_path: Path) -> None:
    a = world.enterprises["A"]
    roster = _roster(tmp_path / "花名册.xlsx", [
        ["hy_tax_2", "王五", "部门用户", "331003", "tax", "", "w@example.cn"],
        ["hy_ent_a", "赵六", "企业用户", "", "", a.uscc, ""],
        ["dc_town", "钱七", "town_official", "331003001", "", "", ""],
    ])
    out = tmp_path / "accounts.csv"
    call_command("import_roster", str(roster), "--out", str(out))
    with out.open(encoding="utf-8-sig") as fh:
        accounts = list(csv.DictReader(fh))
    assert [r["用户名"] for r in accounts] == ["hy_tax_2", "hy_ent_a", "dc_town"]
    tax = User.objects.get(username="hy_tax_2")
    assert tax.department == world.departments["331003/tax"] and tax.must_change_password
    assert tax.check_password(accounts[0]["初始密码"])
    assert User.objects.get(username="hy_ent_a").enterprise == a


def test_bad_roster_creates_nothing_and_lists_every_problem(world: World,
                                                             tmp_path: Path) -> None:
    roster = _roster(tmp_path / "bad.xlsx", [
        ["ok_user", "甲", "县级分析员", "331003", "", "", ""],
        ["bad_role", "乙", "局长", "331003", "", "", ""],
        ["bad_level", "丙", "县级分析员", "331003001", "", "", ""],
        ["county_analyst", "丁", "县级分析员", "331003", "", "", ""],
        ["no_dept", "戊", "部门用户", "331003", "nosuch", "", ""],
    ])
    before = User.objects.count()
    with pytest.raises(CommandError) as err:
        call_command("import_roster", str(roster), "--out", str(tmp_path / "x.csv"))
    text = str(err.value)
    assert "未创建任何账号" in text
    assert "第 3 行（bad_role）：角色“局长”无法识别" in text
    assert "第 4 行（bad_level）" in text and "应绑定县级区划" in text
    assert "第 5 行（county_analyst）：用户名已存在" in text
    assert "第 6 行（no_dept）：部门代码 nosuch 在该县不存在" in text
    assert User.objects.count() == before


def test_platform_demo_command_is_the_demo_builder(db: None, tmp_path: Path) -> None:
    """`manage platform_demo` seeds with the same builder as `tiangong demo`
    (tiangong.platform.demo.seed_demo): its regions, departments, accounts and the published run;
    a second time on the same database it refuses with a clear message, changing nothing."""
    from io import StringIO

    from tiangong.demo.generator import generate
    from tiangong.platform.demo import DEMO_PASSWORD, DEPARTMENTS
    from tiangong.platform.evaluation.models import Publication

    store_path = tmp_path / "runs.duckdb"
    with RunStore(store_path) as store:
        run = store.save(evaluate("huangyan_2022", generate(60, 3, year=2022, years=1), 2022))
    out = StringIO()
    call_command("platform_demo", "--store", str(store_path), stdout=out)
    assert f"演示平台：评价 {run.id}" in out.getvalue()
    county = Region.objects.get(code="331003")
    assert county.name == "黄岩区" and county.path == "/330000/331000/331003/"
    assert Region.objects.get(code="331000").name == "台州市"
    assert {c for c, _ in DEPARTMENTS} <= set(county.departments.values_list("code", flat=True))
    assert Publication.objects.get().run_id == run.id
    names = set(User.objects.values_list("username", flat=True))
    assert {"analyst", "town", "tax", "supervisor", "city", "province", "admin"} <= names
    analyst = User.objects.get(username="analyst")
    assert analyst.region == county and analyst.check_password(DEMO_PASSWORD)
    assert not analyst.must_change_password
    assert "analyst" in out.getvalue() and DEMO_PASSWORD in out.getvalue()
    before = User.objects.count()
    with pytest.raises(CommandError, match="已有区划数据"):
        call_command("platform_demo", "--store", str(store_path), stdout=StringIO())
    assert User.objects.count() == before
    with pytest.raises(CommandError, match="不存在"):
        call_command("platform_demo", "--store", str(tmp_path / "none.duckdb"))


def test_import_enterprises_from_a_stored_intake(db: None, tmp_path: Path) -> None:
    """The real path: demo exports → `tiangong intake --store` → import by intake id."""
    from typer.testing import CliRunner

    from tiangong.cli.main import app
    from tiangong.demo.exports import write_exports
    from tiangong.demo.generator import generate
    from tiangong.platform.core.importers import upsert_regions
    from tiangong.regions.divisions import Regions
    from tiangong.runs.intakes import get_intake, intake_table

    tables = generate(80, 7, year=2022, years=1)
    exports = write_exports(tables, tmp_path / "exports", 7, 2022)
    store = tmp_path / "runs.duckdb"
    done = CliRunner().invoke(app, ["intake", str(exports.out_dir), "--year", "2022", "--out",
                                    str(tmp_path / "canonical"), "--store", str(store)])
    assert done.exit_code == 0, done.output
    with RunStore(store, read_only=True) as rs:
        firms = intake_table(rs, get_intake(rs, "latest"), "enterprises").to_pandas()
    counties = set(firms["county_code"].dropna())
    upsert_regions([{"code": str(r.code), "name": f"区划{r.code}", "level": str(r.level),
                     "parent": r.parent_code if isinstance(r.parent_code, str) else ""}
                    for r in Regions.from_codes(counties).units.itertuples(index=False)])
    call_command("import_enterprises", "--intake", "I0001", "--store", str(store))
    assert Enterprise.objects.count() == firms["uscc"].nunique()
    assert Region.objects.filter(level="town").count() == firms["town_code"].nunique()
