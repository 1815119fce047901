"""Storing a county's project ledger (Excel) as platform projects — one function for the
command (`import_project_ledger`) and the upload page's background task.

The library reads the ledger (`tiangong.projects.ledger.read_ledger`) and lists every row,
column and cell it could not take; here towns are matched by name, firms by USCC, and the
projects stored in one transaction. A ledger whose project codes already exist is refused as a
whole (it would be imported twice): nothing is half saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from django.db import transaction

from tiangong.errors import TiangongError


class LedgerRefused(Exception):
    """The ledger cannot be imported at all; the message says why, in Chinese."""


@dataclass
class LedgerImport:
    rows_read: int
    stored: int
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"读取 {self.rows_read} 行，导入 {self.stored} 个项目；未能导入 "
                f"{len(self.problems)} 处")


def import_ledger(path: str | Path, county_code: str, sheet: str | None = None,
                  user: Any = None, source: str = "", name: str = "") -> LedgerImport:
    """Store the ledger at `path` in the county; `name` is how messages call the file (an
    upload is saved under a random name the officer never saw)."""
    from tiangong.platform.core.context import acting_as
    from tiangong.platform.core.models import Enterprise, Region
    from tiangong.platform.projects.chains import config_for
    from tiangong.platform.projects.models import Project
    from tiangong.platform.projects.services import store_portfolio
    from tiangong.projects.ledger import read_ledger

    region = Region.objects.filter(code=county_code, level="county").first()
    if region is None:
        raise LedgerRefused(f"没有县级区划 {county_code}：请先导入区划")
    try:
        got = read_ledger(path, config_for(region), county_code=county_code, sheet=sheet)
    except (TiangongError, OSError) as err:
        text = _chinese(err).replace(str(path), name or Path(path).name)
        raise LedgerRefused(f"台账无法导入：{text}") from err
    codes = list(got.portfolio.projects["project_id"])
    clash = sorted(Project.objects.filter(code__in=codes).values_list("code", flat=True))
    if clash:
        raise LedgerRefused(f"项目编号已存在，未导入任何项目：{'、'.join(clash[:10])}"
                            f"{' 等' if len(clash) > 10 else ''}")
    towns = {r.name: r for r in region.children.all()}
    firms = {e.uscc: e for e in Enterprise.objects.filter(
        uscc__in=[u for u in got.portfolio.projects["uscc"] if isinstance(u, str)])}
    with acting_as(user, source or f"ledger-{county_code}"), transaction.atomic():
        n = store_portfolio(got.portfolio, towns, firms, region, config_for(region))
    return LedgerImport(got.rows_read, n, [_line(r) for r in got.problems.to_dict("records")])


def _line(r: dict[Any, Any]) -> str:
    row = r["row"]
    where = "表头" if row is None or row is pd.NA or row != row else f"第 {int(row)} 行"
    return f"{r['sheet']} {where} [{r['column']}] {r['value']}：{r['reason']}"


def _chinese(err: Exception) -> str:
    """The reader's problems on one line (a task's error shows its last line only)."""
    problems = getattr(err, "problems", None)
    text = "；".join(str(p) for p in problems) if problems else str(err)
    return " ".join(text.split())
