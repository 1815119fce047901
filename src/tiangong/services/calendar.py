"""Working days for request clocks: a calendar protocol and the day arithmetic over it.

Every deadline of the direct service is "N 个工作日内", and Chinese working days are not
Monday–Friday: the State Council's holiday notice moves days each year (调休), so a Saturday
can be a working day and a Wednesday a holiday. The clock code therefore reads one thing, an
object answering `is_workday(date)` that refuses a year it has no data for (a deadline guessed
from weekends alone would be wrong around every holiday). The platform's calendar table
(`tiangong.platform.core.calendar`) answers the same question from its database rows; this
module's `TableCalendar` answers it from a dict, a CSV file or the `chinese-calendar` package.

Conventions (as counties count, and as the platform's core counts):
- `add_working_days(cal, start, n)` is the n-th working day strictly after `start` (the day of
  receipt does not count); n = 0 returns `start`.
- `working_days_between(cal, start, end)` counts working days in (start, end], negative when
  `end` is before `start`; so `working_days_between(c, s, add_working_days(c, s, n)) == n`.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Protocol

import numpy as np

from tiangong.errors import TiangongError


class CalendarMissing(TiangongError):
    """The calendar has no data for a year a computation needs."""

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(f"工作日历中没有 {year} 年的数据，无法计算工作日期限。请在国务院办公厅"
                         f"公布 {year} 年节假日安排后导入该年日历。")


class WorkdayCalendar(Protocol):
    """Anything that says whether a date is a working day and raises for unknown years
    (the platform's `core.calendar._Days` satisfies it)."""

    def is_workday(self, day: dt.date) -> bool: ...


class TableCalendar:
    """Working days of the years it was given: weekends off, then the notice's exceptions.

    `years`: the years with data; `exceptions`: date → is_workday for holidays (False) and
    调休 make-up days (True) in those years. Any date outside `years` raises CalendarMissing.
    """

    def __init__(self, years: Iterable[int], exceptions: Mapping[dt.date, bool]) -> None:
        self.years = frozenset(int(y) for y in years)
        self.exceptions = dict(exceptions)
        stray = sorted({d.year for d in self.exceptions} - self.years)
        if stray:
            raise ValueError(f"exceptions given for years without data: {stray}")

    def is_workday(self, day: dt.date) -> bool:
        if day.year not in self.years:
            raise CalendarMissing(day.year)
        if day in self.exceptions:
            return self.exceptions[day]
        return day.weekday() < 5

    def workdays(self) -> list[dt.date]:
        """Every working day of the covered years, ascending (for vectorised clocks)."""
        out = []
        for year in sorted(self.years):
            day = dt.date(year, 1, 1)
            while day.year == year:
                if self.is_workday(day):
                    out.append(day)
                day += dt.timedelta(days=1)
        return out


def chinese_calendar(years: Iterable[int]) -> TableCalendar:
    """The national calendar of `years` from the `chinese-calendar` package (State Council
    notices); raises CalendarMissing for a year the installed package does not know."""
    import chinese_calendar as cc

    exceptions: dict[dt.date, bool] = {}
    years = sorted(set(years))
    for year in years:
        day = dt.date(year, 1, 1)
        while day.year == year:
            try:
                work = bool(cc.is_workday(day))
            except NotImplementedError:
                raise CalendarMissing(year) from None
            if work != (day.weekday() < 5):
                exceptions[day] = work
            day += dt.timedelta(days=1)
    return TableCalendar(years, exceptions)


def calendar_from_csv(path: str | Path) -> TableCalendar:
    """A calendar from a CSV with columns year (every covered year once, is_workday empty) or
    date,is_workday (1/0) rows: the form a county keeps its own adjustments in."""
    years: set[int] = set()
    exceptions: dict[dt.date, bool] = {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            if row.get("date"):
                day = dt.date.fromisoformat(row["date"].strip())
                exceptions[day] = row["is_workday"].strip() in ("1", "true", "True", "是")
                years.add(day.year)
            elif row.get("year"):
                years.add(int(row["year"]))
    return TableCalendar(years, exceptions)


def add_working_days(cal: WorkdayCalendar, start: dt.date, n: int) -> dt.date:
    """The n-th working day after `start` (n ≥ 0; see the module docstring)."""
    if n < 0:
        raise ValueError("工作日天数不能为负数。")
    day, left = start, n
    while left:
        day += dt.timedelta(days=1)
        if cal.is_workday(day):
            left -= 1
    return day


def subtract_working_days(cal: WorkdayCalendar, end: dt.date, n: int) -> dt.date:
    """The working day n working days before `end` (n ≥ 1), i.e. the d with
    working_days_between(d, end) == n when `end` is a working day."""
    if n < 0:
        raise ValueError("工作日天数不能为负数。")
    day, left = end, n
    while left:
        day -= dt.timedelta(days=1)
        if cal.is_workday(day):
            left -= 1
    return day


def working_days_between(cal: WorkdayCalendar, start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]; negative when end is before start."""
    if end < start:
        return -working_days_between(cal, end, start)
    day, count = start, 0
    while day < end:
        day += dt.timedelta(days=1)
        count += cal.is_workday(day)
    return count


def workday_ordinals(cal: TableCalendar) -> tuple[np.ndarray, np.ndarray]:
    """(days since 1970 of every covered date, working days counted up to and including it).

    Working days between two covered dates are the difference of their ordinals, which lets
    KPI queries and generators count working days for millions of rows with one join.
    """
    first, last = min(cal.years), max(cal.years)
    if sorted(cal.years) != list(range(first, last + 1)):
        raise ValueError("workday ordinals need consecutive years")
    start = dt.date(first, 1, 1)
    n = (dt.date(last, 12, 31) - start).days + 1
    days = np.arange(n) + (start - dt.date(1970, 1, 1)).days
    work = np.array([cal.is_workday(start + dt.timedelta(days=int(i))) for i in range(n)])
    return days.astype(np.int64), np.cumsum(work).astype(np.int64)
