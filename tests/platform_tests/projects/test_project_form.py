"""Registering and editing a project by the form: what is stored (with the change log and the
classes computed by the rules), the Chinese errors that name their field, and who may do it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.test import Client

from tiangong.platform.core.models import ObjectChange
from tiangong.platform.core.testing import World
from tiangong.platform.projects.models import (
    Project,
    ProjectCommitment,
    ProjectPlan,
    ProjectStage,
)

YEAR = dt.date.today().year
# 91350100M000100Y43: the USCC printed as the example in GB 32100-2015 guides (check digit 3);
# ending in 4 it fails the check
PUBLISHED_USCC, BAD_USCC = "91350100M000100Y43", "91350100M000100Y44"


def _form(world: World, **changes: Any) -> dict[str, Any]:
    data = {"code": "F1", "name": "智能装备产业园", "region": world.regions["331003001"].pk,
            "investor": "示例装备有限公司", "investor_uscc": "", "team": "装备制造专班",
            "industry_code": "3421", "total_investment": "120000",
            "fixed_investment": "60000", "land_mu": "100",
            "land_parcels": "黄岩2026-07、黄岩2026-08",
            "planned_sign": f"{YEAR}-01-15", "planned_land": f"{YEAR}-03-01",
            "planned_start": f"{YEAR}-05-01", "planned_complete": f"{YEAR + 1}-10-01",
            f"plan_{YEAR}": "30000", f"plan_{YEAR + 1}": "50000",
            "commit_tax_per_mu": "30", "commit_investment_intensity": "600"}
    data.update(changes)
    return data


def test_register_stores_everything_logs_it_and_classifies(world: World,
                                                            client: Client) -> None:
    """Hand-computed classes (default.yaml): 总投资 120,000 万元 ≥ 100,000 and intensity
    60,000 ÷ 100 = 600 万元/亩 ≥ the 机器人与数控机床 floor 500 (industry 3421) → 千项万亿; ≥ 3亿
    and ≥ 1亿 → both county lists; < 500,000 → not 特别重大; ≥ 100,000 → out of the 5–10亿
    band."""
    officer = world.users["county_analyst"]
    client.force_login(officer)
    assert "登记重大项目" in client.get("/projects/new/").content.decode()
    response = client.post("/projects/new/", _form(world, investor_uscc=PUBLISHED_USCC.lower()))
    p = Project.objects.get(code="F1")
    assert response.status_code == 302 and response["Location"] == f"/projects/{p.pk}/"
    assert (p.name, p.region.code, p.investor, p.investor_uscc, p.industry_code) == (
        "智能装备产业园", "331003001", "示例装备有限公司", PUBLISHED_USCC, "3421")
    assert (p.total_investment, p.fixed_investment, p.land_mu) == (120000, 60000, 100)
    assert p.land_parcels == "黄岩2026-07、黄岩2026-08" and p.state == "registered"
    assert p.enterprise is None  # the USCC is not in the roster: kept, not linked
    assert dict(ProjectStage.objects.filter(project=p).values_list("stage", "planned")) == {
        "sign": dt.date(YEAR, 1, 15), "land": dt.date(YEAR, 3, 1),
        "start": dt.date(YEAR, 5, 1), "complete": dt.date(YEAR + 1, 10, 1)}
    assert dict(ProjectPlan.objects.filter(project=p).values_list("year", "plan")) == {
        YEAR: 30000, YEAR + 1: 50000}
    assert dict(ProjectCommitment.objects.filter(project=p).values_list(
        "indicator", "value")) == {"tax_per_mu": 30, "investment_intensity": 600}
    assert p.class_ids == "|qianxiang_wanyi|county_3yi|county_1yi|"
    logged = ObjectChange.objects.filter(user=officer, action="create")
    by_model = {ct: logged.filter(content_type=ContentType.objects.get_for_model(m)).count()
                for ct, m in (("project", Project), ("stage", ProjectStage),
                              ("plan", ProjectPlan), ("commitment", ProjectCommitment))}
    assert by_model == {"project": 1, "stage": 4, "plan": 2, "commitment": 2}


def test_edit_changes_figures_and_the_class_follows(world: World, client: Client) -> None:
    """Lowering the total to 20,000 万元 (fixed 15,000): 千项万亿 and ≥3亿 no longer hold,
    ≥1亿 does; a plan cleared is deleted; a firm of the roster is linked by its USCC; each
    change is one change-log row by the officer."""
    client.force_login(world.users["county_analyst"])
    client.post("/projects/new/", _form(world))
    p = Project.objects.get(code="F1")
    firm = world.enterprises["A"]
    client.force_login(world.users["town_official"])  # 东城街道: in scope
    page = client.get(f"/projects/{p.pk}/edit/").content.decode()
    assert 'value="120000.0"' in page and "黄岩2026-07" in page
    response = client.post(f"/projects/{p.pk}/edit/", _form(
        world, code="IGNORED", total_investment="20000", fixed_investment="15000",
        investor_uscc=firm.uscc, **{f"plan_{YEAR + 1}": ""}))
    assert response.status_code == 302, response.content.decode()[-3000:]
    p.refresh_from_db()
    assert p.code == "F1" and p.total_investment == 20000 and p.enterprise == firm
    assert p.class_ids == "|county_1yi|"
    reasons = {cid: text for cid, _, text in p.class_reasons}
    assert reasons["county_3yi"] == "总投资 2.00 亿元 < 3.00 亿元"
    assert list(ProjectPlan.objects.filter(project=p).values_list("year", flat=True)) == [YEAR]
    updates = ObjectChange.objects.filter(user=world.users["town_official"],
                                          content_type=ContentType.objects.get_for_model(Project))
    assert updates.count() == 1
    change = updates.get()
    assert change.before["total_investment"] == 120000 and change.after["total_investment"] == 20000


def test_errors_name_their_field_in_chinese(world: World, client: Client) -> None:
    client.force_login(world.users["county_analyst"])
    cases = {
        "investor_uscc": (BAD_USCC,
                          f"投资主体统一社会信用代码：{BAD_USCC} 不是有效的统一社会信用代码"),
        "fixed_investment": ("130000", "固定资产投资（万元）：固定资产投资 130000 万元大于总投资 "
                                       "120000 万元。"),
        "planned_start": (f"{YEAR}-02-01", f"计划开工日期：早于计划供地日期 {YEAR}-03-01"),
        "industry_code": ("C34", "行业代码：应为 2–4 位国民经济行业代码"),
        "total_investment": ("", "总投资（万元）："),
    }
    for field, (value, message) in cases.items():
        page = client.post("/projects/new/", _form(world, **{field: value})).content.decode()
        assert message in page, field
    assert not Project.objects.exists()
    client.post("/projects/new/", _form(world))
    page = client.post("/projects/new/", _form(world)).content.decode()
    assert "项目编号：项目编号 F1 已被其他项目使用。" in page


def test_scope_and_roles(world: World, client: Client) -> None:
    """A town official may place projects in its own town only; another county's analyst gets
    404 for the project; readers and firms are refused (403) and change nothing."""
    client.force_login(world.users["town_official"])
    page = client.post("/projects/new/", _form(world, region=world.regions["331003100"].pk)
                       ).content.decode()
    assert "所在乡镇（或县）：不在您的管辖范围内。" in page
    client.post("/projects/new/", _form(world))
    p = Project.objects.get(code="F1")
    mine = ObjectChange.objects.filter(content_type__app_label="projects")
    before = (Project.objects.count(), mine.count())
    for role, status in (("other_county_analyst", 404), ("supervisor", 403),
                         ("enterprise_user", 404), ("department_user", 404),
                         ("province_analyst", 403)):
        client.force_login(world.users[role])
        got = client.post(f"/projects/{p.pk}/edit/", _form(world, total_investment="1"))
        assert got.status_code == status, role
        if role != "other_county_analyst":
            assert client.post("/projects/new/", _form(world, code="F2")).status_code == 403
    assert (Project.objects.count(), mine.count()) == before
