"""The 驾驶舱's 企业诉求 block (issue 12 point 7): this year's 办结率, 绿码率 and overdue counts,
and median working days, 重办率, 首次交办准确率 and 满意率, by month and by lead department (or
by county for city and province analysts), each chart with its table; counted by hand on the
two requests of test_liangshai_pdf._march; scoped to what the reader may see."""

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
    # quality: one closed (供电, closed the day it was received: 0 working days, 受理当日不计),
    # not reopened; both routed once, never re-routed; nothing rated yet
    assert _table(page, "services-quality-months") == [
        ["2026-03", "0.0（1 件）", "0.0%（0/1）", "100.0%（2/2）", "—"]]
    assert _table(page, "services-quality-departments") == [
        ["黄岩供电公司", "0.0（1 件）", "0.0%（0/1）", "100.0%（1/1）", "—"],
        ["黄岩区税务局", "—", "—", "100.0%（1/1）", "—"]]
    # another county has no request this year: no block
    client.force_login(world.users["other_county_analyst"])
    assert "services-dashboard-data" not in client.get("/dashboard/").content.decode()
    # the city and the province: the same requests by county
    for role in ("city_analyst", "province_analyst"):
        client.force_login(world.users[role])
        page = client.get("/dashboard/").content.decode()
        assert _table(page, "services-counties") == [
            ["黄岩区", "50.0%（1/2）", "100.0%（1/1）", "1"]], role
        assert _table(page, "services-quality-counties") == [
            ["黄岩区", "0.0（1 件）", "0.0%（0/1）", "100.0%（2/2）", "—"]], role
        assert "按区县汇总" in page
