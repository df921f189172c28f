"""A window calls back its last missed tickets (过号回呼) of the day, never one of a day before:
however the day began, from a snapshot, and in a journal an older server wrote."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from helpers import FakeClock, small_hall

from queue_server.domain import commands as c
from queue_server.domain import events as e
from queue_server.domain.errors import Conflict, DomainError
from queue_server.domain.hall import HallConfig
from queue_server.domain.model import TicketState
from queue_server.domain.state import Hall

MONDAY = dt.date(2026, 11, 23)  # the `clock` fixture's
TUESDAY = MONDAY + dt.timedelta(days=1)


def at(clock: FakeClock, day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    clock.now = dt.datetime.combine(day, dt.time(hour, minute, second), clock.now.tzinfo)
    return clock.now


def run(hall: Hall, now: dt.datetime, *commands: c.Command) -> list[e.Event]:
    return [event for command in commands for event in hall.execute(command, now).events]


def missed_on_monday(clock: FakeClock, config: HallConfig) -> tuple[Hall, list[e.Event]]:
    """Window 1 calls Monday's ticket "mon" (its citizen's ID hashed "h") and marks it missed;
    the hall and its journal."""
    hall = Hall(config)
    journal = run(
        hall,
        at(clock, MONDAY, 16, 50),
        c.OpenWindow("1", clerk="clerk1"),
        c.IssueTicket(ticket_id="mon", service="social", id_hash="h"),
        c.CallNext("1"),
        c.MarkNoShow("1", reason="无人应答"),
    )
    assert hall.windows["1"].missed == ["mon"]
    return hall, journal


@pytest.mark.parametrize(
    ("day_begins", "refusal"),
    [
        # At midnight, or at start after a night the server was down: the day.started event.
        (c.StartDay(), "not_missed"),
        # By the day's first ticket, in a journal from before day.started: Monday's ended
        # tickets are forgotten then.
        (c.IssueTicket(ticket_id="tue", service="social"), "unknown_ticket"),
    ],
)
def test_a_window_calls_back_no_ticket_missed_the_day_before(
    clock: FakeClock, day_begins: c.Command, refusal: str
) -> None:
    hall, _ = missed_on_monday(clock, small_hall())
    run(hall, at(clock, TUESDAY, 8, 35), day_begins)
    assert hall.day == TUESDAY
    assert hall.windows["1"].missed == []
    before = hall.to_snapshot()
    with pytest.raises(DomainError) as refused:
        hall.execute(c.CallBack("1", "mon"), at(clock, TUESDAY, 8, 40))
    assert refused.value.code == refusal
    assert hall.to_snapshot() == before


def test_the_refusal_says_the_ticket_is_of_an_earlier_day(clock: FakeClock) -> None:
    hall, _ = missed_on_monday(clock, small_hall())
    run(hall, at(clock, TUESDAY, 0, 0, 5), c.StartDay())
    with pytest.raises(Conflict) as refused:
        hall.execute(c.CallBack("1", "mon"), at(clock, TUESDAY, 8, 40))
    assert refused.value.message == "A001是11月23日的号, 只能回呼今天过号的号"


def test_a_ticket_of_the_day_before_missed_after_midnight_is_not_called_back(
    clock: FakeClock,
) -> None:
    # A hall open round the clock: Monday's last citizens still wait after midnight, until
    # Tuesday's first ticket closes them out.
    hall = Hall(small_hall(open_all_hours=True))
    run(
        hall,
        at(clock, MONDAY, 23, 50),
        c.OpenWindow("1", clerk="clerk1"),
        c.IssueTicket(ticket_id="late", service="social"),
    )
    run(hall, at(clock, TUESDAY, 0, 0, 5), c.StartDay())
    run(hall, at(clock, TUESDAY, 0, 5), c.CallNext("1"), c.MarkNoShow("1"))
    assert hall.tickets["late"].state is TicketState.NO_SHOW
    assert hall.windows["1"].missed == []
    with pytest.raises(Conflict) as refused:
        hall.execute(c.CallBack("1", "late"), at(clock, TUESDAY, 0, 6))
    assert refused.value.code == "not_missed"


def test_a_snapshot_still_listing_the_day_before_s_missed_tickets_loads_without_them(
    clock: FakeClock,
) -> None:
    hall, _ = missed_on_monday(clock, small_hall())
    run(hall, at(clock, TUESDAY, 0, 0, 5), c.StartDay())
    snapshot = hall.to_snapshot()
    # As a server before this rule kept it: Monday's miss still listed at window 1.
    older = copy.deepcopy(snapshot)
    next(w for w in older["windows"] if w["id"] == "1")["missed"] = ["mon"]

    restored = Hall.from_snapshot(hall.config, older)

    assert restored.windows["1"].missed == []
    assert restored.to_snapshot() == snapshot


def test_a_journal_that_called_back_a_ticket_of_the_day_before_replays_as_it_ran(
    clock: FakeClock,
) -> None:
    # A server before this rule called Monday's missed ticket back after midnight, in a hall
    # open round the clock: replayed, it is at the window again and its citizen's ticket
    # (one waiting ticket per ID), as it was on that server.
    config = small_hall(open_all_hours=True)
    hall, journal = missed_on_monday(clock, config)
    journal += run(hall, at(clock, TUESDAY, 0, 0, 5), c.StartDay())
    journal.append(e.TicketCalled(at(clock, TUESDAY, 0, 5), "mon", "1", callback=True))

    replayed = Hall(config)
    for event in journal:
        replayed.apply(event)

    current = replayed.current_ticket("1")
    assert current is not None and current.id == "mon"
    assert replayed.windows["1"].missed == []
    again = c.IssueTicket(ticket_id="again", service="social", id_hash="h")
    with pytest.raises(Conflict) as refused:
        replayed.execute(again, at(clock, TUESDAY, 0, 10))
    assert refused.value.code == "already_waiting"
