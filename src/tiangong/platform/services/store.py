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

from tiangong.platform.core.bulk import insert_frame, reserve_ids
from tiangong.platform.core.changelog import bulk_create_logged, log_created_frame
from tiangong.platform.core.models import Department, Enterprise, Region, WorkflowEvent
from tiangong.platform.services.actions import config
from tiangong.platform.services.models import PartnerTask, ServiceRequest
from tiangong.platform.services.workflow import REQUEST_WORKFLOW
from tiangong.services.outcome import outcome_colour
from tiangong.services.tables import ACTIONS


class _Departments:
    """The county's departments by name, read once ("税务局" matches "黄岩区税务局"); a missing
    one is created (the demo) or left out (an import: the request stays in the pool)."""

    def __init__(self, county: Region, create: bool) -> None:
        self.county, self.create = county, create
        self.rows = list(Department.objects.filter(county=county))
        self.cache: dict[str, Department | None] = {}

    def prepare(self, names: Any) -> None:
        """Match every name at once; the missing departments are created in one bulk write
        (change-logged) rather than one save() each."""
        missing = []
        for name in sorted({n for n in names if isinstance(n, str)} - set(self.cache)):
            found = [d for d in self.rows if d.name == name or d.name.endswith(name)]
            self.cache[name] = found[0] if found else None
            if not found and self.create:
                missing.append(name)
        if missing:
            made = bulk_create_logged(Department, [
                Department(county=self.county, code=n, name=n) for n in missing])
            self.rows.extend(made)
            self.cache.update({d.name: d for d in made})

    def get(self, name: str) -> Department | None:
        if name not in self.cache:
            found = [d for d in self.rows if d.name == name or d.name.endswith(name)]
            if found:
                self.cache[name] = found[0]
            elif self.create:
                made = Department.objects.create(county=self.county, code=name, name=name)
                self.rows.append(made)
                self.cache[name] = made
            else:
                self.cache[name] = None
        return self.cache[name]


def _facts(ev: pd.DataFrame) -> pd.DataFrame:
    """Per request: last closure (time, code), last rating, reroutes, reopenings — grouped
    once over all events, not filtered request by request."""
    closes = ev[ev.action == "close"].groupby("request_id").last()
    rates = ev[ev.action == "rate"].groupby("request_id").last()
    out = pd.DataFrame(index=pd.Index(ev.request_id.unique(), name="request_id"))
    out["last_close"] = closes["at"]
    out["last_code"] = closes["closure_code"]
    out["last_rating"] = rates["rating"]
    out["last_rate"] = rates["at"]
    out["last_event"] = ev.groupby("request_id")["at"].max()

    def count(actions: tuple[str, ...]) -> pd.Series:
        return ev[ev.action.isin(actions)].groupby("request_id").size().reindex(
            out.index, fill_value=0)

    out["reroutes"] = count(("reroute", "settle_reroute"))
    out["reopens"] = count(("reopen",))
    out["routed"] = count(("route",)) > 0
    return out


def _day(col: pd.Series) -> pd.Series:
    """Local event times → their days (None where there is none)."""
    at = pd.to_datetime(col)
    return at.dt.date.astype(object).where(at.notna(), None)


def _text(col: pd.Series) -> pd.Series:
    """Text cells, '' where missing (None / NaN)."""
    return col.astype(object).where(col.notna(), "")


def store(county: Region, firms: dict[str, Enterprise], req: pd.DataFrame, ev: pd.DataFrame,
          external: str, cal: Any, create_departments: bool = True) -> tuple[int, int]:
    """Write the tables; external ids are `external` + the library's request id (or the
    source's own id when the table has one). Returns (requests, events) written.

    Rows go in with `core.bulk` (COPY on PostgreSQL), not one save() each: a province-year is
    140,000 requests and 1.5 M events. The change log gets its "create" entry for every request
    and partner task all the same, written in bulk from the same rows."""
    if req.empty:
        return 0, 0
    depts = _Departments(county, create_departments)
    depts.prepare([*req.lead_department, *ev.loc[ev.action == "partner_assign", "department"]])
    r = req.join(_facts(ev), on="request_id").reset_index(drop=True)
    closed = r.state.isin(("closed", "rated"))
    code = _text(r.last_code).where(closed, "")
    rating = _text(r.last_rating).where(r.state == "rated", "")
    pairs = {p: outcome_colour(p[0] or None, p[1] or None)
             for p in set(zip(code, rating, strict=True))}
    colour = [pairs[p][0] or "" for p in zip(code, rating, strict=True)]
    source = [pairs[p][1] or "" for p in zip(code, rating, strict=True)]
    lead = [depts.get(n) if isinstance(n, str) else None for n in r.lead_department]
    lead_id = pd.Series([d.pk if d is not None else None for d in lead], dtype=object)
    state = r.state.where(lead_id.notna() | (r.state == "received"), "received")
    firm = [firms[u] for u in r.uscc]
    ids = reserve_ids(ServiceRequest, len(r))
    rows = pd.DataFrame({
        "id": ids, "enterprise_id": [f.pk for f in firm], "channel": r.channel,
        "external_id": [x if isinstance(x, str) else external + rid
                        for x, rid in zip(r.external_id, r.request_id, strict=True)],
        "needs_confirmation": r.needs_confirmation.astype(bool), "category": r.category,
        "text": r.text, "received_at": r.received_at, "state": state, "lead_id": lead_id,
        "first_lead_id": lead_id, "reroutes": r.reroutes.fillna(0).astype(int),
        "assigned_on": r.assigned_on, "due_on": r.due_on, "closure_code": code,
        "closed_on": pd.to_datetime(r.last_close).dt.normalize().where(closed),
        "rating": rating, "colour": colour, "colour_source": source,
        "reopen_count": r.reopens.fillna(0).astype(int),
        # the KPI facts (tiangong.services.facts) the moves keep, from the same events
        "routed": r.routed.fillna(False).astype(bool), "last_rating": _text(r.last_rating),
        "rated_on": _day(r.last_rate), "last_event_on": _day(r.last_event)})
    now = timezone.now()
    rows["created"] = rows["updated"] = now
    insert_frame(ServiceRequest, rows)
    paths = dict(Region.objects.filter(pk__in={f.region_id for f in firm})
                 .values_list("pk", "path"))
    # the change log's object_repr is ServiceRequest.__str__: 诉求 <pk>（<firm>）
    log_created_frame(ServiceRequest, rows,
                      [f"诉求 {pk}（{f.name}）" for pk, f in zip(ids, firm, strict=True)],
                      [paths.get(f.region_id, "") for f in firm])
    pk_of = dict(zip(r.request_id, ids, strict=True))
    n_events = _events(ev, pk_of)
    _partner_tasks(ev, req, pk_of, depts, cal)
    return len(rows), n_events


def _events(ev: pd.DataFrame, pk_of: dict[str, int]) -> int:
    """The workflow's event rows, each with its own time (no auto_now_add for these)."""
    labels = {t.action: t.label for t in REQUEST_WORKFLOW.transitions}
    label = ev.action.map(labels).fillna(ev.action.map(ACTIONS)).fillna(ev.action)
    due = pd.to_datetime(ev.due_on)
    sla = ('{"due_on": "' + due.dt.strftime("%Y-%m-%d") + '"}').where(due.notna(), None)
    return insert_frame(WorkflowEvent, pd.DataFrame({
        "content_type_id": ContentType.objects.get_for_model(ServiceRequest).pk,
        "object_id": ev.request_id.map(pk_of).astype("int64").astype(str),
        "workflow": REQUEST_WORKFLOW.name, "action": ev.action, "action_label": label,
        "from_state": _text(ev.from_state), "to_state": _text(ev.to_state), "actor_id": None,
        "actor_name": _text(ev.department), "role": _text(ev.role), "note": _text(ev.note),
        "time": ev["at"], "sla": sla, "request_id": "demo"}))


def _partner_tasks(ev: pd.DataFrame, req: pd.DataFrame, pk_of: dict[str, int],
                   depts: _Departments, cal: Any) -> None:
    """One task per generated partner assignment, answered when its answer event exists; its
    deadline is the library's partner deadline ahead of the lead's."""
    from tiangong.platform.services.county_config import settings_for
    from tiangong.services.clock import ClockRefused, partner_due
    from tiangong.services.config import ConfigError

    own = settings_for(depts.county).config

    info = req.set_index("request_id")[["category", "due_on"]]
    assigned = ev[ev.action == "partner_assign"]
    answered = set(zip(ev.loc[ev.action == "partner_answer", "request_id"],
                       ev.loc[ev.action == "partner_answer", "department"], strict=True))
    category = info["category"].reindex(assigned.request_id).tolist()
    lead_due = info["due_on"].reindex(assigned.request_id).tolist()
    tasks: list[tuple[int, Any, bool, int]] = []
    for rid, name, at, cat, due_lead in zip(assigned.request_id, assigned.department,
                                            assigned["at"], category, lead_due, strict=True):
        try:
            lim = own.category(cat).limits
        except ConfigError:  # a category the county dropped: the default limits
            lim = config().category(cat).limits
        try:
            due = partner_due(cal, at.date(), due_lead, lim)
        except ClockRefused:
            due = due_lead
        dept = depts.get(name)
        if dept is not None:
            tasks.append((dept.pk, due, (rid, name) in answered, pk_of[rid]))
    if not tasks:
        return
    ids = reserve_ids(PartnerTask, len(tasks))
    done = [t[2] for t in tasks]
    rows = pd.DataFrame({
        "id": ids, "department_id": [t[0] for t in tasks], "question": "协办事项",
        "answer": ["已答复" if d else "" for d in done],
        "state": ["answered" if d else "open" for d in done],
        "due_on": [t[1] for t in tasks]})
    rows["created"] = rows["updated"] = timezone.now()
    insert_frame(PartnerTask, rows)
    names = {d.pk: d.name for d in depts.rows}
    # object_repr is PartnerTask.__str__: 协办 <pk>（<department>）; region path the county's
    log_created_frame(PartnerTask, rows,
                      [f"协办 {pk}（{names[t[0]]}）" for pk, t in zip(ids, tasks, strict=True)],
                      [depts.county.path] * len(tasks))
    insert_frame(PartnerTask.requests.through, pd.DataFrame({
        "partnertask_id": ids, "servicerequest_id": [t[3] for t in tasks]}))
