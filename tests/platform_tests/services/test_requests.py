"""The request workflow on the platform: the table walked for every role, the whole loop
through the pages with deadlines counted by hand on the 2026 calendar, clocks, bad input,
double clicks, scope, API and the 晾晒 workbook."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.test import Client

from tiangong.platform.core.calendar import seed_year
from tiangong.platform.core.models import WorkflowEvent
from tiangong.platform.core.roles import ALL_ROLES, Role
from tiangong.platform.core.testing import World, make_user
from tiangong.platform.core.workflow import TransitionConflict, TransitionRefused, events_for
from tiangong.platform.services import actions
from tiangong.platform.services.models import PartnerTask, ServiceRequest
from tiangong.platform.services.workflow import REQUEST_WORKFLOW

D = dt.date.fromisoformat


def _file(world: World, category: str = "tax", text: str = "留抵退税进度咨询") -> ServiceRequest:
    return actions.file_request(world.users["enterprise_user"], world.enterprises["A"],
                                category, text)


def test_table_walk_every_role(world: World) -> None:
    """Each (state, action): only its roles may take it (guards satisfied), others refused."""
    req = _file(world)
    for t in REQUEST_WORKFLOW.transitions:
        for role in ALL_ROLES:
            user = world.users[role]
            req.state = t.source
            req.lead = world.departments["331003/tax"]  # the department user's department
            req.objection_until = D("2999-01-01")
            req.rating, req.reopen_count = "dissatisfied", 0
            refusal = REQUEST_WORKFLOW.refusal(req, t.action, user)
            if role in t.roles:
                assert refusal is None, (t.action, role, refusal)
            else:
                assert refusal is not None and "无权" in refusal, (t.action, role)


def test_guards_for_the_department_that_does_not_lead(world: World, power_user: Any) -> None:
    req = _file(world)
    req.state, req.lead = "assigned", world.departments["331003/tax"]
    req.objection_until = D("2999-01-01")
    assert "只有主办单位" in (REQUEST_WORKFLOW.refusal(req, "accept", power_user) or "")
    req.objection_until = None
    assert "已裁定" in (REQUEST_WORKFLOW.refusal(req, "object", world.users["department_user"])
                        or "")


def test_whole_loop_through_the_pages(world: World, cal: None, today: Any, power_user: Any,
                                      client: Client) -> None:
    firm, office, tax = (world.users[r] for r in ("enterprise_user", "county_analyst",
                                                  "department_user"))
    # the enterprise files from its page
    client.force_login(firm)
    r = client.post("/services/new/", {"category": "tax", "text": "留抵退税进度咨询"})
    req = ServiceRequest.objects.get()
    assert r.status_code == 302 and req.state == "received" and req.channel == "form"
    # the 直通办 sees it in the pool with the routing proposal, and routes with a partner
    client.force_login(office)
    page = client.get("/services/").content.decode()
    assert "诉求池（待交办 1 件）" in page
    detail = client.get(f"/services/{req.pk}/").content.decode()
    assert "路由建议：主办 税务局" in detail and "R02" in detail
    client.post(f"/services/{req.pk}/route/", {
        "lead": world.departments["331003/tax"].pk,
        "partners": [world.departments["331003/power"].pk]})
    req.refresh_from_db()
    # 3-02 + 7 WD = 3-11; objection window 1 WD = 3-03; partner min(3-05, 3-10) = 3-05
    assert (req.state, req.due_on, req.objection_until) == ("assigned", D("2026-03-11"),
                                                            D("2026-03-03"))
    assert PartnerTask.objects.get().due_on == D("2026-03-05")
    # the lead objects on the next working day; after the window it could not
    today("2026-03-03")
    client.force_login(tax)
    client.post(f"/services/{req.pk}/object/", {"note": "属供电公司职责"})
    req.refresh_from_db()
    assert req.state == "objected"
    client.force_login(office)
    client.post(f"/services/{req.pk}/settle_keep/", {"note": "退税进度属税务"})
    req.refresh_from_db()
    assert req.state == "assigned" and req.objection_until is None
    client.force_login(tax)
    client.post(f"/services/{req.pk}/accept/", {})
    client.post(f"/services/{req.pk}/answer/", {"note": "已加快审核"})
    # the lead cannot close while the partner has not answered
    r = client.post(f"/services/{req.pk}/close/", {"closure_code": "solved"}, follow=True)
    assert "尚有协办单位未答复" in r.content.decode()
    client.force_login(power_user)
    queue = client.get("/services/").content.decode()
    assert "协办任务" in queue
    task = PartnerTask.objects.get()
    client.post(f"/services/partner/{task.pk}/answer/", {"note": "供电无异议"})
    client.force_login(tax)
    client.post(f"/services/{req.pk}/close/", {"closure_code": "solved", "note": "已退税"})
    req.refresh_from_db()
    assert (req.state, req.colour, req.colour_source) == ("closed", "green", "closure_code")
    # the enterprise rates 不满意 (red from its rating) and reopens once
    client.force_login(firm)
    client.post(f"/services/{req.pk}/rate/", {"rating": "dissatisfied", "note": "仍未到账"})
    req.refresh_from_db()
    assert (req.colour, req.colour_source) == ("red", "rating")
    client.post(f"/services/{req.pk}/reopen/", {"note": "仍未到账"})
    req.refresh_from_db()
    assert req.state == "handling" and req.reopen_count == 1
    client.force_login(tax)
    client.post(f"/services/{req.pk}/answer/", {"note": "已到账"})
    client.post(f"/services/{req.pk}/close/", {"closure_code": "solved"})
    client.force_login(firm)
    client.post(f"/services/{req.pk}/rate/", {"rating": "dissatisfied"})
    r = client.post(f"/services/{req.pk}/reopen/", {"note": "再来"}, follow=True)
    assert "最多重新办理 1 次" in r.content.decode()  # once only
    req.refresh_from_db()
    assert (req.state, req.colour) == ("rated", "red")
    assert [e.action for e in events_for(req)] == [
        "file", "route", "object", "settle_keep", "accept", "answer", "close", "rate",
        "reopen", "answer", "close", "rate"]
    # the 晾晒: formulas on the page, the workbook downloads
    client.force_login(office)
    page = client.get("/services/kpi/").content.decode()
    assert "办结率（受理口径） = 本期受理且截至统计日已办结的诉求数 ÷ 本期受理的诉求数" in page
    assert "黄岩区税务局" in page
    book = openpyxl.load_workbook(io.BytesIO(client.get("/services/kpi.xlsx").content))
    assert book.sheetnames == ["指标", "超期诉求"]
    rows = list(book["指标"].iter_rows(values_only=True))
    green = [r for r in rows if r[0] == "绿码率" and r[1] == "全部" and r[2] == "2026-03"]
    assert green == [("绿码率", "全部", "2026-03", 0, 1, 0.0)]  # red from the last rating


def test_pause_and_extension_move_the_deadline(world: World, cal: None, today: Any) -> None:
    req = _file(world)
    office, tax = world.users["county_analyst"], world.users["department_user"]
    actions.route(req, office, world.departments["331003/tax"])  # due 3-11
    actions.settle_keep  # noqa: B018  (no objection here)
    from tiangong.platform.core.workflow import apply_transition
    apply_transition(req, "accept", tax)
    today("2026-03-04")
    actions.pause(req, tax, "等企业补充材料")
    today("2026-03-05")
    apply_transition(req, "pause_switch", tax)
    today("2026-03-09")
    actions.resume(req, tax)
    req.refresh_from_db()
    # one pause (3-04, 3-09]: 3-05, 3-06, 3-09 = 3 WD → 3-11 + 3 WD = 3-16
    assert req.due_on == D("2026-03-16")
    today("2026-03-16")
    with pytest.raises(TransitionRefused, match="不晚于 2026-03-13"):
        actions.ask_extension(req, tax, D("2026-03-20"), "材料多")
    today("2026-03-13")
    actions.ask_extension(req, tax, D("2026-03-20"), "材料多")
    actions.approve_extension(req, office)
    req.refresh_from_db()
    assert (req.state, req.due_on, req.extension_to) == ("handling", D("2026-03-20"), None)
    snaps = [e.sla["due_on"] for e in events_for(req) if e.sla]
    assert snaps[-1] == "2026-03-20"


def test_deadline_in_a_year_without_calendar(world: World, cal: None, today: Any) -> None:
    today("2026-12-10")
    req = _file(world, "land", "扩建用地指标")
    with pytest.raises(TransitionRefused, match="2027 年"):
        actions.route(req, world.users["county_analyst"], world.departments["331003/tax"])
    req.refresh_from_db()
    assert req.state == "received" and req.due_on is None
    assert [e.action for e in events_for(req)] == ["file"]


def test_double_click_records_one_transition(world: World, cal: None, today: Any) -> None:
    req = _file(world)
    first = ServiceRequest.objects.get(pk=req.pk)
    second = ServiceRequest.objects.get(pk=req.pk)
    office = world.users["county_analyst"]
    actions.route(first, office, world.departments["331003/tax"])
    with pytest.raises(TransitionConflict, match="已被他人处理"):
        actions.route(second, office, world.departments["331003/power"])
    assert WorkflowEvent.objects.filter(action="route").count() == 1
    assert ServiceRequest.objects.get(pk=req.pk).lead == world.departments["331003/tax"]


def test_scope(world: World, cal: None, today: Any, client: Client) -> None:
    req = _file(world)
    for role, status in (("other_county_analyst", 404), ("other_enterprise_user", 404),
                         ("department_user", 404), ("town_official", 200),
                         ("supervisor", 200), ("enterprise_user", 200)):
        client.force_login(world.users[role])
        assert client.get(f"/services/{req.pk}/").status_code == status, role
    actions.route(req, world.users["county_analyst"], world.departments["331003/tax"])
    client.force_login(world.users["department_user"])
    assert client.get(f"/services/{req.pk}/").status_code == 200
    client.force_login(world.users["supervisor"])  # reads, never acts
    r = client.post(f"/services/{req.pk}/accept/", {}, follow=True)
    assert "无权" in r.content.decode()


def test_api(world: World, cal: None, today: Any, client: Client) -> None:
    from tiangong.platform.core.models import ApiToken

    _, key = ApiToken.issue(world.users["enterprise_user"], "企业码")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    body = '{"category": "power", "text": "增容报装进度", "external_id": "QYM-1"}'
    r = client.post("/api/services/requests", body, content_type="application/json", **auth)
    assert r.status_code == 200 and r.json()["channel"] == "api"
    again = client.post("/api/services/requests", body, content_type="application/json", **auth)
    assert again.json()["id"] == r.json()["id"] and ServiceRequest.objects.count() == 1
    bad = client.post("/api/services/requests", '{"category": "nosuch", "text": "x"}',
                      content_type="application/json", **auth)
    assert bad.status_code == 422 and "未知的诉求类别“nosuch”" in bad.json()["detail"]
    _, okey = ApiToken.issue(world.users["county_analyst"], "直通办")
    oauth = {"HTTP_AUTHORIZATION": f"Bearer {okey}"}
    unknown = client.post("/api/services/requests", '{"category": "tax", "text": "x", '
                          '"enterprise_uscc": "91331003MA00000000"}',
                          content_type="application/json", **oauth)
    assert unknown.status_code == 404 and "企业名录中没有" in unknown.json()["detail"]
    rid = r.json()["id"]
    routed = client.post(f"/api/services/requests/{rid}/route",
                         '{"lead_code": "power"}', content_type="application/json", **oauth)
    assert routed.status_code == 200 and routed.json()["due_on"] == "2026-03-23"  # 15 WD
    twice = client.post(f"/api/services/requests/{rid}/route",
                        '{"lead_code": "power"}', content_type="application/json", **oauth)
    assert twice.status_code == 409 and "不能执行“交办”" in twice.json()["detail"]
    detail = client.get(f"/api/services/requests/{rid}", **auth).json()
    assert [e["action"] for e in detail["events"]] == ["file", "route"]
    _, other = ApiToken.issue(world.users["other_enterprise_user"], "x")
    assert client.get(f"/api/services/requests/{rid}",
                      HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 404


def test_demo_year(world: World, client: Client) -> None:
    from django.core.management import call_command

    seed_year(2025)
    seed_year(2026)
    call_command("load_demo_requests", county="331003", year=2025, seed=1, requests=300)
    assert ServiceRequest.objects.count() == 300
    assert WorkflowEvent.objects.filter(workflow="service_request").count() > 2400
    call_command("load_demo_requests", county="331003", year=2025, seed=1, requests=300)
    assert ServiceRequest.objects.count() == 300  # not loaded twice
    states = set(ServiceRequest.objects.values_list("state", flat=True))
    assert {"rated", "closed"} <= states
    # the department queue shows its own requests by deadline; the 晾晒 counts them
    dept = ServiceRequest.objects.exclude(lead=None).values_list("lead", flat=True).first()
    user = make_user("demo_dept", Role.DEPARTMENT_USER, department_id=dept)
    client.force_login(user)
    assert client.get("/services/").status_code == 200
    client.force_login(world.users["county_analyst"])
    page = client.get("/services/kpi/?by=category&period=quarter").content.decode()
    assert "2025-Q4" in page and "首次交办准确率" in page


def test_sweep_reminds_and_escalates_once(world: World, cal: None, today: Any) -> None:
    from tiangong.platform.core.models import Notification
    from tiangong.platform.services.sweep import sweep

    req = _file(world)
    actions.route(req, world.users["county_analyst"], world.departments["331003/tax"])  # 3-11
    assert sweep(D("2026-03-06")) == {"reminders": 0, "escalations": 0,
                                      "skipped_no_calendar": 0}  # 3 WD ahead
    assert sweep(D("2026-03-09"))["reminders"] == 1  # 2 WD ahead
    assert sweep(D("2026-03-09"))["reminders"] == 0  # the same day again: nothing
    assert sweep(D("2026-03-12"))["escalations"] == 1  # 1 WD late → 督查室
    assert sweep(D("2026-03-13"))["escalations"] == 0  # still level 1
    assert sweep(D("2026-03-18"))["escalations"] == 1  # (3-11, 3-18] = 5 WD → 效能办
    req.refresh_from_db()
    assert req.escalation == 2
    sup = Notification.objects.filter(user=world.users["supervisor"])
    assert [n.title for n in sup] == ["诉求超期督办"] * 2
    assert [e.action for e in events_for(req)][-3:] == ["remind", "escalate", "escalate"]


def test_import_page(world: World, cal: None, today: Any, client: Client) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    a = world.enterprises["A"]
    text = "\r\n".join([
        "12345热线工单导出",
        "工单编号,受理时间,企业名称,统一社会信用代码,诉求类型,诉求内容,承办单位,办结时间,办理结果,满意度",
        f"H1,2026/3/2 9:00,{a.name},{a.uscc},税费,发票额度不足,税务局,2026/3/5 10:00,已解决,满意",
        f"H2,2026/3/3 9:00,{a.name},,用电,增容报装,,,,",
        "H3,2026/3/3 9:00,不存在的公司,,政策,咨询,,,,",
        f"H4,2027/1/5 9:00,{a.name},{a.uscc},政策,咨询,税务局,,,",
        "合计,4,,,,,,,,"])
    client.force_login(world.users["county_analyst"])
    upload = SimpleUploadedFile("12345.csv", text.encode("gb18030"), "text/csv")
    page = client.post("/services/import/", {"file": upload}, follow=True).content.decode()
    assert "导入 2 件" in page and "企业不在名录中" in page and "2027 年" in page
    h1 = ServiceRequest.objects.get(external_id="H1")
    # routed on receipt 3-02 → 7 WD (tax) = 3-11; closed and rated green by the enterprise
    assert (h1.channel, h1.state, h1.lead, h1.due_on, h1.colour, h1.colour_source) == (
        "hotline", "rated", world.departments["331003/tax"], D("2026-03-11"), "green", "rating")
    h2 = ServiceRequest.objects.get(external_id="H2")
    assert h2.state == "received" and h2.needs_confirmation  # linked by name only
    assert [e.action for e in events_for(h1)] == ["file", "route", "close", "rate"]
    again = SimpleUploadedFile("12345.csv", text.encode("gb18030"), "text/csv")
    page = client.post("/services/import/", {"file": again}, follow=True).content.decode()
    assert "导入 0 件" in page and page.count("已导入过") == 2
    assert ServiceRequest.objects.count() == 2


def test_approval_spawned_from_a_request(world: World, cal: None, today: Any,
                                         client: Client) -> None:
    from tiangong.platform.core.workflow import apply_transition
    from tiangong.platform.services.approvals import APPROVAL_WORKFLOW, Approval

    req = _file(world, "environment", "排污许可证变更")
    tax = world.users["department_user"]
    actions.route(req, world.users["county_analyst"], world.departments["331003/tax"])
    apply_transition(req, "accept", tax)
    client.force_login(tax)
    r = client.post(f"/services/{req.pk}/approval/", {"kind": "eia_report_table"}, follow=True)
    assert "审批事项已受理" in r.content.decode(), [str(m) for m in r.context["messages"]]
    app = Approval.objects.get()
    # received 3-02: promised 7 WD → 3-11; statutory 30 WD → 4-14 (清明 4-06 off)
    assert (app.state, app.promised_due, app.statutory_due) == (
        "accepted", D("2026-03-11"), D("2026-04-14"))
    for action in ("review", "publicize", "approve"):
        client.post(f"/services/approval/{app.pk}/{action}/", {"note": action})
    app.refresh_from_db()
    assert app.state == "approved" and app.visits == 0  # 一次不用跑
    assert "环评报告表审批" in client.get(f"/services/{req.pk}/").content.decode()
    for t in APPROVAL_WORKFLOW.transitions:  # the table walked for every role
        for role in ALL_ROLES:
            app.state = t.source
            refusal = APPROVAL_WORKFLOW.refusal(app, t.action, world.users[role])
            assert (refusal is None) == (role in t.roles), (t.action, role)
