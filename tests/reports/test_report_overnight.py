"""A hall open round the clock without a daily clearing: the report of a day reads, from
the journal, the service of the tickets of earlier days it meets."""

from __future__ import annotations

import datetime as dt

from helpers import SHANGHAI, journal_of

from queue_server.domain import events as e
from queue_server.domain.model import Priority
from queue_server.reports import build_report, hourly_load, period_of, read_facts

MONDAY = dt.date(2026, 11, 23)
SATURDAY = MONDAY - dt.timedelta(days=2)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), SHANGHAI)


def issued(moment: dt.datetime, ticket: str, number: str, service: str) -> e.TicketIssued:
    return e.TicketIssued(
        moment, ticket, number, service, Priority.NORMAL, moment.date(), 1, (0, int(ticket[1:]))
    )


async def test_tickets_of_saturday_night_marked_on_monday_count_under_their_service() -> None:
    # Saturday night: A001 is transferred to 企业开办, B001 waits. Nobody comes on Sunday, so
    # no first ticket of a new day closes them out. Monday just after midnight two clerks
    # sign in: B001 is held, A001 missed for good at the 企业开办 window.
    events: list[e.Event] = [
        e.WindowOpened(at(SATURDAY, 23), "1", "wang", "王芳", "1001"),
        issued(at(SATURDAY, 23, 10), "t1", "A001", "social"),
        issued(at(SATURDAY, 23, 20), "t2", "B001", "estate"),
        e.TicketCalled(at(SATURDAY, 23, 30), "t1", "1"),
        e.TicketTransferred(at(SATURDAY, 23, 35), "t1", "1", "company", "3", (1, 0)),
        e.WindowClosed(at(SATURDAY, 23, 40), "1"),
        e.WindowOpened(at(MONDAY, 0, 5), "1", "wang", "王芳", "1001"),
        e.WindowOpened(at(MONDAY, 0, 5), "3", "zhao", "赵敏", "1003"),
        e.TicketCalled(at(MONDAY, 0, 10), "t2", "1"),
        e.TicketHeld(at(MONDAY, 0, 12), "t2", "1"),
        e.TicketCalled(at(MONDAY, 0, 15), "t1", "3"),
        e.TicketMissed(at(MONDAY, 0, 20), "t1", "3", "无人应答"),
        # Monday's first ticket closes out the tickets left from before (清号).
        e.QueueCleared(at(MONDAY, 8, 30), ("t2",)),
        issued(at(MONDAY, 8, 30), "t3", "A001", "social"),
    ]
    journal = await journal_of(events)
    period = period_of("day", MONDAY)
    facts = await read_facts(journal, period, tz=SHANGHAI)
    by_service = build_report(facts, period, "service", tz=SHANGHAI)
    assert [(r.key, r.issued, r.missed, r.held) for r in by_service.rows] == [
        ("company", 0, 1, 0),
        ("estate", 0, 0, 1),
        ("social", 1, 0, 0),  # only Monday's own A001 was issued that day
    ]
    assert by_service.total.to_dict()["issued_by_state"] == {
        "done": 0,
        "no_show": 0,
        "cancelled": 0,
        "abandoned": 0,
        "open": 1,
    }
    by_window = build_report(facts, period, "window", tz=SHANGHAI)
    assert [(r.key, r.missed, r.held) for r in by_window.rows] == [("1", 0, 1), ("3", 1, 0)]


async def test_a_window_signed_in_before_the_weekend_works_on_monday_under_its_clerk() -> None:
    # wang signs in at window 1 on Friday and never signs out; on Monday she calls, pauses
    # and serves there. Her Monday is hers, not nobody's, and window 1 was open all morning.
    friday = MONDAY - dt.timedelta(days=3)
    events: list[e.Event] = [
        e.WindowOpened(at(friday, 8, 30), "1", "wang", "王芳", "1001"),
        issued(at(MONDAY, 9), "t1", "A001", "social"),
        e.TicketCalled(at(MONDAY, 9, 10), "t1", "1"),
        e.WindowPaused(at(MONDAY, 9, 20), "1", "离开"),
        e.WindowResumed(at(MONDAY, 9, 30), "1"),
        e.TicketFinished(
            at(MONDAY, 9, 40),
            "t1",
            "1",
            service="social",
            clerk="wang",
            clerk_name="王芳",
            staff_no="1001",
        ),
    ]
    period = period_of("day", MONDAY)
    facts = await read_facts(await journal_of(events), period, tz=SHANGHAI, now=at(MONDAY, 10))
    by_clerk = build_report(facts, period, "clerk", tz=SHANGHAI)
    assert [
        (r.key, r.label, r.called, r.served, r.wait_mean, r.pause_minutes) for r in by_clerk.rows
    ] == [("wang", "王芳（1001）", 1, 1, 10.0, 10.0)]
    (nine,) = [row for row in hourly_load(facts, period, tz=SHANGHAI).rows if row.hour == 9]
    assert (nine.open_windows, nine.serving_windows) == (1.0, 0.83)


async def test_a_service_across_midnight_is_timed_from_its_start_before_it() -> None:
    # A hall open round the clock: A001 is started at 23:54 on Saturday, held from 23:58 to
    # 00:03 while the citizen fetches a paper, and finished at 00:10 on Sunday: 11 minutes
    # of service in Sunday's report, where it was finished.
    sunday = SATURDAY + dt.timedelta(days=1)
    events: list[e.Event] = [
        e.WindowOpened(at(SATURDAY, 23), "1", "wang", "王芳", "1001"),
        issued(at(SATURDAY, 23, 50), "t1", "A001", "social"),
        e.TicketCalled(at(SATURDAY, 23, 52), "t1", "1"),
        e.TicketStarted(at(SATURDAY, 23, 54), "t1", "1"),
        e.TicketHeld(at(SATURDAY, 23, 58), "t1", "1"),
        e.TicketResumed(at(sunday, 0, 3), "t1", "1"),
        e.TicketFinished(at(sunday, 0, 10), "t1", "1", service="social", clerk="wang"),
    ]
    period = period_of("day", sunday)
    facts = await read_facts(await journal_of(events), period, tz=SHANGHAI)
    by_service = build_report(facts, period, "service", tz=SHANGHAI)
    assert [(r.key, r.served, r.handling_mean) for r in by_service.rows] == [("social", 1, 11.0)]
