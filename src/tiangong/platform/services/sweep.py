"""Reminders before the deadline and escalation when overdue (the SLA sweep).

Run daily (`tiangong manage services_sweep`, or from the task worker). Each step is a
compare-and-set update (`reminded_on` for reminders, `escalation` for the level), so two
sweeps running at once, or the same sweep run twice a day, send each message once. Levels come
from the category's `escalate_after_days` (1 working day late → 督查室, 5 → 效能办 by default);
each reminder and escalation is an event on the request's timeline.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from tiangong.platform.core.models import User, WorkflowEvent
from tiangong.platform.core.notify import notify
from tiangong.platform.core.roles import Role
from tiangong.platform.services.actions import limits
from tiangong.platform.services.calendar import CALENDAR_ERRORS, county_of, for_county
from tiangong.platform.services.models import RUNNING, ServiceRequest
from tiangong.platform.services.workflow import REQUEST_WORKFLOW
from tiangong.services.calendar import working_days_between


def _event(req: ServiceRequest, action: str, label: str, note: str) -> None:
    WorkflowEvent.objects.create(
        content_type=ContentType.objects.get_for_model(ServiceRequest), object_id=str(req.pk),
        workflow=REQUEST_WORKFLOW.name, action=action, action_label=label,
        from_state=req.state, to_state=req.state, actor=None, actor_name="系统",
        role="system", note=note, sla={"due_on": req.due_on.isoformat() if req.due_on else None})


def _supervisors(county: Any) -> list[Any]:
    return list(User.objects.filter(role__in=[Role.SUPERVISOR, Role.COUNTY_ANALYST],
                                    is_active=True, region__path__startswith=county.path)
                .exclude(region__level="town"))


def sweep(today: dt.date | None = None) -> dict[str, int]:
    """One pass over running requests; returns counts of reminders and escalations sent."""
    today = today or timezone.localdate()
    calendars: dict[int, Any] = {}
    sent = {"reminders": 0, "escalations": 0, "skipped_no_calendar": 0}
    qs = (ServiceRequest.objects.filter(state__in=RUNNING, due_on__isnull=False)
          .select_related("enterprise__region", "lead"))
    for req in qs.iterator(chunk_size=500):
        county = county_of(req.enterprise.region)
        cal = calendars.setdefault(county.pk, for_county(county))
        lim = limits(req)
        assert req.due_on is not None
        try:
            ahead = working_days_between(cal, today, req.due_on)
        except CALENDAR_ERRORS:
            sent["skipped_no_calendar"] += 1
            continue
        if 0 < ahead <= max(lim.remind_before_days, default=0) and req.reminded_on != today:
            moved = ServiceRequest.objects.filter(pk=req.pk, reminded_on=req.reminded_on
                                                  ).update(reminded_on=today)
            if moved == 1:
                text = f"诉求 {req.pk} 将于 {req.due_on:%Y-%m-%d} 到期（剩 {ahead} 个工作日）。"
                _event(req, "remind", "到期提醒", text)
                notify(list(req.lead.users.filter(is_active=True)) if req.lead_id else [],
                       "诉求即将到期", text, url=req.get_absolute_url())
                sent["reminders"] += 1
        late = -ahead
        level = sum(late >= t for t in lim.escalate_after_days) if late > 0 else 0
        if level > req.escalation:
            moved = ServiceRequest.objects.filter(pk=req.pk, escalation=req.escalation
                                                  ).update(escalation=level)
            if moved == 1:
                who = "督查室" if level == 1 else "效能办"
                text = (f"诉求 {req.pk}（{req.lead.name if req.lead_id else ''}）已超期 {late} "
                        f"个工作日，升级至{who}督办。")
                _event(req, "escalate", "超期督办", text)
                notify(_supervisors(county), "诉求超期督办", text, url=req.get_absolute_url(),
                       sms=True)
                sent["escalations"] += 1
    return sent
