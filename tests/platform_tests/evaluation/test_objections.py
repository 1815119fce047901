"""Objections (异议) through the pages: filing within 公示 only, the town forwards, the county
accepts or rejects with a reason and a working-day deadline, the accepted objection ends in a
re-published run linked to it; the enterprise sees the outcome; notifications on each step."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tiangong.platform.core.calendar import CalendarMissing, add_working_days, seed_year
from tiangong.platform.core.models import Notification
from tiangong.platform.core.roles import ALL_ROLES
from tiangong.platform.core.workflow import events_for
from tiangong.platform.evaluation.models import Objection, PublishedResult
from tiangong.platform.evaluation.objection_flow import OBJECTION_WORKFLOW

from .conftest import publish


def _seed(today):
    """This year's calendar; next year's too when the package has it (deadlines in late
    December run into January)."""
    seed_year(today.year)
    with contextlib.suppress(CalendarMissing):
        seed_year(today.year + 1)


def _row(firm_user):
    return PublishedResult.objects.filter(enterprise=firm_user.enterprise).order_by("pk").first()


def _file(client, firm_user, text="用地面积有误，附不动产权证。"):
    client.force_login(firm_user)
    row = _row(firm_user)
    return client.post(f"/evaluation/results/{row.pk}/object/", {
        "reason": text, "attachments": [SimpleUploadedFile("不动产权证.pdf", b"%PDF-1.4 x")]},
        follow=True)


def test_table_walk_every_role(world, published, firm_user):
    row = _row(firm_user)
    obj = Objection(result=row, enterprise=row.enterprise, filed_by=firm_user, reason="x")
    for t in OBJECTION_WORKFLOW.transitions:
        for role in ALL_ROLES:
            obj.state = t.source
            obj.correction = published  # the resolve guard passes
            refusal = OBJECTION_WORKFLOW.refusal(obj, t.action, world.users[role])
            if role in t.roles:
                assert refusal is None, (t.action, role)
            else:
                assert refusal is not None and "无权" in refusal, (t.action, role)


def test_file_forward_reject_with_deadline_and_notifications(
        client, world, published, firm_user, django_capture_on_commit_callbacks):
    today = dt.date.today()
    _seed(today)
    with django_capture_on_commit_callbacks(execute=True):
        response = _file(client, firm_user)
    assert "异议已提交" in response.content.decode()
    obj = Objection.objects.get()
    assert obj.state == "filed" and obj.filed_by == firm_user
    filed = events_for(obj).get()
    assert filed.action == "file" and filed.attachments.get().name == "不动产权证.pdf"
    town = world.users["town_official"]
    assert Notification.objects.filter(user=town).count() == 1

    client.force_login(town)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/evaluation/objections/{obj.pk}/forward/", {"working_days": "5"})
    obj.refresh_from_db()
    assert obj.state == "forwarded"
    assert obj.due == add_working_days(today, 5, world.regions["331003"])
    assert Notification.objects.filter(user=world.users["county_analyst"]).count() == 1

    client.force_login(world.users["county_analyst"])
    response = client.post(f"/evaluation/objections/{obj.pk}/reject/", {"note": ""}, follow=True)
    assert "须填写理由" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/evaluation/objections/{obj.pk}/reject/",
                    {"note": "用地面积以不动产登记为准，维持原结果。"})
    obj.refresh_from_db()
    assert obj.state == "rejected" and "不动产登记" in obj.decision
    assert Notification.objects.filter(user=firm_user, title__contains="驳回").count() == 1
    client.force_login(firm_user)
    page = client.get(f"/evaluation/objections/{obj.pk}/").content.decode()
    assert "已驳回" in page and "维持原结果" in page


def test_accepted_objection_ends_in_a_linked_republication(client, world, runs, published,
                                                           firm_user):
    today = dt.date.today()
    _seed(today)
    _file(client, firm_user)
    obj = Objection.objects.get()
    client.force_login(world.users["town_official"])
    client.post(f"/evaluation/objections/{obj.pk}/forward/", {})
    county = world.users["county_analyst"]
    client.force_login(county)
    client.post(f"/evaluation/objections/{obj.pk}/accept/",
                {"note": "税务数据少录一位，予以更正。", "working_days": "10"})
    obj.refresh_from_db()
    assert obj.state == "accepted"
    assert obj.due == add_working_days(today, 10, world.regions["331003"])
    response = client.post(f"/evaluation/objections/{obj.pk}/resolve/", {}, follow=True)
    assert "请先发布更正后的评价结果" in response.content.decode()
    corrected = publish(runs, world, runs.second, previous=published)
    client.post(f"/evaluation/objections/{obj.pk}/link/", {"publication": corrected.pk})
    client.post(f"/evaluation/objections/{obj.pk}/resolve/", {})
    obj.refresh_from_db()
    assert obj.state == "corrected" and obj.correction == corrected
    assert [e.action for e in events_for(obj)] == ["file", "forward", "accept", "link",
                                                   "resolve"]
    client.force_login(firm_user)
    old = client.get(f"/evaluation/results/{_row_in(published, firm_user).pk}/").content
    assert "更正后的结果" in old.decode()


def _row_in(pub, user):
    return PublishedResult.objects.get(publication=pub, enterprise=user.enterprise)


def test_filing_outside_the_period_is_refused_in_chinese(client, world, runs, firm_user):
    past = publish(runs, world, runs.second, start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 15))
    row = _row_in(past, firm_user)
    client.force_login(firm_user)
    response = client.post(f"/evaluation/results/{row.pk}/object/", {"reason": "x"}, follow=True)
    assert "当前不在公示期内，不能提出异议" in response.content.decode()
    assert not Objection.objects.filter(result=row).exists()


def test_deadline_in_a_year_without_calendar_is_refused(client, world, published, firm_user):
    _file(client, firm_user)  # no calendar seeded in this test database
    obj = Objection.objects.get()
    client.force_login(world.users["town_official"])
    response = client.post(f"/evaluation/objections/{obj.pk}/forward/", {}, follow=True)
    assert "seed_calendar" in response.content.decode()
    obj.refresh_from_db()
    assert obj.state == "filed"


@pytest.mark.parametrize("who", ["other_enterprise_user", "other_county_analyst"])
def test_other_firms_and_counties_get_404(client, world, published, firm_user, who):
    _file(client, firm_user)
    obj = Objection.objects.get()
    client.force_login(world.users[who])
    assert client.get(f"/evaluation/objections/{obj.pk}/").status_code == 404
    assert client.get(f"/evaluation/results/{obj.result_id}/").status_code == 404
    assert client.post(f"/evaluation/objections/{obj.pk}/forward/", {}).status_code == 404
