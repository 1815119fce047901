"""Working days from the calendar table, checked against the State Council holiday notices.

Dates below are read from 国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）
and 关于2026年部分节假日安排的通知: 2025 国庆+中秋 10月1日至8日 放假，9月28日（周日）、
10月11日（周六）上班；2026 元旦 1月1日至3日 放假，1月4日（周日）上班；
2026 春节 2月15日至23日 放假，2月14日（周六）、2月28日（周六）上班。
"""

from __future__ import annotations

import datetime as dt

import pytest

from tiangong.platform.core.calendar import (
    CalendarMissing,
    add_working_days,
    missing_years,
    seed_year,
    working_days_between,
)
from tiangong.platform.core.models import WorkCalendarDay

D = dt.date


@pytest.fixture
def calendar(db: None) -> None:
    seed_year(2025)
    seed_year(2026)


def test_seed_counts(calendar: None) -> None:
    assert WorkCalendarDay.objects.filter(date__year=2025).count() == 365
    assert WorkCalendarDay.objects.get(date=D(2026, 2, 17)).note == "春节"


@pytest.mark.parametrize(("start", "n", "due"), [
    (D(2026, 3, 6), 1, D(2026, 3, 9)),     # Friday → Monday over an ordinary weekend
    (D(2026, 3, 6), 5, D(2026, 3, 13)),
    (D(2026, 2, 13), 1, D(2026, 2, 14)),   # Saturday 2/14 is a 调休 working day
    (D(2026, 2, 14), 1, D(2026, 2, 24)),   # 春节 2/15–2/23 off
    (D(2026, 2, 13), 6, D(2026, 2, 28)),   # 2/14, 2/24–2/27, Saturday 2/28 (调休)
    (D(2025, 9, 26), 1, D(2025, 9, 28)),   # Sunday 9/28 is a 调休 working day
    (D(2025, 9, 30), 1, D(2025, 10, 9)),   # 国庆+中秋 10/1–10/8 off
    (D(2025, 9, 30), 3, D(2025, 10, 11)),  # 10/9, 10/10, Saturday 10/11 (调休)
    (D(2025, 12, 31), 1, D(2026, 1, 4)),   # 元旦 1/1–1/3 off, Sunday 1/4 worked
    (D(2026, 3, 6), 0, D(2026, 3, 6)),
])
def test_add_working_days(calendar: None, start: dt.date, n: int, due: dt.date) -> None:
    assert add_working_days(start, n) == due
    assert working_days_between(start, due) == n


def test_between_counts_excluding_start(calendar: None) -> None:
    assert working_days_between(D(2026, 2, 13), D(2026, 2, 28)) == 6
    assert working_days_between(D(2026, 2, 15), D(2026, 2, 23)) == 0  # the whole holiday
    assert working_days_between(D(2026, 2, 28), D(2026, 2, 13)) == -6


def test_county_override(calendar: None, world) -> None:
    county = world.regions["331003"]
    WorkCalendarDay.objects.create(date=D(2026, 3, 9), county=county, is_workday=False,
                                   source="county", note="县级调整")
    assert add_working_days(D(2026, 3, 6), 1, county) == D(2026, 3, 10)
    assert add_working_days(D(2026, 3, 6), 1) == D(2026, 3, 9)  # other counties unchanged


def test_year_without_calendar_is_refused(calendar: None) -> None:
    with pytest.raises(CalendarMissing, match="没有 2027 年的数据"):
        add_working_days(D(2026, 12, 28), 10)
    with pytest.raises(CalendarMissing, match="2024"):
        working_days_between(D(2024, 12, 30), D(2025, 1, 3))


def test_package_without_the_year_is_refused(db: None) -> None:
    with pytest.raises(CalendarMissing, match="2099"):
        seed_year(2099)


def test_december_warning_for_next_year(calendar: None, world, client, monkeypatch) -> None:
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda: D(2026, 12, 1))
    client.force_login(world.users["county_analyst"])
    assert "还没有 2027 年的数据" in client.get("/").content.decode()
    monkeypatch.setattr(timezone, "localdate", lambda: D(2026, 11, 30))
    assert "还没有 2027 年的数据" not in client.get("/").content.decode()
    monkeypatch.setattr(timezone, "localdate", lambda: D(2025, 12, 1))  # 2026 is loaded
    assert "年的数据" not in client.get("/").content.decode()


def test_serve_and_demo_note_on_a_year_not_yet_published(db: None) -> None:
    """`tiangong serve` / `tiangong demo` print one informational line when the calendar package
    lacks a year (every December for next year): what the platform does with dates in that year
    and how to add it, not the CalendarMissing error text."""
    from tiangong.platform.core.calendar import seed_around

    # chinese-calendar has no 2099..2101 (its data ends with the newest published year)
    notes = seed_around(D(2100, 6, 1))
    assert notes == [
        "工作日历：2099、2100、2101年的法定节假日安排尚未收入 chinese-calendar 软件包（国务院办公厅"
        "公布后软件包随之更新），平台暂未导入2099、2100、2101年日历。在此之前，落在2099、2100、"
        "2101年的工作日期限（异议答复期限、企业诉求办理时限等）不按周末推算，办理或导入时会说明"
        "缺少该年日历；其他年份照常计算。安排公布后，更新软件包（python3 -m uv lock "
        "--upgrade-package chinese-calendar，再 python3 -m uv sync），然后运行 tiangong manage "
        "seed_calendar 2099 2100 2101，或重新启动 tiangong serve（启动时自动导入缺少的年份）。"]
    assert "无法" not in notes[0] and "错误" not in notes[0] and "\n" not in notes[0]
    # what the note says the platform does: a deadline into such a year is refused, not guessed
    with pytest.raises(CalendarMissing, match="2100"):
        add_working_days(D(2100, 1, 4), 1)


def test_serve_notes_nothing_when_every_year_is_known(db: None) -> None:
    from tiangong.platform.core.calendar import seed_around

    assert seed_around(D(2025, 6, 1)) == []  # 2024, 2025 and 2026 are in the package
    assert missing_years([2024, 2025, 2026]) == []
