"""The dashboard's read model and the boundary files users supply.

`TownCell` holds, per published run, one row per (town, group, class, industry division) with
the counts and the SUMS the pages need (亩均税收 = Σ税收 / Σ用地 over firms reporting both,
`regions.measures.RATIOS`). It is filled once per publication (`readmodel.fill`), so a
province-scale dashboard sums a few thousand cells instead of 120,000 published rows per
request. Cells are derived data: rebuilt, never edited, and not change-logged.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from tiangong.platform.core.models import PlatformModel, Region
from tiangong.platform.core.roles import Role
from tiangong.platform.core.scope import Scope, ScopedManager
from tiangong.platform.evaluation.models import Publication


class TownCell(models.Model):
    publication = models.ForeignKey(Publication, on_delete=models.CASCADE,
                                    related_name="dashboard_cells")
    year = models.PositiveIntegerField("评价年度")
    town = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey(Region, null=True, on_delete=models.PROTECT, related_name="+")
    group = models.CharField("评价组", max_length=50, blank=True)
    group_label = models.CharField("评价组名称", max_length=100, blank=True)
    class_code = models.CharField("等级", max_length=20, blank=True)
    industry = models.CharField("行业大类（两位代码）", max_length=2, blank=True)
    n = models.PositiveIntegerField("企业数")
    # Σ numerator and Σ denominator over the firms reporting both (see regions.measures.Ratio).
    tax_num = models.FloatField(default=0.0)
    tax_den = models.FloatField(default=0.0)
    va_num = models.FloatField(default=0.0)
    va_den = models.FloatField(default=0.0)

    objects = ScopedManager()
    scope: ClassVar[Scope] = Scope(region="town")

    class Meta:
        verbose_name = verbose_name_plural = "驾驶舱汇总单元"
        indexes = [models.Index(fields=["publication", "town"]),
                   models.Index(fields=["year", "publication"])]


class DashboardFill(models.Model):
    """Marks a publication whose cells are written (a publication may have zero cells)."""

    publication = models.OneToOneField(Publication, on_delete=models.CASCADE,
                                        related_name="dashboard_fill")
    filled_at = models.DateTimeField(auto_now_add=True)
    n_cells = models.PositiveIntegerField(default=0)


class Boundary(PlatformModel):
    """A GeoJSON boundary file uploaded by a county analyst for the dashboard map."""

    region = models.ForeignKey(Region, verbose_name="所属区域", on_delete=models.PROTECT,
                               related_name="boundaries")
    title = models.CharField("名称", max_length=200)
    code_property = models.CharField("区划代码属性名", max_length=50, default="adcode")
    name_property = models.CharField("名称属性名", max_length=50, default="name", blank=True)
    geojson = models.JSONField("边界（已统一环绕方向）")
    n_features = models.PositiveIntegerField("要素数", default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    # A town official draws the county's town map (geometry only; the figures stay scoped).
    scope: ClassVar[Scope] = Scope(region="region", custom={
        Role.TOWN_OFFICIAL: lambda qs, user: qs.filter(region=user.county())})

    class Meta:
        verbose_name = verbose_name_plural = "边界文件"
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return self.title


class AwardSetting(PlatformModel):
    """A regional award (天工鼎 …) configured for a province or city; see awards.py."""

    region = models.OneToOneField(Region, verbose_name="评奖区域（省或设区市）",
                                  on_delete=models.PROTECT, related_name="award_setting")
    title = models.CharField("名称", max_length=100, default="浙江制造天工鼎")
    # AwardConfig.from_dict data; empty = tiangong_ding() ranking 亩均税收.
    config = models.JSONField("评奖规则", default=dict, blank=True)
    # [{code, attribute, value, valid_from, valid_to}], e.g. 山区26县: mountain_county = 1.
    attributes = models.JSONField("区域属性", default=list, blank=True)

    scope: ClassVar[Scope] = Scope(region="region")

    class Meta:
        verbose_name = verbose_name_plural = "区域评奖设置"

    def __str__(self) -> str:
        return f"{self.title}（{self.region.name}）"


class FigureCache(models.Model):
    """Computed figures of one scope, filter set and set of current publications, shared by all
    server processes. Published rows never change, so an entry is valid for as long as its key
    (which names the publications and their cell fills) can be asked for; see aggregates.py."""

    key = models.CharField(max_length=80, unique=True)
    data = models.JSONField()
    created = models.DateTimeField(auto_now_add=True)


class IntakeQuality(models.Model):
    """The data-quality summary of the intake that fed a publication's run (`tiangong.runs.
    intake_quality`), written once per publication: pages never open the run store. `summary`
    is None when the run names no stored intake (evaluated from --data folders) or the store
    could not be read (`error` says why)."""

    publication = models.OneToOneField(Publication, on_delete=models.CASCADE,
                                       related_name="intake_quality")
    intake_id = models.CharField("归集批次", max_length=20, blank=True)
    summary = models.JSONField("数据质量汇总", null=True, blank=True)
    error = models.CharField("无法汇总的原因", max_length=500, blank=True)
    filled_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    # the intake is the county's: its region and the regions above it (not its towns)
    scope: ClassVar[Scope] = Scope(region="publication__county")

    class Meta:
        verbose_name = verbose_name_plural = "归集数据质量汇总"


class IndexSetting(PlatformModel):
    """A composite regional index (docs/index-format.md) for a province or city, computed from
    the published regional aggregates of the counties under it; see indices.py."""

    region = models.OneToOneField(Region, verbose_name="指数区域（省或设区市）",
                                  on_delete=models.PROTECT, related_name="index_setting")
    title = models.CharField("名称", max_length=100, default="工业亩均效益综合指数")
    # tiangong.index.config.IndexConfig as JSON; its indicators are indices.INDICATORS.
    config = models.JSONField("指数配置", default=dict, blank=True)

    scope: ClassVar[Scope] = Scope(region="region")

    class Meta:
        verbose_name = verbose_name_plural = "综合指数设置"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from tiangong.platform.dashboard.indices import check_config

        problem = check_config(self.config) if self.config else ""
        if problem:
            raise ValidationError({"config": problem})

    def __str__(self) -> str:
        return f"{self.title}（{self.region.name}）"
