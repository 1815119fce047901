"""ObjectChange: one row per create / update / delete of a platform object (NetBox-style)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models

from tiangong.platform.core.scope import Scope


class ObjectChange(models.Model):
    ACTIONS = [("create", "新增"), ("update", "修改"), ("delete", "删除")]

    time = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True,
                             blank=True, on_delete=models.SET_NULL, related_name="+")
    user_name = models.CharField("操作人账号", max_length=150, blank=True)
    request_id = models.CharField("请求编号", max_length=64, blank=True, db_index=True)
    action = models.CharField("操作", max_length=10, choices=ACTIONS)
    content_type = models.ForeignKey(ContentType, verbose_name="对象类型",
                                     on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField("对象编号", max_length=64, db_index=True)
    object_repr = models.CharField("对象", max_length=200)
    before = models.JSONField("修改前", null=True, blank=True)
    after = models.JSONField("修改后", null=True, blank=True)
    # Region path of the changed object when it has one, so that a supervisor's scope applies.
    region_path = models.CharField("所属区划路径", max_length=200, blank=True, db_index=True)

    objects = models.Manager()
    scope: ClassVar[Scope] = Scope()

    class Meta:
        verbose_name = verbose_name_plural = "变更记录"
        ordering = ["-time", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M} {self.user_name} {self.get_action_display()} " \
               f"{self.object_repr}"
