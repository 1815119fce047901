"""The permission walk of the direct-service (services) and major-project (projects) apps:
every named page and every API operation, as every role, against a hand-written table (the
shape of test_permission_walk.py, which walks core and example). A new route or operation
without a row here fails the completeness tests: its answers must be decided, not discovered.

Objects: request R of firm A (东城街道, 黄岩区) routed to 黄岩区税务局 with 黄岩供电公司 as
partner; an approval spawned from it; project P of firm A in 东城街道; a baseline of 黄岩区; a
ledger import task started by the county analyst; an objection of firm A (for the link).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tiangong.platform.core.calendar import seed_year
from tiangong.platform.core.models import TaskProgress
from tiangong.platform.core.testing import World

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
from .walk import only as _only
from .walk import sees as _sees

# who sees request R: the regions containing 东城街道, the lead department, firm A, the admin
SEES_R = {"province_analyst", "city_analyst", "county_analyst", "town_official",
          "department_user", "enterprise_user", "supervisor", "administrator"}
# project P: the regions containing 东城街道 and firm A (projects have no department binding)
SEES_P = SEES_R - {"department_user"}
# the county's baseline and the county analyst's task: 黄岩区 and the regions above it
SEES_COUNTY = {"province_analyst", "city_analyst", "county_analyst", "supervisor",
               "administrator"}
KPI_READERS = SEES_COUNTY | {"other_county_analyst"}   # the 晾晒: 直通办, supervisors, above
OFFICERS = {"province_analyst", "city_analyst", "county_analyst", "town_official",
            "supervisor", "administrator", "other_county_analyst"}
ENTERPRISES = {"enterprise_user", "other_enterprise_user"}


@pytest.fixture
def fx(world: World, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    from tiangong.platform.evaluation.models import Objection, Publication, PublishedResult
    from tiangong.platform.projects.models import Baseline, Project
    from tiangong.platform.services import actions
    from tiangong.platform.services.approvals import spawn_approval

    # PDFs: permissions only here (content: test_liangshai_pdf, test_showing_pdf)
    for module in ("tiangong.platform.services.liangshai",
                   "tiangong.platform.projects.showing_pdf"):
        monkeypatch.setattr(f"{module}.render_pdf", lambda template, ctx: b"%PDF-1.7 walk")
    # a fixed day in a year with calendar data (the approval's 60 WD stay inside it)
    day = dt.date(2026, 3, 2)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: day)
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC))
    seed_year(2026)
    year = day.year
    office, tax = world.users["county_analyst"], world.users["department_user"]
    req = actions.file_request(world.users["enterprise_user"], world.enterprises["A"], "tax",
                               "留抵退税进度咨询")
    actions.route(req, office, world.departments["331003/tax"],
                  [world.departments["331003/power"]])
    from tiangong.platform.core.workflow import apply_transition

    apply_transition(req, "accept", tax)
    approval = spawn_approval(req, tax, next(iter(_approval_kinds())))
    task = req.partner_tasks.get()
    project = Project.objects.create(code="P1", name="走查项目", region=world.regions["331003001"],
                                     enterprise=world.enterprises["A"], team="专班",
                                     industry_code="3421", total_investment=60000,
                                     fixed_investment=48000, land_mu=100, state="sign")
    base = Baseline.objects.create(region=world.regions["331003"], year=year,
                                   frozen_on=dt.date(year, 1, 5), digest="0" * 64, plans=[],
                                   stages=[])
    ledger = TaskProgress.objects.create(result_id="walk-ledger", title="项目台账导入：走查.xlsx",
                                         user=office, region=world.regions["331003"])
    pub = Publication.objects.create(county=world.regions["331003"], year=2022, run_id="walk",
                                     digest="0" * 64, scheme_id="walk", scheme_title="走查",
                                     start=day, end=day + dt.timedelta(days=7),
                                     state=Publication.PUBLISHED)
    row = PublishedResult.objects.create(publication=pub, enterprise=world.enterprises["A"],
                                         uscc=world.enterprises["A"].uscc, name="示例企业A",
                                         region=world.regions["331003001"], year=2022)
    objection = Objection.objects.create(result=row, enterprise=world.enterprises["A"],
                                         filed_by=world.users["enterprise_user"], reason="走查")
    return {"req": req, "approval": approval, "task": task, "project": project, "base": base,
            "ledger": ledger, "objection": objection}


def _approval_kinds() -> Any:
    from tiangong.services.approvals import APPROVAL_KINDS

    return APPROVAL_KINDS


def page_table(fx: dict[str, Any]) -> dict[str, tuple[str, dict[str, int]]]:
    r, a, t, p = fx["req"].pk, fx["approval"].pk, fx["task"].pk, fx["project"].pk
    # firms file their own; the 直通办 registers visits and calls
    filers = {r_: 200 if r_ in ENTERPRISES | {"county_analyst", "other_county_analyst"}
              else 403 for r_ in ROLES}
    return {
        # the list is every role's own view of the rows it may see (pool, queue, overdue …)
        "services:request_list": ("/services/", _all(200)),
        "services:request_new": ("/services/new/", filers),
        "services:import": ("/services/import/",
                            _only({"county_analyst", "other_county_analyst"})),
        # the county's own categories and routing rules: its 直通办 only
        "services:settings": ("/services/settings/",
                              _only({"county_analyst", "other_county_analyst"})),
        "services:kpi": ("/services/kpi/", _only(KPI_READERS)),
        "services:kpi_xlsx": ("/services/kpi.xlsx", _only(KPI_READERS)),
        "services:kpi_pdf": ("/services/kpi.pdf", _only(KPI_READERS)),
        "services:request_detail": (f"/services/{r}/", _sees(SEES_R)),
        "services:partner_answer": (f"/services/partner/{t}/answer/", _all(405)),
        "services:approval_action": (f"/services/approval/{a}/visit/", _all(405)),
        "services:approval_new": (f"/services/{r}/approval/", _all(405)),
        "services:request_action": (f"/services/{r}/accept/", _all(405)),
        "services:from_objection": (f"/services/from-objection/{fx['objection'].pk}/",
                                    _all(405)),
        # the portfolio lists the rows each role may see (none for departments and experts)
        "projects:portfolio": ("/projects/", _all(200)),
        # towns of the projects each role may see (an empty list for the others)
        "projects:town_suggestions": ("/projects/towns/?q=东", _all(200)),
        "projects:showing": ("/projects/showing/",
                             {r_: 403 if r_ in ENTERPRISES else 200 for r_ in ROLES}),
        "projects:showing_workbook": ("/projects/showing.xlsx",
                                      {r_: 403 if r_ in ENTERPRISES else 200 for r_ in ROLES}),
        "projects:showing_pdf": ("/projects/showing.pdf", _only(OFFICERS)),
        "projects:ledger_upload": ("/projects/import/",
                                   _only({"county_analyst", "other_county_analyst"})),
        "projects:ledger_status": (f"/projects/import/{fx['ledger'].result_id}/",
                                   _sees(SEES_COUNTY)),
        "projects:units": ("/projects/units/town/",
                           {r_: 403 if r_ in ENTERPRISES else 200 for r_ in ROLES}),
        "projects:baseline_freeze": ("/projects/baselines/freeze/", _all(405)),
        "projects:baseline_detail": (f"/projects/baselines/{fx['base'].pk}/",
                                     _sees(SEES_COUNTY)),
        "projects:project_detail": (f"/projects/{p}/", _sees(SEES_P)),
        # registering and editing: county and town project officers (the supervisor reads only)
        "projects:project_new": ("/projects/new/",
                                 _only({"county_analyst", "town_official",
                                        "other_county_analyst"})),
        # a county's stage chain: its analyst (the administrator names the county: ?county=)
        "projects:chain": ("/projects/chain/",
                           {r_: 200 if r_ in {"county_analyst", "other_county_analyst"}
                            else 404 if r_ == "administrator" else 403 for r_ in ROLES}),
        "projects:project_edit": (f"/projects/{p}/edit/",
                                  {r_: (200 if r_ in {"county_analyst", "town_official"}
                                        else 403) if r_ in SEES_P else 404 for r_ in ROLES}),
        "projects:gate": (f"/projects/{p}/gate/land/", _all(405)),
        "projects:back": (f"/projects/{p}/back/", _all(405)),
        "projects:report": (f"/projects/{p}/report/", _all(405)),
        "projects:problem": (f"/projects/{p}/problem/", _all(405)),
    }


def api_table(fx: dict[str, Any]) -> dict[tuple[str, str], tuple[str, object, dict[str, int]]]:
    r, p = fx["req"].pk, fx["project"].pk
    filers = {r_: 403 for r_ in ROLES}
    filers.update({"enterprise_user": 200, "other_enterprise_user": 200})
    # the county analyst must name a firm of its own county: firm A for 黄岩区, unknown to 路桥区
    filers.update({"county_analyst": 200, "other_county_analyst": 404})
    # act on R: 'note' is the 直通办's and the lead's (R is in handling); others may not (403:
    # "无权"), those who cannot see R get 404
    note = {r_: (200 if r_ in {"county_analyst", "department_user"} else 409)
            if r_ in SEES_R else 404 for r_ in ROLES}
    months = {r_: (200 if r_ in {"county_analyst", "town_official", "enterprise_user"}
                   else 403) if r_ in SEES_P else 404 for r_ in ROLES}
    return {
        ("GET", "/api/services/categories"): ("/api/services/categories", None, _all(200)),
        ("GET", "/api/services/requests"): ("/api/services/requests", None, _all(200)),
        ("GET", "/api/services/requests/{request_id}"): (f"/api/services/requests/{r}", None,
                                                         _sees(SEES_R)),
        ("POST", "/api/services/requests"): (
            "/api/services/requests", {"category": "tax", "text": "走查",
                                       "enterprise_uscc": fx["req"].enterprise.uscc}, filers),
        ("POST", "/api/services/requests/{request_id}/{action}"): (
            f"/api/services/requests/{r}/note", {"note": "走查"}, note),
        ("GET", "/api/projects/projects"): ("/api/projects/projects", None, _all(200)),
        ("GET", "/api/projects/projects/{project_id}"): (f"/api/projects/projects/{p}", None,
                                                         _sees(SEES_P)),
        ("GET", "/api/projects/projects/{project_id}/months"): (
            f"/api/projects/projects/{p}/months", None, _sees(SEES_P)),
        ("POST", "/api/projects/projects/{project_id}/months"): (
            f"/api/projects/projects/{p}/months", {"month": "2026-01", "invest": 10,
                                                   "funds": 5}, months),
        ("GET", "/api/projects/showing"): (
            "/api/projects/showing?year=2026&quarter=1", None,
            {r_: 403 if r_ in ENTERPRISES else 200 for r_ in ROLES}),
    }


APPS = ("services", "projects")


def test_every_route_has_a_row(world: World, fx: dict[str, Any]) -> None:
    assert_routes_covered(APPS, page_table(fx))


def test_every_api_operation_has_a_row(world: World, fx: dict[str, Any],
                                       client: Client) -> None:
    assert_operations_covered(client, ("/api/services/", "/api/projects/"), api_table(fx))


def test_page_walk(world: World, fx: dict[str, Any], client: Client) -> None:
    assert_page_walk(client, world, page_table(fx))


def test_pages_send_anonymous_to_login(world: World, fx: dict[str, Any],
                                       client: Client) -> None:
    assert_pages_send_anonymous_to_login(client, page_table(fx))


def test_api_walk(world: World, fx: dict[str, Any], client: Client) -> None:
    assert_api_walk(client, world, api_table(fx))


def test_api_anonymous_is_401_everywhere(world: World, fx: dict[str, Any],
                                         client: Client) -> None:
    assert_api_anonymous_is_401(client, api_table(fx))


def _footprint() -> tuple[int, ...]:
    """What a state-changing POST leaves behind, in every table these routes write."""
    from django.db.models import Sum

    from tiangong.platform.core.models import WorkflowEvent
    from tiangong.platform.projects.models import Baseline, ProjectMonth, ProjectProblem
    from tiangong.platform.services.models import (
        Approval,
        ObjectionRequest,
        PartnerTask,
        ServiceRequest,
    )

    return (WorkflowEvent.objects.count(), ServiceRequest.objects.count(),
            Approval.objects.count(), Approval.objects.aggregate(v=Sum("visits"))["v"] or 0,
            PartnerTask.objects.filter(state="answered").count(),
            ObjectionRequest.objects.count(), ProjectProblem.objects.count(),
            ProjectMonth.objects.count(), Baseline.objects.count())


def post_table(fx: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any], set[str]]]:
    """POST routes: (url, form, the roles whose POST changes something). Every other role
    must leave every table as it was — refused with 403, 404 (cannot see) or a message."""
    from tiangong.services.approvals import APPROVAL_KINDS

    r, p = fx["req"].pk, fx["project"].pk
    kind = list(APPROVAL_KINDS)[-1]
    return {
        "services:request_action": (f"/services/{r}/note/", {"note": "走查"},
                                    {"county_analyst", "department_user"}),
        # the 供电 partner task: only a 供电 user may answer, and no walked role is one
        "services:partner_answer": (f"/services/partner/{fx['task'].pk}/answer/",
                                    {"note": "走查"}, set()),
        "services:approval_action": (f"/services/approval/{fx['approval'].pk}/visit/", {},
                                     {"department_user"}),
        "services:approval_new": (f"/services/{r}/approval/", {"kind": kind},
                                  {"department_user"}),
        "services:from_objection": (f"/services/from-objection/{fx['objection'].pk}/",
                                    {"category": "tax", "text": "走查"},
                                    {"county_analyst", "town_official"}),
        # no evidence attached: nobody passes the gate; only the county steps back (签约 →
        # 已登记, with a reason)
        "projects:gate": (f"/projects/{p}/gate/land/", {"actual": "2026-02-01"}, set()),
        "projects:back": (f"/projects/{p}/back/", {"note": "走查"}, {"county_analyst"}),
        "projects:report": (f"/projects/{p}/report/",
                            {"month": "2026-01", "invest": "10", "funds": "5"},
                            {"county_analyst", "town_official", "enterprise_user"}),
        "projects:problem": (f"/projects/{p}/problem/", {"category": "tax", "text": "走查"},
                             {"county_analyst", "town_official", "enterprise_user"}),
        "projects:baseline_freeze": ("/projects/baselines/freeze/", {},
                                     {"county_analyst", "other_county_analyst"}),
    }


def test_post_walk(world: World, fx: dict[str, Any], client: Client) -> None:
    """Every POST route as every role, each POST rolled back afterwards: the allowed roles
    change something, every other role changes nothing; whoever cannot see the object gets
    404 (the same rows as the page walk's)."""
    from django.db import transaction

    table = post_table(fx)
    assert set(table) == {n for n, (_, st) in page_table(fx).items()
                          if set(st.values()) == {405}}  # every POST-only route is here
    pages = page_table(fx)
    wrong = []
    for name, (url, form, allowed) in table.items():
        for role in ROLES:
            client.force_login(world.users[role])
            before = _footprint()
            with transaction.atomic():
                status = client.post(url, form).status_code
                changed = _footprint() != before
                transaction.set_rollback(True)
            if changed != (role in allowed):
                wrong.append((name, role, status, "changed" if changed else "unchanged"))
            detail = {"services:request_action": "services:request_detail",
                      "services:approval_new": "services:request_detail",
                      "projects:report": "projects:project_detail",
                      "projects:problem": "projects:project_detail",
                      "projects:back": "projects:project_detail",
                      "projects:gate": "projects:project_detail"}.get(name)
            if detail and pages[detail][1][role] == 404 and status != 404:
                wrong.append((name, role, status, "should be 404"))
            if status >= 500:
                wrong.append((name, role, status, "server error"))
            client.logout()
    assert wrong == []
