"""The reports' rules on small event lists: periods, pauses across 替岗, struck ratings."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import SHANGHAI, small_hall

from queue_server.config.holiday_files import load_calendar
from queue_server.domain import events as e
from queue_server.domain.model import Priority
from queue_server.reports import (
    ReportError,
    assessment_sheet,
    build_report,
    hourly_load,
    parse_month,
    period_of,
    table_csv,
    walk,
)
from queue_server.reports.export import Table
from queue_server.reports.report import ReportRow
from queue_server.reports.tally import half_up, mean, p90, rate
from queue_server.reports.ticket_ends import TicketEnds

DAY = dt.date(2026, 11, 25)  # a Wednesday
PERIOD = period_of("day", DAY)
HOURS = small_hall().hours  # 08:30-12:00 and 14:00-17:30


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(hour, minute), SHANGHAI)


def weekday(day: dt.date) -> bool:
    """A calendar of Monday to Friday, without public holidays."""
    return day.weekday() < 5


def test_weeks_run_monday_to_sunday_and_months_whole() -> None:
    week = period_of("week", DAY)
    assert (week.first, week.last, week.label) == (
        dt.date(2026, 11, 23),
        dt.date(2026, 11, 29),
        "2026-W48",
    )
    month = period_of("month", dt.date(2026, 2, 14))
    assert (month.first, month.last, month.label) == (
        dt.date(2026, 2, 1),
        dt.date(2026, 2, 28),
        "2026-02",
    )
    assert parse_month("2026-12").last == dt.date(2026, 12, 31)
    assert PERIOD.bounds(SHANGHAI) == ("2026-11-24T16:00:00+00:00", "2026-11-25T16:00:00+00:00")
    with pytest.raises(ReportError) as raised:
        period_of("year", DAY)
    assert raised.value.field == "period"


def test_p90_is_the_nearest_rank() -> None:
    assert p90([]) is None
    assert p90([7.0]) == 7.0
    assert p90([float(n) for n in range(1, 11)]) == 9.0
    assert p90([float(n) for n in range(1, 12)]) == 10.0


def test_figures_are_rounded_half_up_as_staff_round_by_hand() -> None:
    # Waits of 10 and 10.25 minutes: 10.125 on average, 10.13 (四舍五入), as Excel's ROUND
    # has it; 29 good of 32 ratings: 90.625%, 0.9063; a window open 7.5 minutes of the
    # hour: 0.13 windows on average.
    assert [half_up(10.125), half_up(2.675), half_up(0.125), half_up(-0.125)] == [
        10.13,
        2.68,
        0.13,
        -0.13,
    ]
    # Nine waits of 591 seconds and one of 600: 9.865 minutes, though the sum of their
    # minutes comes to 9.864999999999998.
    assert mean([591 / 60] * 9 + [600 / 60]) == 9.87
    assert (rate(29, 32), rate(1, 3), rate(2, 3)) == (0.9063, 0.3333, 0.6667)
    events: list[e.Event] = [
        e.WindowOpened(at(9), "1", "wang"),
        e.TicketIssued(at(9), "t1", "A001", "social", Priority.NORMAL, DAY, 1, (0, 1)),
        e.TicketIssued(at(9), "t2", "A002", "social", Priority.NORMAL, DAY, 1, (0, 2)),
        e.TicketCalled(at(9, 10), "t1", "1"),
        e.TicketCalled(at(9, 10) + dt.timedelta(seconds=15), "t2", "1"),
        e.WindowClosed(at(9, 10) + dt.timedelta(seconds=30), "1"),
    ]
    facts = walk(events, PERIOD.moments(SHANGHAI)[0], at(10))
    assert build_report(facts, PERIOD, "service", tz=SHANGHAI).total.wait_mean == 10.13
    (load,) = hourly_load(facts, PERIOD, tz=SHANGHAI).rows
    assert (load.open_windows, load.issued_per_window) == (0.18, 11.43)


def test_a_pause_goes_to_the_clerk_at_the_window_across_a_hand_over() -> None:
    facts = walk(
        [
            e.WindowOpened(at(9), "1", "wang", "王芳", "1001"),
            e.WindowPaused(at(9, 40), "1", "午休"),
            e.WindowHandedOver(at(10, 10), "1", "li", "李强", "1002", "替岗", "wang"),
            e.WindowResumed(at(10, 30), "1"),
            e.WindowPaused(at(11, 50), "1", "离开"),
        ],
        *PERIOD.moments(SHANGHAI)[:1],
        at(12, 5),  # now: the last pause is still running
    )
    by_clerk = build_report(facts, PERIOD, "clerk", tz=SHANGHAI)
    assert [(r.key, r.pause_minutes) for r in by_clerk.rows] == [("li", 35.0), ("wang", 30.0)]
    by_hour = build_report(facts, PERIOD, "hour", tz=SHANGHAI)
    assert [(r.key, r.pause_minutes) for r in by_hour.rows] == [
        ("09", 20.0),
        ("10", 30.0),
        ("11", 10.0),
        ("12", 5.0),
    ]
    sheet = assessment_sheet(facts, PERIOD, tz=SHANGHAI, hours=HOURS)
    assert [(r.clerk, r.days_present, r.pause_minutes) for r in sheet.rows] == [
        ("wang", 1, 30.0),
        ("li", 1, 35.0),
    ]


def test_a_clerk_signing_in_at_a_window_its_station_paused_takes_over_the_pause() -> None:
    # The station opens window 1 at 08:30 and pauses it at 08:35; wang signs in there at
    # 08:40, the window still paused, and resumes at 08:50: 5 minutes nobody's, 10 wang's.
    facts = walk(
        [
            e.WindowOpened(at(8, 30), "1", None),
            e.WindowPaused(at(8, 35), "1", "准备"),
            e.WindowOpened(at(8, 40), "1", "wang", "王芳", "1001"),
            e.WindowResumed(at(8, 50), "1"),
        ],
        *PERIOD.moments(SHANGHAI)[:1],
        at(9),
    )
    by_clerk = build_report(facts, PERIOD, "clerk", tz=SHANGHAI)
    assert [(r.key, r.pause_minutes) for r in by_clerk.rows] == [("", 5.0), ("wang", 10.0)]
    assert by_clerk.total.pause_minutes == 15.0
    by_hour = build_report(facts, PERIOD, "hour", tz=SHANGHAI)
    assert [(r.key, r.pause_minutes) for r in by_hour.rows] == [("08", 15.0)]
    (load,) = hourly_load(facts, PERIOD, tz=SHANGHAI).rows
    assert (load.hour, load.open_windows, load.serving_windows) == (8, 0.5, 0.25)
    sheet = assessment_sheet(facts, PERIOD, tz=SHANGHAI, hours=HOURS)
    assert [(r.clerk, r.days_present, r.pause_minutes) for r in sheet.rows] == [("wang", 1, 10.0)]


def test_a_window_open_overnight_keeps_its_clerk_and_its_pause_into_the_day() -> None:
    # zhao signed in at window 3 yesterday at 22:00 and paused at 23:50; today she resumes
    # at 00:10, calls a ticket issued at 00:20 at 00:25 and signs out at 01:00.
    yesterday = DAY - dt.timedelta(days=1)
    late = dt.datetime.combine(yesterday, dt.time(22), SHANGHAI)
    facts = walk(
        [
            e.WindowOpened(late, "3", "zhao", "赵敏", "1003"),
            e.WindowPaused(late + dt.timedelta(minutes=110), "3", "离开"),
            e.WindowResumed(at(0, 10), "3"),
            e.TicketIssued(at(0, 20), "t1", "C001", "company", Priority.NORMAL, DAY, 1, (0, 1)),
            e.TicketCalled(at(0, 25), "t1", "3"),
            e.WindowClosed(at(1), "3"),
        ],
        *PERIOD.moments(SHANGHAI)[:1],
        at(2),
    )
    by_clerk = build_report(facts, PERIOD, "clerk", tz=SHANGHAI)
    assert [(r.key, r.label, r.called, r.pause_minutes) for r in by_clerk.rows] == [
        ("zhao", "赵敏（1003）", 1, 10.0)
    ]
    (load,) = hourly_load(facts, PERIOD, tz=SHANGHAI).rows
    assert (load.hour, load.open_windows, load.serving_windows) == (0, 1.0, 0.83)
    # The hall is open all hours (it issues tickets after midnight): she was at her window in
    # today's opening hours and called a ticket there, so today is a day present, whenever she
    # signed in; its pause and its call are hers as well.
    all_hours = small_hall(open_all_hours=True).hours
    sheet = assessment_sheet(facts, PERIOD, tz=SHANGHAI, hours=all_hours)
    assert [(r.clerk, r.days_present, r.pause_minutes) for r in sheet.rows] == [("zhao", 1, 10.0)]
    # In a hall open from 08:30, the hour after midnight is in no opening hours: no day present.
    sheet = assessment_sheet(facts, PERIOD, tz=SHANGHAI, hours=HOURS)
    assert [(r.clerk, r.days_present, r.pause_minutes) for r in sheet.rows] == [("zhao", 0, 10.0)]


def rating(
    rating_id: str, level: int, *, follow_up: bool = False, default: bool = False
) -> e.RatingRecorded:
    return e.RatingRecorded(
        at(10), "t1", "1", "social", "wang", level, rating_id=rating_id, served_at=at(9),
        follow_up=follow_up, default=default,
    )  # fmt: skip


def test_struck_ratings_count_nowhere_and_defaults_and_follow_ups_count_apart() -> None:
    start, end = PERIOD.moments(SHANGHAI)
    ratings = [
        rating("r1", 5),
        rating("r2", 1),  # struck on appeal
        rating("r3", 2),
        rating("r4", 5, follow_up=True),  # 追评 of r3
        rating("r5", 3, default=True),
        e.RatingRecorded(
            at(10),
            "t9",
            "1",
            "social",
            "wang",
            5,
            rating_id="r6",
            served_at=at(8) - dt.timedelta(days=1),
        ),  # a rating today for yesterday's service
    ]
    facts = walk([], start, end, ratings=ratings, struck=frozenset({"r2"}))
    row = build_report(facts, PERIOD, "clerk", tz=SHANGHAI).rows[0]
    counts = row.ratings
    assert counts.levels == (1, 0, 1, 1, 0)
    assert (counts.ratings, counts.good, counts.bad, counts.default, counts.follow_ups) == (
        3,
        2,
        1,
        1,
        1,
    )
    assert counts.good_rate == round(2 / 3, 4)


def test_csv_cells_are_guarded_against_formulas() -> None:
    table = Table("t", ("名称", "数"), (("=HYPERLINK(1)", 5.0), ("@A1", 0.25), (None, 3)))
    lines = table_csv(table).splitlines()
    assert lines == ["\ufeff名称,数", "'=HYPERLINK(1),5", "'@A1,0.25", ",3"]


def test_the_hour_running_now_averages_its_windows_over_the_minutes_gone() -> None:
    # Two windows open since 09:00, six tickets issued; at 09:30 both have been open all the
    # half hour: two windows open, three citizens each so far (not one window, six each).
    events: list[e.Event] = [
        e.WindowOpened(at(9), "1", "wang", "王芳", "1001"),
        e.WindowOpened(at(9), "2", "li", "李强", "1002"),
        e.WindowPaused(at(9, 15), "2", "离开"),
    ]
    for n in range(6):
        events.append(
            e.TicketIssued(at(9, n), f"t{n}", f"A00{n}", "social", Priority.NORMAL, DAY, 1, (0, n))
        )
    facts = walk(sorted(events, key=lambda ev: ev.at), PERIOD.moments(SHANGHAI)[0], at(9, 30))
    (load,) = hourly_load(facts, PERIOD, tz=SHANGHAI).rows
    assert (load.hour, load.open_windows, load.serving_windows) == (9, 2.0, 1.5)
    assert load.issued_per_window == 3.0


def on_duty(clerk: str, window: str, days: list[dt.date]) -> list[e.Event]:
    """`clerk` signs in at `window` at 09:00 on each of `days` and out at 17:00."""
    return [
        event
        for day in days
        for event in (
            e.WindowOpened(dt.datetime.combine(day, dt.time(9), SHANGHAI), window, clerk),
            e.WindowClosed(dt.datetime.combine(day, dt.time(17), SHANGHAI), window),
        )
    ]


def test_a_day_on_duty_at_the_weekend_adds_a_day_present_but_no_more_than_all_of_the_rate() -> None:
    # wang works every working day of November and the Saturday of the 7th as well.
    month = parse_month("2026-11")
    days = [month.first + dt.timedelta(days=n) for n in range(month.days)]
    worked = [day for day in days if weekday(day) or day == dt.date(2026, 11, 7)]
    facts = walk(on_duty("wang", "1", worked), *month.moments(SHANGHAI))
    sheet = assessment_sheet(facts, month, tz=SHANGHAI, hours=HOURS, is_working_day=weekday)
    (row,) = sheet.rows
    assert (row.days_present, row.working_days, row.attendance_rate) == (22, 21, 1.0)


def test_a_month_still_running_counts_only_the_working_days_gone_by() -> None:
    # Saturday 10 October 2026, 15:00, a make-up working day (调休) after the National Day
    # holiday (1 to 7 October): the month so far has three working days, the 8th, the 9th
    # and today. wang worked all three; li only the 8th. The 18 more of the month are to come.
    october = parse_month("2026-10")
    worked = [dt.date(2026, 10, day) for day in (8, 9, 10)]
    events = sorted(
        on_duty("wang", "1", worked) + on_duty("li", "2", worked[:1]), key=lambda ev: ev.at
    )
    now = dt.datetime(2026, 10, 10, 15, tzinfo=SHANGHAI)
    facts = walk(events, october.moments(SHANGHAI)[0], now)
    sheet = assessment_sheet(
        facts,
        october,
        tz=SHANGHAI,
        hours=HOURS,
        is_working_day=load_calendar().is_working_day,
        hall_since=dt.date(2026, 9, 28),
    )
    assert [(r.clerk, r.days_present, r.working_days, r.attendance_rate) for r in sheet.rows] == [
        ("li", 1, 3, 0.3333),
        ("wang", 3, 3, 1.0),
    ]


def test_a_hall_opened_mid_month_counts_the_working_days_from_its_first_day() -> None:
    # The hall opened on Wednesday 18 November 2026; wang has worked every working day since.
    month = parse_month("2026-11")
    first = dt.date(2026, 11, 18)
    days = [first + dt.timedelta(days=n) for n in range((month.last - first).days + 1)]
    facts = walk(on_duty("wang", "1", [d for d in days if weekday(d)]), *month.moments(SHANGHAI))
    sheet = assessment_sheet(
        facts, month, tz=SHANGHAI, hours=HOURS, is_working_day=weekday, hall_since=first
    )
    (row,) = sheet.rows
    assert (row.days_present, row.working_days, row.attendance_rate) == (9, 9, 1.0)


def test_windows_and_staff_numbers_are_in_their_number_order() -> None:
    # A hall of windows 1 to 30: window 2 before window 10, 工号 999 before 1001.
    facts = walk(
        [
            e.WindowOpened(at(9), "10", "wang", "王芳", "1001"),
            e.WindowOpened(at(9), "2", "li", "李强", "999"),
            e.WindowPaused(at(9, 30), "10", "离开"),
            e.WindowPaused(at(9, 30), "2", "离开"),
        ],
        PERIOD.moments(SHANGHAI)[0],
        at(10),
    )
    by_window = build_report(facts, PERIOD, "window", tz=SHANGHAI)
    assert [row.key for row in by_window.rows] == ["2", "10"]
    sheet = assessment_sheet(facts, PERIOD, tz=SHANGHAI, hours=HOURS)
    assert [row.staff_no for row in sheet.rows] == ["999", "1001"]


def issued(moment: dt.datetime, ticket: str, number: str, service: str) -> e.TicketIssued:
    route = ("pickup",) if service == "estate" else ()
    day = moment.astimezone(SHANGHAI).date()
    return e.TicketIssued(
        moment, ticket, number, service, Priority.NORMAL, day, 1, (0, int(ticket[1:])), route
    )


def ends(row: ReportRow) -> dict[str, int] | None:
    return row.to_dict()["issued_by_state"]


def states(**counts: int) -> dict[str, int]:
    """`issued_by_state` with these counts, the others 0."""
    return {state: counts.get(state, 0) for state in TicketEnds().to_dict()}


def test_every_ticket_issued_stands_in_one_column_as_it_was_at_the_end() -> None:
    next_day = DAY + dt.timedelta(days=1)
    morning = dt.datetime.combine(next_day, dt.time(8, 30), SHANGHAI)
    events = [
        e.WindowOpened(at(9), "1", "wang", "王芳", "1001"),
        e.WindowOpened(at(9), "2", "li", "李强", "1002"),
        *(issued(at(9, n), f"t{n}", f"A00{n}", "social") for n in range(1, 6)),
        issued(at(9, 6), "t6", "B001", "estate"),
        issued(at(9, 7), "t7", "B002", "estate"),
        issued(at(9, 8), "t10", "C001", "company"),
        e.TicketCalled(at(9, 10), "t1", "1"),
        e.TicketCalled(at(9, 10), "t2", "2"),
        e.TicketMissed(at(9, 12), "t2", "2", "无人应答", key=(0, 20)),  # back in the queue
        e.TicketCalled(at(9, 13), "t4", "2"),
        e.TicketHeld(at(9, 14), "t4", "2"),  # fetches a paper, never comes back
        e.TicketCancelled(at(9, 15), "t3", "群众离开"),  # 作废
        e.TicketFinished(at(9, 20), "t1", "1", service="social", clerk="wang"),
        e.TicketCalled(at(9, 21), "t5", "1"),
        e.TicketTransferred(at(9, 25), "t5", "1", "company", None, (1, 0)),
        e.TicketCalled(at(9, 30), "t6", "2"),
        e.TicketCalled(at(9, 40), "t2", "1"),
        e.TicketMissed(at(9, 42), "t2", "1", "无人应答"),  # missed for good
        e.TicketCalled(at(9, 44), "t10", "1"),
        e.TicketMissed(at(9, 46), "t10", "1", "无人应答"),
        e.TicketFinished(at(10), "t6", "2", "pickup", (0, 9), service="estate", clerk="li"),
        e.TicketCalled(at(10, 1), "t6", "1"),
        e.TicketFinished(at(10, 3), "t6", "1", service="pickup", clerk="wang"),  # route done
        e.TicketCalled(at(10, 5), "t7", "2"),
        e.TicketFinished(at(10, 30), "t7", "2", "pickup", (0, 10), service="estate", clerk="li"),
        e.TicketCalled(at(10, 31), "t5", "1"),
        e.TicketFinished(at(10, 50), "t5", "1", service="company", clerk="wang"),
        e.QueueCleared(at(17, 30), ("t4", "t7")),  # held; waiting for its 出件 step
        issued(at(23, 50), "t8", "A006", "social"),  # a hall open all hours
        e.TicketCalled(at(23, 55), "t10", "1", callback=True),  # C001 came back
        # The first ticket of the next day closes out the day before's first (清号).
        e.QueueCleared(morning, ("t8",)),
        issued(morning, "t9", "A001", "social"),
    ]
    day = walk(events, *PERIOD.moments(SHANGHAI))
    by_service = build_report(day, PERIOD, "service", tz=SHANGHAI)
    # A005 went on to 企业开办 and was served there: it stands under the service it was
    # issued for. B001 counts once, done when its 出件 step was; B002 was cleared waiting for
    # it. A006, issued at 23:50, was still waiting at midnight, and C001, missed, was being
    # served again after its window called it back.
    assert [(r.key, r.issued, ends(r)) for r in by_service.rows] == [
        ("company", 1, states(open=1)),
        ("estate", 2, states(done=1, abandoned=1)),
        ("pickup", 0, states()),
        ("social", 6, states(done=2, no_show=1, cancelled=1, abandoned=1, open=1)),
    ]
    assert ends(by_service.total) == states(done=3, no_show=1, cancelled=1, abandoned=2, open=2)
    by_hour = build_report(day, PERIOD, "hour", tz=SHANGHAI)
    assert [(r.key, r.issued, ends(r)) for r in by_hour.rows] == [
        ("09", 8, states(done=3, no_show=1, cancelled=1, abandoned=2, open=1)),
        ("10", 0, states()),
        ("23", 1, states(open=1)),
    ]
    assert ends(build_report(day, PERIOD, "window", tz=SHANGHAI).rows[0]) is None
    assert ends(build_report(day, PERIOD, "clerk", tz=SHANGHAI).rows[0]) is None
    # The next day: A006 was not issued then, and its clearing is in none of its columns.
    after = period_of("day", next_day)
    total = build_report(walk(events, *after.moments(SHANGHAI)), after, "service", tz=SHANGHAI)
    assert (total.total.issued, ends(total.total)) == (1, states(open=1))
    # The week of both days: A006 was cleared (清号).
    week = period_of("week", DAY)
    social = build_report(walk(events, *week.moments(SHANGHAI)), week, "service", tz=SHANGHAI)
    assert ends(social.rows[-1]) == states(done=2, no_show=1, cancelled=1, abandoned=2, open=1)


def test_a_ticket_of_the_day_before_is_marked_under_its_own_service() -> None:
    # A hall open round the clock without a daily clearing: tickets issued last night are
    # missed, held and transferred after midnight, before the day's first ticket is issued.
    night = dt.datetime.combine(DAY - dt.timedelta(days=1), dt.time(23), SHANGHAI)
    minutes = dt.timedelta(minutes=1)
    events = [
        e.WindowOpened(night, "1", "wang", "王芳", "1001"),
        e.WindowOpened(night, "3", "zhao", "赵敏", "1003"),
        issued(night + 10 * minutes, "t1", "A001", "social"),
        issued(night + 20 * minutes, "t2", "B001", "estate"),
        issued(night + 30 * minutes, "t3", "A002", "social"),
        issued(night + 40 * minutes, "t4", "B002", "estate"),
        e.TicketCalled(night + 41 * minutes, "t4", "1"),
        issued(night + 45 * minutes, "t5", "A003", "social"),
        e.TicketFinished(night + 50 * minutes, "t4", "1", "pickup", (0, 9), service="estate"),
        e.TicketCalled(night + 51 * minutes, "t5", "1"),
        e.TicketTransferred(night + 55 * minutes, "t5", "1", "company", "3", (1, 0)),
        e.TicketCalled(at(0, 5), "t1", "1"),
        e.TicketMissed(at(0, 7), "t1", "1", "无人应答"),  # void: 过号
        e.TicketCalled(at(0, 10), "t2", "1"),
        e.TicketHeld(at(0, 12), "t2", "1"),
        e.TicketCalled(at(0, 15), "t3", "1"),
        e.TicketTransferred(at(0, 20), "t3", "1", "company", None, (1, 1)),
        e.TicketCalled(at(0, 25), "t4", "1"),  # its 出件 step
        e.TicketHeld(at(0, 27), "t4", "1"),
        e.TicketCalled(at(0, 30), "t5", "3"),  # transferred to 企业开办 last night
        e.TicketMissed(at(0, 32), "t5", "3", "无人应答"),
    ]
    facts = walk(events, *PERIOD.moments(SHANGHAI))
    by_service = build_report(facts, PERIOD, "service", tz=SHANGHAI)
    # Each mark under the service the ticket was at; none issued today, none waited today.
    assert [
        (r.key, r.issued, ends(r), r.called, r.missed, r.held, r.transferred)
        for r in by_service.rows
    ] == [
        ("company", 0, states(), 0, 1, 0, 0),
        ("estate", 0, states(), 0, 0, 1, 0),
        ("pickup", 0, states(), 0, 0, 1, 0),
        ("social", 0, states(), 0, 1, 0, 1),
    ]
    total = by_service.total
    marks = (total.missed, total.held, total.transferred)
    assert (total.issued, ends(total), marks) == (0, states(), (2, 2, 1))


def test_the_handling_time_leaves_out_every_hold_of_the_service() -> None:
    events = [
        e.WindowOpened(at(9), "1", "wang", "王芳", "1001"),
        e.WindowOpened(at(9), "2", "li", "李强", "1002"),
        issued(at(9), "t1", "A001", "social"),
        issued(at(9), "t2", "A002", "social"),
        e.TicketCalled(at(9, 10), "t1", "1"),
        e.TicketCalled(at(9, 10), "t2", "2"),
        e.TicketHeld(at(9, 11), "t1", "1"),  # called, not started: served from the call
        e.TicketStarted(at(9, 12), "t2", "2"),
        e.TicketHeld(at(9, 13), "t2", "2"),
        e.TicketResumed(at(9, 31), "t1", "1"),
        e.TicketHeld(at(9, 35), "t1", "1"),
        e.TicketResumed(at(9, 43), "t2", "2"),
        e.TicketTransferred(at(9, 45), "t2", "2", "social", "1", (1, 0)),
        e.TicketResumed(at(10, 5), "t1", "1"),
        e.TicketFinished(at(10, 10), "t1", "1", service="social", clerk="wang"),
        e.TicketCalled(at(10, 10), "t2", "1"),  # its hold at window 2 was of that service
        e.TicketFinished(at(10, 17), "t2", "1", service="social", clerk="wang"),
    ]
    day = walk(events, *PERIOD.moments(SHANGHAI))
    # A001: 1 + 4 + 5 minutes at the window (20 and 30 held); A002 at window 1: 7.
    assert [s.minutes for s in day.served] == [pytest.approx(10.0), pytest.approx(7.0)]
    by_clerk = build_report(day, PERIOD, "clerk", tz=SHANGHAI)
    assert [(r.key, r.handling_mean) for r in by_clerk.rows] == [("li", None), ("wang", 8.5)]
