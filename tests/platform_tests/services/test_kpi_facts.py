"""The KPI facts kept on the request rows (services/facts.py, kept by actions.move, written by
the bulk store, filled by the backfill command) equal a recount from the events, after each
kind of move and after an import, and the KPI report over them equals the report over the
events. Expected facts of the hand-built case are stated by hand next to each step."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from django.core.management import call_command

from tiangong.platform.core.models import Region
from tiangong.platform.core.testing import World
from tiangong.platform.services import actions
from tiangong.platform.services.calendar import table_calendar
from tiangong.platform.services.export import report, tables
from tiangong.platform.services.facts import facts_table
from tiangong.platform.services.models import ServiceRequest
from tiangong.services.facts import facts_from_events
from tiangong.services.kpi import kpi_report

D = dt.date.fromisoformat


def _facts(pk: int, as_of: dt.date) -> tuple[dict[str, Any], dict[str, Any]]:
    """(stored facts, facts recounted from the events) of one request."""
    qs = ServiceRequest.objects.filter(pk=pk)
    assert not qs.exclude(last_event_on__lte=as_of).exists()  # the stored path is read
    stored = facts_table(qs, as_of).to_pylist()[0]
    recount = facts_from_events(*tables(qs), as_of).to_pylist()[0]
    return stored, recount


def _check(req: ServiceRequest, day: str, **expected: Any) -> None:
    stored, recount = _facts(req.pk, D(day))
    assert stored == recount, (req.state, stored, recount)
    assert {k: stored[k] for k in expected} == expected


def test_facts_after_every_kind_of_move(world: World, cal: None, today: Any,
                                        power_user: Any) -> None:
    firm, office, tax = (world.users[r] for r in ("enterprise_user", "county_analyst",
                                                  "department_user"))
    depts = world.departments
    a = actions.file_request(firm, world.enterprises["A"], "tax", "留抵退税进度咨询")
    _check(a, "2026-03-02", routed=False, state_now="received", closed_day=None)
    actions.route(a, office, depts["331003/tax"])
    _check(a, "2026-03-02", routed=True, reroutes=0, state_now="assigned")
    actions.move(a, "object", tax, "属供电公司职责")
    _check(a, "2026-03-02", state_now="objected", reroutes=0)
    actions.reassign(a, office, "settle_reroute", depts["331003/power"], "改派供电")
    _check(a, "2026-03-02", reroutes=1, state_now="assigned")
    actions.move(a, "accept", power_user)
    actions.pause(a, power_user, "等待企业补充材料")
    _check(a, "2026-03-02", state_now="paused_enterprise")
    today("2026-03-03")
    actions.move(a, "pause_switch", power_user)
    actions.resume(a, power_user)
    _check(a, "2026-03-03", state_now="handling")
    actions.ask_extension(a, power_user, D("2026-03-20"), "需现场踏勘")
    actions.approve_extension(a, office)
    actions.move(a, "answer", power_user, "已答复")
    today("2026-03-05")
    actions.close(a, power_user, "solved")
    _check(a, "2026-03-05", closed_day=D("2026-03-05"), closure_code="solved", rating=None)
    today("2026-03-06")
    actions.rate(a, firm, "dissatisfied", "未解决")
    _check(a, "2026-03-06", rating="dissatisfied", last_rating="dissatisfied",
           rated_day=D("2026-03-06"))
    today("2026-03-09")
    actions.reopen(a, firm, "仍未解决")
    # reopened: not closed now; the last rating and its day stay for 满意率
    _check(a, "2026-03-09", reopens=1, closed_day=None, rating=None,
           last_rating="dissatisfied", rated_day=D("2026-03-06"), state_now="handling")
    actions.move(a, "answer", power_user, "再次答复")
    today("2026-03-10")
    actions.close(a, power_user, "solved")
    actions.rate(a, firm, "satisfied")
    _check(a, "2026-03-10", routed=True, reroutes=1, reopens=1, closed_day=D("2026-03-10"),
           rating="satisfied", last_rating="satisfied", rated_day=D("2026-03-10"),
           state_now="rated")

    b = actions.file_request(firm, world.enterprises["A"], "tax", "发票问题")
    actions.route(b, office, depts["331003/tax"])
    actions.reassign(b, office, "reroute", depts["331003/power"], "改派")
    actions.move(b, "accept", power_user)
    actions.move(b, "note", power_user, "内部备注")
    actions.ask_extension(b, power_user, D("2026-03-24"), "需协调")
    actions.move(b, "extension_reject", office, "无需延期")
    actions.move(b, "answer", power_user, "已说明")
    actions.close(b, power_user, "explained")
    _check(b, "2026-03-10", reroutes=1, closed_day=D("2026-03-10"), closure_code="explained",
           rating=None, last_rating=None)
    c = actions.file_request(firm, world.enterprises["A"], "tax", "发票问题（重复）")
    actions.move(c, "merge", office, f"与 {b.pk} 重复")
    _check(c, "2026-03-10", routed=False, state_now="merged")

    # the KPI report over the stored facts equals the report over the events
    county = Region.objects.get(code="331003")
    qs = ServiceRequest.objects.all()
    got = report(county, qs, D("2026-03-31"))
    want = kpi_report(*tables(qs), table_calendar(county, [2026]), D("2026-03-31"))
    pd.testing.assert_frame_equal(got, want)
    row = got[(got.kpi == "reopen_rate") & (got.group == "全部")].iloc[0]
    assert (row.numerator, row.denominator) == (1, 2)  # a of a, b
    row = got[(got.kpi == "first_time_right") & (got.group == "全部")].iloc[0]
    assert (row.numerator, row.denominator) == (0, 2)  # a and b both re-routed; c not routed
    # a past statistics date: a's later moves are recounted from its events, so on 3-05
    # a is closed and not yet rated, b is assigned
    past = report(county, qs, D("2026-03-05"))
    row = past[(past.kpi == "closed_of_received") & (past.group == "全部")].iloc[0]
    assert (row.numerator, row.denominator) == (1, 3)
    pd.testing.assert_frame_equal(past, kpi_report(*tables(qs), table_calendar(county, [2026]),
                                                   D("2026-03-05")))

    # the backfill command refills facts of rows written without them; d's reopening cleared
    # its rating, its last rating (不满意, the only one that may reopen) comes back
    d = actions.file_request(firm, world.enterprises["A"], "tax", "用电报装")
    actions.route(d, office, depts["331003/tax"])
    actions.move(d, "accept", tax)
    actions.move(d, "answer", tax, "已答复")
    actions.close(d, tax, "solved")
    actions.rate(d, firm, "dissatisfied")
    actions.reopen(d, firm, "仍未解决")
    _check(d, "2026-03-10", rating=None, last_rating="dissatisfied", state_now="handling")
    before = facts_table(qs, D("2026-03-31")).to_pylist()
    qs.update(routed=False, last_rating="", rated_on=None, last_event_on=None)
    call_command("services_backfill_facts", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not qs.filter(last_event_on__isnull=True).exists()
    after = facts_table(qs, D("2026-03-31")).to_pylist()
    assert after == before and len(after) == 4


def test_facts_after_an_import(world: World) -> None:
    """The bulk store writes the facts with the rows: they equal the recount from the stored
    events, at the year's end (every row read as stored) and mid-year (rows moved later are
    recounted from their events)."""
    from .test_bulk_store import _stored

    _stored(world, 120)
    qs = ServiceRequest.objects.all()
    end = D("2025-12-31")
    assert qs.filter(last_event_on__lte=end).count() == 120
    for as_of in (D("2025-06-30"), end):
        stored = facts_table(qs, as_of).sort_by("request_id")
        recount = facts_from_events(*tables(qs), as_of).sort_by("request_id")
        assert stored.to_pylist() == recount.to_pylist()
    assert sum(r["routed"] for r in stored.to_pylist()) > 60  # the generated mix is routed


def test_a_county_own_days_count_in_the_city_report(world: World, cal: None,
                                                     today: Any) -> None:
    """A city's report by county counts each county's working days on the county's own
    calendar, so 黄岩's line there equals 黄岩's own report. 黄岩 makes Wednesday 2026-03-04 a
    local holiday; a request of each county received Monday 03-02 and closed Friday 03-06
    took 4 working days nationally (03-03 … 03-06, the day of receipt not counted), 3 in 黄岩."""
    from tiangong.platform.core.models.calendar import WorkCalendarDay
    from tiangong.platform.core.roles import Role
    from tiangong.platform.core.testing import make_user
    from tiangong.platform.services.export import reports

    huangyan, luqiao = (Region.objects.get(code=c) for c in ("331003", "331004"))
    WorkCalendarDay.objects.create(date=D("2026-03-04"), county=huangyan, is_workday=False,
                                   source="county", note="本县调整")
    luqiao_tax = make_user("luqiao_tax", Role.DEPARTMENT_USER,
                           department=world.departments["331004/tax"])
    cases = [(world.enterprises["A"], world.users["county_analyst"], "331003/tax",
              world.users["department_user"]),
             (world.enterprises["C"], world.users["other_county_analyst"], "331004/tax",
              luqiao_tax)]
    for firm, office, dept, handler in cases:
        today("2026-03-02")
        req = actions.file_request(office, firm, "tax", "发票")
        actions.route(req, office, world.departments[dept])
        actions.move(req, "accept", handler)
        actions.move(req, "answer", handler, "已答复")
        today("2026-03-06")
        actions.close(req, handler, "solved")
    qs = ServiceRequest.objects.all()
    city = reports(None, qs, D("2026-03-31"), "county", ("month",))["month"]
    median = city[city.kpi == "median_days"].set_index("group")["value"]
    assert median["黄岩区"] == 3 and median["路桥区"] == 4
    own = report(huangyan, qs.filter(enterprise__region__path__contains="/331003/"),
                 D("2026-03-31"))
    mine = own[(own.kpi == "median_days") & (own.group == "全部")]["value"]
    assert mine.tolist() == [3]
    assert report(luqiao, qs.filter(enterprise=world.enterprises["C"]), D("2026-03-31")).query(
        "kpi == 'median_days' and group == '全部'")["value"].tolist() == [4]
