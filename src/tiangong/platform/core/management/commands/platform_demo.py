"""`tiangong manage platform_demo [--run ID] [--store FILE]`: the demo platform."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tiangong.errors import TiangongError


class Command(BaseCommand):
    help = "用结果库中的一次评价建立演示平台：区划、部门、企业和每个角色的演示账号"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--run", default=None, help="评价编号（默认最新一次）")
        parser.add_argument("--store", default=None, help="结果库文件（默认 $TIANGONG_STORE）")

    def handle(self, *args: Any, run: str | None, store: str | None, **options: Any) -> None:
        from tiangong.platform.core.demo import DEMO_PASSWORD, build_demo_platform

        try:
            demo = build_demo_platform(store or settings.TIANGONG_RUN_STORE or None, run)
        except (TiangongError, OSError, ValueError, KeyError) as err:
            raise CommandError(f"演示平台无法建立：{err}") from err
        self.stdout.write(f"评价 {demo.run_id}：区划 {demo.regions.summary()}；"
                          f"企业 {demo.enterprises.summary()}；新增部门 {demo.departments} 个")
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, role, where in demo.accounts:
            self.stdout.write(f"  {username:<16} {role}  {where}")
