"""An objection becomes a routed service request (issue 12 point 9), by the mechanism of a
major project's problem: the request enters the direct service's pool with channel 亩均评价异议
for the objecting firm, the objection's page links to it (state, lead, deadline), the
objection's timeline records the hand-over, and only the county (直通办) or the town may file
it — supervisors read, the enterprise and departments are refused, other counties see 404."""

from __future__ import annotations

import contextlib

from django.test import Client
from django.utils import timezone

from tiangong.platform.core.calendar import CalendarMissing, seed_year
from tiangong.platform.core.testing import World
from tiangong.platform.core.workflow import events_for
from tiangong.platform.evaluation.models import Objection, PublishedResult
from tiangong.platform.services import actions
from tiangong.platform.services.models import ObjectionRequest, ServiceRequest


def _objection(published, firm_user) -> Objection:
    own = PublishedResult.objects.get(publication=published, enterprise=firm_user.enterprise)
    return Objection.objects.create(result=own, enterprise=own.enterprise, filed_by=firm_user,
                                    reason="税务局导出的税收少了一位数")


def test_objection_becomes_a_request(client: Client, world: World, published,
                                     firm_user) -> None:
    obj = _objection(published, firm_user)
    url = f"/evaluation/objections/{obj.pk}/"
    client.force_login(world.users["county_analyst"])
    page = client.get(url).content.decode()
    assert "转为企业诉求" in page and "<option value=\"tax\">税费办理</option>" in page
    r = client.post(f"/services/from-objection/{obj.pk}/", {"category": "tax", "text": ""})
    assert r.status_code == 302 and r["Location"] == url
    req = ServiceRequest.objects.get()
    assert (req.channel, req.enterprise, req.state, req.category) == (
        "evaluation_objection", obj.enterprise, "received", "tax")
    assert req.text == f"【亩均评价异议 {obj.pk}，{obj.result.year}年度】税务局导出的税收少了一位数"
    assert ObjectionRequest.objects.get().objection == obj
    assert [e.action for e in events_for(obj)] == ["to_request"]
    # the objection page links to the request with its state; the category in Chinese
    page = client.get(url).content.decode()
    assert f'href="/services/{req.pk}/"' in page and "待交办" in page and "税费办理" in page
    # routed by the 直通办 like any request (deadline in working days: this year's calendar);
    # the objection page shows the lead
    for year in (timezone.localdate().year, timezone.localdate().year + 1):
        with contextlib.suppress(CalendarMissing):  # next year's notice may not be out yet
            seed_year(year)
    actions.route(req, world.users["county_analyst"], world.departments["331003/tax"])
    assert "黄岩区税务局" in client.get(url).content.decode()
    # the enterprise sees the link from its objection, but cannot file another
    client.force_login(firm_user)
    page = client.get(url).content.decode()
    assert f'href="/services/{req.pk}/"' in page and "转为企业诉求</button>" not in page
    assert client.post(f"/services/from-objection/{obj.pk}/",
                       {"category": "tax"}).status_code == 403
    # the town files too; an unknown category is refused with a message, nothing stored
    client.force_login(world.users["town_official"])
    r = client.post(f"/services/from-objection/{obj.pk}/", {"category": "nosuch", "text": "x"},
                    follow=True)
    assert "nosuch" in r.content.decode() and ServiceRequest.objects.count() == 1
    for role, status in (("supervisor", 403), ("department_user", 404),
                         ("other_county_analyst", 404)):
        client.force_login(world.users[role])
        assert client.post(f"/services/from-objection/{obj.pk}/",
                           {"category": "tax"}).status_code == status, role
    assert ServiceRequest.objects.count() == 1


def test_withdrawn_objection_is_not_filed(client: Client, world: World, published,
                                          firm_user) -> None:
    obj = _objection(published, firm_user)
    Objection.objects.filter(pk=obj.pk).update(state="withdrawn")
    client.force_login(world.users["county_analyst"])
    assert "转为企业诉求" not in client.get(f"/evaluation/objections/{obj.pk}/").content.decode()
    assert client.post(f"/services/from-objection/{obj.pk}/",
                       {"category": "tax"}).status_code == 403
