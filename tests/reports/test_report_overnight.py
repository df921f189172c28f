"""A hall open round the clock without a daily clearing: the report of a day reads, from
the journal, the service of the tickets of earlier days it meets."""

from __future__ import annotations

import datetime as dt

from helpers import SHANGHAI

from queue_server.domain import events as e
from queue_server.domain.model import Priority
from queue_server.reports import build_report, period_of, read_facts
from queue_server.store.eventlog import NewEvent
from queue_server.store.memory_log import MemoryEventLog

MONDAY = dt.date(2026, 11, 23)
SATURDAY = MONDAY - dt.timedelta(days=2)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), SHANGHAI)


def issued(moment: dt.datetime, ticket: str, number: str, service: str) -> e.TicketIssued:
    return e.TicketIssued(
        moment, ticket, number, service, Priority.NORMAL, moment.date(), 1, (0, int(ticket[1:]))
    )


async def journal_of(events: list[e.Event]) -> MemoryEventLog:
    log = MemoryEventLog()
    await log.open()
    for ev in events:
        recorded = ev.at.astimezone(dt.UTC).isoformat()
        await log.append([NewEvent(ev.type, ev.to_data())], recorded_at=recorded)
    return log


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
