"""`tiangong manage import_enterprises --run ID | --intake ID`: enterprises from the run store."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tiangong.errors import TiangongError


class Command(BaseCommand):
    help = "从评价结果库（run store）中的一次评价或一次数据归集导入企业名录"

    def add_arguments(self, parser: Any) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--run", help="评价编号（tiangong runs list）")
        group.add_argument("--intake", help="归集编号（tiangong intakes list）")
        parser.add_argument("--store", default=None, help="结果库文件（默认 $TIANGONG_STORE）")

    def handle(self, *args: Any, run: str | None, intake: str | None, store: str | None,
               **options: Any) -> None:
        from tiangong.platform.core.context import acting_as
        from tiangong.platform.core.importers import import_enterprises
        from tiangong.runs import RunStore
        from tiangong.runs.intakes import get_intake, intake_table

        try:
            with RunStore(store or settings.TIANGONG_RUN_STORE or None, read_only=True) as rs:
                if run:
                    table = rs.inputs(run)["enterprises"]
                else:
                    table = intake_table(rs, get_intake(rs, str(intake)), "enterprises")
            with acting_as(None):
                report = import_enterprises(table)
        except (TiangongError, OSError, KeyError) as err:
            raise CommandError(f"企业名录无法导入：{err}") from err
        self.stdout.write(f"企业：{report.summary()}")
