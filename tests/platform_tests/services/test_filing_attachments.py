"""Filing from the pages (issue 12 point 1): the enterprise files with attachments (kept on the
request's first event, hashed, readable by who sees the request and not by another firm); the
直通办 registers a request received in person or by telephone for a firm of its county."""

from __future__ import annotations

import hashlib

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tiangong.platform.core.testing import World
from tiangong.platform.core.workflow import events_for
from tiangong.platform.services.models import ServiceRequest


def test_filing_with_attachments(world: World, client: Client) -> None:
    client.force_login(world.users["enterprise_user"])
    files = [SimpleUploadedFile("电费单.pdf", b"%PDF-1.4 bill"),
             SimpleUploadedFile("照片.jpg", b"\xff\xd8\xff photo")]
    r = client.post("/services/new/", {"category": "power", "text": "增容报装三个月未批",
                                       "attachments": files})
    req = ServiceRequest.objects.get()
    assert r.status_code == 302 and (req.state, req.channel) == ("received", "form")
    event = events_for(req).get()
    assert (event.action, event.from_state, event.to_state) == ("file", "", "received")
    got = {a.name: a.sha256 for a in event.attachments.all()}
    assert got == {"电费单.pdf": hashlib.sha256(b"%PDF-1.4 bill").hexdigest(),
                   "照片.jpg": hashlib.sha256(b"\xff\xd8\xff photo").hexdigest()}
    first = event.attachments.order_by("pk").first()
    assert client.get(f"/attachments/{first.pk}/").status_code == 200
    assert "电费单.pdf" in client.get(f"/services/{req.pk}/").content.decode()
    client.force_login(world.users["other_enterprise_user"])
    assert client.get(f"/attachments/{first.pk}/").status_code == 404


def test_office_registers_a_visit(world: World, client: Client) -> None:
    client.force_login(world.users["county_analyst"])
    a, c = world.enterprises["A"], world.enterprises["C"]
    assert "登记走访、来电诉求" in client.get("/services/").content.decode()
    r = client.post("/services/new/", {"uscc": c.uscc, "channel": "visit", "category": "tax",
                                       "text": "走访时企业反映"})
    assert r.status_code == 200 and "本县企业名录中没有" in r.content.decode()  # 路桥区's firm
    assert not ServiceRequest.objects.exists()
    r = client.post("/services/new/", {"uscc": a.uscc.lower(), "channel": "visit",
                                       "category": "tax", "text": "走访时企业反映退税慢"})
    req = ServiceRequest.objects.get()
    assert r.status_code == 302 and (req.enterprise, req.channel, req.state) == (
        a, "visit", "received")
    assert req.filed_by == world.users["county_analyst"]
    client.force_login(world.users["supervisor"])  # reads only
    assert client.get("/services/new/").status_code == 403
