"""Pages: the public 公示 list (no sign-in, 排名不分先后), the enterprise page, PDFs, and the
analyst's upload refusals."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape
from pypdf import PdfReader

from tiangong.platform.evaluation.models import PublishedResult
from tiangong.platform.evaluation.pdf import FONT

from .conftest import publish


def test_public_gongshi_list_without_login_hides_ranks(client, published):
    first_a = PublishedResult.objects.filter(publication=published, class_code="A")
    page = client.get(f"/evaluation/gongshi/{published.pk}/?class=A").content.decode()
    assert "排名不分先后" in page and "组内名次" not in page
    names = [r.uscc for r in first_a.order_by("uscc")]
    positions = [page.index(u) for u in names[:20]]
    assert positions == sorted(positions)  # neutral order: by USCC
    assert client.get("/evaluation/gongshi/").status_code == 200


def test_public_list_with_ranks_shows_them(client, runs, world, published):
    pub = publish(runs, world, runs.second, hide_ranks=False)
    page = client.get(f"/evaluation/gongshi/{pub.pk}/?class=B").content.decode()
    assert "组内名次" in page and "排名不分先后" not in page


def test_enterprise_page_shows_items_rank_history_and_what_if(client, published, firm_user):
    row = PublishedResult.objects.get(publication=published, enterprise=firm_user.enterprise)
    client.force_login(firm_user)
    response = client.get("/evaluation/", follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == f"/evaluation/results/{row.pk}/"
    assert f"第 {row.rank} 名 / 共 {row.partition_size} 家" in page
    for const in published.groups[row.group]["items"]:
        assert escape(const["label"]) in page
    assert "提高到" in page and "历年评价结果" in page and "提交异议" in page
    # the score's parts: items, bonus and penalty (the items' part was blank before)
    parts = f"（指标得分 {row.items_score:.2f}，加分 {row.bonus:.2f}，减分 {row.penalty:.2f}）"
    assert parts in page


def test_town_sees_its_firms_only(client, world, published):
    client.force_login(world.users["town_official"])
    page = client.get(f"/evaluation/publications/{published.pk}/").content.decode()
    mine = PublishedResult.objects.filter(publication=published, region__code="331003001")
    other = PublishedResult.objects.filter(publication=published).exclude(
        region__code="331003001").first()
    assert f"共 {mine.count()} 家" in page or mine.count() <= 50
    assert client.get(f"/evaluation/results/{other.pk}/").status_code == 404
    assert client.get(f"/evaluation/results/{mine.first().pk}/").status_code == 200


def _pdf_fonts(data: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(data))
    fonts = set()
    for p in reader.pages:
        for f in (p["/Resources"].get("/Font") or {}).values():
            f = f.get_object()
            fonts.add(str(f.get("/BaseFont")))
            for d in f.get("/DescendantFonts") or []:
                desc = d.get_object().get("/FontDescriptor").get_object()
                assert any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")), desc
    return fonts


def test_yiqiyidan_pdf_embeds_the_cjk_font_and_text_is_extractable(client, published,
                                                                   firm_user):
    row = PublishedResult.objects.get(publication=published, enterprise=firm_user.enterprise)
    client.force_login(firm_user)
    response = client.get(f"/evaluation/results/{row.pk}/pdf/")
    assert response["Content-Type"] == "application/pdf"
    fonts = _pdf_fonts(response.content)
    assert any(FONT.replace(" ", "-") in f for f in fonts), fonts  # subset prefix + name
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert row.name in text and "一企一单" in text and "亩均税收" in text


def test_gongshi_pdf_is_public_and_chinese(client, published):
    response = client.get(f"/evaluation/gongshi/{published.pk}/pdf/")
    assert response.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "评价结果公示" in text and "排名不分先后" in text.replace("\n", "")


def _zip(members: dict[str, bytes]) -> SimpleUploadedFile:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return SimpleUploadedFile("exports.zip", buf.getvalue(), "application/zip")


@pytest.mark.parametrize("files, year, message", [
    ([SimpleUploadedFile("报告.docx", b"x")], "2022", "类型不受支持"),
    ([_zip({"../evil.csv": b"a"})], "2022", "不安全"),
    ([_zip({"a.exe": b"a"})], "2022", "不是 xlsx、xls 或 csv"),
    ([SimpleUploadedFile("x.zip", b"not a zip")], "2022", "不是有效的 zip"),
    ([SimpleUploadedFile("a.csv", b"uscc\n")], "二〇二二", "数据年度请填写四位数字"),
    ([], "2022", "没有收到任何部门导出文件"),
])
def test_bad_uploads_get_chinese_messages_and_save_nothing(client, world, settings, tmp_path,
                                                           files, year, message):
    from tiangong.platform.core.models import TaskProgress

    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(world.users["county_analyst"])
    response = client.post("/evaluation/analyst/upload/", {"year": year, "files": files},
                           follow=True)
    assert message in response.content.decode()
    assert not TaskProgress.objects.exists()
    assert not any((tmp_path / "exports").glob("*")) if (tmp_path / "exports").exists() else True


def test_oversized_upload_is_refused(client, world, settings):
    settings.MAX_UPLOAD_BYTES = 1024 * 1024
    client.force_login(world.users["county_analyst"])
    big = SimpleUploadedFile("big.csv", b"x" * (2 * 1024 * 1024))
    response = client.post("/evaluation/analyst/upload/", {"year": "2022", "files": [big]},
                           follow=True)
    assert response.status_code in (200, 413)
    assert "超过" in response.content.decode()


def test_not_an_export_fails_the_intake_task_in_chinese(client, world, settings, tmp_path,
                                                        transactional_db):
    from django.core.management import call_command

    from tiangong.platform.core.models import TaskProgress
    from tiangong.platform.core.progress import task_status

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TIANGONG_RUN_STORE = str(tmp_path / "store.duckdb")
    client.force_login(world.users["county_analyst"])
    junk = SimpleUploadedFile("会议纪要.csv", "标题,内容\n开会,讨论\n".encode())
    client.post("/evaluation/analyst/upload/", {"year": "2022", "files": [junk]})
    call_command("db_worker", "--batch", "--no-reload", verbosity=0)
    status = task_status(TaskProgress.objects.get().result_id)
    assert status["status"] == "FAILED"
    assert any("数据归集失败" in e for e in status["errors"]), status
    assert not (tmp_path / "store.duckdb").exists()
