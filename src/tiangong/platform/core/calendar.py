"""Working days for SLA clocks, read only from the WorkCalendarDay table.

The table is seeded per year from the `chinese-calendar` package (State Council holiday notices,
调休 make-up days included) and a county may override single dates. A computation that touches a
year without national rows is refused with `CalendarMissing`, a Chinese message saying which year
to load: a deadline guessed from weekends alone would be wrong around every holiday.

Conventions (as counties count "N 个工作日内"):
- `add_working_days(start, n)` is the n-th working day strictly after `start` (the day of
  receipt does not count); n = 0 returns `start`.
- `working_days_between(start, end)` counts working days in (start, end]; so
  `working_days_between(s, add_working_days(s, n)) == n`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

YEAR_DAYS_MIN = 365


class CalendarMissing(Exception):
    """The calendar table has no data for a year the computation needs."""

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(f"工作日历中没有 {year} 年的数据，无法计算工作日期限。"
                         f"请管理员在国务院办公厅公布 {year} 年节假日安排后导入该年日历"
                         f"（tiangong manage seed_calendar {year}）。")


def seed_year(year: int) -> int:
    """Load `year`'s national rows from chinese-calendar; returns rows written.

    Raises CalendarMissing when the installed package has no data for the year.
    """
    import chinese_calendar

    from tiangong.platform.core.models.calendar import WorkCalendarDay

    day, rows = dt.date(year, 1, 1), []
    while day.year == year:
        try:
            workday = chinese_calendar.is_workday(day)
            _, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError as err:
            raise CalendarMissing(year) from err
        rows.append(WorkCalendarDay(date=day, county=None, is_workday=workday,
                                    source="chinese_calendar",
                                    note=_HOLIDAY_NAMES.get(str(name), "") if name else ""))
        day += dt.timedelta(days=1)
    with transaction.atomic():
        WorkCalendarDay.objects.filter(county=None, date__year=year).delete()
        WorkCalendarDay.objects.bulk_create(rows)
    return len(rows)


_HOLIDAY_NAMES = {"New Year's Day": "元旦", "Spring Festival": "春节",
                  "Tomb-sweeping Day": "清明节",
                  "Labour Day": "劳动节", "Dragon Boat Festival": "端午节",
                  "Mid-autumn Festival": "中秋节", "National Day": "国庆节",
                  "Anti-Fascist 70th Day": "抗战胜利纪念日"}


class _Days:
    """Year-at-a-time cache of {date: is_workday} for one county (overrides applied)."""

    def __init__(self, county: Any) -> None:
        self.county_id = getattr(county, "pk", county)
        self.years: dict[int, dict[dt.date, bool]] = {}

    def is_workday(self, day: dt.date) -> bool:
        year = self.years.get(day.year)
        if year is None:
            year = self.years[day.year] = _load_year(day.year, self.county_id)
        return year[day]


def _load_year(year: int, county_id: Any) -> dict[dt.date, bool]:
    from tiangong.platform.core.models.calendar import WorkCalendarDay

    national = dict(WorkCalendarDay.objects.filter(county=None, date__year=year)
                    .values_list("date", "is_workday"))
    if len(national) < YEAR_DAYS_MIN:
        raise CalendarMissing(year)
    if county_id is not None:
        national.update(WorkCalendarDay.objects.filter(county_id=county_id, date__year=year)
                        .values_list("date", "is_workday"))
    return national


def is_workday(day: dt.date, county: Any = None) -> bool:
    return _Days(county).is_workday(day)


def add_working_days(start: dt.date, n: int, county: Any = None) -> dt.date:
    """The n-th working day after `start` (see the module docstring); n ≥ 0."""
    if n < 0:
        raise ValueError("工作日天数不能为负数。")
    days, day, left = _Days(county), start, n
    while left:
        day += dt.timedelta(days=1)
        if days.is_workday(day):
            left -= 1
    return day


def working_days_between(start: dt.date, end: dt.date, county: Any = None) -> int:
    """Working days in (start, end]; negative when end is before start."""
    if end < start:
        return -working_days_between(end, start, county)
    days, day, count = _Days(county), start, 0
    while day < end:
        day += dt.timedelta(days=1)
        count += days.is_workday(day)
    return count


def missing_years(years: list[int]) -> list[int]:
    """Which of `years` have no national rows (for the dashboard's December warning)."""
    from tiangong.platform.core.models.calendar import WorkCalendarDay

    have = {
        d.year for d in WorkCalendarDay.objects.filter(county=None, date__month=1, date__day=1)
        .values_list("date", flat=True)}
    return [y for y in years if y not in have]


def seed_around(today: dt.date) -> list[str]:
    """Seed last, this and next year when missing (`tiangong serve`, the demo); returns one
    informational note (not_published_note) when the calendar package does not know a year yet
    (every December for next year, until the State Council publishes its holidays)."""
    unknown = []
    for missing in missing_years([today.year - 1, today.year, today.year + 1]):
        try:
            seed_year(missing)
        except CalendarMissing:
            unknown.append(missing)
    return [not_published_note(unknown)] if unknown else []


def not_published_note(years: list[int]) -> str:
    """What the platform does for dates in `years` (no national calendar yet) and how to add
    it once published: a normal state each December, said as information, not as an error.

    True to this module: a working-day computation touching such a year raises
    CalendarMissing (the objection's answer deadline, a service request's time limit, a row
    of an import: each refused with that message); it is never guessed from weekends.
    """
    y = "、".join(str(year) for year in years)
    args = " ".join(str(year) for year in years)
    return (f"工作日历：{y}年的法定节假日安排尚未收入 chinese-calendar 软件包（国务院办公厅"
            f"公布后软件包随之更新），平台暂未导入{y}年日历。在此之前，落在{y}年的工作日期限"
            "（异议答复期限、企业诉求办理时限等）不按周末推算，办理或导入时会说明缺少该年日历；"
            "其他年份照常计算。安排公布后，更新软件包（python3 -m uv lock --upgrade-package "
            f"chinese-calendar，再 python3 -m uv sync），然后运行 tiangong manage seed_calendar "
            f"{args}，或重新启动 tiangong serve（启动时自动导入缺少的年份）。")
