"""`tiangong manage import_project_ledger FILE --county CODE [--sheet NAME]`.

A county's project ledger (Excel, one row per project) read by the library's importer
(`tiangong.projects.ledger.read_ledger`) and stored as platform projects in that county (towns
matched by name, firms by USCC). Every row, column and cell not taken is printed; nothing is
stored when a project code already exists (the ledger would be imported twice).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tiangong.errors import TiangongError


class Command(BaseCommand):
    help = "导入县级重大项目台账（Excel），列出未能导入的行、列和单元格"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--county", required=True, help="县（市、区）区划代码")
        parser.add_argument("--sheet", default=None, help="工作表名（默认第一张）")

    def handle(self, *args: Any, file: str, county: str, sheet: str | None,
               **options: Any) -> None:
        from tiangong.platform.core.context import acting_as
        from tiangong.platform.core.models import Enterprise, Region
        from tiangong.platform.projects.models import Project
        from tiangong.platform.projects.services import store_portfolio
        from tiangong.platform.projects.workflow import project_config
        from tiangong.projects.ledger import read_ledger

        region = Region.objects.filter(code=county, level="county").first()
        if region is None:
            raise CommandError(f"没有县级区划 {county}：请先导入区划")
        try:
            got = read_ledger(file, project_config(), county_code=county, sheet=sheet)
        except (TiangongError, OSError) as err:
            raise CommandError(f"台账无法导入：{err}") from err
        codes = list(got.portfolio.projects["project_id"])
        clash = sorted(Project.objects.filter(code__in=codes).values_list("code", flat=True))
        if clash:
            raise CommandError(f"项目编号已存在，未导入任何项目：{'、'.join(clash[:10])}")
        towns = {r.name: r for r in region.children.all()}
        firms = {e.uscc: e for e in Enterprise.objects.filter(
            uscc__in=[u for u in got.portfolio.projects["uscc"] if isinstance(u, str)])}
        with acting_as(None, f"ledger-{county}"), transaction.atomic():
            n = store_portfolio(got.portfolio, towns, firms, region)
        self.stdout.write(f"读取 {got.rows_read} 行，导入 {n} 个项目；未能导入 "
                          f"{len(got.problems)} 处：")
        for r in got.problems.to_dict("records"):
            row = r["row"]
            where = "表头" if row is None or row is pd.NA else f"第 {int(row)} 行"
            self.stdout.write(f"  {r['sheet']} {where} [{r['column']}] {r['value']}：{r['reason']}")
