"""`tiangong manage load_demo_requests --county 331003`: a county's year of requests for the demo.

The library's generator (`tiangong.demo.requests`) writes a realistic year over the county's
enterprises (channels, categories, objections, reroutes, partners, pauses, extensions, overdue
ones, ratings, reopenings); this command stores it as platform rows, so the pool, the queues,
the clocks and the 晾晒 can be seen at once. Departments the routing rules name are created in
the county when missing. Rows are written in bulk as an import (events keep their generated
times); requests already loaded for the year are kept, not duplicated.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tiangong.platform.core.context import acting_as
from tiangong.platform.core.models import Enterprise, Region
from tiangong.platform.services.actions import config, rules
from tiangong.platform.services.calendar import CALENDAR_ERRORS, table_calendar
from tiangong.platform.services.models import ServiceRequest
from tiangong.platform.services.store import store


class Command(BaseCommand):
    help = "生成并导入一个县一年的企业诉求（演示数据）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--county", required=True, help="县级区划代码，如 331003")
        parser.add_argument("--year", type=int, default=2025)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--requests", type=int, default=1836, help="诉求件数（天台一年 1,836）")

    def handle(self, *args: Any, **opts: Any) -> None:
        from tiangong.demo.requests import generate_requests

        county = Region.objects.filter(code=opts["county"], level="county").first()
        if county is None:
            raise CommandError(f"没有区划代码为 {opts['county']} 的县级区划。")
        firms = list(Enterprise.objects.filter(region__path__startswith=county.path)
                     .select_related("region"))
        if not firms:
            raise CommandError(f"{county.name}没有企业，请先导入企业名录。")
        year = opts["year"]
        external = f"demo-{year}-"
        if ServiceRequest.objects.filter(external_id__startswith=external,
                                         enterprise__region__path__startswith=county.path
                                         ).exists():
            self.stdout.write(f"{county.name} {year} 年的演示诉求已导入，未重复导入。")
            return
        roster = pd.DataFrame({"uscc": [f.uscc for f in firms], "name": [f.name for f in firms],
                               "town_name": [f.region.name for f in firms],
                               "industry_code": [f.industry_code for f in firms]})
        try:
            cal = table_calendar(county, [year, year + 1])
        except CALENDAR_ERRORS as err:
            raise CommandError(str(err)) from None
        req, ev = generate_requests(roster, config(), rules(), cal, opts["requests"],
                                    seed=opts["seed"], year=year)
        with acting_as(None, f"demo-requests-{year}"), transaction.atomic():
            n = store(county, {f.uscc: f for f in firms}, req.to_pandas(), ev.to_pandas(),
                       external, cal)
        self.stdout.write(f"{county.name}：导入 {n[0]} 件诉求、{n[1]} 条办理记录。")
