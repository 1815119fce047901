"""The core's working-day calendar, seen through the library's calendar protocol.

The library's clock functions take any object with `is_workday(date)` that raises for a year
without data; the core's per-county day cache is exactly that, so no second calendar exists.
For the KPI report (vectorised working-day ordinals) the same table rows become a
`TableCalendar`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tiangong.platform.core import calendar as core_calendar
from tiangong.services.calendar import CalendarMissing as LibraryCalendarMissing
from tiangong.services.calendar import TableCalendar

# Both exceptions carry a Chinese message naming the year to load.
CALENDAR_ERRORS = (core_calendar.CalendarMissing, LibraryCalendarMissing)


def county_of(region: Any) -> Any:
    """The county (区县) a region lies in, from its materialised path."""
    from tiangong.platform.core.models import Region

    if region is None:
        return None
    if region.level == "county":
        return region
    codes = [c for c in region.path.split("/") if c]
    return Region.objects.filter(code__in=codes, level="county").first()


def for_county(county: Any) -> Any:
    """A calendar object for `county` (national rows with the county's overrides)."""
    return core_calendar._Days(county)  # the core's cache; it raises CalendarMissing


def table_calendar(county: Any, years: list[int]) -> TableCalendar:
    """The calendar rows of `years` as a library TableCalendar (raises for a missing year)."""
    days = for_county(county)
    exceptions: dict[dt.date, bool] = {}
    for year in years:
        day = dt.date(year, 1, 1)
        while day.year == year:
            work = days.is_workday(day)
            if work != (day.weekday() < 5):
                exceptions[day] = work
            day += dt.timedelta(days=1)
    return TableCalendar(years, exceptions)


class LibraryCalendar:
    """The core's calendar answering with the library's CalendarMissing, for library code
    that reports a missing year per row (the importer) instead of failing the whole file."""

    def __init__(self, county: Any) -> None:
        self._days = for_county(county)

    def is_workday(self, day: dt.date) -> bool:
        try:
            return bool(self._days.is_workday(day))
        except core_calendar.CalendarMissing as err:
            raise LibraryCalendarMissing(err.year) from None
