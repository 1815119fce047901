"""`tiangong manage projects_handover [--store FILE] [--review-year YEAR]`.

The hand-over, from the run store's intakes (never per page request): 新升规 is detected for
every project linked to a firm (library `detect_upgrades` over every intake's 规上 roster) and
written as the 新升规 stage's actual date (first day of the month the roster was stored), change
logged; the 达产 commitments are checked against the enterprise rows of the review year's latest
intake (library `check_commitments`); all of it is stored per project (`HandoverResult`, shown on
the project page) and the checks of projects that reached 达产 are printed.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "从结果库的规上名录识别新升规，并按评价数据复核达产承诺"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--store", default=None, help="结果库文件（默认 $TIANGONG_STORE）")
        parser.add_argument("--review-year", type=int, default=None,
                            help="达产复核所用的评价数据年度（默认最新一期名录的年度）")

    def handle(self, *args: Any, store: str | None, review_year: int | None,
               **options: Any) -> None:
        from tiangong.platform.projects.handover import HandoverRefused, run_handover
        from tiangong.platform.projects.models import ProjectStage

        path = store or settings.TIANGONG_RUN_STORE or None
        if path is None:
            raise CommandError("请用 --store 指定结果库")
        try:
            run, year, label = run_handover(path, review_year)
        except HandoverRefused as err:
            raise CommandError(str(err)) from err
        found = run.upgrades
        upgraded = found[found["status"] == "新升规"]
        counts = found["status"].value_counts().to_dict()
        self.stdout.write(f"关联企业的项目 {len(found)} 个：" + "，".join(
            f"{k} {v} 个" for k, v in sorted(counts.items())))
        for row in upgraded.itertuples():
            self.stdout.write(f"  新升规 {row.name}（{row.uscc}）：{row.roster}（{row.year} 年，"
                              f"{row.month} 入库），此前 {row.before}")
        done = set(ProjectStage.objects.filter(stage="capacity", actual__isnull=False)
                   .values_list("project_id", flat=True))
        checked = run.checks[run.checks["project_id"].astype(int).isin(done)]
        self.stdout.write(f"达产复核（{year} 年评价数据，{label}）："
                          f"{len(checked)} 项承诺（已达产项目；全部结果见项目页）")
        for rec in checked.to_dict("records"):
            verdict = "无法复核" if rec["holds"] is None else "达标" if rec["holds"] else "未达标"
            self.stdout.write(f"  项目 {rec['project_id']} {verdict}：{rec['reason']}")
