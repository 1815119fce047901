"""A hand-countable fixture for the dashboard: published rows written directly (the dashboard only
reads them), on core.testing.make_world's regions.

2022, 黄岩区 (331003):
  东城街道 331003001: A  tax 100 land 10 va 300 | B tax 20 land 30 va 60 | B tax — land 5 va 10
  院桥镇   331003100: C  tax 5   land 10 va 40  | A tax 90 land 20 va 100
2021, 黄岩区: 东城街道 one firm, A, tax 50 land 25 va 100
2022, 路桥区 (331004): 路桥街道 one firm, C, tax 1 land 1 va 1
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tiangong.platform.core.testing import World, valid_uscc

ROWS = [  # (year, town, class, tax, land, va)
    (2022, "331003001", "A", 100.0, 10.0, 300.0),
    (2022, "331003001", "B", 20.0, 30.0, 60.0),
    (2022, "331003001", "B", None, 5.0, 10.0),
    (2022, "331003100", "C", 5.0, 10.0, 40.0),
    (2022, "331003100", "A", 90.0, 20.0, 100.0),
    (2021, "331003001", "A", 50.0, 25.0, 100.0),
    (2022, "331004001", "C", 1.0, 1.0, 1.0),
]


def _publication(world: World, county: str, year: int) -> Any:
    from tiangong.platform.evaluation.models import Publication

    today = dt.date.today()
    return Publication.objects.create(
        run_id=f"R{county}{year}", digest="0" * 64, scheme_id="huangyan_2022",
        scheme_title="黄岩区亩均评价办法", year=year, county=world.regions[county],
        start=today, end=today, state=Publication.PUBLISHED)


@pytest.fixture
def published(world: World) -> dict[tuple[str, int], Any]:
    from tiangong.platform.core.context import acting_as
    from tiangong.platform.core.models import Enterprise
    from tiangong.platform.evaluation.models import PublishedResult

    pubs: dict[tuple[str, int], Any] = {}
    with acting_as(None, "fixture"):
        for i, (year, town, cls, tax, land, va) in enumerate(ROWS):
            county = town[:6]
            pub = pubs.get((county, year)) or _publication(world, county, year)
            pubs[(county, year)] = pub
            ent = Enterprise.objects.create(uscc=valid_uscc(town, 100 + i), name=f"测试企业{i}",
                                            region=world.regions[town], industry_code="3311")
            PublishedResult.objects.create(
                publication=pub, enterprise=ent, region=world.regions[town], uscc=ent.uscc,
                name=ent.name, year=year, industry_code="3311", group="above",
                group_label="规上", class_code=cls, eval_tax=tax, land_area=land,
                value_added=va)
    return pubs


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Figures are cached by publication ids, which a rolled-back test database can reuse."""
    from django.core.cache import cache

    cache.clear()
