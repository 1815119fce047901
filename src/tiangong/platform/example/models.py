"""A case filed by an enterprise, forwarded by its town, decided by the county (or routed to a
department): the shape of objections and service requests, reduced to the mechanisms."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.urls import reverse

from tiangong.platform.core.models import (
    Department,
    Enterprise,
    ImmutableModel,
    PlatformModel,
)
from tiangong.platform.core.roles import Role
from tiangong.platform.core.scope import Scope
from tiangong.platform.core.workflow import Transition, Workflow


def _filer(case: ExampleCase, event: object) -> list[object]:
    return [case.filed_by]


def _needs_department(case: ExampleCase, user: object) -> str | None:
    return None if case.department_id else "请先指定承办部门。"


CASE_WORKFLOW = Workflow(
    "example_case",
    states={"filed": "已提交", "forwarded": "已转交县级", "routed": "部门办理中",
            "accepted": "已采纳", "rejected": "已驳回"},
    transitions=[
        Transition("filed", "forward", "forwarded", roles={Role.TOWN_OFFICIAL}, label="转交县级"),
        Transition("forwarded", "route", "routed", roles={Role.COUNTY_ANALYST},
                   label="交办部门", guard=_needs_department),
        Transition("routed", "answer", "accepted", roles={Role.DEPARTMENT_USER},
                   label="办结", notify=_filer),
        Transition("forwarded", "accept", "accepted", roles={Role.COUNTY_ANALYST},
                   label="采纳", notify=_filer),
        Transition("forwarded", "reject", "rejected", roles={Role.COUNTY_ANALYST},
                   label="驳回", needs_note=True, notify=_filer),
    ],
)


class ExampleCase(PlatformModel):
    enterprise = models.ForeignKey(Enterprise, verbose_name="企业", on_delete=models.PROTECT)
    department = models.ForeignKey(Department, verbose_name="承办部门", null=True, blank=True,
                                   on_delete=models.PROTECT)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提交人", null=True,
                                 on_delete=models.SET_NULL, related_name="+")
    title = models.CharField("事项", max_length=200)
    state = models.CharField("状态", max_length=20, default="filed")
    due = models.DateField("办理期限", null=True, blank=True)

    scope: ClassVar[Scope] = Scope(region="enterprise__region", department="department",
                                   enterprise="enterprise")
    workflow: ClassVar[Workflow] = CASE_WORKFLOW

    class Meta:
        verbose_name = verbose_name_plural = "示例事项"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("example:case_detail", args=[self.pk])


class ExampleResult(ImmutableModel):
    """A published figure: written once, never changed."""

    enterprise = models.ForeignKey(Enterprise, verbose_name="企业", on_delete=models.PROTECT)
    score = models.DecimalField("得分", max_digits=6, decimal_places=2)

    scope: ClassVar[Scope] = Scope(region="enterprise__region", enterprise="enterprise")

    class Meta:
        verbose_name = verbose_name_plural = "示例结果"

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.score}"
