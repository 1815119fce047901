"""Reference data shared by every app: the region tree, departments per county, enterprises.

Regions carry a materialised `path` ("/330000/331000/331003/") so that "in my region" is one
indexed prefix filter on both SQLite and PostgreSQL, whatever the codes look like (开发区 and
parks have codes outside GB/T 2260's digit pattern).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import models

from tiangong.identity.uscc import is_valid_uscc, normalize_uscc
from tiangong.platform.core.models.base import PlatformModel
from tiangong.platform.core.scope import Scope

LEVEL_CHOICES = [("province", "省"), ("city", "市"), ("county", "县（市、区）"),
                 ("town", "乡镇（街道、园区）")]


class Region(PlatformModel):
    code = models.CharField("区划代码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=100)
    level = models.CharField("层级", max_length=10, choices=LEVEL_CHOICES)
    parent = models.ForeignKey("self", verbose_name="上级", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    path = models.CharField("路径", max_length=200, db_index=True, editable=False)

    scope: ClassVar[Scope] = Scope(public=True)

    class Meta:
        verbose_name = verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def save(self, *args: Any, **kwargs: Any) -> None:
        old = self.path
        self.path = f"{self.parent.path if self.parent else '/'}{self.code}/"
        super().save(*args, **kwargs)
        if old and old != self.path:  # moved under another parent: descendants follow
            for child in self.children.all():
                child.save()

    def county(self) -> Region | None:
        """The county this region lies in (itself for a county), None above county level."""
        node: Region | None = self
        while node is not None and node.level != "county":
            node = node.parent
        return node


class Department(PlatformModel):
    county = models.ForeignKey(Region, verbose_name="所属县（市、区）", on_delete=models.PROTECT,
                               related_name="departments")
    code = models.CharField("部门代码", max_length=40,
                            help_text="县内唯一的简称，如 tax、power、natres")
    name = models.CharField("部门名称", max_length=100)

    scope: ClassVar[Scope] = Scope(public=True)

    class Meta:
        verbose_name = verbose_name_plural = "部门"
        ordering = ["county__code", "code"]
        constraints = [models.UniqueConstraint(fields=["county", "code"],
                                               name="department_code_per_county")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.county_id and self.county.level != "county":
            raise ValidationError({"county": "部门必须属于县级区划。"})


class Enterprise(PlatformModel):
    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("企业名称", max_length=200)
    region = models.ForeignKey(Region, verbose_name="所在乡镇（或县）", on_delete=models.PROTECT,
                               related_name="enterprises")
    industry_code = models.CharField("行业代码", max_length=10, blank=True)

    scope: ClassVar[Scope] = Scope(region="region", enterprise="", department_sees_region=True)

    class Meta:
        verbose_name = verbose_name_plural = "企业"
        ordering = ["uscc"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.uscc = normalize_uscc(self.uscc or "")
        if not is_valid_uscc(self.uscc):
            raise ValidationError(
                {"uscc": "统一社会信用代码应为 18 位且校验位正确（GB 32100-2015）。"})
