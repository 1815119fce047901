"""WorkflowEvent: the generic event row every transition writes (and notes, pauses, reminders).

Generic over the object (content type + id) so that objections, service requests, project gates
and land applications share one event table, one timeline template and one change history.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models


class WorkflowEvent(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    workflow = models.CharField("流程", max_length=50)
    action = models.CharField("动作", max_length=50)
    action_label = models.CharField("动作名称", max_length=100)
    from_state = models.CharField("原状态", max_length=50, blank=True)
    to_state = models.CharField("新状态", max_length=50, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True,
                              blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    role = models.CharField("角色", max_length=20, blank=True)
    note = models.TextField("说明", blank=True)
    time = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    sla = models.JSONField("时限快照", null=True, blank=True)
    request_id = models.CharField("请求编号", max_length=64, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "流程记录"
        ordering = ["time", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "time"])]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M} {self.actor_name} {self.action_label}"


class EventAttachment(models.Model):
    event = models.ForeignKey(WorkflowEvent, on_delete=models.CASCADE,
                              related_name="attachments")
    file = models.FileField("附件", upload_to="attachments/%Y/%m/")
    name = models.CharField("文件名", max_length=255)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = verbose_name_plural = "附件"

    def __str__(self) -> str:
        return self.name
