"""Appointments by the hall's rules: a booking's ticket across a clearing, and a voided one."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import FakeClock, small_hall

from queue_server.domain import commands as c
from queue_server.domain.errors import Conflict
from queue_server.domain.model import Priority, TicketState
from queue_server.domain.state import Hall

LUNCH = (dt.time(12, 30), dt.time(17, 30))


def at(clock: FakeClock, hour: int, minute: int) -> dt.datetime:
    clock.now = clock.now.replace(hour=hour, minute=minute)
    return clock.now


def test_a_slot_across_the_lunch_break_keeps_its_ticket_through_the_lunch_clearing(
    clock: FakeClock,
) -> None:
    hall = Hall(small_hall(clearing=LUNCH))
    slot_start = at(clock, 11, 45)
    hall.execute(
        c.BookAppointment("NOON01", "social", slot_start, slot_start.replace(hour=14, minute=15)),
        clock(),
    )
    hall.execute(
        c.BookAppointment("MORNING1", "social", at(clock, 11, 0), at(clock, 11, 30)), clock()
    )
    at(clock, 11, 10)
    hall.execute(c.CheckIn("MORNING1", ticket_id="morning"), clock())
    walk_in = hall.execute(c.IssueTicket(ticket_id="walk-in", service="social"), clock())
    at(clock, 11, 50)  # past the walk-ins' cut-off, inside the slot
    hall.execute(c.CheckIn("NOON01", ticket_id="noon"), clock())

    at(clock, 12, 30)
    hall.execute(c.ClearQueue(), clock())

    # The walk-in and the appointment whose slot is over went home; the one whose slot runs
    # on after lunch is still in the queue, and is called first when the afternoon opens.
    assert hall.tickets[str(walk_in.ticket_id)].state is TicketState.ABANDONED
    assert hall.tickets["morning"].state is TicketState.ABANDONED
    assert hall.tickets["noon"].state is TicketState.WAITING
    at(clock, 14, 0)
    hall.execute(c.IssueTicket(ticket_id="afternoon", service="social"), clock())
    hall.execute(c.OpenWindow("1", clerk="wang"), clock())
    assert hall.execute(c.CallNext("1"), clock()).ticket_id == "noon"


def test_a_check_in_whose_ticket_was_voided_checks_in_again(clock: FakeClock) -> None:
    """The kiosk voids a ticket its printer failed on and tells the citizen to take another:
    the booking must let them, and must not name the voided number as theirs."""
    hall = Hall(small_hall(open_all_hours=True))
    start = clock.now
    hall.execute(
        c.BookAppointment("YY0001", "social", start, start + dt.timedelta(minutes=30)), clock()
    )
    hall.execute(c.CheckIn("YY0001", ticket_id="first", device="kiosk-1"), clock())
    hall.execute(c.CancelTicket("first", reason="号票未能打印, 已作废"), clock())
    assert hall.appointment_ticket(hall.appointments["YY0001"]) is None

    again = hall.execute(c.CheckIn("YY0001", ticket_id="second", device="kiosk-1"), clock())
    assert again.ticket_id == "second"
    assert hall.tickets["second"].priority is Priority.APPOINTMENT
    assert hall.appointment_ticket(hall.appointments["YY0001"]) is hall.tickets["second"]

    # A ticket that was called and missed is the holder's: no second one by checking in.
    hall.execute(c.OpenWindow("1", clerk="wang"), clock())
    hall.execute(c.CallNext("1"), clock())
    hall.execute(c.MarkNoShow("1", reason="未到"), clock())
    with pytest.raises(Conflict) as refused:
        hall.execute(c.CheckIn("YY0001", ticket_id="third", device="kiosk-1"), clock())
    assert refused.value.code == "already_checked_in"
    assert "A002" in refused.value.message
