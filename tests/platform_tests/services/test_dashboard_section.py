"""The 驾驶舱's 企业诉求 block (issue 12 point 7): this year's 办结率, 绿码率 and overdue counts by
month and by lead department, each chart with its table; counted by hand on the two requests
of test_liangshai_pdf._march; only county- and town-bound readers see it, scoped."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from tiangong.platform.core.testing import World

from .test_liangshai_pdf import _march


def _table(page: str, table_id: str) -> list[list[str]]:
    body = re.search(rf'id="{table_id}">.*?<tbody>(.*?)</tbody>', page, re.S)
    assert body, table_id
    return [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>",
                                                                       body.group(1), re.S)]


def test_dashboard_block_by_month_and_department(world: World, cal: None, today: Any,
                                                 power_user: Any, client: Client) -> None:
    _march(world, power_user, today)  # today: 2026-03-31
    client.force_login(world.users["county_analyst"])
    page = client.get("/dashboard/").content.decode()
    assert "企业诉求办理（办结率、绿码率、超期）" in page and "services-dashboard-data" in page
    # March: 2 received, 1 closed (供电, green from 'solved'); the 税务 one due 3-11 is overdue
    assert _table(page, "services-months") == [["2026-03", "50.0%（1/2）", "100.0%（1/1）", "1"]]
    assert _table(page, "services-departments") == [
        ["黄岩供电公司", "100.0%（1/1）", "100.0%（1/1）", "0"],
        ["黄岩区税务局", "0.0%（0/1）", "—", "1"]]
    assert 'data-services-chart="months"' in page and "dashboard_services.js" in page
    # the town official of 东城街道 (firm A's town) sees the same two; the supervisor too
    for role in ("town_official", "supervisor"):
        client.force_login(world.users[role])
        assert _table(client.get("/dashboard/").content.decode(), "services-months") == [
            ["2026-03", "50.0%（1/2）", "100.0%（1/1）", "1"]], role
    # another county has no request this year: no block; province users open a county's 晾晒
    for role in ("other_county_analyst", "province_analyst", "city_analyst"):
        client.force_login(world.users[role])
        assert "services-dashboard-data" not in client.get("/dashboard/").content.decode(), role
