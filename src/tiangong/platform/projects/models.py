"""Projects, their stage dates, plans, monthly figures, commitments and frozen baselines.

The tables mirror the library's Portfolio (tiangong.projects.portfolio) so every computation
(classes, 序时进度, 晾晒, KPIs, hand-over) is the library's, fed by `services.portfolio`.
Scope: a project belongs to a town (or county) region and, once known, to an enterprise; its
rows follow it. Department users see no projects (a project's problems reach them as requests).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.urls import reverse

from tiangong.platform.core.models import Enterprise, ImmutableModel, PlatformModel, Region
from tiangong.platform.core.scope import Scope
from tiangong.platform.core.workflow import Workflow
from tiangong.platform.projects.workflow import REGISTERED, gate_workflow


class _GateWorkflow:
    """Resolved on first use, so the configuration is read after settings are ready."""

    def __get__(self, obj: Any, owner: Any) -> Workflow:
        return gate_workflow()


class Project(PlatformModel):
    code = models.CharField("项目编号", max_length=40, unique=True)
    name = models.CharField("项目名称", max_length=200)
    region = models.ForeignKey(Region, verbose_name="所在乡镇（或县）", on_delete=models.PROTECT,
                               related_name="projects")
    enterprise = models.ForeignKey(Enterprise, verbose_name="项目企业", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="projects")
    investor = models.CharField("投资主体", max_length=200, blank=True)
    investor_uscc = models.CharField("投资主体统一社会信用代码", max_length=18, blank=True)
    team = models.CharField("专班", max_length=100, blank=True)
    industry_code = models.CharField("行业代码", max_length=10, blank=True)
    total_investment = models.FloatField("总投资（万元）", null=True, blank=True)
    fixed_investment = models.FloatField("固定资产投资（万元）", null=True, blank=True)
    land_mu = models.FloatField("用地（亩）", default=0)
    land_parcels = models.CharField("地块（宗地编号）", max_length=500, blank=True)
    origin = models.CharField("来源", max_length=20, blank=True)
    state = models.CharField("所处阶段", max_length=20, default=REGISTERED)
    # classes computed by the configuration's rules (never typed in), stored by
    # `projects.classes.refresh` when figures change; `classes_digest` names the rules used
    class_ids = models.CharField("类别（按规则计算）", max_length=500, blank=True, default="",
                                 editable=False, help_text="|id|id|")
    class_reasons = models.JSONField("类别判定理由", default=list, blank=True, editable=False)
    classes_digest = models.CharField("类别规则摘要", max_length=64, blank=True, default="",
                                      editable=False, db_index=True)
    classes_as_of = models.DateField("类别计算日期", null=True, blank=True, editable=False)

    scope: ClassVar[Scope] = Scope(region="region", enterprise="enterprise")
    workflow: ClassVar[Any] = _GateWorkflow()

    class Meta:
        verbose_name = verbose_name_plural = "重大项目"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def get_absolute_url(self) -> str:
        return reverse("projects:project_detail", args=[self.pk])


class ProjectStage(PlatformModel):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="stages")
    stage = models.CharField("阶段", max_length=20)
    planned = models.DateField("计划日期", null=True, blank=True)
    actual = models.DateField("实际日期", null=True, blank=True)

    scope: ClassVar[Scope] = Scope(region="project__region", enterprise="project__enterprise")

    class Meta:
        verbose_name = verbose_name_plural = "项目阶段"
        constraints = [models.UniqueConstraint(fields=["project", "stage"],
                                               name="one_row_per_project_stage")]

    def __str__(self) -> str:
        return f"{self.project_id}/{self.stage}"


class ProjectPlan(PlatformModel):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="plans")
    year = models.IntegerField("年度")
    plan = models.FloatField("年度计划投资（万元）")

    scope: ClassVar[Scope] = Scope(region="project__region", enterprise="project__enterprise")

    class Meta:
        verbose_name = verbose_name_plural = "年度投资计划"
        constraints = [models.UniqueConstraint(fields=["project", "year"],
                                               name="one_plan_per_project_year")]

    def __str__(self) -> str:
        return f"{self.project_id}/{self.year}"


class ProjectMonth(PlatformModel):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="months")
    month = models.CharField("月份", max_length=7, help_text="YYYY-MM")
    invest = models.FloatField("当月完成投资（万元）", default=0)
    funds = models.FloatField("当月到位资金（万元）", default=0)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    scope: ClassVar[Scope] = Scope(region="project__region", enterprise="project__enterprise")

    class Meta:
        verbose_name = verbose_name_plural = "月度投资"
        ordering = ["month"]
        constraints = [models.UniqueConstraint(fields=["project", "month"],
                                               name="one_row_per_project_month")]

    def __str__(self) -> str:
        return f"{self.project_id}/{self.month}"


class ProjectCommitment(PlatformModel):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="commitments")
    indicator = models.CharField("承诺指标", max_length=40)
    value = models.FloatField("承诺值")

    scope: ClassVar[Scope] = Scope(region="project__region", enterprise="project__enterprise")

    class Meta:
        verbose_name = verbose_name_plural = "达产承诺"

    def __str__(self) -> str:
        return f"{self.project_id}/{self.indicator}"


class Baseline(ImmutableModel):
    """A year's plan frozen (library `baseline.freeze`): plans and planned dates as JSON."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    year = models.IntegerField("年度")
    frozen_on = models.DateField("冻结日期")
    digest = models.CharField("摘要", max_length=64)
    plans = models.JSONField("计划")
    stages = models.JSONField("计划日期")

    scope: ClassVar[Scope] = Scope(region="region")

    class Meta:
        verbose_name = verbose_name_plural = "计划基线"

    def __str__(self) -> str:
        return f"{self.region_id} {self.year} {self.digest[:8]}"


class ProjectProblem(PlatformModel):
    """A blocking problem on a project, handed to the direct service as a routed request.

    The request (services app) carries the clock, the routing and the answer; this row only
    ties it to the project so the project page lists its problems and their state."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.PROTECT,
                                related_name="problems")
    request = models.OneToOneField("services.ServiceRequest", verbose_name="诉求",
                                   on_delete=models.PROTECT, related_name="project_problem")

    scope: ClassVar[Scope] = Scope(region="project__region", enterprise="project__enterprise")

    class Meta:
        verbose_name = "项目问题"
        verbose_name_plural = "项目问题"
        ordering = ("-id",)

    def __str__(self) -> str:
        return f"{self.project} · {self.request_id}"


class StageChain(PlatformModel):
    """A county's own stage chain (added or renamed stages), checked by the library's
    `tiangong.projects.chain.county_config`; projects of the county follow it (`chains`).
    Without a row the county follows the installation's chain."""

    region = models.OneToOneField(Region, verbose_name="县（市、区）", on_delete=models.PROTECT,
                                  related_name="+")
    stages = models.JSONField("阶段链")

    scope: ClassVar[Scope] = Scope(region="region")

    class Meta:
        verbose_name = verbose_name_plural = "县级阶段链"

    def __str__(self) -> str:
        return f"{self.region_id} 阶段链"


class HandoverResult(PlatformModel):
    """What the hand-over (`tiangong manage projects_handover`) found for a project linked to
    its firm, stored so the project page never opens the run store: 新升规 (library
    `detect_upgrades`), the firm's size in the latest intake's roster, and the 达产 check of
    each commitment against the review year's evaluation data (`check_commitments`)."""

    project = models.OneToOneField(Project, verbose_name="项目", on_delete=models.CASCADE,
                                   related_name="handover")
    uscc = models.CharField("统一社会信用代码", max_length=18)
    upgrade_status = models.CharField("规上状态", max_length=10)
    upgrade_roster = models.CharField("认定名录", max_length=40, blank=True)
    upgrade_year = models.IntegerField("名录年度", null=True, blank=True)
    upgrade_month = models.CharField("名录入库月份", max_length=7, blank=True)
    upgrade_before = models.CharField("此前", max_length=100, blank=True)
    latest_roster = models.CharField("最新一期名录", max_length=40, blank=True)
    latest_year = models.IntegerField("最新名录年度", null=True, blank=True)
    latest_size = models.CharField("最新名录中", max_length=10, blank=True)
    review_year = models.IntegerField("达产复核数据年度", null=True, blank=True)
    review_roster = models.CharField("达产复核所用名录", max_length=40, blank=True)
    checks = models.JSONField("达产承诺复核", default=list, blank=True)
    checked_on = models.DateField("复核日期")

    scope: ClassVar[Scope] = Scope(region="project__region", enterprise="project__enterprise")

    class Meta:
        verbose_name = verbose_name_plural = "项目交接结果"

    def __str__(self) -> str:
        return f"{self.project_id} {self.upgrade_status}"
