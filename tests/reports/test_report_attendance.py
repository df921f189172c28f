"""Attendance on the month sheet (出勤): a working day counts when the clerk was signed in at a
window at any moment of its opening hours, whenever she signed in."""

from __future__ import annotations

import datetime as dt

from helpers import SHANGHAI, journal_of, small_hall

from queue_server.domain import events as e
from queue_server.domain.model import Priority
from queue_server.reports import assessment_sheet, parse_month, read_facts, walk
from queue_server.reports.assessment import ClerkAssessment

OFFICE_HOURS = small_hall().hours  # 08:30-12:00 and 14:00-17:30
CARDS = {"wang": ("王芳", "1001"), "li": ("李强", "1002")}  # name, 工号
NOVEMBER = parse_month("2026-11")
DECEMBER = parse_month("2026-12")


def at(day: int, hour: int, minute: int = 0, *, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def weekday(day: dt.date) -> bool:
    """A calendar of Monday to Friday, without public holidays."""
    return day.weekday() < 5


def served(moment: dt.datetime, ticket: str, window: str, clerk: str) -> list[e.Event]:
    """A ticket issued, called and finished at `window` by `clerk` within five minutes of
    `moment`."""
    day = moment.date()
    name, staff_no = CARDS[clerk]
    return [
        e.TicketIssued(moment, ticket, "A001", "social", Priority.NORMAL, day, 1, (0, 1)),
        e.TicketCalled(moment + dt.timedelta(minutes=1), ticket, window),
        e.TicketFinished(
            moment + dt.timedelta(minutes=5),
            ticket,
            window,
            service="social",
            clerk=clerk,
            staff_no=staff_no,
            clerk_name=name,
        ),
    ]


def present(rows: tuple[ClerkAssessment, ...]) -> list[tuple[str, int, int | None, int]]:
    return [(r.clerk, r.days_present, r.working_days, r.served) for r in rows]


def test_a_clerk_signed_in_overnight_is_present_the_next_day() -> None:
    # wang signs in at window 1 on Tuesday 24 November at 09:00 and does not sign out; on
    # Wednesday she serves a citizen at 10:00 and signs out at 17:00. She worked both days.
    events = [
        e.WindowOpened(at(24, 9), "1", "wang", "王芳", "1001"),
        *served(at(24, 10), "t1", "1", "wang"),
        *served(at(25, 10), "t2", "1", "wang"),
        e.WindowClosed(at(25, 17), "1"),
    ]
    facts = walk(events, NOVEMBER.moments(SHANGHAI)[0], at(25, 18))
    sheet = assessment_sheet(
        facts, NOVEMBER, tz=SHANGHAI, hours=OFFICE_HOURS, is_working_day=weekday,
        hall_since=dt.date(2026, 11, 24),
    )  # fmt: skip
    assert present(sheet.rows) == [("wang", 2, 2, 2)]
    assert sheet.rows[0].attendance_rate == 1.0


def test_signed_in_only_outside_the_opening_hours_is_no_day_present() -> None:
    # li stays at window 2 until 01:00 after a late evening and never comes in the next day:
    # the night is nobody's working day, in a hall open from 08:30.
    events = [
        e.WindowOpened(at(24, 15), "2", "li", "李强", "1002"),
        e.WindowClosed(at(25, 1), "2"),
    ]
    facts = walk(events, NOVEMBER.moments(SHANGHAI)[0], at(25, 18))
    sheet = assessment_sheet(facts, NOVEMBER, tz=SHANGHAI, hours=OFFICE_HOURS)
    assert present(sheet.rows) == [("li", 1, None, 0)]


async def test_a_clerk_signed_in_over_a_weekend_is_present_on_monday_not_at_the_weekend() -> None:
    # wang signs in on Friday 20 November and leaves the window signed in over the weekend,
    # when the hall is closed; on Monday she serves at it again. Friday and Monday are hers;
    # the weekend is no day on duty.
    events = [
        e.WindowOpened(at(20, 9), "1", "wang", "王芳", "1001"),
        *served(at(20, 10), "t1", "1", "wang"),
        *served(at(23, 9), "t2", "1", "wang"),
    ]
    journal = await journal_of(events)
    facts = await read_facts(journal, NOVEMBER, tz=SHANGHAI, now=at(23, 10))
    sheet = assessment_sheet(
        facts, NOVEMBER, tz=SHANGHAI, hours=OFFICE_HOURS, is_working_day=weekday,
        hall_since=dt.date(2026, 11, 20),
    )  # fmt: skip
    assert present(sheet.rows) == [("wang", 2, 2, 2)]
    assert sheet.rows[0].attendance_rate == 1.0


async def test_a_clerk_signed_in_across_a_month_end_is_present_on_the_first() -> None:
    # wang signs in on Monday 30 November and works on at the same window, never signing out,
    # on Tuesday 1 December: December's sheet reads her sign-in from November's journal.
    events = [
        e.WindowOpened(at(30, 9), "1", "wang", "王芳", "1001"),
        *served(at(30, 10), "t1", "1", "wang"),
        *served(at(1, 9, month=12), "t2", "1", "wang"),
    ]
    journal = await journal_of(events)
    facts = await read_facts(journal, DECEMBER, tz=SHANGHAI, now=at(1, 18, month=12))
    sheet = assessment_sheet(
        facts, DECEMBER, tz=SHANGHAI, hours=OFFICE_HOURS, is_working_day=weekday,
        hall_since=dt.date(2026, 11, 30),
    )  # fmt: skip
    assert present(sheet.rows) == [("wang", 1, 1, 1)]
    assert (sheet.rows[0].name, sheet.rows[0].staff_no, sheet.rows[0].attendance_rate) == (
        "王芳",
        "1001",
        1.0,
    )


def test_a_window_a_manager_closed_at_night_is_no_day_present_after() -> None:
    # wang works on Tuesday at a window she signed in at on Monday, and leaves on Tuesday
    # without signing out; the manager closes her window at 20:00. She does not come on
    # Wednesday: Monday and Tuesday are hers, Wednesday is not.
    events = [
        e.WindowOpened(at(23, 9), "1", "wang", "王芳", "1001"),
        *served(at(24, 9), "t1", "1", "wang"),
        e.WindowClosed(at(24, 20), "1"),
        e.TuningChanged(
            at(24, 20), "c1", "window_open", "1", {"open": True}, {"open": False}, "zhou"
        ),
    ]
    facts = walk(events, NOVEMBER.moments(SHANGHAI)[0], at(25, 18))
    sheet = assessment_sheet(
        facts, NOVEMBER, tz=SHANGHAI, hours=OFFICE_HOURS, is_working_day=weekday,
        hall_since=dt.date(2026, 11, 23),
    )  # fmt: skip
    assert present(sheet.rows) == [("wang", 2, 3, 1)]
    assert sheet.rows[0].attendance_rate == 0.6667


def test_after_a_hand_over_the_next_day_is_the_clerk_who_took_over() -> None:
    # li takes over wang's window at 16:00 on Monday (替岗), stays signed in overnight and
    # serves there on Tuesday morning: Monday is both clerks', Tuesday only li's.
    events = [
        e.WindowOpened(at(23, 9), "1", "wang", "王芳", "1001"),
        *served(at(23, 10), "t1", "1", "wang"),
        e.WindowHandedOver(at(23, 16), "1", "li", "李强", "1002", "替岗", "wang", "王芳", "1001"),
        *served(at(24, 9), "t2", "1", "li"),
        e.WindowClosed(at(24, 12), "1"),
    ]
    facts = walk(events, NOVEMBER.moments(SHANGHAI)[0], at(24, 18))
    sheet = assessment_sheet(
        facts, NOVEMBER, tz=SHANGHAI, hours=OFFICE_HOURS, is_working_day=weekday,
        hall_since=dt.date(2026, 11, 23),
    )  # fmt: skip
    assert present(sheet.rows) == [("wang", 1, 2, 1), ("li", 2, 2, 1)]
