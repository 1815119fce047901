"""Fixtures of the projects app tests."""

from __future__ import annotations

import datetime as dt

import pytest

from tiangong.demo import generate
from tiangong.demo.projects import generate_projects
from tiangong.platform.core.testing import World
from tiangong.platform.projects import services


@pytest.fixture
def demo(world: World) -> int:
    """The demo generator's portfolio stored in 东城街道 (its towns are not in the test world)."""
    firms = generate(300, 5, year=2024, years=2)["enterprises"]
    p = generate_projects(firms, 5, 2024, n=40, as_of=dt.date(2024, 9, 30))
    return services.store_portfolio(p, {}, {}, world.regions["331003001"])
