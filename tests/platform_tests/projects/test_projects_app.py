"""The projects app on the core: gate rules walked per role, passing a gate with its evidence,
going back with a reason, scope (404 outside it), enterprise users reporting their own figures,
and the pages, API and workbook fed by the library."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from tiangong.platform.core.models import ApiToken
from tiangong.platform.core.roles import ALL_ROLES
from tiangong.platform.core.testing import World
from tiangong.platform.core.workflow import TransitionRefused, events_for
from tiangong.platform.projects import services
from tiangong.platform.projects.models import Project, ProjectMonth, ProjectStage
from tiangong.platform.projects.workflow import gate_workflow, project_config
from tiangong.projects.racing import showing

TODAY = dt.date.today()


def _project(world: World, code: str, town: str = "331003001", enterprise: str | None = "A",
             state: str = "sign") -> Project:
    p = Project.objects.create(code=code, name=f"项目{code}", region=world.regions[town],
                               enterprise=world.enterprises[enterprise] if enterprise else None,
                               team="装备制造专班", industry_code="3421",
                               total_investment=60000, fixed_investment=48000, land_mu=100,
                               state=state)
    ProjectStage.objects.create(project=p, stage="sign", planned=dt.date(2025, 1, 10),
                                actual=dt.date(2025, 1, 10))
    ProjectStage.objects.create(project=p, stage="land", planned=dt.date(2025, 4, 1))
    return p


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 evidence", "application/pdf")


def test_gate_table_walk_every_role(world: World) -> None:
    """Every gate and every step back: officers of county and town pass gates, only the county
    passes 达产 and sends a project back; every other role (and the read-only supervisor) is
    refused with the role named."""
    wf = gate_workflow()
    project = _project(world, "W1")
    county_only = {"county_analyst"}
    for t in wf.transitions:
        expected = (county_only if t.action.startswith(("back_", "detect_")) or
                    t.action == "pass_capacity" else {"county_analyst", "town_official"})
        for role in ALL_ROLES:
            project.state = t.source
            refusal = wf.refusal(project, t.action, world.users[role])
            if role in expected:
                assert refusal is None, (t.action, role)
            else:
                assert refusal is not None and "无权" in refusal, (t.action, role)
    # the chain is the configuration's: one gate per non-automatic stage
    gates = [t.target for t in wf.transitions if t.action.startswith("pass_")]
    assert gates == [s.id for s in project_config().stages if not s.automatic]


def test_passing_a_gate_needs_every_piece_of_evidence(world: World) -> None:
    project = _project(world, "G1")
    officer = world.users["town_official"]
    day = TODAY - dt.timedelta(days=3)
    with pytest.raises(TransitionRefused, match="缺少证明材料：不动产权证书"):
        services.pass_gate(project, "land", officer, day, {"土地出让合同": _pdf("合同.pdf")})
    with pytest.raises(TransitionRefused, match="晚于今天"):
        services.pass_gate(project, "land", officer, TODAY + dt.timedelta(days=1),
                           {"土地出让合同": _pdf("a.pdf"), "不动产权证书": _pdf("b.pdf")})
    with pytest.raises(TransitionRefused, match="当前状态"):  # skipping 供地 to 开工
        services.pass_gate(project, "start", officer, day, {"施工许可证": _pdf("c.pdf")})
    project.refresh_from_db()
    assert project.state == "sign" and not events_for(project).exists()
    services.pass_gate(project, "land", officer, day,
                       {"土地出让合同": _pdf("合同.pdf"), "不动产权证书": _pdf("证书.pdf")})
    project.refresh_from_db()
    assert project.state == "land"
    assert ProjectStage.objects.get(project=project, stage="land").actual == day
    evidence = services.evidence_of(project)
    assert sorted(evidence) == ["不动产权证书", "土地出让合同"]
    assert all(len(a.sha256) == 64 for files in evidence.values() for a in files)


def test_going_back_needs_the_county_and_a_reason(world: World) -> None:
    project = _project(world, "B1")
    services.pass_gate(project, "land", world.users["county_analyst"], TODAY,
                       {"土地出让合同": _pdf("a.pdf"), "不动产权证书": _pdf("b.pdf")})
    with pytest.raises(TransitionRefused, match="无权"):
        services.go_back(project, world.users["town_official"], "证书有误")
    with pytest.raises(TransitionRefused, match="须填写理由"):
        services.go_back(project, world.users["county_analyst"], "")
    services.go_back(project, world.users["county_analyst"], "不动产权证书与地块不符")
    project.refresh_from_db()
    assert project.state == "sign"
    assert ProjectStage.objects.get(project=project, stage="land").actual is None
    assert [e.action for e in events_for(project)] == ["pass_land", "back_land"]


def test_scope_pages_answer_404_outside(world: World, client: Client) -> None:
    own = _project(world, "S1", enterprise="A")
    other = _project(world, "S2", town="331003100", enterprise="B")
    far = _project(world, "S3", town="331004001", enterprise="C")
    expect = {  # role → project codes it may open
        "county_analyst": {"S1", "S2"}, "town_official": {"S1"}, "enterprise_user": {"S1"},
        "supervisor": {"S1", "S2"}, "department_user": set(), "other_county_analyst": {"S3"},
        "other_enterprise_user": {"S3"}, "province_analyst": {"S1", "S2", "S3"},
    }
    for who, codes in expect.items():
        client.force_login(world.users[who])
        for p in (own, other, far):
            status = client.get(f"/projects/{p.pk}/").status_code
            assert status == (200 if p.code in codes else 404), (who, p.code, status)


def test_enterprise_user_reports_its_own_figures(world: World, client: Client) -> None:
    own = _project(world, "E1", enterprise="A")
    other = _project(world, "E2", enterprise="B", town="331003100")
    month = (TODAY.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    client.force_login(world.users["enterprise_user"])
    r = client.post(f"/projects/{own.pk}/report/", {"month": month, "invest": "120.5",
                                                    "funds": "100"})
    assert r.status_code == 302
    row = ProjectMonth.objects.get(project=own, month=month)
    assert (row.invest, row.funds, row.reported_by) == (120.5, 100.0,
                                                        world.users["enterprise_user"])
    assert client.post(f"/projects/{other.pk}/report/", {"month": month, "invest": "1",
                                                         "funds": "1"}).status_code == 404
    client.post(f"/projects/{own.pk}/report/", {"month": "2099-01", "invest": "1", "funds": "1"})
    assert not ProjectMonth.objects.filter(month="2099-01").exists()
    client.force_login(world.users["supervisor"])
    assert client.post(f"/projects/{own.pk}/report/", {"month": month, "invest": "1",
                                                       "funds": "1"}).status_code == 403
    # the API: the enterprise's token reports, negative figures are refused with 422
    _, key = ApiToken.issue(world.users["enterprise_user"], "企业码")
    headers = {"Authorization": f"Bearer {key}"}
    r = client.post(f"/api/projects/projects/{own.pk}/months", {"month": month, "invest": 99,
                                                                 "funds": 50},
                    content_type="application/json", headers=headers)
    assert r.status_code == 200 and r.json()["invest"] == 99
    r = client.post(f"/api/projects/projects/{own.pk}/months", {"month": month, "invest": -1,
                                                                 "funds": 0},
                    content_type="application/json", headers=headers)
    assert r.status_code == 422
    listed = client.get("/api/projects/projects", headers=headers).json()
    assert [p["code"] for p in listed["items"]] == ["E1"]


def test_pages_show_the_librarys_figures(world: World, demo: int, client: Client) -> None:
    client.force_login(world.users["county_analyst"])
    page = client.get("/projects/").content.decode()
    assert f"重大项目（{demo} 个）" in page
    filtered = client.get("/projects/", {"stage": "production"}).content.decode()
    assert filtered.count("<td>已投产</td>") == Project.objects.filter(state="production").count()
    expected = showing(services.portfolio(Project.objects.all()), project_config(), 2024, 3)
    page = client.get("/projects/showing/", {"year": 2024, "quarter": 3}).content.decode()
    assert (f"红旗 {len(expected.listed('红旗'))} 个，黄牌 {len(expected.listed('黄牌'))} 个"
            in page)
    assert "开工率 = 计划2024-01-01 至 2024-09-30开工且已开工的项目数" in page
    detail = client.get(f"/projects/{Project.objects.first().pk}/").content.decode()
    assert "project-chart-data" in detail and "类别（按配置规则计算）" in detail
    for unit in ("town", "team", "industry"):
        assert client.get(f"/projects/units/{unit}/").status_code == 200
    book = client.get("/projects/showing.xlsx", {"year": 2024, "quarter": 3})
    wb = load_workbook(io.BytesIO(book.content))
    assert wb.sheetnames == ["黄牌", "红旗", "回头看", "指标", "乡镇排名", "专班排名"]
    assert wb["黄牌"].max_row == len(expected.listed("黄牌")) + 1
    api = client.get("/api/projects/showing", {"year": 2024, "quarter": 3}).json()
    assert sum(f["flag"] == "黄牌" for f in api["flags"]) == len(expected.listed("黄牌"))
    client.force_login(world.users["enterprise_user"])
    assert client.get("/projects/showing/").status_code == 403


def test_ledger_command_imports_and_lists_what_it_could_not_take(world: World,
                                                                  tmp_path) -> None:
    import sys
    from io import StringIO

    from django.core.management import call_command

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parents[2]))
    from test_projects_ledger import _write

    path = tmp_path / "台账.xlsx"
    _write(path)
    out = StringIO()
    call_command("import_project_ledger", str(path), "--county", "331003", stdout=out)
    text = out.getvalue()
    assert "读取 6 行，导入 2 个项目" in text
    assert "重大项目 第 4 行 [开工时间|实际] 已开工：不是日期，未导入" in text
    xm1 = Project.objects.get(code="XM001")
    assert xm1.region == world.regions["331003"]  # 甲镇 is not a town of the test world
    assert xm1.months.get(month="2025-03").invest == 1500
    with pytest.raises(Exception, match="项目编号已存在"):
        call_command("import_project_ledger", str(path), "--county", "331003", stdout=out)


def test_baseline_freeze_and_variance(world: World, client: Client) -> None:
    from tiangong.platform.projects.models import Baseline, ProjectPlan

    project = _project(world, "BL1")
    ProjectPlan.objects.create(project=project, year=TODAY.year, plan=1200)
    client.force_login(world.users["town_official"])
    assert client.post("/projects/baselines/freeze/").status_code == 403
    client.force_login(world.users["county_analyst"])
    r = client.post("/projects/baselines/freeze/")
    base = Baseline.objects.get()
    assert r.status_code == 302 and base.plans == [{"project_id": str(project.pk),
                                                    "plan": 1200.0}]
    ProjectPlan.objects.filter(project=project).update(plan=1500)
    # 供地 planned 2025-04-01 at the freeze, moved 30 days later and still not reached
    ProjectStage.objects.filter(project=project, stage="land").update(
        planned=dt.date(2025, 5, 1))
    page = client.get(f"/projects/baselines/{base.pk}/").content.decode()
    assert "<td>1200.0</td><td>1500.0</td><td>300.0</td>" in page
    # not reached and overdue: slip counted to today from the baseline date
    slip = (TODAY - dt.date(2025, 4, 1)).days
    assert f"<td>2025-04-01</td><td>2025-05-01</td><td>—</td><td>{slip}</td>" in page
    client.force_login(world.users["other_county_analyst"])
    assert client.get(f"/projects/baselines/{base.pk}/").status_code == 404


def test_a_project_problem_becomes_a_routed_request(world: World, client: Client) -> None:
    """Issue 13 point 6: the problem enters the direct service's pool (channel 重大项目问题) for
    the project's firm, the project page lists it with its state, and the enterprise of another
    project, a supervisor and a project without a firm are refused with a reason."""
    from tiangong.platform.projects.models import ProjectProblem
    from tiangong.platform.services.models import ServiceRequest

    own = _project(world, "P1", enterprise="A")
    other = _project(world, "P2", town="331003100", enterprise="B")
    no_firm = _project(world, "P3", enterprise=None)
    client.force_login(world.users["town_official"])
    form = {"category": "permit", "text": "施工许可卡在消防审查"}
    client.post(f"/projects/{own.pk}/problem/", form)
    req = ServiceRequest.objects.get()
    assert (req.channel, req.state, req.enterprise) == ("project", "received",
                                                        world.enterprises["A"])
    assert req.text.startswith("【重大项目 P1") and req.text.endswith("施工许可卡在消防审查")
    assert ProjectProblem.objects.get().project == own
    page = client.get(f"/projects/{own.pk}/").content.decode()
    assert "施工许可卡在消防审查" in page and "待交办" in page
    response = client.post(f"/projects/{no_firm.pk}/problem/", form, follow=True)
    assert "尚未关联企业" in response.content.decode()
    client.force_login(world.users["enterprise_user"])  # firm A: not project P2's firm
    assert client.post(f"/projects/{other.pk}/problem/", form).status_code == 404
    client.force_login(world.users["supervisor"])
    assert client.post(f"/projects/{own.pk}/problem/", form).status_code == 403
    assert ServiceRequest.objects.count() == 1


def test_portfolio_pages_show_the_whole_portfolios_classes_and_money(
        world: World, demo: int, client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    """The list is paged and reads stored classes and only its own projects' money; every
    row's classes are those the library's rules give on the whole portfolio, its 年内完成 and
    序时完成率 those of `project_money` on the whole portfolio, and every project appears on
    exactly one page."""
    import re

    from tiangong.platform.projects import views
    from tiangong.projects.classes import classes_of, classify
    from tiangong.projects.money import project_money

    as_of = dt.date(2024, 9, 30)
    monkeypatch.setattr(views, "PAGE", 15)
    monkeypatch.setattr(views, "_today", lambda: as_of)
    config = project_config()
    whole = services.portfolio(Project.objects.all())
    held = classes_of(classify(whole, config, as_of))
    money = project_money(whole, as_of, config.progress.basis).set_index("project_id")
    assert sum(bool(v) for v in held.values()) > 10  # the demo has classes to show
    assert (money["ytd_invest"] > 0).sum() > 10
    pk_of = dict(Project.objects.values_list("code", "pk"))
    client.force_login(world.users["county_analyst"])
    seen = []
    for page in (1, 2, 3):
        html = client.get("/projects/", {"page": page}).content.decode()
        assert f"第 {page} / 3 页" in html
        rows = re.findall(r"<tr><td>([^<]+)</td><td><a href=.*?</td>(?:<td>[^<]*</td>){4}"
                          r"<td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", html)
        for code, labels, ytd, ratio in rows:
            pid = str(pk_of[code])
            assert labels == "、".join(held.get(pid, [])), code
            assert ytd == f"{money.at[pid, 'ytd_invest']:.1f}", code
            r = money.at[pid, "schedule_ratio"]
            assert ratio == ("—" if r != r else f"{round(r * 100)}%"), code
            seen.append(code)
    assert sorted(seen) == sorted(pk_of) and len(seen) == demo == 40


def test_a_changed_figure_changes_the_stored_class_with_its_reason(world: World,
                                                                    client: Client) -> None:
    """Hand-computed at the thresholds of default.yaml: 总投资 9,999 万元 holds no county
    class (≥ 1亿 needs 10,000); raised to 30,000 万元 it holds 县重点项目(≥1亿) and (≥3亿), and
    the stored reason states the comparison; the page reads the stored value."""
    p = _project(world, "C1")
    p.total_investment = 9999
    p.save()
    services.refresh_classes(p)
    p.refresh_from_db()
    assert p.class_ids == ""
    reasons = {cid: (holds, text) for cid, holds, text in p.class_reasons}
    assert reasons["county_1yi"] == (False, "总投资 9,999.00 万元 < 10,000.00 万元")
    p.total_investment = 30000
    p.save()
    services.refresh_classes(p)
    p.refresh_from_db()
    assert p.class_ids == "|county_3yi|county_1yi|"
    reasons = {cid: (holds, text) for cid, holds, text in p.class_reasons}
    assert reasons["county_3yi"] == (True, "总投资 3.00 亿元 ≥ 3.00 亿元")
    client.force_login(world.users["county_analyst"])
    html = client.get("/projects/", {"class": "county_3yi"}).content.decode()
    assert "县重点项目(≥3亿)、县重点项目(≥1亿)" in html and "重大项目（1 个）" in html
    assert "重大项目（0 个）" in client.get("/projects/", {"class": "monitoring_band"}
                                          ).content.decode()
    detail = client.get(f"/projects/{p.pk}/").content.decode()
    assert reasons["county_3yi"][1] in detail
    _, key = ApiToken.issue(world.users["county_analyst"], "项目码")
    listed = client.get("/api/projects/projects", {"class_id": "county_3yi"},
                        headers={"Authorization": f"Bearer {key}"}).json()
    assert [(x["code"], x["classes"]) for x in listed["items"]] == [
        ("C1", ["县重点项目(≥3亿)", "县重点项目(≥1亿)"])]


def test_classes_follow_a_configuration_change(world: World, client: Client,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Stored classes carry the digest of the rules that gave them: rules changed (the ≥1亿
    threshold moved to 7亿 here) make every stored row stale and the next page recomputes."""
    from tiangong.platform.projects import workflow

    p = _project(world, "C2")  # 总投资 60,000 万元
    client.force_login(world.users["county_analyst"])
    both = "<td>省制造业重大项目 5–10亿 滚动监测、县重点项目(≥3亿)、县重点项目(≥1亿)</td>"
    assert both in client.get("/projects/").content.decode()
    config = project_config()
    moved = [c.model_copy(update={"conditions": [c.conditions[0].model_copy(
        update={"value": 70000.0})]}) if c.id == "county_1yi" else c for c in config.classes]
    monkeypatch.setattr(workflow, "project_config",
                        lambda: config.model_copy(update={"classes": moved}))
    html = client.get("/projects/").content.decode()
    p.refresh_from_db()
    assert p.class_ids == "|monitoring_band|county_3yi|"
    assert "<td>省制造业重大项目 5–10亿 滚动监测、县重点项目(≥3亿)</td>" in html


def test_town_filter_suggests_the_towns_in_scope_only(world: World, client: Client) -> None:
    """The town filter is a text input; its suggestions are the towns of the projects the user
    may see whose name contains the typed text (路桥街道 is another county's)."""
    _project(world, "T1")
    _project(world, "T2", town="331003100", enterprise="B")
    _project(world, "T3", town="331004001", enterprise="C")
    client.force_login(world.users["county_analyst"])
    got = client.get("/projects/towns/", {"q": "街道"}).json()
    assert got == {"towns": [{"name": "东城街道", "county": "黄岩区"}]}
    assert client.get("/projects/towns/", {"q": ""}).json() == {"towns": []}
    client.force_login(world.users["province_analyst"])
    names = [t["name"] for t in client.get("/projects/towns/", {"q": "街道"}).json()["towns"]]
    assert names == ["东城街道", "路桥街道"]
    page = client.get("/projects/", {"town": "院桥镇"}).content.decode()
    assert "重大项目（1 个）" in page and "<option" not in page.split('name="town"')[1][:200]


def test_the_portfolio_page_costs_the_same_queries_for_1_or_41_projects(
        world: World, demo: int, client: Client) -> None:
    """No query per row: the county's page of 41 projects runs as many queries as the same
    page filtered to the one project of 院桥镇."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _project(world, "Q1", town="331003100", enterprise="B")
    client.force_login(world.users["county_analyst"])
    client.get("/projects/")  # classes brought up to date once
    counts = []
    for query in ({}, {"town": "院桥镇"}):
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/projects/", query).content.decode()
        counts.append((len(queries.captured_queries), page.count("<tr><td>")))
    assert [rows for _, rows in counts] == [demo + 1, 1] == [41, 1]
    assert counts[0][0] == counts[1][0] <= 12
