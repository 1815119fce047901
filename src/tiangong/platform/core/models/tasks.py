"""Progress of a background task, keyed by the django-tasks result id, for pages to poll."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from tiangong.platform.core.scope import Scope, ScopedManager


class TaskProgress(models.Model):
    result_id = models.CharField("任务编号", max_length=64, unique=True)
    title = models.CharField("任务", max_length=200)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", null=True,
                             blank=True, on_delete=models.SET_NULL, related_name="+")
    region = models.ForeignKey("core.Region", verbose_name="区划", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    done = models.PositiveIntegerField("已完成", default=0)
    total = models.PositiveIntegerField("总数", default=0)
    message = models.CharField("当前步骤", max_length=300, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = ScopedManager()
    scope: ClassVar[Scope] = Scope(region="region", owner="user")

    class Meta:
        verbose_name = verbose_name_plural = "后台任务进度"
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.title

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0
