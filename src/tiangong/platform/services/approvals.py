"""Approval items (环评 …) as their own workflow, spawned from a request by its lead department.

Deadlines (statutory and promised) and tracks come from `tiangong.services.approvals`; the
moves go through the core's apply_transition like every other workflow.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from tiangong.platform.core.models import Department, Enterprise, PlatformModel
from tiangong.platform.core.roles import Role
from tiangong.platform.core.scope import Scope
from tiangong.platform.core.workflow import Transition, TransitionRefused, Workflow
from tiangong.services.approvals import APPROVAL_KINDS, approval_deadlines

DEPT = {Role.DEPARTMENT_USER}


def _own(app: Any, user: Any) -> str | None:
    if user.role == Role.DEPARTMENT_USER and app.department_id != user.department_id:
        return "只有受理部门可以办理该审批事项。"
    return None


APPROVAL_WORKFLOW = Workflow(
    "approval",
    states={"accepted": "已受理", "reviewing": "审查中", "publicizing": "公示中",
            "approved": "已批复", "refused": "不予批复", "committed": "已告知承诺",
            "done_on_spot": "当场办结", "checked": "事后核查完成"},
    transitions=[
        Transition("accepted", "review", "reviewing", DEPT, "开始审查", guard=_own),
        Transition("reviewing", "publicize", "publicizing", DEPT, "公示", guard=_own),
        Transition("publicizing", "approve", "approved", DEPT, "批复", guard=_own),
        Transition("reviewing", "refuse", "refused", DEPT, "不予批复", guard=_own,
                   needs_note=True),
        Transition("committed", "settle_on_spot", "done_on_spot", DEPT, "当场办结", guard=_own),
        Transition("done_on_spot", "post_check", "checked", DEPT, "事后核查", guard=_own,
                   needs_note=True),
    ],
)


class Approval(PlatformModel):
    request = models.ForeignKey("services.ServiceRequest", verbose_name="来源诉求", null=True,
                                blank=True, on_delete=models.SET_NULL, related_name="approvals")
    enterprise = models.ForeignKey(Enterprise, verbose_name="企业", on_delete=models.PROTECT)
    department = models.ForeignKey(Department, verbose_name="受理部门", on_delete=models.PROTECT)
    kind = models.CharField("事项", max_length=30,
                            choices=[(k.code, k.name) for k in APPROVAL_KINDS.values()])
    state = models.CharField("状态", max_length=20)
    received_on = models.DateField("受理日期")
    statutory_due = models.DateField("法定期限")
    promised_due = models.DateField("承诺期限")
    visits = models.PositiveSmallIntegerField("企业跑动次数", default=0)

    scope: ClassVar[Scope] = Scope(region="enterprise__region", department="department",
                                   enterprise="enterprise")
    workflow: ClassVar[Workflow] = APPROVAL_WORKFLOW

    class Meta:
        verbose_name = verbose_name_plural = "审批事项"

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.enterprise.name}）"

    @property
    def state_label(self) -> str:
        return APPROVAL_WORKFLOW.state_label(self.state)

    def get_absolute_url(self) -> str:
        if self.request_id:
            return reverse("services:request_detail", args=[self.request_id])
        return reverse("services:request_list")


def spawn_approval(req: Any, user: Any, kind_code: str) -> Approval:
    """The lead department opens an approval item for the request's enterprise."""
    from tiangong.platform.services.actions import _cal

    if kind_code not in APPROVAL_KINDS:
        raise TransitionRefused(f"未知的审批事项“{kind_code}”。")
    if user.role != Role.DEPARTMENT_USER or req.lead_id != user.department_id:
        raise TransitionRefused("只有主办单位可以为诉求发起审批事项。")
    kind = APPROVAL_KINDS[kind_code]
    today = timezone.localdate()
    try:
        statutory, promised = approval_deadlines(_cal(req), today, kind)
    except Exception as err:
        from tiangong.platform.services.calendar import CALENDAR_ERRORS

        if isinstance(err, CALENDAR_ERRORS):
            raise TransitionRefused(str(err)) from None
        raise
    with transaction.atomic():
        return Approval.objects.create(
            request=req, enterprise=req.enterprise, department=req.lead, kind=kind.code,
            state="accepted" if kind.track == "standard" else "committed", received_on=today,
            statutory_due=statutory, promised_due=promised)
