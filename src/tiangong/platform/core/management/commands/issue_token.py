"""`tiangong manage issue_token USERNAME NAME`: an API token acting as that user (shown once)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "为部门系统或企业码应用签发接口令牌（令牌只显示一次）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("name", help="用途，如“税务局数据接口”")

    def handle(self, *args: Any, username: str, name: str, **options: Any) -> None:
        from tiangong.platform.core.models import ApiToken, User

        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户 {username} 不存在")
        _, key = ApiToken.issue(user, name)
        self.stdout.write(key)
