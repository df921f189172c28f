"""Working days and deadlines over the built-in Chinese holiday calendar."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from queue_server.config.holiday_files import load_calendar
from queue_server.domain.workdays import WorkCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
END = dt.time.max


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return load_calendar(None)


def at(day: str, time: str = "10:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=SHANGHAI)


def end_of(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), END, tzinfo=SHANGHAI)


def test_holidays_and_make_up_days_of_2026(calendar: WorkCalendar) -> None:
    day = dt.date.fromisoformat
    assert not calendar.is_working_day(day("2026-10-01"))  # Thursday, 国庆
    assert not calendar.is_working_day(day("2026-10-07"))  # Wednesday, 国庆
    assert calendar.is_working_day(day("2026-10-10"))  # Saturday, make-up
    assert calendar.is_working_day(day("2026-09-20"))  # Sunday, make-up
    assert not calendar.is_working_day(day("2026-10-11"))  # an ordinary Sunday
    assert calendar.is_working_day(day("2026-10-12"))  # an ordinary Monday
    assert not calendar.is_working_day(day("2026-02-16"))  # Monday in 春节
    assert calendar.is_working_day(day("2026-01-04"))  # Sunday after 元旦, make-up
    assert calendar.is_working_day(dt.datetime(2026, 10, 10, 9, 0, tzinfo=SHANGHAI))


def test_a_deadline_across_national_day_2026_skips_the_week_and_counts_the_saturday(
    calendar: WorkCalendar,
) -> None:
    # Opened on Wednesday 30 September: 10-01..07 are off, Thu 10-08 and Fri 10-09 count,
    # Saturday 10-10 is a make-up working day, Sunday 10-11 is off.
    start = at("2026-09-30", "16:45")
    assert calendar.add_working_days(start, 1) == end_of("2026-10-08")
    assert calendar.add_working_days(start, 2) == end_of("2026-10-09")
    assert calendar.add_working_days(start, 3) == end_of("2026-10-10")
    assert calendar.add_working_days(start, 4) == end_of("2026-10-12")
    # 15 working days for 整改: Oct 8, 9, 10, 12-16, 19-23, 26, 27
    assert calendar.add_working_days(start, 15) == end_of("2026-10-27")


def test_a_deadline_across_spring_festival_2026_counts_both_make_up_saturdays(
    calendar: WorkCalendar,
) -> None:
    # Friday 02-13: Sat 02-14 is worked, 02-15..23 are off, Tue 02-24 to Fri 02-27 are ordinary
    # days, Sat 02-28 is worked again.
    start = at("2026-02-13", "11:00")
    assert calendar.add_working_days(start, 1) == end_of("2026-02-14")
    assert calendar.add_working_days(start, 2) == end_of("2026-02-24")
    assert calendar.add_working_days(start, 5) == end_of("2026-02-27")
    assert calendar.add_working_days(start, 6) == end_of("2026-02-28")
    assert calendar.add_working_days(start, 7) == end_of("2026-03-02")


def test_zero_days_is_the_end_of_the_same_working_day(calendar: WorkCalendar) -> None:
    assert calendar.add_working_days(at("2026-10-09"), 0) == end_of("2026-10-09")
    # on a holiday: the end of the next working day
    assert calendar.add_working_days(at("2026-10-03"), 0) == end_of("2026-10-08")
    # on a make-up Saturday: that Saturday
    assert calendar.add_working_days(at("2026-10-10"), 0) == end_of("2026-10-10")


def test_the_deadline_keeps_the_start_time_zone_and_ends_the_day(calendar: WorkCalendar) -> None:
    deadline = calendar.add_working_days(at("2026-11-23", "09:00"), 1)
    assert deadline.tzinfo is SHANGHAI
    assert (deadline.hour, deadline.minute, deadline.second) == (23, 59, 59)
    assert deadline.microsecond == 999_999
    with pytest.raises(ValueError, match="days must be"):
        calendar.add_working_days(at("2026-11-23"), -1)


def test_working_days_between_counts_what_add_working_days_counts(
    calendar: WorkCalendar,
) -> None:
    starts = [at("2026-09-30"), at("2026-02-13"), at("2025-12-31"), at("2026-12-25")]
    for start in starts:
        for days in range(1, 30):
            deadline = calendar.add_working_days(start, days)
            assert calendar.working_days_between(start.date(), deadline.date()) == days
    d = dt.date.fromisoformat
    assert calendar.working_days_between(d("2026-10-08"), d("2026-09-30")) == -1
    assert calendar.working_days_between(d("2026-10-01"), d("2026-10-01")) == 0


def test_a_year_without_a_file_falls_back_to_weekends(calendar: WorkCalendar) -> None:
    assert calendar.covers(2026) and calendar.covers(2025)
    assert not calendar.covers(2031)
    # 2031-10-01 is a Wednesday: without a file it is an ordinary working day
    assert calendar.is_working_day(dt.date(2031, 10, 1))
    assert calendar.add_working_days(at("2031-09-30"), 1) == end_of("2031-10-01")
    # Friday to Monday across an ordinary weekend
    assert calendar.add_working_days(at("2031-10-03"), 1) == end_of("2031-10-06")


def test_an_empty_calendar_only_knows_weekends() -> None:
    empty = WorkCalendar()
    assert not empty.covers(2026)
    assert empty.is_working_day(dt.date(2026, 10, 1))
    assert empty.add_working_days(at("2026-10-02"), 1) == end_of("2026-10-05")


def test_a_hall_needs_this_years_holidays_and_from_november_the_next(
    calendar: WorkCalendar,
) -> None:
    assert calendar.missing_years(dt.date(2026, 6, 1)) == []
    assert calendar.missing_years(dt.date(2026, 10, 31)) == []
    assert calendar.missing_years(dt.date(2026, 11, 1)) == [2027]
    assert calendar.missing_years(dt.date(2027, 3, 1)) == [2027]
    assert calendar.missing_years(dt.date(2025, 12, 31)) == []  # 2026's file is there
    assert WorkCalendar().missing_years(dt.date(2026, 12, 6)) == [2026, 2027]
