"""The time a ticket is held (挂起: its citizen fetches a document) is not service time: not in
the running mean every expected wait is worked out from, the clerk's 平均办理, nor the long
service alert; and a replay or a snapshot rebuilds it exactly."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from helpers import FakeClock, small_hall

from queue_server.domain import commands as c
from queue_server.domain import events as e
from queue_server.domain.errors import Conflict
from queue_server.domain.hall import HallConfig
from queue_server.domain.model import TicketState
from queue_server.domain.state import Hall
from queue_server.domain.watch import conditions

# social: a usual service of 6 minutes, each one finished moves the mean a fifth of the way.
USUAL = 6.0


def at(clock: FakeClock, hour: int, minute: int = 0) -> dt.datetime:
    clock.now = clock.now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return clock.now


def a_window_open(clock: FakeClock, config: HallConfig | None = None) -> Hall:
    hall = Hall(config or small_hall())
    hall.execute(c.OpenWindow("1", clerk="clerk1"), at(clock, 8, 50))
    hall.execute(c.OpenWindow("2", clerk="clerk2"), at(clock, 8, 50))
    hall.execute(c.IssueTicket(ticket_id="t1", service="social"), at(clock, 8, 55))
    return hall


def test_the_time_a_ticket_is_held_is_not_its_service_time(clock: FakeClock) -> None:
    hall = a_window_open(clock)
    hall.execute(c.CallNext("1"), at(clock, 9, 0))
    hall.execute(c.StartService("1"), at(clock, 9, 2))
    hall.execute(c.HoldTicket("1"), at(clock, 9, 5))
    # Held, it is no window's current ticket: nothing finishes or sends it on but a resume.
    for command in (c.FinishService("1"), c.Transfer("1", to_window="2")):
        with pytest.raises(Conflict) as refused:
            hall.execute(command, at(clock, 9, 10))
        assert refused.value.code == "no_current_ticket"
    hall.execute(c.ResumeHeld("1", "t1"), at(clock, 9, 35))
    hall.execute(c.FinishService("1"), at(clock, 9, 40))
    # 3 minutes before the hold and 5 after: 8, not the 38 from start to finish.
    assert hall.mean_minutes["social"] == pytest.approx(USUAL + 0.2 * (8 - USUAL))
    clerk = hall.clerk_today["clerk1"]
    assert (clerk.timed_services, clerk.service_minutes) == (1, pytest.approx(8.0))


def test_every_hold_is_left_out_and_one_before_the_start_too(clock: FakeClock) -> None:
    hall = a_window_open(clock)
    hall.execute(c.CallNext("1"), at(clock, 9, 0))
    hall.execute(c.HoldTicket("1"), at(clock, 9, 1))  # called, not started: from the call
    hall.execute(c.ResumeHeld("1", "t1"), at(clock, 9, 21))
    hall.execute(c.HoldTicket("1"), at(clock, 9, 25))
    hall.execute(c.ResumeHeld("1", "t1"), at(clock, 9, 55))
    hall.execute(c.FinishService("1"), at(clock, 10, 0))
    # 1 + 4 + 5 minutes at the window; 20 and 30 held.
    assert hall.mean_minutes["social"] == pytest.approx(USUAL + 0.2 * (10 - USUAL))
    assert hall.clerk_today["clerk1"].service_minutes == pytest.approx(10.0)


def test_a_hold_at_one_window_is_not_left_out_of_the_next_service(clock: FakeClock) -> None:
    hall = a_window_open(clock)
    hall.execute(c.CallNext("1"), at(clock, 9, 0))
    hall.execute(c.HoldTicket("1"), at(clock, 9, 1))
    hall.execute(c.ResumeHeld("1", "t1"), at(clock, 9, 31))
    hall.execute(c.Transfer("1", to_window="2"), at(clock, 9, 33))
    hall.execute(c.CallNext("2"), at(clock, 9, 40))
    hall.execute(c.FinishService("2"), at(clock, 9, 47))
    assert hall.clerk_today["clerk2"].service_minutes == pytest.approx(7.0)
    assert hall.mean_minutes["social"] == pytest.approx(USUAL + 0.2 * (7 - USUAL))


def test_a_ticket_held_when_the_hall_closes_it_out_teaches_nothing(clock: FakeClock) -> None:
    hall = a_window_open(clock)
    hall.execute(c.CallNext("1"), at(clock, 9, 0))
    hall.execute(c.HoldTicket("1"), at(clock, 9, 5))
    hall.execute(c.ClearQueue(), at(clock, 12, 30))  # the citizen never came back
    assert hall.tickets["t1"].state is TicketState.ABANDONED
    assert hall.mean_minutes["social"] == USUAL
    assert hall.clerk_today["clerk1"].timed_services == 0


def long_services(hall: Hall, now: dt.datetime) -> list[str]:
    return [x.message for x in conditions(hall, now) if x.kind == "service_long"]


def test_a_service_is_long_by_its_time_at_the_window_not_the_time_held(clock: FakeClock) -> None:
    hall = a_window_open(clock)  # long: past 3 times the usual 6 minutes, and 15 at least
    hall.execute(c.CallNext("1"), at(clock, 9, 0))
    hall.execute(c.StartService("1"), at(clock, 9, 0))
    hall.execute(c.HoldTicket("1"), at(clock, 9, 5))
    hall.execute(c.ResumeHeld("1", "t1"), at(clock, 10, 5))
    assert long_services(hall, at(clock, 10, 15)) == []  # 5 + 10 minutes served
    assert long_services(hall, at(clock, 10, 25)) == ["1号窗口办理A001已25分钟, 通常约6分钟"]


def holds_under_way(clock: FakeClock) -> tuple[Hall, list[e.Event]]:
    """t1 held at window 1 and resumed (being served again), t2 held at window 2 now; the
    hall and its journal."""
    hall = Hall(small_hall())
    journal: list[e.Event] = []
    for command, hour, minute in (
        (c.OpenWindow("1", clerk="clerk1"), 8, 50),
        (c.OpenWindow("2", clerk="clerk2"), 8, 50),
        (c.IssueTicket(ticket_id="t1", service="social"), 8, 55),
        (c.IssueTicket(ticket_id="t2", service="social"), 8, 56),
        (c.CallNext("1"), 9, 0),
        (c.StartService("1"), 9, 1),
        (c.HoldTicket("1"), 9, 3),
        (c.CallNext("2"), 9, 4),
        (c.ResumeHeld("1", "t1"), 9, 33),
        (c.StartService("2"), 9, 34),
        (c.HoldTicket("2"), 9, 36),
    ):
        journal += hall.execute(command, at(clock, hour, minute)).events
    return hall, journal


def finish_both(hall: Hall, clock: FakeClock) -> tuple[float, float]:
    hall.execute(c.FinishService("1"), at(clock, 9, 40))
    hall.execute(c.ResumeHeld("2", "t2"), at(clock, 9, 56))
    hall.execute(c.FinishService("2"), at(clock, 10, 0))
    return hall.mean_minutes["social"], hall.clerk_today["clerk2"].service_minutes


def test_replay_and_snapshots_rebuild_the_holds_exactly(clock: FakeClock) -> None:
    hall, journal = holds_under_way(clock)
    replayed = Hall(hall.config)
    for event in journal:
        replayed.apply(e.decode_event(event.type, event.to_data()))
    restored = Hall.from_snapshot(hall.config, hall.to_snapshot())
    assert replayed.to_snapshot() == restored.to_snapshot() == hall.to_snapshot()

    expected = finish_both(hall, clock)
    # t1: 2 + 7 minutes served (30 held); t2: 2 + 4 (20 held).
    assert hall.clerk_today["clerk1"].service_minutes == pytest.approx(9.0)
    assert expected[1] == pytest.approx(6.0)
    assert finish_both(replayed, clock) == finish_both(restored, clock) == expected


def without_the_hold_columns(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The snapshot as a server before the hold columns wrote it."""
    columns: list[str] = snapshot["ticket_columns"]
    kept = [i for i, name in enumerate(columns) if name not in ("held_at", "held_seconds")]
    return {
        **snapshot,
        "ticket_columns": [columns[i] for i in kept],
        "ticket_rows": [[row[i] for i in kept] for row in snapshot["ticket_rows"]],
    }


def test_an_older_snapshot_without_holds_loads(clock: FakeClock) -> None:
    hall = a_window_open(clock)
    hall.execute(c.CallNext("1"), at(clock, 9, 0))
    hall.execute(c.HoldTicket("1"), at(clock, 9, 1))
    hall.execute(c.ResumeHeld("1", "t1"), at(clock, 9, 21))
    hall.execute(c.FinishService("1"), at(clock, 9, 30))
    hall.execute(c.IssueTicket(ticket_id="t2", service="social"), at(clock, 9, 31))
    hall.execute(c.CallNext("1"), at(clock, 9, 32))  # called: never held since its call

    restored = Hall.from_snapshot(hall.config, without_the_hold_columns(hall.to_snapshot()))

    # t1 is done: the 20 minutes it was held are of a service over (default: none held).
    assert restored.tickets["t1"].held_seconds == 0.0
    restored.tickets["t1"].held_seconds = hall.tickets["t1"].held_seconds
    restored.tickets["t1"].held_at = hall.tickets["t1"].held_at
    assert restored.to_snapshot() == hall.to_snapshot()


@pytest.mark.parametrize("number", ["A001", "A002"])
def test_an_older_snapshot_with_a_ticket_held_or_served_since_is_passed_over(
    clock: FakeClock, number: str
) -> None:
    hall, _ = holds_under_way(clock)  # A001 served again after a hold, A002 held
    if number == "A001":
        hall.execute(c.ResumeHeld("2", "t2"), at(clock, 9, 50))
        hall.execute(c.FinishService("2"), at(clock, 9, 55))
    else:
        hall.execute(c.FinishService("1"), at(clock, 9, 50))
    # Only the journal says how long it was held: the server replays it instead.
    with pytest.raises(ValueError, match=f"ticket {number} .*held"):
        Hall.from_snapshot(hall.config, without_the_hold_columns(hall.to_snapshot()))
