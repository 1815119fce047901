"""`tiangong manage import_divisions FILE`: regions from the divisions table the user supplies."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tiangong.errors import TiangongError


class Command(BaseCommand):
    help = "导入行政区划表（CSV 或 xlsx：code, name, level, parent_code …）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", help="区划表文件")

    def handle(self, *args: Any, path: str, **options: Any) -> None:
        from tiangong.platform.core.context import acting_as
        from tiangong.platform.core.importers import import_divisions

        try:
            with acting_as(None):
                report = import_divisions(path)
        except (TiangongError, OSError, ValueError) as err:
            raise CommandError(f"区划表无法导入：{err}") from err
        self.stdout.write(f"区划：{report.summary()}")
