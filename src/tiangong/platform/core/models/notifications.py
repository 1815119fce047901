"""In-platform notifications (the bell); e-mail and SMS copies are sent by core/notify.py."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from tiangong.platform.core.scope import Scope, ScopedManager


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="接收人",
                             on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    created = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    objects = ScopedManager()
    # Only the recipient sees a notification, administrators included (custom rule below).
    scope: ClassVar[Scope] = Scope(owner="user")

    class Meta:
        verbose_name = verbose_name_plural = "消息"
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return self.title
