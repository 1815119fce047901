"""`tiangong manage load_demo_requests --county 331003`: a county's year of requests for the demo.

The library's generator (`tiangong.demo.requests`) writes a realistic year over the county's
enterprises (channels, categories, objections, reroutes, partners, pauses, extensions, overdue
ones, ratings, reopenings); this command stores it as platform rows, so the pool, the queues,
the clocks and the 晾晒 can be seen at once. Departments the routing rules name are created in
the county when missing. Rows are written in bulk as an import (events keep their generated
times); requests already loaded for the year are kept, not duplicated.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from tiangong.platform.core.context import acting_as
from tiangong.platform.core.models import Department, Enterprise, Region, WorkflowEvent
from tiangong.platform.services.actions import config, rules
from tiangong.platform.services.calendar import CALENDAR_ERRORS, table_calendar
from tiangong.platform.services.models import PartnerTask, ServiceRequest
from tiangong.platform.services.workflow import REQUEST_WORKFLOW
from tiangong.services.outcome import outcome_colour
from tiangong.services.tables import ACTIONS


class Command(BaseCommand):
    help = "生成并导入一个县一年的企业诉求（演示数据）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--county", required=True, help="县级区划代码，如 331003")
        parser.add_argument("--year", type=int, default=2025)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--requests", type=int, default=1836, help="诉求件数（天台一年 1,836）")

    def handle(self, *args: Any, **opts: Any) -> None:
        from tiangong.demo.requests import generate_requests

        county = Region.objects.filter(code=opts["county"], level="county").first()
        if county is None:
            raise CommandError(f"没有区划代码为 {opts['county']} 的县级区划。")
        firms = list(Enterprise.objects.filter(region__path__startswith=county.path)
                     .select_related("region"))
        if not firms:
            raise CommandError(f"{county.name}没有企业，请先导入企业名录。")
        year = opts["year"]
        external = f"demo-{year}-"
        if ServiceRequest.objects.filter(external_id__startswith=external,
                                         enterprise__region__path__startswith=county.path
                                         ).exists():
            self.stdout.write(f"{county.name} {year} 年的演示诉求已导入，未重复导入。")
            return
        roster = pd.DataFrame({"uscc": [f.uscc for f in firms], "name": [f.name for f in firms],
                               "town_name": [f.region.name for f in firms],
                               "industry_code": [f.industry_code for f in firms]})
        try:
            cal = table_calendar(county, [year, year + 1])
        except CALENDAR_ERRORS as err:
            raise CommandError(str(err)) from None
        req, ev = generate_requests(roster, config(), rules(), cal, opts["requests"],
                                    seed=opts["seed"], year=year)
        with acting_as(None, f"demo-requests-{year}"), transaction.atomic():
            n = _store(county, {f.uscc: f for f in firms}, req.to_pandas(), ev.to_pandas(),
                       external, cal)
        self.stdout.write(f"{county.name}：导入 {n[0]} 件诉求、{n[1]} 条办理记录。")


def _department(county: Region, name: str, cache: dict[str, Department]) -> Department:
    if name not in cache:
        found = [d for d in Department.objects.filter(county=county)
                 if d.name == name or d.name.endswith(name)]
        cache[name] = found[0] if found else Department.objects.create(
            county=county, code=name, name=name)
    return cache[name]


def _tuples(frame: pd.DataFrame) -> Any:
    """Rows as named tuples (typed Any: the columns are the library's schema)."""
    return frame.itertuples()


def _aware(t: Any) -> Any:
    return timezone.make_aware(t.to_pydatetime()) if pd.notna(t) else None


def _store(county: Region, firms: dict[str, Enterprise], req: pd.DataFrame, ev: pd.DataFrame,
           external: str, cal: Any) -> tuple[int, int]:
    depts: dict[str, Department] = {}
    by_req = {k: g for k, g in ev.groupby("request_id", sort=False)}
    rows = []
    for r in _tuples(req):
        e = by_req[r.request_id]
        close = e[e.action == "close"]
        rate = e[e.action == "rate"]
        reroutes = int(e.action.isin(["reroute", "settle_reroute"]).sum())
        closed = r.state in ("closed", "rated")
        code = close.closure_code.iloc[-1] if closed and len(close) else ""
        rating = rate.rating.iloc[-1] if r.state == "rated" and len(rate) else ""
        colour, source = outcome_colour(code or None, rating or None)
        lead = (_department(county, r.lead_department, depts)
                if isinstance(r.lead_department, str) else None)
        rows.append(ServiceRequest(
            enterprise=firms[r.uscc], channel=r.channel, external_id=external + r.request_id,
            category=r.category, text=r.text, received_at=_aware(r.received_at),
            state=r.state, lead=lead, first_lead=lead, reroutes=reroutes,
            assigned_on=r.assigned_on if pd.notna(r.assigned_on) else None,
            due_on=r.due_on if pd.notna(r.due_on) else None,
            closure_code=code or "", closed_on=close["at"].iloc[-1].date() if closed else None,
            rating=rating or "", colour=colour or "", colour_source=source or "",
            reopen_count=int((e.action == "reopen").sum())))
    made = ServiceRequest.objects.bulk_create(rows, batch_size=500)
    pk_of = {r.request_id: m.pk for r, m in zip(_tuples(req), made, strict=True)}
    ct = ContentType.objects.get_for_model(ServiceRequest)
    events = []
    labels = {t.action: t.label for t in REQUEST_WORKFLOW.transitions}
    for x in _tuples(ev):
        due = x.due_on if pd.notna(x.due_on) else None
        events.append(WorkflowEvent(
            content_type=ct, object_id=str(pk_of[x.request_id]), workflow=REQUEST_WORKFLOW.name,
            action=x.action, action_label=labels.get(x.action, ACTIONS.get(x.action, x.action)),
            from_state=x.from_state or "", to_state=x.to_state or "", actor=None,
            actor_name=x.department or "", role=x.role or "", note=x.note or "",
            time=_aware(x.at), sla={"due_on": due.isoformat()} if due else None,
            request_id="demo"))
    # Generated events keep their own times: auto_now_add is set aside for this bulk write.
    field = WorkflowEvent._meta.get_field("time")
    field.auto_now_add = False
    try:
        WorkflowEvent.objects.bulk_create(events, batch_size=1000)
    finally:
        field.auto_now_add = True
    _partner_tasks(ev, req, pk_of, county, depts, cal)
    return len(made), len(events)


def _partner_tasks(ev: pd.DataFrame, req: pd.DataFrame, pk_of: dict[str, int],
                   county: Region, depts: dict[str, Department], cal: Any) -> None:
    """One task per generated partner assignment, answered when its answer event exists; its
    deadline is the library's partner deadline ahead of the lead's."""
    from tiangong.services.clock import ClockRefused, partner_due

    info = req.set_index("request_id")[["category", "due_on"]]
    assigned = ev[ev.action == "partner_assign"]
    answered = set(zip(ev.loc[ev.action == "partner_answer", "request_id"],
                       ev.loc[ev.action == "partner_answer", "department"], strict=True))
    for x in _tuples(assigned):
        category, lead_due = info.loc[x.request_id]
        try:
            due = partner_due(cal, x.at.date(), lead_due, config().category(category).limits)
        except ClockRefused:
            due = lead_due
        task = PartnerTask.objects.create(
            department=_department(county, x.department, depts), question="协办事项",
            due_on=due, state="answered" if (x.request_id, x.department) in answered
            else "open", answer="已答复" if (x.request_id, x.department) in answered else "")
        task.requests.add(pk_of[x.request_id])
