"""The working-day calendar: the only thing deadline code reads (see core/calendar.py)."""

from __future__ import annotations

from django.db import models

from tiangong.platform.core.models.base import ChangeLoggedModel
from tiangong.platform.core.models.reference import Region


class WorkCalendarDay(ChangeLoggedModel):
    """One date's status: national rows (county NULL) seeded from chinese-calendar, county rows
    override them (a county's own 调休 or a local holiday)."""

    SOURCE_CHOICES = [("chinese_calendar", "chinese-calendar 软件包"),
                      ("manual", "手工录入"), ("county", "县级调整")]

    date = models.DateField("日期", db_index=True)
    county = models.ForeignKey(Region, verbose_name="县级调整所属县", null=True, blank=True,
                               on_delete=models.CASCADE, related_name="calendar_days")
    is_workday = models.BooleanField("工作日")
    source = models.CharField("来源", max_length=20, choices=SOURCE_CHOICES)
    note = models.CharField("说明", max_length=100, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "工作日历"
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["date", "county"], name="calendar_day_per_county"),
            models.UniqueConstraint(fields=["date"], condition=models.Q(county__isnull=True),
                                    name="calendar_day_national"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {'工作日' if self.is_workday else '休息日'}"
