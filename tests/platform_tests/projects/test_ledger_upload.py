"""The ledger upload page (issue 13 point 8): the county's project officer uploads the Excel
ledger, a background task imports it with progress, and the status page lists every row,
column and cell not taken with its reason in Chinese; a second upload of the same ledger fails
as a whole; wrong files and wrong roles are refused."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from tiangong.platform.core.models import TaskProgress
from tiangong.platform.core.testing import World
from tiangong.platform.projects.models import Project

sys.path.insert(0, str(Path(__file__).parents[2]))
from test_projects_ledger import _write


def _upload(client: Client, path: Path) -> str:
    r = client.post("/projects/import/", {"file": SimpleUploadedFile(
        "黄岩区项目台账.xlsx", path.read_bytes())})
    assert r.status_code == 302, r.content.decode()[:500]
    return str(r["Location"])


def test_upload_imports_in_the_background_and_lists_every_problem(
        world: World, client: Client, settings, tmp_path, transactional_db) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    path = tmp_path / "台账.xlsx"
    _write(path)
    client.force_login(world.users["county_analyst"])
    assert "导入项目台账" in client.get("/projects/").content.decode()  # linked for the officer
    status_url = _upload(client, path)
    waiting = client.get(status_url).content.decode()
    assert "排队中" in waiting and 'hx-trigger="every 2s"' in waiting  # polled until done
    call_command("db_worker", "--batch", "--no-reload", verbosity=0)
    page = client.get(status_url).content.decode()
    # the ledger of tests/test_projects_ledger.py: rows 4-10 read, XM001 and XM002 taken
    assert "读取 6 行，导入 2 个项目；未能导入" in page and "已完成" in page
    assert "重大项目 第 4 行 [开工时间|实际] 已开工：不是日期，未导入" in page
    assert "every 2s" not in page
    assert set(Project.objects.values_list("code", flat=True)) == {"XM001", "XM002"}
    assert not list((tmp_path / "media" / "ledgers").iterdir())  # the upload is removed
    # the same ledger again: refused as a whole, nothing stored twice
    again = _upload(client, path)
    call_command("db_worker", "--batch", "--no-reload", verbosity=0)
    page = client.get(again).content.decode()
    assert "失败，未导入任何项目" in page and "项目编号已存在" in page and "XM001" in page
    assert Project.objects.count() == 2
    # a file that is not a workbook at all: the task fails with the reader's reason
    junk = tmp_path / "坏.xlsx"
    junk.write_bytes(b"not a workbook")
    broken = _upload(client, junk)
    call_command("db_worker", "--batch", "--no-reload", verbosity=0)
    failed = client.get(broken).content.decode()
    assert "台账无法导入：黄岩区项目台账.xlsx: 无法读取台账" in failed
    assert "media/ledgers" not in failed  # the server's path is not shown
    listing = client.get("/projects/import/").content.decode()
    assert listing.count("项目台账导入：黄岩区项目台账.xlsx") == 3
    # another county cannot read the status page
    client.force_login(world.users["other_county_analyst"])
    assert client.get(status_url).status_code == 404
    assert TaskProgress.objects.count() == 3


def test_upload_refusals(world: World, client: Client, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    client.force_login(world.users["county_analyst"])
    r = client.post("/projects/import/", {"file": SimpleUploadedFile("台账.csv", b"a,b\n")})
    assert r.status_code == 200 and "不是 Excel 台账：请上传 xlsx 或 xls 文件" in r.content.decode()
    assert TaskProgress.objects.count() == 0
    for role in ("town_official", "supervisor", "enterprise_user", "department_user"):
        client.force_login(world.users[role])
        assert client.get("/projects/import/").status_code == 403, role
