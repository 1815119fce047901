"""What each role does to a request: the workflow move plus the dates the library computes.

Each function computes the new deadline fields with `tiangong.services.clock` over the core's
calendar and hands them to `apply_transition` as `updates`, so the state and the dates change in
one compare-and-set UPDATE (a double click or two users at once: exactly one move recorded).
A deadline in a year without calendar data is refused with the calendar's Chinese message.
Every move of a request goes through `move`, which adds the request's KPI facts
(`kpi_facts`) to the same UPDATE; limits and routing rules are the request's county's
(`county_config`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from tiangong.platform.core.context import request_id
from tiangong.platform.core.models import Department, WorkflowEvent
from tiangong.platform.core.workflow import TransitionRefused, apply_transition, record_event
from tiangong.platform.services.calendar import CALENDAR_ERRORS, county_of, for_county
from tiangong.platform.services.county_config import Settings, default_settings, settings_for
from tiangong.platform.services.models import PartnerTask, ServiceRequest
from tiangong.platform.services.workflow import REQUEST_WORKFLOW
from tiangong.services import clock
from tiangong.services.config import Limits, ServiceConfig
from tiangong.services.outcome import outcome_colour
from tiangong.services.routing import Proposal, Rule, propose


def config() -> ServiceConfig:
    """The installation's default categories (the API's category list, the demo)."""
    return default_settings().config


def rules() -> list[Rule]:
    """The installation's default routing rules."""
    return default_settings().rules


def settings_of(req: ServiceRequest) -> Settings:
    """The categories and rules of the request's county (its copy, or the default)."""
    return settings_for(county_of(req.enterprise.region))


def limits(req: ServiceRequest) -> Limits:
    return settings_of(req).config.category(req.category).limits


def _cal(req: ServiceRequest) -> Any:
    return for_county(county_of(req.enterprise.region))


def _today() -> dt.date:
    return timezone.localdate()


def _dates(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except CALENDAR_ERRORS as err:
        raise TransitionRefused(str(err)) from None
    except clock.ClockRefused as err:
        raise TransitionRefused(str(err)) from None


def kpi_facts(req: ServiceRequest, action: str, updates: dict[str, Any]) -> dict[str, Any]:
    """The KPI facts a move changes (`tiangong.services.facts`, kept on the row): the one
    place that says what each action means for the KPIs, applied by `move` in the same
    compare-and-set UPDATE as the state, so the row's facts equal a recount of its events."""
    today = _today()
    facts: dict[str, Any] = {"last_event_on": today}
    if action == "route":
        facts["routed"] = True
    elif action in ("reroute", "settle_reroute"):
        facts["reroutes"] = req.reroutes + 1
    elif action == "close":
        facts["closed_on"] = today
    elif action == "rate":
        facts.update(last_rating=updates["rating"], rated_on=today)
    elif action == "reopen":
        facts.update(reopen_count=req.reopen_count + 1, closed_on=None)
    return facts


def move(req: ServiceRequest, action: str, user: Any, note: str = "",
         updates: dict[str, Any] | None = None) -> Any:
    """Every move of a request: the core's apply_transition with the action's dates
    (`updates`) and its KPI facts in one UPDATE; returns the event."""
    changes = dict(updates or {})
    return apply_transition(req, action, user, note,
                            updates={**changes, **kpi_facts(req, action, changes)})


def file_request(user: Any, enterprise: Any, category: str, text: str, channel: str = "form",
                 external_id: str = "", received_at: dt.datetime | None = None,
                 attachments: Sequence[Any] = ()) -> ServiceRequest:
    """A new request in the pool, with its 'file' event (the first row of its timeline); the
    enterprise's attachments are kept on that event (hashed, by the core's record_event)."""
    # unknown category → ConfigError (Chinese message); the county's own list
    settings_for(county_of(enterprise.region)).config.category(category)
    if not text.strip():
        raise TransitionRefused("请填写诉求内容。")
    with transaction.atomic():
        req = ServiceRequest.objects.create(
            enterprise=enterprise, category=category, text=text.strip(), channel=channel,
            external_id=external_id, filed_by=user if user and user.pk else None,
            received_at=received_at or timezone.now(),
            last_event_on=timezone.localdate(received_at) if received_at else _today())
        if attachments and user is not None:
            record_event(req, "file", "提交诉求", user, text.strip()[:200], attachments)
            return req
        WorkflowEvent.objects.create(
            content_type=ContentType.objects.get_for_model(ServiceRequest),
            object_id=str(req.pk), workflow=REQUEST_WORKFLOW.name, action="file",
            action_label="提交诉求", from_state="", to_state="received", actor=user,
            actor_name=(user.get_full_name() or user.username) if user else "",
            role=getattr(user, "role", ""), note=text.strip()[:200], request_id=request_id())
    return req


def departments_of(req: ServiceRequest) -> Any:
    county = county_of(req.enterprise.region)
    return Department.objects.filter(county=county).order_by("name")


def _department_named(name: str, req: ServiceRequest) -> Department | None:
    """A rule's department name ("税务局") → the county's department ("黄岩区税务局")."""
    for dept in departments_of(req):
        if name in (dept.code, dept.name) or dept.name.endswith(name):
            return dept
    return None


def proposal(req: ServiceRequest) -> tuple[Proposal | None, Department | None,
                                           list[Department]]:
    """The routing rules' proposal and the departments it names in this county."""
    town = req.enterprise.region.name if req.enterprise.region.level == "town" else None
    own = settings_of(req)
    prop = propose(own.rules, req.category, town, own.config.chain_of(req.enterprise.industry_code),
                   getattr(req.enterprise, "evaluation_class", None))
    if prop is None:
        return None, None, []
    partners = [d for p in prop.partners if (d := _department_named(p, req))]
    return prop, _department_named(prop.lead, req), partners


def route(req: ServiceRequest, user: Any, lead: Department,
          partners: Sequence[Department] = (), note: str = "") -> Any:
    today, lim, cal = _today(), limits(req), _cal(req)
    due = _dates(clock.close_due, cal, today, lim)
    window = _dates(clock.objection_until, cal, today, lim)
    part_due = _dates(clock.partner_due, cal, today, due, lim) if partners else None
    with transaction.atomic():
        event = move(req, "route", user, note, updates={
            "lead": lead, "first_lead": req.first_lead or lead, "assigned_on": today,
            "due_on": due, "objection_until": window})
        for dept in partners:
            if dept.pk != lead.pk:
                task = PartnerTask.objects.create(department=dept, question=req.text,
                                                  due_on=part_due)
                task.requests.add(req)
    return event


def assign_partners(req: ServiceRequest, user: Any, partners: Sequence[Department] = (),
                    join_task: int | None = None, note: str = "") -> Any:
    """The lead brings in partners while handling (分派协办): a new task per department, due
    by the partner rule against the lead's current deadline, or the request joins an open task
    of the county that already serves the same problem of other firms (one task, one answer)."""
    partners = [d for d in partners if d.pk != req.lead_id]
    if not partners and join_task is None:
        raise TransitionRefused("请选择协办单位，或填写要加入的协办任务编号。")
    task = None
    if join_task is not None:
        task = PartnerTask.objects.filter(pk=join_task, state="open",
                                          department__county_id=req.lead.county_id).first() \
            if req.lead_id else None
        if task is None:
            raise TransitionRefused(f"本县没有编号为 {join_task} 的待答复协办任务。")
    today, lim, cal = _today(), limits(req), _cal(req)
    part_due = _dates(clock.partner_due, cal, today, req.due_on, lim) if partners else None
    with transaction.atomic():
        event = move(req, "partner_assign", user, note)
        for dept in partners:
            PartnerTask.objects.create(department=dept, question=req.text,
                                       due_on=part_due).requests.add(req)
        if task is not None:
            task.requests.add(req)
    return event


def reassign(req: ServiceRequest, user: Any, action: str, lead: Department, note: str) -> Any:
    """settle_reroute / reroute: the new department gets a fresh deadline; after a settled
    objection the assignment is final (no second objection window)."""
    today, lim, cal = _today(), limits(req), _cal(req)
    due = _dates(clock.close_due, cal, today, lim)
    window = None if action == "settle_reroute" else _dates(clock.objection_until, cal, today,
                                                            lim)
    return move(req, action, user, note, updates={
        "lead": lead, "assigned_on": today, "due_on": due, "objection_until": window})


def settle_keep(req: ServiceRequest, user: Any, note: str) -> Any:
    return move(req, "settle_keep", user, note, updates={"objection_until": None})


def pause(req: ServiceRequest, user: Any, note: str) -> Any:
    return move(req, "pause", user, note, updates={"paused_on": _today()})


def resume(req: ServiceRequest, user: Any, note: str = "") -> Any:
    """The deadline moves by the working days paused (one pause however many paused states)."""
    today, cal = _today(), _cal(req)
    start = req.paused_on or today
    stood = _dates(clock.paused_days, cal, [(start, today)], today)
    due = _dates(clock.add_working_days, cal, req.due_on, stood) if req.due_on else None
    return move(req, "resume", user, note or f"暂停 {stood} 个工作日，期限顺延",
                            updates={"paused_on": None, "due_on": due})


def ask_extension(req: ServiceRequest, user: Any, new_due: dt.date, note: str) -> Any:
    if req.due_on is None:
        raise TransitionRefused("该诉求尚无办理期限。")
    refusal = _dates(clock.extension_refusal, _cal(req), req.due_on, _today(), new_due,
                     limits(req))
    if refusal:
        raise TransitionRefused(refusal)
    return move(req, "extension_ask", user, note, updates={"extension_to": new_due})


def approve_extension(req: ServiceRequest, user: Any, note: str = "") -> Any:
    return move(req, "extension_approve", user,
                            note or f"期限延至 {req.extension_to:%Y-%m-%d}",
                            updates={"due_on": req.extension_to, "extension_to": None})


def close(req: ServiceRequest, user: Any, code: str, note: str = "") -> Any:
    colour, source = outcome_colour(code, None)
    return move(req, "close", user, note, updates={
        "closure_code": code, "colour": colour, "colour_source": source})


def rate(req: ServiceRequest, user: Any, rating: str, comment: str = "") -> Any:
    colour, source = outcome_colour(req.closure_code or None, rating)
    return move(req, "rate", user, comment, updates={
        "rating": rating, "rating_comment": comment, "colour": colour, "colour_source": source})


def reopen(req: ServiceRequest, user: Any, note: str) -> Any:
    today, cal = _today(), _cal(req)
    due = _dates(clock.close_due, cal, today, limits(req))
    return move(req, "reopen", user, note, updates={
        "due_on": due,
        "assigned_on": today, "rating": "", "colour": "", "colour_source": ""})


def answer_partner(task: PartnerTask, user: Any, note: str) -> Any:
    return apply_transition(task, "answer", user, note, updates={"answer": note})
