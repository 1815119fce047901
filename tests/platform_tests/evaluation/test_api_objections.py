"""Objections through the JSON API, as the 企业码 app and departments' systems use it: the
enterprise files during 公示 with its Bearer token (multipart, with evidence), the town forwards,
the county rejects, the enterprise follows the state and the timeline; the same rules as the
pages (outside 公示: 409; another firm's result: 404; a town filing: 403). Attachments are served
only through the scoped view: enterprise A asking for B's evidence gets 404, and nothing is
served under MEDIA_URL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from tiangong.platform.core.calendar import add_working_days
from tiangong.platform.core.models import ApiToken, Notification
from tiangong.platform.core.models.events import EventAttachment
from tiangong.platform.core.testing import make_user
from tiangong.platform.evaluation.models import Objection, PublishedResult

from .conftest import publish
from .test_objections import _row, _seed


def _bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user, 'test')[1]}"}


def _file(client, user, row, reason="用地面积有误，附不动产权证。", name="不动产权证.pdf"):
    return client.post(f"/api/evaluation/results/{row.pk}/objections",
                       {"reason": reason, "attachments": [SimpleUploadedFile(name, b"%PDF-1.4 x")]},
                       **_bearer(user))


def test_file_forward_reject_and_follow_by_token(client, world, published, firm_user,
                                                 django_capture_on_commit_callbacks):
    today = dt.date.today()
    _seed(today)
    row = _row(firm_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = _file(client, firm_user, row)
    assert response.status_code == 200, response.content
    filed = response.json()
    assert filed["state"] == "filed" and filed["uscc"] == row.uscc
    assert filed["actions"] == ["withdraw"]
    (event,) = filed["events"]
    assert event["action"] == "file" and event["attachments"][0]["name"] == "不动产权证.pdf"
    assert Notification.objects.filter(user=world.users["town_official"]).count() == 1
    pk = filed["id"]

    town = _bearer(world.users["town_official"])
    forwarded = client.post(f"/api/evaluation/objections/{pk}/forward",
                            {"working_days": 5}, content_type="application/json", **town)
    assert forwarded.status_code == 200 and forwarded.json()["state"] == "forwarded"
    assert forwarded.json()["due"] == add_working_days(
        today, 5, world.regions["331003"]).isoformat()

    county = _bearer(world.users["county_analyst"])
    no_reason = client.post(f"/api/evaluation/objections/{pk}/reject", {},
                            content_type="application/json", **county)
    assert no_reason.status_code == 409 and "理由" in no_reason.json()["detail"]
    wrong_role = client.post(f"/api/evaluation/objections/{pk}/reject", {"note": "x"},
                             content_type="application/json", **_bearer(firm_user))
    assert wrong_role.status_code == 409 and "无权" in wrong_role.json()["detail"]
    rejected = client.post(f"/api/evaluation/objections/{pk}/reject",
                           {"note": "用地面积以不动产登记为准，维持原结果。"},
                           content_type="application/json", **county)
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected"

    mine = client.get(f"/api/evaluation/objections/{pk}", **_bearer(firm_user)).json()
    assert mine["state"] == "rejected" and mine["state_label"] == "已驳回"
    assert "维持原结果" in mine["decision"] and mine["actions"] == []
    assert [e["action"] for e in mine["events"]] == ["file", "forward", "reject"]
    listed = client.get("/api/evaluation/objections", **_bearer(firm_user)).json()
    assert [o["id"] for o in listed] == [pk]
    # the pages show the same object: one code path
    assert Objection.objects.get(pk=pk).state == "rejected"


def test_filing_rules_are_the_pages_rules(client, world, published, firm_user):
    row = _row(firm_user)
    town = client.post(f"/api/evaluation/results/{row.pk}/objections", {"reason": "x"},
                       **_bearer(world.users["town_official"]))
    assert town.status_code == 403 and "企业本身" in town.json()["detail"]
    other = _file(client, world.users["other_enterprise_user"], row)
    assert other.status_code == 404  # another firm's result does not exist for it
    empty = client.post(f"/api/evaluation/results/{row.pk}/objections", {"reason": ""},
                        **_bearer(firm_user))
    assert empty.status_code == 422
    assert not Objection.objects.exists()


def test_filing_after_gongshi_is_409(client, world, runs):
    today = dt.date.today()
    closed = publish(runs, world, start=today - dt.timedelta(days=20),
                     end=today - dt.timedelta(days=5))
    row = PublishedResult.objects.filter(publication=closed).order_by("uscc").first()
    firm = make_user("late_firm", "enterprise_user", enterprise=row.enterprise)
    late = _file(client, firm, row)
    assert late.status_code == 409 and "不在公示期内" in late.json()["detail"]
    assert not Objection.objects.exists()


def test_attachment_of_another_enterprise_is_404(client, world, published, firm_user):
    """Enterprise A (firm_user) asks for enterprise B's evidence: 404, by the attachment view
    and by guessing the file's MEDIA_URL path; B itself downloads it through the view."""
    b_row = PublishedResult.objects.filter(publication=published).exclude(
        enterprise=firm_user.enterprise).order_by("uscc").first()
    b_user = make_user("firm_b", "enterprise_user", enterprise=b_row.enterprise)
    assert _file(client, b_user, b_row, name="B的证明.pdf").status_code == 200
    att = EventAttachment.objects.get(name="B的证明.pdf")

    client.force_login(firm_user)
    assert client.get(f"/attachments/{att.pk}/").status_code == 404
    assert client.get(f"{settings.MEDIA_URL}{att.file.name}").status_code == 404
    client.force_login(b_user)
    own = client.get(f"/attachments/{att.pk}/")
    assert own.status_code == 200 and b"".join(own.streaming_content) == b"%PDF-1.4 x"
    # not even the owner gets the file as static media
    assert client.get(f"{settings.MEDIA_URL}{att.file.name}").status_code == 404
    # a file gone from MEDIA_ROOT: a Chinese 404, not a server error
    Path(att.file.path).unlink()
    gone = client.get(f"/attachments/{att.pk}/")
    assert gone.status_code == 404 and "未找到该页面或对象" in gone.content.decode()
