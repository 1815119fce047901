"""The quarter's 晾晒 as a PDF (issue 13 point 4): CJK font embedded, text extractable, every
红旗 and 黄牌 project of the library's 赛马 printed with its reason, the KPI formulas and both
rankings; officers only, each seeing its own projects."""

from __future__ import annotations

import io

from django.test import Client
from pypdf import PdfReader

from tiangong.platform.core.testing import World
from tiangong.platform.evaluation.pdf import FONT
from tiangong.platform.projects import services
from tiangong.platform.projects.models import Project
from tiangong.platform.projects.workflow import project_config
from tiangong.projects.racing import showing


def _text(data: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).replace(
        "\n", "").replace(" ", "")


def test_quarter_pdf(world: World, demo: int, client: Client) -> None:
    client.force_login(world.users["county_analyst"])
    r = client.get("/projects/showing.pdf", {"year": 2024, "quarter": 3})
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(r.content))
    fonts = set()
    for page in reader.pages:
        for f in (page["/Resources"].get("/Font") or {}).values():
            f = f.get_object()
            fonts.add(str(f.get("/BaseFont")))
            for d in f.get("/DescendantFonts") or []:
                desc = d.get_object().get("/FontDescriptor").get_object()
                assert any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert any(FONT.replace(" ", "-") in f for f in fonts), fonts
    text = _text(r.content)
    # the library's 赛马 (its rules are tested on hand counts in tests/test_projects_rules.py)
    now = showing(services.portfolio(Project.objects.all()), project_config(), 2024, 3)
    yellow, red = now.listed("黄牌"), now.listed("红旗")
    assert len(yellow) > 0 and len(red) > 0  # the demo portfolio has both
    assert f"红旗{len(red)}个，黄牌{len(yellow)}个" in text
    assert "2024年第3季度重大项目赛马晾晒" in text
    for row in [*yellow.to_dict("records"), *red.to_dict("records")]:
        assert row["name"].replace(" ", "") in text
    first = yellow.iloc[0]["reasons"].replace(" ", "")
    assert first[:20] in text
    assert "开工率=计划2024-01-01至2024-09-30开工且已开工的项目数" in text
    assert "五、乡镇排名" in text and "六、专班排名" in text and "东城街道" in text


def test_quarter_pdf_readers(world: World, demo: int, client: Client) -> None:
    for role, status in (("enterprise_user", 403), ("department_user", 403),
                         ("town_official", 200), ("supervisor", 200),
                         ("other_county_analyst", 200)):
        client.force_login(world.users[role])
        r = client.get("/projects/showing.pdf", {"year": 2024, "quarter": 3})
        assert r.status_code == status, role
        if role == "other_county_analyst":  # 路桥区 has no project of 黄岩区
            assert "红旗0个，黄牌0个" in _text(r.content)
