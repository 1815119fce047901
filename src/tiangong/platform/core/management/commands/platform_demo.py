"""`tiangong manage platform_demo [--run ID] [--store FILE]`: the demo platform in the configured
(migrated, empty) database — the same builder as `tiangong demo` (tiangong.platform.demo)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tiangong.errors import TiangongError


class Command(BaseCommand):
    help = ("用结果库中的一次评价建立演示平台（与 tiangong demo 相同）：区划、部门、"
            "每个角色的演示账号、发布的评价结果、诉求和项目")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--run", default=None, help="评价编号（默认最新一次）")
        parser.add_argument("--store", default=None, help="结果库文件（默认 $TIANGONG_STORE）")

    def handle(self, *args: Any, run: str | None, store: str | None, **options: Any) -> None:
        from tiangong.platform.demo import DemoRefused, logins, seed_demo
        from tiangong.runs.store import default_store_path

        path = store or settings.TIANGONG_RUN_STORE or str(default_store_path())
        try:
            ctx = seed_demo(path, run)
        except DemoRefused as err:
            raise CommandError(str(err)) from err
        except (TiangongError, OSError, ValueError, KeyError) as err:
            raise CommandError(f"演示平台无法建立：{err}") from err
        self.stdout.write(f"演示平台：评价 {ctx.run_id}（{ctx.store}）")
        for note in ctx.notes:
            self.stdout.write(f"  {note}")
        self.stdout.write("演示账号（无需修改密码）：")
        for label, username, password in logins(ctx):
            self.stdout.write(f"  {label:<12} {username:<12} {password}")
