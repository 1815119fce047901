"""Requests of the direct service and the partner tasks that serve them.

The deadline is computed with the library's clock (`tiangong.services.clock`) over the core's
working-day calendar when a request is assigned and stored in `due_on`, so "overdue" is the query
`due_on < today` on running states. Every move goes through `actions.move` (the core's
`apply_transition` on REQUEST_WORKFLOW, workflow.py, plus the row's KPI facts); the event rows
are the core's WorkflowEvent.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.urls import reverse

from tiangong.platform.core.models import Department, Enterprise, PlatformModel
from tiangong.platform.core.roles import Role
from tiangong.platform.core.scope import Scope
from tiangong.platform.core.workflow import Workflow
from tiangong.platform.services.workflow import PARTNER_WORKFLOW, REQUEST_WORKFLOW
from tiangong.services.outcome import CLOSURE_CODES, COLOURS, RATINGS
from tiangong.services.tables import CHANNELS

RUNNING = ("assigned", "objected", "handling", "extension_asked", "answered")


class ServiceRequest(PlatformModel):
    enterprise = models.ForeignKey(Enterprise, verbose_name="企业", on_delete=models.PROTECT,
                                   related_name="service_requests")
    channel = models.CharField("渠道", max_length=30, choices=list(CHANNELS.items()))
    external_id = models.CharField("来源编号", max_length=64, blank=True)
    category = models.CharField("类别", max_length=30)
    text = models.TextField("诉求内容")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提交人", null=True,
                                 blank=True, on_delete=models.SET_NULL, related_name="+")
    received_at = models.DateTimeField("受理时间", db_index=True)
    state = models.CharField("状态", max_length=20, default="received", db_index=True)
    lead = models.ForeignKey(Department, verbose_name="主办单位", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="led_requests")
    first_lead = models.ForeignKey(Department, verbose_name="首次交办单位", null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="+")
    reroutes = models.PositiveSmallIntegerField("改派次数", default=0)
    assigned_on = models.DateField("交办日期", null=True, blank=True)
    due_on = models.DateField("办理期限", null=True, blank=True, db_index=True)
    objection_until = models.DateField("异议截止", null=True, blank=True)
    paused_on = models.DateField("暂停日期", null=True, blank=True)
    extension_to = models.DateField("申请延期至", null=True, blank=True)
    closure_code = models.CharField("办结结果", max_length=20, blank=True,
                                    choices=list(CLOSURE_CODES.items()))
    closed_on = models.DateField("办结日期", null=True, blank=True)
    rating = models.CharField("企业评价", max_length=20, blank=True,
                              choices=list(RATINGS.items()))
    rating_comment = models.TextField("评价意见", blank=True)
    colour = models.CharField("结果颜色", max_length=10, blank=True,
                              choices=list(COLOURS.items()))
    colour_source = models.CharField("颜色来源", max_length=20, blank=True)
    reopen_count = models.PositiveSmallIntegerField("重办次数", default=0)
    # KPI facts kept with the row (tiangong.services.facts) by actions.move, the store and
    # the backfill command, so the KPIs count request rows, not events
    routed = models.BooleanField("曾交办", default=False)
    last_rating = models.CharField("最近一次评价", max_length=20, blank=True,
                                   choices=list(RATINGS.items()))
    rated_on = models.DateField("最近评价日期", null=True, blank=True)
    last_event_on = models.DateField("最近办理日期", null=True, blank=True)
    reminded_on = models.DateField("最近提醒", null=True, blank=True)
    escalation = models.PositiveSmallIntegerField("督办级别", default=0)
    needs_confirmation = models.BooleanField("企业待确认", default=False)
    duplicate_of = models.ForeignKey("self", verbose_name="重复于", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    # A department sees what it leads and what it assists. Written as a custom binding (the
    # core's Scope option) with a subquery instead of department=("lead", "partner_tasks__…"),
    # which joins and DISTINCTs the whole table and keeps the queue from using its index.
    scope: ClassVar[Scope] = Scope(
        region="enterprise__region", department="lead", enterprise="enterprise",
        owner="filed_by", custom={Role.DEPARTMENT_USER: lambda qs, user: _department_rows(
            qs, user)})
    workflow: ClassVar[Workflow] = REQUEST_WORKFLOW

    class Meta:
        verbose_name = verbose_name_plural = "企业诉求"
        ordering = ["-received_at", "-pk"]
        constraints = [models.UniqueConstraint(
            fields=["channel", "external_id"], condition=~models.Q(external_id=""),
            name="service_request_external_once")]
        indexes = [models.Index(fields=["lead", "state", "due_on"])]

    def __str__(self) -> str:
        return f"诉求 {self.pk}（{self.enterprise.name if self.enterprise_id else ''}）"

    def get_absolute_url(self) -> str:
        return reverse("services:request_detail", args=[self.pk])

    @property
    def state_label(self) -> str:
        return REQUEST_WORKFLOW.state_label(self.state)

    @property
    def category_label(self) -> str:
        """The category's Chinese name as the request's county calls it (the code stays in
        the row, so renaming a category relabels its history): the county's copy first, then
        the installation's default; an unknown code shows as itself."""
        from tiangong.platform.services.actions import config
        from tiangong.platform.services.county_config import settings_for_region

        own = settings_for_region(self.enterprise.region) if self.enterprise_id else None
        known = own.config.categories.get(self.category) if own is not None else None
        if known is None:
            known = config().categories.get(self.category)
        return known.name if known is not None else self.category


def _department_rows(qs: Any, user: Any) -> Any:
    if not user.is_active or user.department_id is None:
        return qs.none()
    assisted = PartnerTask.requests.through.objects.filter(
        partnertask__department_id=user.department_id).values("servicerequest_id")
    return qs.filter(models.Q(lead_id=user.department_id) | models.Q(pk__in=assisted))


class PartnerTask(PlatformModel):
    """A partner department's (协办) part; one task may serve several requests (the same
    problem of several firms), and the lead cannot close while one is open."""

    department = models.ForeignKey(Department, verbose_name="协办单位", on_delete=models.PROTECT,
                                   related_name="partner_tasks")
    requests = models.ManyToManyField(ServiceRequest, verbose_name="诉求",
                                      related_name="partner_tasks")
    question = models.TextField("协办事项")
    answer = models.TextField("协办意见", blank=True)
    state = models.CharField("状态", max_length=20, default="open")
    due_on = models.DateField("协办期限")

    scope: ClassVar[Scope] = Scope(region="department__county", department="department",
                                   enterprise="requests__enterprise")
    workflow: ClassVar[Workflow] = PARTNER_WORKFLOW

    class Meta:
        verbose_name = verbose_name_plural = "协办任务"
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return f"协办 {self.pk}（{self.department.name}）"

    def get_absolute_url(self) -> str:
        first = self.requests.first()
        return first.get_absolute_url() if first else reverse("services:request_list")


from tiangong.platform.services.approvals import Approval  # noqa: E402  (the app's models)

__all__ = ["Approval", "PartnerTask", "ServiceRequest"]
from tiangong.platform.services.objection_link import ObjectionRequest  # noqa: E402

__all__ += ["ObjectionRequest"]
from tiangong.platform.services.county_config import CountyServiceConfig  # noqa: E402

__all__ += ["CountyServiceConfig"]
