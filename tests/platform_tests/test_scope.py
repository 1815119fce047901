"""The one scope mechanism: who sees which enterprise, and out-of-scope answers 404."""

from __future__ import annotations

import pytest

from tiangong.platform.core.models import Enterprise, Region, User
from tiangong.platform.core.scope import get_scoped_or_404, restrict
from tiangong.platform.core.testing import World

# Hand-derived from the world in core/testing.py: A in 东城街道, B in 院桥镇 (both 黄岩区),
# C in 路桥街道 (路桥区).
EXPECTED = {
    "province_analyst": {"A", "B", "C"},
    "city_analyst": {"A", "B", "C"},
    "county_analyst": {"A", "B"},
    "other_county_analyst": {"C"},
    "town_official": {"A"},
    "department_user": {"A", "B"},  # a county department sees its county's enterprises
    "enterprise_user": {"A"},
    "other_enterprise_user": {"C"},
    "expert": set(),
    "supervisor": {"A", "B"},
    "administrator": {"A", "B", "C"},
}


def _names(world: World, qs: object) -> set[str]:
    keys = {e.pk: k for k, e in world.enterprises.items()}
    return {keys[e.pk] for e in qs}  # type: ignore[attr-defined]


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_enterprises_visible_per_role(world: World, who: str) -> None:
    user = world.users[who]
    assert _names(world, Enterprise.objects.restrict(user)) == EXPECTED[who]


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_enterprise_page_404_outside_scope(world: World, who: str, client) -> None:
    client.force_login(world.users[who])
    for key, ent in world.enterprises.items():
        status = client.get(f"/enterprises/{ent.uscc}/").status_code
        if who in ("enterprise_user", "other_enterprise_user", "expert") and \
                key not in EXPECTED[who]:
            assert status == 404
        else:
            assert status == (200 if key in EXPECTED[who] else 404), (who, key)


def test_inactive_and_anonymous_see_nothing(world: World) -> None:
    from django.contrib.auth.models import AnonymousUser

    user = world.users["administrator"]
    user.is_active = False
    assert not restrict(Enterprise, user).exists()
    assert not restrict(Enterprise, AnonymousUser()).exists()


def test_get_scoped_or_404_raises_404(world: World) -> None:
    from django.http import Http404

    c = world.enterprises["C"]
    with pytest.raises(Http404):
        get_scoped_or_404(Enterprise, world.users["county_analyst"], pk=c.pk)
    assert get_scoped_or_404(Enterprise, world.users["other_county_analyst"], pk=c.pk) == c


def test_users_see_colleagues_in_their_region_and_themselves(world: World) -> None:
    town = world.users["town_official"]
    visible = set(User.objects.restrict(town).values_list("username", flat=True))
    assert visible == {"town_official"}  # nobody else is bound to 东城街道
    county = set(User.objects.restrict(world.users["county_analyst"])
                 .values_list("username", flat=True))
    assert county == {"county_analyst", "town_official", "supervisor"}


def test_reference_regions_are_public(world: World) -> None:
    assert Region.objects.restrict(world.users["enterprise_user"]).count() == 7


def test_binding_is_required_for_the_role(world: World) -> None:
    from django.core.exceptions import ValidationError

    from tiangong.platform.core.roles import Role

    with pytest.raises(ValidationError) as err:
        User(username="x", role=Role.COUNTY_ANALYST, region=world.regions["331003001"]).clean()
    assert "应绑定县级区划" in str(err.value)
    with pytest.raises(ValidationError, match="必须绑定一家企业"):
        User(username="y", role=Role.ENTERPRISE_USER).clean()


def test_moving_a_town_moves_its_scope(world: World) -> None:
    """A town re-assigned to another county: paths of the town (and below) follow, so the
    other county's analyst now sees its enterprises and the first county's no longer does."""
    town = world.regions["331003100"]  # 院桥镇, enterprise B
    town.parent = world.regions["331004"]
    town.save()
    assert Region.objects.get(pk=town.pk).path == "/330000/331000/331004/331003100/"
    assert _names(world, Enterprise.objects.restrict(world.users["county_analyst"])) == {"A"}
    assert _names(world, Enterprise.objects.restrict(
        world.users["other_county_analyst"])) == {"B", "C"}


def test_moving_a_county_moves_its_towns(world: World) -> None:
    lishui = Region.objects.create(code="331100", name="丽水市", level="city",
                                   parent=world.regions["330000"])
    county = world.regions["331004"]
    county.parent = lishui
    county.save()
    town = Region.objects.get(code="331004001")
    assert town.path == "/330000/331100/331004/331004001/"
    assert _names(world, Enterprise.objects.restrict(world.users["city_analyst"])) == {"A", "B"}


def test_enterprise_page_sections_are_scoped(world: World, client) -> None:
    """The example app's section lists the firm's cases the viewer may see."""
    from tiangong.platform.example.models import ExampleCase

    a = world.enterprises["A"]
    ExampleCase.objects.create(enterprise=a, title="A 的示例事项")
    client.force_login(world.users["enterprise_user"])
    response = client.get("/my-enterprise/", follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == f"/enterprises/{a.uscc}/"
    assert "<h2>示例事项</h2>" in page and "A 的示例事项" in page
    client.force_login(world.users["department_user"])  # sees A, but not its unrouted case
    page = client.get(f"/enterprises/{a.uscc}/").content.decode()
    assert "A 的示例事项" not in page and "<h2>示例事项</h2>" not in page
