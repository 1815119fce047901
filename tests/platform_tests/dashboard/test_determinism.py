"""The 驾驶舱 page is the same bytes whether its figures were computed just now or read back from
the shared `FigureCache` table (issue 11: PostgreSQL's JSONB stores object keys ordered by length,
so a dict read back from it has another key order than the one computed, and the page's embedded
JSON differed)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from tiangong.platform.core.testing import World

pytestmark = pytest.mark.django_db


CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


def _page(client: Client, url: str) -> bytes:
    """The page, with the logout form's CSRF token blanked: Django masks it afresh on every
    response (BREACH protection), the one part of the page that must differ."""
    response = client.get(url)
    assert response.status_code == 200
    return CSRF.sub(b'name="csrfmiddlewaretoken" value=""', response.content)


@pytest.mark.parametrize("url", ["/dashboard/", "/dashboard/?class=B",
                                 "/dashboard/?year=2021&town=331003001"])
def test_fresh_and_stored_figures_give_the_same_page(client: Client, world: World,
                                                     published: Any, url: str) -> None:
    from tiangong.platform.dashboard.models import FigureCache

    client.force_login(world.users["county_analyst"])
    FigureCache.objects.all().delete()
    cache.clear()
    fresh = _page(client, url)  # computed, then stored
    assert FigureCache.objects.exists()
    cache.clear()  # this process forgets: the next page reads the stored JSON(B) copy
    stored = _page(client, url)
    assert b'id="dashboard-data"' in fresh
    assert stored == fresh
    cache.clear()
    assert _page(client, url) == fresh  # and once more, from the stored copy again


def test_embedded_json_has_sorted_keys(client: Client, world: World, published: Any) -> None:
    """The canonical form: every object's keys in sorted order (as json.dumps(sort_keys=True))."""
    import json

    client.force_login(world.users["county_analyst"])
    text = _page(client, "/dashboard/").decode()
    raw = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>',
                    text, re.S)
    assert raw is not None
    data = json.loads(raw.group(1))
    assert json.dumps(data, ensure_ascii=False, sort_keys=True) == json.dumps(
        data, ensure_ascii=False)
    ranking = data["ranking"][0]
    assert list(ranking) == sorted(ranking)
