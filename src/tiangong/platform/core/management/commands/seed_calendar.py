"""`tiangong manage seed_calendar 2025 2026`: national working days from chinese-calendar."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "从 chinese-calendar 软件包导入指定年度的全国工作日历（含调休）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("years", nargs="+", type=int, help="年度")

    def handle(self, *args: Any, years: list[int], **options: Any) -> None:
        from tiangong.platform.core.calendar import CalendarMissing, seed_year

        for year in years:
            try:
                n = seed_year(year)
            except CalendarMissing as err:
                raise CommandError(str(err)) from err
            self.stdout.write(f"{year} 年：{n} 天")
