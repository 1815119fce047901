"""Working-day clocks against dates counted by hand on the 2026 State Council calendar."""

from __future__ import annotations

import datetime as dt

import pytest
from services_calendar import notice_calendar

from tiangong.services.calendar import (
    CalendarMissing,
    add_working_days,
    chinese_calendar,
    working_days_between,
)
from tiangong.services.clock import (
    ClockRefused,
    assign_due,
    close_due,
    extension_refusal,
    objection_until,
    partner_due,
    pause_intervals,
    paused_days,
    read_clock,
)
from tiangong.services.config import Limits

D = dt.date.fromisoformat
CAL = notice_calendar()
L7 = Limits(close_days=7)


def test_weekend():
    # Fri 3-06 → Mon 9 (1) … Fri 13 (5), Mon 16 (6), Tue 17 (7)
    assert close_due(CAL, D("2026-03-06"), L7) == D("2026-03-17")
    assert working_days_between(CAL, D("2026-03-06"), D("2026-03-17")) == 7
    assert add_working_days(CAL, D("2026-03-06"), 0) == D("2026-03-06")


def test_spring_festival_with_makeup_saturdays():
    # Fri 2-13 → Sat 2-14 make-up (1); 2-15…2-23 off; Tue 24 (2) … Fri 27 (5);
    # Sat 2-28 make-up (6); Mon 3-02 (7)
    assert close_due(CAL, D("2026-02-13"), L7) == D("2026-03-02")
    assert working_days_between(CAL, D("2026-02-13"), D("2026-03-02")) == 7


def test_national_day_and_mid_autumn():
    # Fri 9-18 → Sun 9-20 make-up (1), 21–24 (2–5), 25–27 off, 28–30 (6–8), 10-1…7 off,
    # 10-8 (9), 10-9 (10), Sat 10-10 make-up (11), 12–15 (12–15)
    assert close_due(CAL, D("2026-09-18"), Limits(close_days=15)) == D("2026-10-15")
    # assign ≤ 3 WD from Wed 9-30: 10-8, 10-9, Sat 10-10
    assert assign_due(CAL, D("2026-09-30"), Limits()) == D("2026-10-10")
    # objection window of 1 WD from Wed 9-30: Thu 10-08
    assert objection_until(CAL, D("2026-09-30"), Limits()) == D("2026-10-08")


def test_year_without_data_is_refused_in_chinese():
    with pytest.raises(CalendarMissing, match="2027 年"):
        add_working_days(CAL, D("2026-12-30"), 3)
    with pytest.raises(CalendarMissing, match="2027"):
        chinese_calendar([2027])


def test_typed_notice_agrees_with_chinese_calendar_package():
    pkg = chinese_calendar([2025, 2026])
    day = D("2025-01-01")
    while day.year < 2027:
        assert pkg.is_workday(day) == CAL.is_workday(day), day
        day += dt.timedelta(days=1)


def test_partner_deadline_ahead_of_lead():
    lead = close_due(CAL, D("2026-03-06"), L7)  # 3-17
    assert partner_due(CAL, D("2026-03-06"), lead, L7) == D("2026-03-11")  # own 3 WD
    short = Limits(close_days=3)
    lead3 = close_due(CAL, D("2026-03-06"), short)  # Wed 3-11
    assert partner_due(CAL, D("2026-03-06"), lead3, short) == D("2026-03-10")  # 1 WD before
    with pytest.raises(ClockRefused, match="过近"):
        partner_due(CAL, D("2026-03-06"), D("2026-03-09"), short)


def test_pause_between_two_paused_states_counts_once():
    history = [(D("2026-03-02"), "handling"), (D("2026-03-04"), "paused_enterprise"),
               (D("2026-03-06"), "paused_inspection"), (D("2026-03-10"), "handling")]
    assert pause_intervals(history) == [(D("2026-03-04"), D("2026-03-10"))]
    # (3-04, 3-10]: 5, 6, 9, 10 → 4 working days
    assert paused_days(CAL, pause_intervals(history), D("2026-03-31")) == 4
    r = read_clock(CAL, D("2026-03-02"), L7, history, as_of=D("2026-03-16"),
                   closed_on=D("2026-03-16"))
    # base due 3-11, + 4 WD → 3-17; used (3-02, 3-16] = 10 WD − 4 paused = 6
    assert (r.due, r.paused_days, r.used_days, r.remaining_days, r.status) == (
        D("2026-03-17"), 4, 6, 1, "closed_on_time")


def test_open_pause_stops_the_clock():
    history = [(D("2026-03-02"), "handling"), (D("2026-03-09"), "paused_enterprise")]
    r = read_clock(CAL, D("2026-03-02"), L7, history, as_of=D("2026-03-13"))
    # paused (3-09, 3-13] = 10, 11, 12, 13 → 4; due 3-11 + 4 → 3-17; not overdue
    assert (r.status, r.paused_days, r.due) == ("paused", 4, D("2026-03-17"))


def test_extension_rules():
    due = D("2026-03-17")  # Tuesday
    assert extension_refusal(CAL, due, D("2026-03-16"), D("2026-03-24"), L7) is None
    assert "不晚于 2026-03-16" in (extension_refusal(CAL, due, D("2026-03-17"),
                                                    D("2026-03-24"), L7) or "")
    # Monday deadline: Friday is one working day before; Saturday is not
    assert extension_refusal(CAL, D("2026-03-16"), D("2026-03-13"), D("2026-03-20"), L7) is None
    assert extension_refusal(CAL, D("2026-03-16"), D("2026-03-14"), D("2026-03-20"), L7)
    assert "须晚于" in (extension_refusal(CAL, due, D("2026-03-10"), due, L7) or "")
    # 15 WD maximum: 3-17 → 4-08 is 15 WD (4-06 清明 off), 4-09 is 16
    assert extension_refusal(CAL, due, D("2026-03-10"), D("2026-04-08"), L7) is None
    assert "最多 15" in (extension_refusal(CAL, due, D("2026-03-10"), D("2026-04-09"), L7) or "")


def test_extension_then_pause():
    history = [(D("2026-03-02"), "handling"), (D("2026-03-04"), "paused_enterprise"),
               (D("2026-03-05"), "handling"), (D("2026-03-16"), "paused_enterprise"),
               (D("2026-03-18"), "handling")]
    r = read_clock(CAL, D("2026-03-02"), L7, history, as_of=D("2026-03-19"),
                   extension=(D("2026-03-10"), D("2026-03-20")))
    # the 3-04→3-05 pause is absorbed by the new date; (3-16, 3-18] = 2 WD push 3-20 → 3-24
    assert (r.due, r.paused_days, r.status) == (D("2026-03-24"), 3, "running")


def test_overdue_escalation_and_reminders():
    history = [(D("2026-03-02"), "handling")]
    r = read_clock(CAL, D("2026-03-02"), L7, history, as_of=D("2026-03-12"))
    assert (r.due, r.status, r.escalation, r.remaining_days) == (
        D("2026-03-11"), "overdue", 1, -1)
    assert r.reminders == (D("2026-03-09"), D("2026-03-10"))
    r = read_clock(CAL, D("2026-03-02"), L7, history, as_of=D("2026-03-18"))
    assert r.escalation == 2  # (3-11, 3-18] = 5 WD late
    assert read_clock(CAL, D("2026-03-02"), L7, history, as_of=D("2026-03-09")).status == "due_soon"
    assert read_clock(CAL, D("2026-03-02"), L7, history, as_of=D("2026-03-06")).status == "running"
