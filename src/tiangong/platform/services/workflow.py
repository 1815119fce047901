"""The request workflow as a transition table on the core mechanism (one table, no framework).

file → route → accept / object (within the window) → settle → answer (partners answer the lead)
→ pause / resume → extension ask / approve → close with an outcome → rate → reopen once.
Guards read the request and the user; deadlines are set by `actions.py` in the same
compare-and-set update as the move.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from tiangong.platform.core.roles import Role
from tiangong.platform.core.workflow import Transition, Workflow
from tiangong.services.outcome import may_reopen

OFFICE = {Role.COUNTY_ANALYST}  # the county's 直通办
DEPT = {Role.DEPARTMENT_USER}
FIRM = {Role.ENTERPRISE_USER}


def _lead_only(req: Any, user: Any) -> str | None:
    if user.is_superuser or user.role != Role.DEPARTMENT_USER:
        return None
    return None if req.lead_id == user.department_id else "只有主办单位可以执行此操作。"


def _within_objection_window(req: Any, user: Any) -> str | None:
    lead = _lead_only(req, user)
    if lead:
        return lead
    if req.objection_until is None:
        return "该交办已裁定，不能再提出异议。"
    today = timezone.localdate()
    if today > req.objection_until:
        return f"异议期已于 {req.objection_until:%Y-%m-%d} 截止，交办已确定。"
    return None


def _no_open_partner(req: Any, user: Any) -> str | None:
    lead = _lead_only(req, user)
    if lead:
        return lead
    if req.pk and req.partner_tasks.filter(state="open").exists():
        return "尚有协办单位未答复，主办单位不能办结。"
    return None


def _may_reopen(req: Any, user: Any) -> str | None:
    return may_reopen(req.rating or None, req.reopen_count)


def _lead(req: Any, event: Any) -> list[Any]:
    return list(req.lead.users.filter(is_active=True)) if req.lead_id else []


def _firm(req: Any, event: Any) -> list[Any]:
    return [req.filed_by] if req.filed_by_id else list(
        req.enterprise.users.filter(is_active=True))


def _office(req: Any, event: Any) -> list[Any]:
    from tiangong.platform.core.models import User

    county = req.enterprise.region.path.split("/")[3] if req.enterprise_id else None
    return list(User.objects.filter(role=Role.COUNTY_ANALYST, is_active=True,
                                    region__code=county)) if county else []


def _sla(req: Any) -> dict[str, Any]:
    def iso(d: dt.date | None) -> str | None:
        return d.isoformat() if d else None

    return {"due_on": iso(req.due_on), "assigned_on": iso(req.assigned_on),
            "objection_until": iso(req.objection_until), "paused_on": iso(req.paused_on),
            "extension_to": iso(req.extension_to)}


T = Transition
REQUEST_WORKFLOW = Workflow(
    "service_request",
    states={"received": "待交办", "assigned": "待签收", "objected": "异议待裁定",
            "handling": "办理中", "paused_enterprise": "等待企业补充",
            "paused_inspection": "等待现场核查", "extension_asked": "延期待审批",
            "answered": "已答复待办结", "closed": "已办结待评价", "rated": "已评价",
            "merged": "已合并"},
    transitions=[
        T("received", "route", "assigned", OFFICE, "交办", notify=_lead),
        T("received", "merge", "merged", OFFICE, "合并为重复诉求", needs_note=True),
        T("assigned", "accept", "handling", DEPT, "签收", guard=_lead_only),
        T("assigned", "object", "objected", DEPT, "提出异议", guard=_within_objection_window,
          needs_note=True, notify=_office),
        T("objected", "settle_keep", "assigned", OFFICE, "裁定维持交办", needs_note=True,
          notify=_lead),
        T("objected", "settle_reroute", "assigned", OFFICE, "裁定改派", notify=_lead),
        T("assigned", "reroute", "assigned", OFFICE, "改派", needs_note=True, notify=_lead),
        T("handling", "reroute", "assigned", OFFICE, "改派", needs_note=True, notify=_lead),
        T("handling", "partner_assign", "handling", DEPT, "分派协办", guard=_lead_only),
        T("handling", "note", "handling", DEPT | OFFICE, "内部备注", needs_note=True),
        T("handling", "pause", "paused_enterprise", DEPT, "等待企业补充（暂停计时）",
          guard=_lead_only, needs_note=True, notify=_firm),
        T("paused_enterprise", "pause_switch", "paused_inspection", DEPT,
          "转为等待现场核查", guard=_lead_only),
        T("paused_enterprise", "resume", "handling", DEPT, "恢复计时", guard=_lead_only),
        T("paused_inspection", "resume", "handling", DEPT, "恢复计时", guard=_lead_only),
        T("handling", "extension_ask", "extension_asked", DEPT, "申请延期", guard=_lead_only,
          needs_note=True, notify=_office),
        T("extension_asked", "extension_approve", "handling", OFFICE, "批准延期",
          notify=_lead),
        T("extension_asked", "extension_reject", "handling", OFFICE, "驳回延期",
          needs_note=True, notify=_lead),
        T("handling", "answer", "answered", DEPT, "答复企业", guard=_lead_only,
          needs_note=True, notify=_firm),
        T("answered", "close", "closed", DEPT, "办结", guard=_no_open_partner, notify=_firm),
        T("closed", "rate", "rated", FIRM, "评价", notify=_lead),
        T("rated", "reopen", "handling", FIRM, "不满意，重新办理", guard=_may_reopen,
          needs_note=True, notify=_lead),
    ],
    sla_snapshot=_sla,
)

PARTNER_WORKFLOW = Workflow(
    "partner_task",
    states={"open": "待协办答复", "answered": "协办已答复"},
    transitions=[T("open", "answer", "answered", DEPT, "协办答复", needs_note=True)],
)
