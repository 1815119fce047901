"""Platform rows from the library's request and event tables (demo year, hotline imports).

Both the demo generator and the 12345 / 好差评 importer produce the library's two tables
(`tiangong.services.tables`); this module writes them as ServiceRequest, WorkflowEvent and
PartnerTask rows in bulk, keeping each event's own time. Departments named in the tables are
matched to the county's departments by name ("税务局" → "黄岩区税务局"); the demo may create the
ones that are missing, an import leaves such a request unrouted in the pool instead.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from tiangong.platform.core.models import Department, Enterprise, Region, WorkflowEvent
from tiangong.platform.services.actions import config
from tiangong.platform.services.models import PartnerTask, ServiceRequest
from tiangong.platform.services.workflow import REQUEST_WORKFLOW
from tiangong.services.outcome import outcome_colour
from tiangong.services.tables import ACTIONS


def _department(county: Region, name: str, cache: dict[str, Department | None],
                create: bool = True) -> Department | None:
    if name not in cache:
        found = [d for d in Department.objects.filter(county=county)
                 if d.name == name or d.name.endswith(name)]
        cache[name] = found[0] if found else Department.objects.create(
            county=county, code=name, name=name) if create else None
    return cache[name]


def _facts(ev: pd.DataFrame) -> pd.DataFrame:
    """Per request: last closure (time, code), last rating, reroutes, reopenings — grouped
    once over all events, not filtered request by request."""
    closes = ev[ev.action == "close"].groupby("request_id").last()
    rates = ev[ev.action == "rate"].groupby("request_id").last()
    counts = pd.crosstab(ev.request_id, ev.action)
    out = pd.DataFrame(index=pd.Index(ev.request_id.unique(), name="request_id"))
    out["last_close"] = closes["at"]
    out["last_code"] = closes["closure_code"]
    out["last_rating"] = rates["rating"]
    counts = counts.reindex(columns=["reroute", "settle_reroute", "reopen"], fill_value=0)
    out["reroutes"] = (counts["reroute"] + counts["settle_reroute"]).reindex(out.index)
    out["reopens"] = counts["reopen"].reindex(out.index)
    return out.fillna({"reroutes": 0, "reopens": 0})


def _tuples(frame: pd.DataFrame) -> Any:
    """Rows as named tuples (typed Any: the columns are the library's schema)."""
    return frame.itertuples()


def _aware(t: Any) -> Any:
    return timezone.make_aware(t.to_pydatetime()) if pd.notna(t) else None


def store(county: Region, firms: dict[str, Enterprise], req: pd.DataFrame, ev: pd.DataFrame,
          external: str, cal: Any, create_departments: bool = True) -> tuple[int, int]:
    """Write the tables; external ids are `external` + the library's request id (or the
    source's own id when the table has one). Returns (requests, events) written."""
    depts: dict[str, Department | None] = {}
    facts = _facts(ev)
    rows = []
    for r in _tuples(req.join(facts, on="request_id")):
        closed = r.state in ("closed", "rated")
        code = r.last_code if closed and isinstance(r.last_code, str) else ""
        rating = r.last_rating if r.state == "rated" and isinstance(r.last_rating, str) else ""
        colour, source = outcome_colour(code or None, rating or None)
        lead = (_department(county, r.lead_department, depts, create_departments)
                if isinstance(r.lead_department, str) else None)
        state = r.state if lead is not None or r.state == "received" else "received"
        rows.append(ServiceRequest(
            enterprise=firms[r.uscc], channel=r.channel,
            external_id=r.external_id if isinstance(r.external_id, str) else
            external + r.request_id, needs_confirmation=bool(r.needs_confirmation),
            category=r.category, text=r.text, received_at=_aware(r.received_at),
            state=state, lead=lead, first_lead=lead, reroutes=int(r.reroutes),
            assigned_on=r.assigned_on if pd.notna(r.assigned_on) else None,
            due_on=r.due_on if pd.notna(r.due_on) else None,
            closure_code=code or "",
            closed_on=r.last_close.date() if closed and pd.notna(r.last_close) else None,
            rating=rating or "", colour=colour or "", colour_source=source or "",
            reopen_count=int(r.reopens)))
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
    _partner_tasks(ev, req, pk_of, county, depts, cal, create_departments)
    return len(made), len(events)


def _partner_tasks(ev: pd.DataFrame, req: pd.DataFrame, pk_of: dict[str, int],
                   county: Region, depts: dict[str, Department | None], cal: Any,
                   create: bool) -> None:
    """One task per generated partner assignment, answered when its answer event exists; its
    deadline is the library's partner deadline ahead of the lead's."""
    from tiangong.services.clock import ClockRefused, partner_due

    info = req.set_index("request_id")[["category", "due_on"]]
    assigned = ev[ev.action == "partner_assign"]
    answered = set(zip(ev.loc[ev.action == "partner_answer", "request_id"],
                       ev.loc[ev.action == "partner_answer", "department"], strict=True))
    tasks, links = [], []
    for x in _tuples(assigned):
        category, lead_due = info.loc[x.request_id]
        try:
            due = partner_due(cal, x.at.date(), lead_due, config().category(category).limits)
        except ClockRefused:
            due = lead_due
        dept = _department(county, x.department, depts, create)
        if dept is None:
            continue
        done = (x.request_id, x.department) in answered
        tasks.append(PartnerTask(department=dept, question="协办事项", due_on=due,
                                 state="answered" if done else "open",
                                 answer="已答复" if done else ""))
        links.append(pk_of[x.request_id])
    made = PartnerTask.objects.bulk_create(tasks, batch_size=1000)
    through = PartnerTask.requests.through
    through.objects.bulk_create([through(partnertask_id=t.pk, servicerequest_id=r)
                                 for t, r in zip(made, links, strict=True)], batch_size=2000)
