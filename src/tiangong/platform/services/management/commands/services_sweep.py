"""`tiangong manage services_sweep`: the day's reminders and escalations (services/sweep.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tiangong.platform.core.context import acting_as


class Command(BaseCommand):
    help = "到期提醒与超期督办（每日运行一次；重复运行不会重复发送）"

    def handle(self, *args: Any, **opts: Any) -> None:
        from tiangong.platform.services.sweep import sweep

        with acting_as(None, "services-sweep"):
            sent = sweep()
        self.stdout.write(f"提醒 {sent['reminders']} 件，督办 {sent['escalations']} 件，"
                          f"缺少日历跳过 {sent['skipped_no_calendar']} 件。")
