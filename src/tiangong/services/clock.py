"""SLA clocks in working days: deadlines, partner sub-deadlines, pauses, extensions, escalation.

Pure functions over a `WorkdayCalendar`, so the platform (database calendar) and the library
(KPIs, generator, tests) compute the same dates. What help-desk users asked for over a decade
(osTicket #3034, GLPI #15605, laravel-help-desk #52) is built in: the clock stops while the
request waits for the enterprise, a move between two paused states is one pause (counted once),
and a pause pushes the deadline by the working days it lasted. Published rules fix the rest:
an extension is asked at least one working day before the deadline (泉州 2022) with a new date,
and a partner (协办) must answer the lead before the lead must answer the enterprise.
The deadline is computed when the request is assigned and stored, so "overdue" is a query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from tiangong.services.calendar import (
    WorkdayCalendar,
    add_working_days,
    subtract_working_days,
    working_days_between,
)
from tiangong.services.config import Limits

PAUSED_STATES = frozenset({"paused_enterprise", "paused_inspection"})


class ClockRefused(ValueError):
    """A deadline rule refuses the step; the message is for the user (Chinese)."""


def assign_due(cal: WorkdayCalendar, received_on: dt.date, limits: Limits) -> dt.date:
    """By when the 直通办 must route a request received on `received_on`."""
    return add_working_days(cal, received_on, limits.assign_days)


def close_due(cal: WorkdayCalendar, assigned_on: dt.date, limits: Limits) -> dt.date:
    """The lead's deadline, computed at assignment (the stored due date)."""
    return add_working_days(cal, assigned_on, limits.close_days)


def objection_until(cal: WorkdayCalendar, assigned_on: dt.date, limits: Limits) -> dt.date:
    """Last day a department may object to an assignment made on `assigned_on`."""
    return add_working_days(cal, assigned_on, limits.objection_days)


def partner_due(cal: WorkdayCalendar, assigned_on: dt.date, lead_due: dt.date,
                limits: Limits) -> dt.date:
    """A partner's deadline: its own limit, but at least `partner_margin_days` working days
    before the lead's deadline, so the lead can still answer on time."""
    own = add_working_days(cal, assigned_on, limits.partner_days)
    latest = subtract_working_days(cal, lead_due, limits.partner_margin_days)
    due = min(own, latest)
    if due <= assigned_on:
        raise ClockRefused(f"主办期限 {lead_due:%Y-%m-%d} 过近，无法为协办单位留出 "
                           f"{limits.partner_margin_days} 个工作日的提前量；请先申请延期。")
    return due


Interval = tuple[dt.date, dt.date | None]


def pause_intervals(history: Sequence[tuple[dt.date, str]],
                    paused: Collection[str] = PAUSED_STATES) -> list[Interval]:
    """(start, end) of each stretch spent in paused states; end None while still paused.

    `history` is (day, state entered) in time order. Consecutive paused states form one
    stretch: 等待企业补充材料 → 等待现场核查 is one pause, not two.
    """
    out: list[Interval] = []
    start: dt.date | None = None
    for day, state in history:
        if state in paused and start is None:
            start = day
        elif state not in paused and start is not None:
            out.append((start, day))
            start = None
    if start is not None:
        out.append((start, None))
    return out


def paused_days(cal: WorkdayCalendar, intervals: Sequence[Interval],
                as_of: dt.date) -> int:
    """Working days the clock stood still: working days in (start, end] of each pause, an
    open pause counted up to `as_of`; overlapping stretches are merged first."""
    spans = sorted((s, e or as_of) for s, e in intervals)
    total, reach = 0, None
    for start, end in spans:
        if reach is not None and start < reach:
            start = reach
        if end > start:
            total += working_days_between(cal, start, end)
        reach = end if reach is None else max(reach, end)
    return total


def extension_refusal(cal: WorkdayCalendar, due: dt.date, asked_on: dt.date,
                      new_due: dt.date, limits: Limits) -> str | None:
    """Why an extension asked on `asked_on` to `new_due` is refused (None: it may go to the
    直通办 for approval)."""
    latest = subtract_working_days(cal, due, limits.extension_notice_days)
    if asked_on > latest:
        return (f"延期须在期限（{due:%Y-%m-%d}）前至少 {limits.extension_notice_days} 个工作日"
                f"提出，即不晚于 {latest:%Y-%m-%d}；今天是 {asked_on:%Y-%m-%d}。")
    if new_due <= due:
        return f"新的期限（{new_due:%Y-%m-%d}）须晚于原期限（{due:%Y-%m-%d}）。"
    longer = working_days_between(cal, due, new_due)
    if longer > limits.extension_max_days:
        return (f"一次延期最多 {limits.extension_max_days} 个工作日，申请的新期限延长了 "
                f"{longer} 个工作日。")
    return None


@dataclass(frozen=True)
class Reading:
    """A request's clock at a moment (`as_of`) or at its closure."""

    due: dt.date  # the deadline after pauses and extensions
    paused_days: int
    used_days: int  # working days since assignment, pauses excluded
    remaining_days: int  # working days from as_of (or the closure) to the due date; < 0 late
    status: str  # running | paused | due_soon | overdue | closed_on_time | closed_late
    escalation: int  # 0 none, 1 督查室, 2 效能办 (by `escalate_after_days`)
    reminders: tuple[dt.date, ...] = field(default_factory=tuple)


def read_clock(cal: WorkdayCalendar, assigned_on: dt.date, limits: Limits,
               history: Sequence[tuple[dt.date, str]], as_of: dt.date,
               extension: tuple[dt.date, dt.date] | None = None,
               closed_on: dt.date | None = None,
               paused: Collection[str] = PAUSED_STATES) -> Reading:
    """The clock of a request assigned on `assigned_on`.

    history: (day, state entered) after assignment; extension: (day approved, new deadline)
    of the last approved extension: the new date replaces the computed one, and only the
    paused working days after the approval push it further; closed_on: the closure day (the
    clock stops there).
    """
    end = closed_on or as_of
    intervals = pause_intervals(history, paused)
    stood = paused_days(cal, intervals, end)
    if extension is not None:
        approved_on, base = extension
        after = [(max(s, approved_on), e) for s, e in intervals if e is None or e > approved_on]
        shift = paused_days(cal, after, end)
    else:
        base, shift = close_due(cal, assigned_on, limits), stood
    due = add_working_days(cal, base, shift)
    used = working_days_between(cal, assigned_on, end) - stood
    remaining = working_days_between(cal, end, due)
    is_paused = bool(intervals) and intervals[-1][1] is None and closed_on is None
    if closed_on is not None:
        status = "closed_on_time" if closed_on <= due else "closed_late"
    elif is_paused:
        status = "paused"
    elif as_of > due:
        status = "overdue"
    elif remaining <= max(limits.remind_before_days, default=0):
        status = "due_soon"
    else:
        status = "running"
    late = working_days_between(cal, due, end) if end > due else 0
    level = sum(late >= t for t in limits.escalate_after_days) if status in (
        "overdue", "closed_late") else 0
    reminders = tuple(subtract_working_days(cal, due, k) for k in limits.remind_before_days)
    return Reading(due, stood, used, remaining, status, level, reminders)
