"""The demo year of requests: deterministic, a realistic mix, and every stored deadline equal
to what the clock computes from the request's own events."""

from __future__ import annotations

import datetime as dt

import pytest

from tiangong.demo.requests import county_roster, generate_requests
from tiangong.services.calendar import chinese_calendar
from tiangong.services.clock import read_clock
from tiangong.services.config import load_categories
from tiangong.services.routing import load_rules

CONFIG = load_categories()
RULES = load_rules(CONFIG)
CAL = chinese_calendar([2025, 2026])


@pytest.fixture(scope="module")
def year():
    return generate_requests(county_roster(), CONFIG, RULES, CAL, "county", seed=3)


def test_deterministic(year):
    again = generate_requests(county_roster(), CONFIG, RULES, CAL, "county", seed=3)
    assert again[0].equals(year[0]) and again[1].equals(year[1])
    other = generate_requests(county_roster(), CONFIG, RULES, CAL, "county", seed=4)
    assert not other[0].equals(year[0])


def test_mix(year):
    req, ev = year[0].to_pandas(), year[1].to_pandas()
    assert len(req) == 1836  # 天台's year
    assert set(req.channel) == {"api", "form", "hotline", "visit", "haochaping"}
    assert req.category.nunique() == len(CONFIG.categories)
    assert req.lead_department.nunique() >= 12
    counts = ev.action.value_counts()
    for action in ("object", "settle_reroute", "reroute", "pause", "pause_switch",
                   "extension_approve", "reopen", "escalate", "partner_answer"):
        assert counts.get(action, 0) > 0, action
    assert 8 <= len(ev) / len(req) <= 12
    assert (req.state == "handling").sum() > 0  # some still open at the year's end
    # events of each request are in time order and numbered 1…k
    assert (ev.groupby("request_id")["at"].apply(lambda s: s.is_monotonic_increasing)).all()


def test_stored_deadline_is_the_clocks(year):
    req, ev = year[0].to_pandas(), year[1].to_pandas()
    as_of = dt.date(2025, 12, 31)
    by_req = dict(tuple(ev.groupby("request_id")))
    checked = 0
    for row in req[req.due_on.notna()].itertuples():
        e = by_req[row.request_id]
        limits = CONFIG.category(row.category).limits
        history = [(t.date(), s) for t, s in zip(e["at"], e["to_state"], strict=True)]
        approved = e[e.action == "extension_approve"]
        extension = ((approved["at"].iloc[-1].date(), approved["due_on"].iloc[-1])
                     if len(approved) else None)
        closes = e[e.action == "close"]
        closed_on = closes["at"].iloc[-1].date() if row.state in ("closed", "rated") else None
        reading = read_clock(CAL, row.assigned_on, limits, history, as_of, extension, closed_on)
        if row.state in ("paused_enterprise", "paused_inspection"):
            assert reading.due >= row.due_on  # the open pause pushes it further at resume
        else:
            assert reading.due == row.due_on, row.request_id
        checked += 1
    assert checked > 1800
