"""The monthly 晾晒 PDF (issue 12 point 7): the CJK font embedded and the text extractable, the
figures of one month by department counted by hand, the overdue requests by department, and
the readers (直通办, supervisors, analysts above) each seeing only their own county."""

from __future__ import annotations

import io
from typing import Any

from django.test import Client
from pypdf import PdfReader

from tiangong.platform.core.testing import World
from tiangong.platform.core.workflow import apply_transition
from tiangong.platform.evaluation.pdf import FONT
from tiangong.platform.services import actions

from .test_requests import _file


def _fonts_embedded(data: bytes) -> set[str]:
    """BaseFont names of every page; asserts each CJK descendant font carries its font file."""
    fonts = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for f in (page["/Resources"].get("/Font") or {}).values():
            f = f.get_object()
            fonts.add(str(f.get("/BaseFont")))
            for d in f.get("/DescendantFonts") or []:
                desc = d.get_object().get("/FontDescriptor").get_object()
                assert any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")), desc
    return fonts


def _text(data: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).replace("\n", "")


def _march(world: World, power: Any, today_: Any) -> None:
    """Two requests received on Monday 2026-03-02: one routed to 税务 and left running (due
    3-02 + 7 WD = 3-11, overdue by 3-31), one led by 供电 and closed 'solved' the same day
    (green from the closure code, no rating)."""
    office = world.users["county_analyst"]
    late = _file(world, "tax", "留抵退税进度咨询")
    actions.route(late, office, world.departments["331003/tax"])
    done = _file(world, "tax", "发票额度不足")
    actions.route(done, office, world.departments["331003/power"])
    apply_transition(done, "accept", power)
    apply_transition(done, "answer", power, "已调整")
    actions.close(done, power, "solved")
    today_("2026-03-31")


def test_monthly_pdf_by_department(world: World, cal: None, today: Any, power_user: Any,
                                   client: Client) -> None:
    _march(world, power_user, today)
    client.force_login(world.users["county_analyst"])
    r = client.get("/services/kpi.pdf", {"month": "2026-03"})
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    fonts = _fonts_embedded(r.content)
    assert any(FONT.replace(" ", "-") in f for f in fonts), fonts
    text = _text(r.content)
    assert "企业诉求办理情况月度晾晒（2026-03）" in text and "统计日：2026-03-31" in text
    for head in ("办结率（受理口径）", "办结率（到期口径）", "绿码率", "超期率"):
        assert head in text
    cells = text.replace(" ", "")
    # hand counts, columns 办结率 受理 / 到期, 绿码率, 超期率, median WD, 满意率:
    # 税务 received 1, due 3-11 in March, closed 0, overdue 1; nothing closed, nothing rated
    assert "黄岩区税务局0.0%（0/1）0.0%（0/1）—100.0%（1/1）——" in cells
    # 供电 received 1, due 3-11, closed on the day of receipt (0 WD, 受理当日不计), green from
    # 'solved' (no rating), not overdue
    assert "黄岩供电公司100.0%（1/1）100.0%（1/1）100.0%（1/1）0.0%（0/1）0.0—" in cells
    assert "全部50.0%（1/2）50.0%（1/2）100.0%（1/1）50.0%（1/2）0.0—" in cells
    # overdue by department: the 税务 request (due 3-11, running on 3-31); 供电 has none
    assert "超期未办结（按部门）主办单位超期件数黄岩区税务局1三、" in cells
    assert "示例企业A" in text and "2026-03-11" in text  # the overdue list
    assert "绿码率 = 本期办结且结果为绿码的诉求数" in text  # formulas printed


def test_quarterly_pdf(world: World, cal: None, today: Any, power_user: Any,
                      client: Client) -> None:
    """?quarter=2026-Q1 on 3-31: both requests were received and fall due in Q1, so the
    department rows are March's; a future quarter falls back to the running month."""
    _march(world, power_user, today)
    client.force_login(world.users["county_analyst"])
    page = client.get("/services/kpi/", {"period": "quarter"}).content.decode()
    assert "/services/kpi.pdf?quarter=2026-Q1" in page
    cells = _text(client.get("/services/kpi.pdf", {"quarter": "2026-Q1"}).content).replace(
        " ", "")
    assert "企业诉求办理情况季度晾晒（2026-Q1）" in cells and "统计日：2026-03-31" in cells
    assert "黄岩区税务局0.0%（0/1）0.0%（0/1）—100.0%（1/1）——" in cells
    assert "全部50.0%（1/2）50.0%（1/2）100.0%（1/1）50.0%（1/2）0.0—" in cells
    later = _text(client.get("/services/kpi.pdf", {"quarter": "2026-Q3"}).content)
    assert "月度晾晒（2026-03）" in later


def test_monthly_pdf_readers_and_scope(world: World, cal: None, today: Any, power_user: Any,
                                       client: Client) -> None:
    _march(world, power_user, today)
    for role, status in (("supervisor", 200), ("city_analyst", 200),
                         ("other_county_analyst", 200), ("department_user", 403),
                         ("town_official", 403), ("enterprise_user", 403)):
        client.force_login(world.users[role])
        r = client.get("/services/kpi.pdf", {"month": "2026-03"})
        assert r.status_code == status, role
        if role == "other_county_analyst":  # 路桥区: none of 黄岩区's requests
            text = _text(r.content)
            assert "示例企业A" not in text and "黄岩" not in text and "本期无诉求" in text
        elif role == "supervisor":
            assert "黄岩区税务局0.0%（0/1）" in _text(r.content).replace(" ", "")
    # a county without any request: the page and the workbook answer too (they failed with a
    # traceback when the read gave empty columns)
    client.force_login(world.users["other_county_analyst"])
    assert client.get("/services/kpi/").status_code == 200
    assert client.get("/services/kpi.xlsx").status_code == 200
    client.logout()
    assert client.get("/services/kpi.pdf").status_code == 302  # to the sign-in page
