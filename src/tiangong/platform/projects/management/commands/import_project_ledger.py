"""`tiangong manage import_project_ledger FILE --county CODE [--sheet NAME]`.

A county's project ledger (Excel, one row per project) read by the library's importer
(`tiangong.projects.ledger.read_ledger`) and stored as platform projects in that county (towns
matched by name, firms by USCC) through `platform.projects.ledger_import` (also behind the
upload page). Every row, column and cell not taken is printed; nothing is stored when a
project code already exists (the ledger would be imported twice).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "导入县级重大项目台账（Excel），列出未能导入的行、列和单元格"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--county", required=True, help="县（市、区）区划代码")
        parser.add_argument("--sheet", default=None, help="工作表名（默认第一张）")

    def handle(self, *args: Any, file: str, county: str, sheet: str | None,
               **options: Any) -> None:
        from tiangong.platform.projects.ledger_import import LedgerRefused, import_ledger

        try:
            got = import_ledger(file, county, sheet)
        except LedgerRefused as err:
            raise CommandError(str(err)) from err
        self.stdout.write(got.summary() + "：")
        for line in got.problems:
            self.stdout.write("  " + line)
