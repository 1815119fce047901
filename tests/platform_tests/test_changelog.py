"""Change log rows for create / update / delete, attributed to the acting user and request;
immutable rows refuse every edit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tiangong.platform.core.context import acting_as
from tiangong.platform.core.models import Enterprise, ObjectChange
from tiangong.platform.core.models.base import ImmutableError
from tiangong.platform.core.testing import PASSWORD, World, valid_uscc
from tiangong.platform.example.models import ExampleResult


def test_create_update_delete_are_logged(world: World) -> None:
    analyst = world.users["county_analyst"]
    with acting_as(analyst, "req-1"):
        ent = Enterprise.objects.create(uscc=valid_uscc("331003", 99), name="新企业",
                                        region=world.regions["331003001"])
        ent.name = "新企业（更名）"
        ent.save()
        pk = ent.pk
        ent.delete()
    rows = list(ObjectChange.objects.filter(content_type__model="enterprise",
                                            object_id=str(pk)).order_by("id"))
    assert [r.action for r in rows] == ["create", "update", "delete"]
    assert {r.user for r in rows} == {analyst} and {r.request_id for r in rows} == {"req-1"}
    assert rows[1].before["name"] == "新企业" and rows[1].after["name"] == "新企业（更名）"
    assert rows[2].before["region_id"] == world.regions["331003001"].pk and rows[2].after is None
    assert rows[0].region_path == "/330000/331000/331003/331003001/"


def test_saving_unchanged_writes_nothing(world: World) -> None:
    before = ObjectChange.objects.count()
    world.enterprises["A"].save()
    assert ObjectChange.objects.count() == before


def test_password_never_logged(world: World) -> None:
    user = world.users["town_official"]
    user.set_password("Another-password-2")
    user.save()
    row = ObjectChange.objects.filter(content_type__model="user").first()
    assert row is not None and row.after["password"] == "******"
    assert "Another" not in str(row.before) + str(row.after)


def test_request_id_and_user_from_a_web_request(world: World, client) -> None:
    """Signing in updates last_login: that change carries the request's id and the user."""
    client.post("/login/", {"username": "county_analyst", "password": PASSWORD},
                headers={"X-Request-ID": "login-abc"})
    row = ObjectChange.objects.get(request_id="login-abc")
    assert row.user == world.users["county_analyst"] and row.action == "update"
    assert row.before["last_login"] is None and row.after["last_login"]


def test_immutable_rows_refuse_edits(world: World) -> None:
    res = ExampleResult.objects.create(enterprise=world.enterprises["A"], score=Decimal("87.5"))
    res.score = Decimal("99")
    with pytest.raises(ImmutableError, match="已发布，不能修改或删除"):
        res.save()
    with pytest.raises(ImmutableError):
        res.delete()
    with pytest.raises(ImmutableError):
        ExampleResult.objects.filter(pk=res.pk).update(score=1)
    with pytest.raises(ImmutableError):
        ExampleResult.objects.all().delete()
    assert ExampleResult.objects.get(pk=res.pk).score == Decimal("87.50")


def test_supervisor_reads_change_log_of_its_region_only(world: World, client) -> None:
    with acting_as(world.users["other_county_analyst"], "req-c"):
        c = world.enterprises["C"]
        c.name = "路桥企业改名"
        c.save()
    with acting_as(world.users["county_analyst"], "req-a"):
        a = world.enterprises["A"]
        a.name = "黄岩企业改名"
        a.save()
    client.force_login(world.users["supervisor"])
    page = client.get("/changes/").content.decode()
    assert "黄岩企业改名" in page and "路桥企业改名" not in page
    client.force_login(world.users["enterprise_user"])
    assert "没有变更记录" in client.get("/changes/").content.decode()
