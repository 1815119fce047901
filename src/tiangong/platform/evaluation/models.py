"""Publication of a stored run (公示), the per-enterprise published rows, and objections (异议).

Publishing copies what the pages show out of the DuckDB run store into these tables, tied to the
run id and its results digest: pages never open the store per request, and what an enterprise
saw during 公示 can always be shown again, because `PublishedResult` rows are immutable (core
`ImmutableModel`). A correction is a new run published again (`Publication.previous`), never an
edit. The dashboard app reads `PublishedResult` too: the inputs of the area sums (亩均税收 =
Σ税收 / Σ用地) are kept per row for that reason.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.urls import reverse

from tiangong.platform.core.models import Enterprise, ImmutableModel, PlatformModel, Region
from tiangong.platform.core.scope import Scope
from tiangong.platform.core.workflow import Workflow
from tiangong.platform.evaluation.objection_flow import OBJECTION_WORKFLOW


class Publication(PlatformModel):
    """One stored run published for 公示 in one county."""

    PUBLISHING, PUBLISHED, FAILED = "publishing", "published", "failed"
    STATES = [(PUBLISHING, "发布中"), (PUBLISHED, "已发布"), (FAILED, "发布失败")]

    run_id = models.CharField("评价运行编号", max_length=40)
    digest = models.CharField("结果摘要（SHA-256）", max_length=64)
    store_path = models.CharField("运行库文件", max_length=500, blank=True)
    scheme_id = models.CharField("评价办法编号", max_length=100)
    scheme_title = models.CharField("评价办法", max_length=200)
    year = models.PositiveIntegerField("评价年度", db_index=True)
    # The publishing region: a county, or a city / province publishing a combined run.
    county = models.ForeignKey(Region, verbose_name="发布区域（县级或以上）",
                               on_delete=models.PROTECT, related_name="publications")
    start = models.DateField("公示开始日期")
    end = models.DateField("公示结束日期")
    state = models.CharField("状态", max_length=20, choices=STATES, default=PUBLISHING)
    hide_ranks = models.BooleanField("排名不分先后", default=True,
                                     help_text="公示名单按等级列出、不显示名次")
    previous = models.ForeignKey("self", verbose_name="更正前的发布", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="corrections")
    n_results = models.PositiveIntegerField("企业数", default=0)
    class_counts = models.JSONField("各组等级分布", default=dict, blank=True)
    class_order = models.JSONField("等级顺序", default=list, blank=True)
    changes = models.JSONField("与更正前相比的等级变化", default=list, blank=True)
    # Per group, once: item constants (label, unit, method, weight, benchmark, cap) and the
    # bonus / penalty labels; per partition: the lowest score of each class. Rows store only
    # their own numbers aligned with these lists (see tiangong.evaluation.explain_bulk).
    groups = models.JSONField("各评价组指标设置", default=dict, blank=True)
    class_floors = models.JSONField("各分区各等级最低得分", default=dict, blank=True)
    # the scheme's words for coded texts (tiangong.evaluation.wording.Wording.to_dict()):
    # class reasons' conditions and class labels, so explanations read as `tiangong explain`
    wording = models.JSONField("说明用语", default=dict, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发布人", null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField("发布完成时间", null=True, blank=True)
    task_id = models.CharField("后台任务编号", max_length=64, blank=True)
    error = models.TextField("失败原因", blank=True)

    scope: ClassVar[Scope] = Scope(region="county")

    class Meta:
        verbose_name = verbose_name_plural = "评价结果发布"
        ordering = ["-year", "-id"]
        constraints = [models.UniqueConstraint(fields=["county", "run_id"],
                                               name="publication_run_once_per_county")]
        indexes = [models.Index(fields=["county", "year", "state"])]

    def __str__(self) -> str:
        return f"{self.year}年度 {self.scheme_title}（{self.run_id}）"

    def get_absolute_url(self) -> str:
        return reverse("evaluation:publication_detail", args=[self.pk])


class PublishedResult(ImmutableModel):
    """One enterprise's published result: written once at publication, never changed."""

    publication = models.ForeignKey(Publication, verbose_name="发布", on_delete=models.PROTECT,
                                    related_name="results")
    enterprise = models.ForeignKey(Enterprise, verbose_name="企业", on_delete=models.PROTECT,
                                   related_name="published_results")
    # The town at publication (the enterprise may move later; the published figure may not).
    region = models.ForeignKey(Region, verbose_name="所在乡镇", on_delete=models.PROTECT,
                               related_name="+")
    uscc = models.CharField("统一社会信用代码", max_length=18)
    name = models.CharField("企业名称", max_length=200)
    year = models.PositiveIntegerField("评价年度")
    industry_code = models.CharField("行业代码", max_length=10, blank=True)
    group = models.CharField("评价组", max_length=50, blank=True)
    group_label = models.CharField("评价组名称", max_length=100, blank=True)
    class_code = models.CharField("等级", max_length=20, blank=True)
    class_label = models.CharField("等级名称", max_length=50, blank=True)
    policy_class = models.CharField("按何类管理", max_length=20, blank=True)
    special_class = models.CharField("特殊类别", max_length=20, blank=True)
    class_reason = models.TextField("等级依据（或未参评原因）", blank=True)
    score = models.FloatField("总分", null=True)
    items_score = models.FloatField("指标得分", null=True)
    bonus = models.FloatField("加分", null=True)
    penalty = models.FloatField("减分", null=True)
    rank = models.PositiveIntegerField("组内名次", null=True)
    partition_size = models.PositiveIntegerField("组内参评企业数", null=True)
    percentile = models.FloatField("百分位", null=True)
    partition = models.CharField("排名分区", max_length=100, blank=True)
    # [value, points, imputed] per item of publication.groups[group]["items"] (value, benchmark
    # and points of each item: the benchmark and labels are the group's, stored once).
    items = models.JSONField("指标明细", default=list)
    points = models.JSONField("加减分明细", default=list)  # [value, points] per bonus/penalty
    # Item-gap what-if: [{indicator, needed, gap}] toward next_class (explain_bulk).
    what_if = models.JSONField("升档测算", default=list)
    next_class = models.CharField("上一档", max_length=20, blank=True)
    # Inputs of the area sums the dashboard computes (亩均税收 = Σ评价税收 / Σ用地面积 …).
    land_area = models.FloatField("用地面积（亩）", null=True)
    eval_tax = models.FloatField("评价税收（万元）", null=True)
    value_added = models.FloatField("工业增加值（万元）", null=True)
    revenue = models.FloatField("营业收入（万元）", null=True)
    energy_tce = models.FloatField("综合能耗（吨标准煤）", null=True)
    electricity = models.FloatField("用电量（万千瓦时）", null=True)
    employees = models.FloatField("从业人数", null=True)

    scope: ClassVar[Scope] = Scope(region="region", enterprise="enterprise")

    class Meta:
        verbose_name = verbose_name_plural = "已发布评价结果"
        ordering = ["publication", "uscc"]
        constraints = [models.UniqueConstraint(fields=["publication", "enterprise"],
                                               name="published_result_once")]
        indexes = [
            models.Index(fields=["publication", "class_code", "uscc"]),  # 公示 list by class
            models.Index(fields=["enterprise", "year"]),                 # enterprise history
            models.Index(fields=["publication", "region"]),              # town pages, sums
            models.Index(fields=["publication", "group", "rank"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.year}年度 {self.class_code or '未参评'}"

    def get_absolute_url(self) -> str:
        return reverse("evaluation:result_detail", args=[self.pk])


class ExactWhatIf(PlatformModel):
    """The exact what-if of one published result, computed on request in the background.

    The published row keeps the estimate made for every firm at publication (`explain_bulk`:
    other firms' scores held fixed, so a tie or a moving group mean can make it wrong) and
    stays immutable; this row adds beside it the answer of `tiangong explain` (the library's
    `whatif_exact.what_ifs`: the firm's value changed, its group and ranking recomputed with the
    scheme's own rules, confirmed on both sides of the boundary), from the publication's
    run in the run store."""

    result = models.OneToOneField(PublishedResult, verbose_name="评价结果",
                                  on_delete=models.CASCADE, related_name="exact_what_if")
    # [{variable, label, unit, current, needed, target, message}] (whatif.WhatIf)
    answers = models.JSONField("升档精确测算", default=list)
    task_id = models.CharField("后台任务", max_length=64, blank=True)
    computed = models.DateTimeField("测算完成时间", null=True, blank=True)
    error = models.TextField("测算失败原因", blank=True)

    scope: ClassVar[Scope] = Scope(region="result__region", enterprise="result__enterprise")

    class Meta:
        verbose_name = verbose_name_plural = "升档精确测算"

    def __str__(self) -> str:
        return f"升档精确测算（{self.result}）"


class Objection(PlatformModel):
    """An enterprise's objection (异议) to its published result, moved by OBJECTION_WORKFLOW."""

    result = models.ForeignKey(PublishedResult, verbose_name="异议的评价结果",
                               on_delete=models.PROTECT, related_name="objections")
    enterprise = models.ForeignKey(Enterprise, verbose_name="企业", on_delete=models.PROTECT,
                                   related_name="objections")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提交人", null=True,
                                 on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField("异议内容")
    state = models.CharField("状态", max_length=20, default="filed")
    due = models.DateField("答复期限", null=True, blank=True)
    decision = models.TextField("处理意见", blank=True)
    correction = models.ForeignKey(Publication, verbose_name="更正后的发布", null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="+")

    scope: ClassVar[Scope] = Scope(region="result__region", enterprise="enterprise",
                                   owner="filed_by")
    workflow: ClassVar[Workflow] = OBJECTION_WORKFLOW

    class Meta:
        verbose_name = verbose_name_plural = "异议"
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["state", "due"])]

    def __str__(self) -> str:
        return f"异议 {self.pk}（{self.enterprise.name}）"

    def get_absolute_url(self) -> str:
        return reverse("evaluation:objection_detail", args=[self.pk])

    @property
    def state_label(self) -> str:
        return self.workflow.state_label(self.state)
