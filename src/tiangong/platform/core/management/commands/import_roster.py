"""`tiangong manage import_roster FILE --out accounts.csv`: users in bulk with initial passwords."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "按花名册（xlsx 或 CSV）批量创建账号；初始密码写入 --out 文件，首次登录须修改"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", help="花名册文件")
        parser.add_argument("--out", required=True, help="写出账号与初始密码的 CSV 文件")

    def handle(self, *args: Any, path: str, out: str, **options: Any) -> None:
        from tiangong.platform.core.context import acting_as
        from tiangong.platform.core.roster import import_roster, read_roster

        try:
            frame = read_roster(path)
        except (OSError, ValueError) as err:
            raise CommandError(f"花名册无法读取：{err}") from err
        with acting_as(None):
            result = import_roster(frame)
        if result.problems:
            raise CommandError("花名册有误，未创建任何账号：\n" + "\n".join(result.problems))
        target = Path(out)
        with target.open("w", newline="", encoding="utf-8-sig") as fh:
            writer = csv.writer(fh)
            writer.writerow(["用户名", "初始密码"])
            writer.writerows(result.accounts)
        target.chmod(0o600)
        self.stdout.write(f"已创建 {len(result.accounts)} 个账号，初始密码见 {target}"
                          "（首次登录须修改密码）")
