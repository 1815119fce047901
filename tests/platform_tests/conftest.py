"""Platform tests: marked `platform`; SQLite by default, PostgreSQL with TIANGONG_DB=postgres."""

from __future__ import annotations

from pathlib import Path

import pytest

from tiangong.platform.core.testing import World, make_world

HERE = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.platform)


@pytest.fixture
def world(db: None) -> World:
    return make_world()
