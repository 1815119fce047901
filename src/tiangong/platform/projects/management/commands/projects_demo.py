"""`tiangong manage projects_demo [--run ID] [--store FILE] [--seed 1] [--projects 100]`.

After `tiangong manage platform_demo`: a portfolio of major projects for the demo county, made
by `tiangong.demo.projects` from the same run's enterprises (so projects in production are
linked to firms the platform knows), towns matched by name, as of 30 September of the run year.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tiangong.errors import TiangongError


class Command(BaseCommand):
    help = "为演示平台生成重大项目（约 100 个，覆盖各阶段，关联演示企业）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--run", default=None, help="评价编号（默认最新一次）")
        parser.add_argument("--store", default=None, help="结果库文件（默认 $TIANGONG_STORE）")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--projects", type=int, default=100)

    def handle(self, *args: Any, run: str | None, store: str | None, seed: int,
               projects: int, **options: Any) -> None:
        from django.db.models import Count

        from tiangong.demo.projects import generate_projects
        from tiangong.platform.core.context import acting_as
        from tiangong.platform.core.models import Enterprise, Region
        from tiangong.platform.projects.models import Project
        from tiangong.platform.projects.services import store_portfolio
        from tiangong.runs import RunStore

        if Project.objects.exists():
            raise CommandError("平台中已有项目，演示项目不再重复生成。")
        county = (Region.objects.filter(level="county")
                  .annotate(n=Count("children__enterprises")).order_by("-n", "code").first())
        if county is None:
            raise CommandError("平台中还没有区划：请先运行 tiangong manage platform_demo")
        try:
            with RunStore(store or settings.TIANGONG_RUN_STORE or None, read_only=True) as rs:
                runs = rs.list()
                if not runs:
                    raise CommandError("结果库中没有评价记录：请先运行 tiangong demo")
                record = rs.get(run) if run else runs[-1]
                firms = rs.inputs(record.id)["enterprises"]
        except (TiangongError, OSError) as err:
            raise CommandError(f"无法读取结果库：{err}") from err
        year = int(max(firms.column("year").to_pylist()))
        p = generate_projects(firms, seed, year, n=projects, county_code=county.code)
        towns = {r.name: r for r in county.children.all()}
        known = {e.uscc: e for e in Enterprise.objects.filter(
            uscc__in=[u for u in p.projects["uscc"] if isinstance(u, str)])}
        with acting_as(None, "projects-demo"), transaction.atomic():
            n = store_portfolio(p, towns, known, county)
        linked = Project.objects.filter(enterprise__isnull=False).count()
        self.stdout.write(f"{county.name}：生成 {n} 个重大项目（{year} 年，关联企业 {linked} 个）；"
                          "页面 /projects/，晾晒 /projects/showing/")
