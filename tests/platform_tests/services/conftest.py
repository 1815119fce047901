"""Fixtures of the direct-service tests: a settable today, the 2026 calendar, a 供电 user."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tiangong.platform.core.calendar import seed_year
from tiangong.platform.core.roles import Role
from tiangong.platform.core.testing import World, make_user

D = dt.date.fromisoformat


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A settable 'today' for the app and for event times (timezone.localdate / now are read
    at call time); each now() is one second after the previous one, so events keep order."""
    box: dict[str, Any] = {"day": D("2026-03-02"), "tick": 0}  # a Monday

    def now() -> dt.datetime:
        box["tick"] += 1
        start = dt.datetime.combine(box["day"], dt.time(9, 0), tzinfo=dt.UTC)
        return start + dt.timedelta(seconds=box["tick"])

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: box["day"])
    monkeypatch.setattr(timezone, "now", now)

    def set_day(day: str) -> None:
        box["day"] = D(day)
    return set_day


@pytest.fixture
def cal(db: None) -> None:
    seed_year(2026)


@pytest.fixture
def power_user(world: World) -> Any:
    return make_user("power_user", Role.DEPARTMENT_USER,
                     department=world.departments["331003/power"])
