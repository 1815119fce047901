"""`tiangong manage services_backfill_facts`: fill the KPI facts of requests written before the
facts were kept on the rows (services/facts.py `backfill`); run once after migrating."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction


class Command(BaseCommand):
    help = "为迁移前已有的企业诉求补齐指标事实（是否交办、最近评价及日期、最近办理日期）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true",
                            help="重算全部诉求（默认只补尚无“最近办理日期”的诉求）")

    def handle(self, *args: Any, **opts: Any) -> None:
        from tiangong.platform.services.facts import backfill
        from tiangong.platform.services.models import ServiceRequest

        rows = ServiceRequest.objects.all()
        if not opts["all"]:
            rows = rows.filter(last_event_on__isnull=True)
        with transaction.atomic():
            n = backfill(rows)
        self.stdout.write(f"已补齐 {n} 件诉求的指标事实。")
