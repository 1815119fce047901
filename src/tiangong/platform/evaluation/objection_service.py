"""Filing an objection and acting on one: the single code path behind the pages and the JSON API.

Both front doors (evaluation.views.objections and evaluation.api) call these two functions, so the
rules are written once: only the enterprise itself files, only within the 公示 period; every move
goes through core.workflow.apply_transition with its deadline computed in working days by the core
calendar (CalendarMissing propagates: the caller shows its message, nothing is moved).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from tiangong.platform.core.calendar import add_working_days
from tiangong.platform.core.models import User
from tiangong.platform.core.notify import notify
from tiangong.platform.core.roles import Role
from tiangong.platform.core.workflow import TransitionRefused, apply_transition, record_event
from tiangong.platform.evaluation import queries
from tiangong.platform.evaluation.models import Objection, PublishedResult
from tiangong.platform.evaluation.objection_flow import (
    ANSWER_WORKING_DAYS,
    CORRECTION_WORKING_DAYS,
)


class FilingRefused(TransitionRefused):
    """Filing is not possible now (outside the 公示 period); the message is for the user."""


def file_objection(user: Any, row: PublishedResult, reason: str,
                   attachments: Sequence[UploadedFile] = ()) -> Objection:
    """File `user`'s objection to `row` (already read through the user's scope) with evidence;
    the town officials of the firm's town are notified after commit."""
    if user.role != Role.ENTERPRISE_USER or user.enterprise_id != row.enterprise_id:
        raise PermissionDenied("只有企业本身可以对本企业的评价结果提出异议。")
    pub = row.publication
    if not queries.in_period(pub):
        raise FilingRefused(f"公示期为 {pub.start:%Y年%m月%d日} 至 {pub.end:%Y年%m月%d日}，"
                            "当前不在公示期内，不能提出异议。")
    with transaction.atomic():
        obj = Objection.objects.create(result=row, enterprise_id=row.enterprise_id,
                                       filed_by=user, reason=reason)
        record_event(obj, "file", "提出异议", user, reason, attachments)
        town = list(User.objects.filter(role=Role.TOWN_OFFICIAL, region_id=row.region_id,
                                        is_active=True))
        transaction.on_commit(lambda: notify(
            town, f"{row.name}对{row.year}年度评价结果提出异议",
            "请核实后转交县级。", url=obj.get_absolute_url()))
    return obj


def act_on_objection(obj: Objection, action: str, user: Any, note: str = "",
                     working_days: int | None = None,
                     attachments: Sequence[UploadedFile] = ()) -> Any:
    """Take `action` on `obj` through the workflow; forwarding starts the county's answer clock,
    accepting sets the correction deadline (both in working days of the firm's county)."""
    updates: dict[str, object] = {}
    county = obj.result.publication.county.county()
    if action == "forward":
        updates["due"] = add_working_days(dt.date.today(), working_days or ANSWER_WORKING_DAYS,
                                          county)
    elif action == "accept":
        updates["due"] = add_working_days(dt.date.today(),
                                          working_days or CORRECTION_WORKING_DAYS, county)
        updates["decision"] = note
    elif action == "reject":
        updates["decision"] = note
    return apply_transition(obj, action, user, note, attachments, updates=updates)
