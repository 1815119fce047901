"""The 2025 and 2026 national calendars, typed from the State Council notices (not from any
package), for clock and KPI tests.

国办发明电〔2024〕12号 (2025): 元旦 1月1日; 春节 1月28日至2月4日, 1月26日(周日)、2月8日(周六)上班;
清明 4月4日至6日; 劳动节 5月1日至5日, 4月27日(周日)上班; 端午 5月31日至6月2日;
国庆中秋 10月1日至8日, 9月28日(周日)、10月11日(周六)上班.
国办发明电〔2025〕7号 (2026): 元旦 1月1日至3日, 1月4日(周日)上班; 春节 2月15日至23日,
2月14日(周六)、2月28日(周六)上班; 清明 4月4日至6日; 劳动节 5月1日至5日, 5月9日(周六)上班;
端午 6月19日至21日; 中秋 9月25日至27日; 国庆 10月1日至7日, 9月20日(周日)、10月10日(周六)上班.
"""

from __future__ import annotations

import datetime as dt

from tiangong.services.calendar import TableCalendar


def _span(first: str, last: str) -> list[dt.date]:
    a, b = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return [a + dt.timedelta(days=i) for i in range((b - a).days + 1)]


HOLIDAYS = [
    *_span("2025-01-01", "2025-01-01"), *_span("2025-01-28", "2025-02-04"),
    *_span("2025-04-04", "2025-04-06"), *_span("2025-05-01", "2025-05-05"),
    *_span("2025-05-31", "2025-06-02"), *_span("2025-10-01", "2025-10-08"),
    *_span("2026-01-01", "2026-01-03"), *_span("2026-02-15", "2026-02-23"),
    *_span("2026-04-04", "2026-04-06"), *_span("2026-05-01", "2026-05-05"),
    *_span("2026-06-19", "2026-06-21"), *_span("2026-09-25", "2026-09-27"),
    *_span("2026-10-01", "2026-10-07"),
]
MAKEUP = [dt.date.fromisoformat(d) for d in (
    "2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11",
    "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10")]


def notice_calendar() -> TableCalendar:
    exceptions = {d: False for d in HOLIDAYS} | {d: True for d in MAKEUP}
    return TableCalendar([2025, 2026], exceptions)
