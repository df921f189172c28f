"""The hall's rules, one command at a time, on the pure domain core."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from helpers import FakeClock, small_hall

from queue_server.domain import commands as c
from queue_server.domain import events as e
from queue_server.domain.errors import Conflict, DomainError, NotFound
from queue_server.domain.hall import MissedPolicy, Policy, Service, Window, WindowKind
from queue_server.domain.model import Priority, TicketState, WindowState
from queue_server.domain.state import Hall
from queue_server.domain.watch import conditions

_ids = itertools.count(1)


def issue(hall: Hall, clock: FakeClock, service: str = "social", **kw: Any) -> str:
    clock.advance(seconds=10)
    outcome = hall.execute(
        c.IssueTicket(ticket_id=f"t{next(_ids)}", service=service, **kw), clock()
    )
    assert outcome.ticket_id is not None
    return outcome.ticket_id


def do(hall: Hall, clock: FakeClock, command: c.Command) -> str | None:
    clock.advance(seconds=10)
    return hall.execute(command, clock()).ticket_id


def opened(clock: FakeClock, *windows: str, **config: Any) -> Hall:
    hall = Hall(small_hall(**config))
    for w in windows:
        do(hall, clock, c.OpenWindow(w, clerk=f"clerk{w}"))
    return hall


def number(hall: Hall, ticket_id: str | None) -> str:
    assert ticket_id is not None
    return hall.tickets[ticket_id].number


def test_numbers_run_per_service_and_restart_each_day(clock: FakeClock) -> None:
    hall = Hall(small_hall())
    assert [number(hall, issue(hall, clock)) for _ in range(3)] == ["A001", "A002", "A003"]
    assert number(hall, issue(hall, clock, "estate")) == "B001"
    clock.advance(days=1)
    assert number(hall, issue(hall, clock)) == "A001"


def test_a_refused_command_changes_nothing(clock: FakeClock) -> None:
    hall = opened(clock, "1")
    issue(hall, clock)
    before = hall.to_snapshot()
    for command in (
        c.IssueTicket(ticket_id="x", service="nope"),
        c.Recall("1"),
        c.CallNext("9"),
        c.CallNext("2"),
        c.StartService("1"),
        c.Transfer("1", to_service="social"),
    ):
        with pytest.raises(DomainError):
            hall.execute(command, clock())
    assert hall.to_snapshot() == before


def test_call_order_green_pinned_transferred_appointment_then_first_come(
    clock: FakeClock,
) -> None:
    hall = opened(clock, "1", "2")
    normal_1 = issue(hall, clock)
    appointment_late = issue(
        hall,
        clock,
        priority=Priority.APPOINTMENT,
        slot_start=clock.now + dt.timedelta(hours=2),
        slot_end=clock.now + dt.timedelta(hours=3),
    )
    appointment_now = issue(
        hall,
        clock,
        priority=Priority.APPOINTMENT,
        slot_start=clock.now - dt.timedelta(minutes=5),
        slot_end=clock.now + dt.timedelta(hours=1),
    )
    normal_2 = issue(hall, clock)
    to_pin = issue(hall, clock)
    green = issue(hall, clock, priority=Priority.GREEN)
    do(hall, clock, c.PinTicket(to_pin, by="manager"))
    # A ticket transferred in from window 2.
    moved = issue(hall, clock, "estate")
    assert do(hall, clock, c.CallNext("2")) == green  # green first
    assert do(hall, clock, c.CallNext("1")) == to_pin  # then pinned
    do(hall, clock, c.FinishService("1"))
    # window 2 serves green; window 1 calls pinned ... now move estate ticket via transfer.
    assert do(hall, clock, c.CallNext("1")) == appointment_now  # appointment in its slot
    do(hall, clock, c.Transfer("1", to_service="social"))
    assert do(hall, clock, c.CallNext("1")) == appointment_now  # transferred in comes first
    assert do(hall, clock, c.CallNext("1")) == normal_1
    assert do(hall, clock, c.CallNext("1")) == appointment_late  # out of slot: first come
    assert do(hall, clock, c.CallNext("1")) == normal_2
    assert do(hall, clock, c.CallNext("1")) == moved


def test_primary_services_before_overflow(clock: FakeClock) -> None:
    hall = opened(clock, "3")
    social = issue(hall, clock, "social")
    company = issue(hall, clock, "company")
    assert do(hall, clock, c.CallNext("3")) == company
    assert do(hall, clock, c.CallNext("3")) == social
    with pytest.raises(NotFound) as refused:
        do(hall, clock, c.CallNext("3"))
    assert refused.value.code == "queue_empty"


def test_a_window_never_calls_a_service_it_does_not_serve(clock: FakeClock) -> None:
    hall = opened(clock, "1")
    issue(hall, clock, "company")
    with pytest.raises(NotFound):
        do(hall, clock, c.CallNext("1"))


def test_call_next_finishes_the_current_ticket(clock: FakeClock) -> None:
    hall = opened(clock, "1")
    first, second = issue(hall, clock), issue(hall, clock)
    do(hall, clock, c.CallNext("1"))
    do(hall, clock, c.CallNext("1"))
    assert hall.tickets[first].state is TicketState.DONE
    assert hall.tickets[second].state is TicketState.CALLED
    assert hall.windows["1"].state is WindowState.CALLING


def test_recall_up_to_the_cap(clock: FakeClock) -> None:
    hall = opened(clock, "1", policy=Policy(recall_cap=2))
    issue(hall, clock)
    do(hall, clock, c.CallNext("1"))
    do(hall, clock, c.Recall("1"))
    do(hall, clock, c.Recall("1"))
    with pytest.raises(Conflict) as refused:
        do(hall, clock, c.Recall("1"))
    assert refused.value.code == "recall_limit"


def test_start_and_finish(clock: FakeClock) -> None:
    hall = opened(clock, "1")
    t = issue(hall, clock)
    do(hall, clock, c.CallNext("1"))
    do(hall, clock, c.StartService("1"))
    assert hall.windows["1"].state is WindowState.SERVING
    with pytest.raises(Conflict):
        do(hall, clock, c.MarkNoShow("1"))  # a citizen being served cannot be missed
    do(hall, clock, c.FinishService("1"))
    assert hall.tickets[t].state is TicketState.DONE
    assert hall.windows["1"].state is WindowState.IDLE
    with pytest.raises(Conflict) as refused:
        do(hall, clock, c.FinishService("1"))
    assert refused.value.code == "no_current_ticket"


def test_missed_void_and_call_back_the_last_three(clock: FakeClock) -> None:
    hall = opened(clock, "1")
    tickets = [issue(hall, clock) for _ in range(5)]
    for _ in tickets:
        do(hall, clock, c.CallNext("1"))
        do(hall, clock, c.MarkNoShow("1", reason="未到"))
    assert all(hall.tickets[t].state is TicketState.NO_SHOW for t in tickets)
    assert hall.windows["1"].missed == tickets[-3:]
    with pytest.raises(Conflict):
        do(hall, clock, c.CallBack("1", tickets[0]))
    assert do(hall, clock, c.CallBack("1", tickets[3])) == tickets[3]
    assert hall.tickets[tickets[3]].state is TicketState.CALLED
    assert hall.windows["1"].missed == [tickets[2], tickets[4]]


def test_missed_back_of_the_queue_once_then_void(clock: FakeClock) -> None:
    hall = opened(clock, "1", policy=Policy(missed=MissedPolicy.BACK, missed_requeue_limit=1))
    a, b, d = issue(hall, clock), issue(hall, clock), issue(hall, clock)
    do(hall, clock, c.CallNext("1"))
    do(hall, clock, c.MarkNoShow("1"))
    assert hall.tickets[a].state is TicketState.WAITING
    assert [do(hall, clock, c.CallNext("1")) for _ in range(3)] == [b, d, a]
    do(hall, clock, c.MarkNoShow("1"))
    assert hall.tickets[a].state is TicketState.NO_SHOW


def test_missed_goes_back_after_n_places(clock: FakeClock) -> None:
    hall = opened(clock, "1", policy=Policy(missed=MissedPolicy.AFTER_N, missed_after_places=2))
    tickets = [issue(hall, clock) for _ in range(5)]
    do(hall, clock, c.CallNext("1"))
    do(hall, clock, c.MarkNoShow("1"))
    order = [do(hall, clock, c.CallNext("1")) for _ in range(5)]
    assert order == [tickets[1], tickets[2], tickets[0], tickets[3], tickets[4]]


def test_hold_and_resume(clock: FakeClock) -> None:
    hall = opened(clock, "1")
    held, other = issue(hall, clock), issue(hall, clock)
    do(hall, clock, c.CallNext("1"))
    do(hall, clock, c.HoldTicket("1"))
    assert hall.tickets[held].state is TicketState.HELD
    do(hall, clock, c.CallNext("1"))
    with pytest.raises(Conflict) as refused:
        do(hall, clock, c.ResumeHeld("1", held))
    assert refused.value.code == "window_busy"
    do(hall, clock, c.FinishService("1"))
    do(hall, clock, c.ResumeHeld("1", held))
    assert hall.tickets[held].state is TicketState.SERVING
    assert hall.tickets[other].state is TicketState.DONE
    with pytest.raises(Conflict):
        do(hall, clock, c.ResumeHeld("2", held))


def test_transfer_to_a_window_keeps_the_number_and_goes_first(clock: FakeClock) -> None:
    hall = opened(clock, "1", "2")
    moved, waiting = issue(hall, clock), issue(hall, clock)
    do(hall, clock, c.CallNext("1"))
    do(hall, clock, c.Transfer("1", to_window="2"))
    assert hall.tickets[moved].number == "A001"
    assert do(hall, clock, c.CallNext("1")) == waiting  # window 1 may not take it back
    do(hall, clock, c.FinishService("1"))
    with pytest.raises(NotFound):
        do(hall, clock, c.CallNext("1"))
    assert do(hall, clock, c.CallNext("2")) == moved


def test_no_transfer_to_a_closed_window_and_closing_sends_its_tickets_back(
    clock: FakeClock,
) -> None:
    hall = opened(clock, "1", "2")
    moved, later = issue(hall, clock), issue(hall, clock)
    do(hall, clock, c.CallNext("1"))
    with pytest.raises(Conflict) as closed:
        do(hall, clock, c.Transfer("1", to_window="3"))  # nobody there would ever call it
    assert closed.value.code == "window_not_open"
    do(hall, clock, c.Transfer("1", to_window="2"))
    do(hall, clock, c.CloseWindow("2"))  # it leaves before calling the ticket sent to it
    ticket = hall.tickets[moved]
    assert (ticket.state, ticket.target_window) == (TicketState.WAITING, None)
    assert hall.waiting_count("social") == 2
    # Back in its service's line, still ahead of ordinary tickets: window 1 calls it first.
    assert do(hall, clock, c.CallNext("1")) == moved
    assert do(hall, clock, c.CallNext("1")) == later


def test_a_clerk_s_waits_are_first_calls_only_as_the_reports_count_them(
    clock: FakeClock,
) -> None:
    hall = opened(clock, "1", "2")
    issue(hall, clock)
    clock.advance(minutes=5)
    do(hall, clock, c.CallNext("1"))  # clerk1 calls it first: a wait of about 5 minutes
    do(hall, clock, c.Transfer("1", to_service="estate"))
    clock.advance(minutes=30)
    do(hall, clock, c.CallNext("2"))  # called again after the transfer: no new wait
    first, second = hall.clerk_today["clerk1"], hall.clerk_today.get("clerk2")
    assert first.calls == 1 and 5 <= first.wait_minutes < 6
    assert second is None or second.calls == 0


def test_a_route_follows_the_citizen_to_the_next_step(clock: FakeClock) -> None:
    hall = opened(clock, "1")
    case = issue(hall, clock, "estate")
    walk_in = issue(hall, clock, "pickup")
    do(hall, clock, c.CallNext("1"))
    do(hall, clock, c.StartService("1"))
    do(hall, clock, c.FinishService("1"))
    ticket = hall.tickets[case]
    assert (ticket.state, ticket.service, ticket.number) == (TicketState.WAITING, "pickup", "B001")
    assert do(hall, clock, c.CallNext("1")) == case  # ahead of the walk-in pick-up
    do(hall, clock, c.FinishService("1"))
    assert hall.tickets[case].state is TicketState.DONE
    assert do(hall, clock, c.CallNext("1")) == walk_in


def test_a_transfer_to_the_route_s_next_step_takes_that_step(clock: FakeClock) -> None:
    hall = opened(clock, "1")
    case = issue(hall, clock, "estate")  # estate, then pick-up
    do(hall, clock, c.CallNext("1"))
    do(hall, clock, c.Transfer("1", to_service="pickup"))  # the clerk sends it on by hand
    assert hall.tickets[case].route_remaining == ()
    assert do(hall, clock, c.CallNext("1")) == case
    do(hall, clock, c.FinishService("1"))
    assert hall.tickets[case].state is TicketState.DONE  # not sent to pick-up a second time


def test_a_ticket_sent_on_waits_in_its_new_line_from_then(clock: FakeClock) -> None:
    """A wait alert and a line's longest wait are about the line: a ticket served 45 minutes
    and then transferred has not waited 45 minutes in its new line."""
    hall = opened(clock, "1")
    case = issue(hall, clock, "estate")
    do(hall, clock, c.CallNext("1"))
    do(hall, clock, c.StartService("1"))
    clock.advance(minutes=45)
    do(hall, clock, c.Transfer("1", to_service="social"))
    assert hall.tickets[case].in_line_since == clock()
    assert [x.key for x in conditions(hall, clock()) if x.kind.startswith("wait")] == []
    clock.advance(minutes=31)
    assert "wait_red:social" in {x.key for x in conditions(hall, clock())}


def test_pause_resume_close(clock: FakeClock) -> None:
    hall = opened(clock, "1")
    issue(hall, clock)
    do(hall, clock, c.PauseWindow("1", reason="离岗"))
    with pytest.raises(Conflict) as refused:
        do(hall, clock, c.CallNext("1"))
    assert refused.value.code == "window_not_open"
    do(hall, clock, c.ResumeWindow("1"))
    do(hall, clock, c.CallNext("1"))
    with pytest.raises(Conflict) as busy:
        do(hall, clock, c.CloseWindow("1"))
    assert busy.value.code == "window_busy"
    do(hall, clock, c.FinishService("1"))
    do(hall, clock, c.CloseWindow("1"))
    assert hall.windows["1"].state is WindowState.CLOSED
    assert hall.windows["1"].clerk is None


def test_one_clerk_one_window(clock: FakeClock) -> None:
    hall = opened(clock, "1")
    with pytest.raises(Conflict) as occupied:
        do(hall, clock, c.OpenWindow("1", clerk="someone"))
    assert occupied.value.code == "window_occupied"
    with pytest.raises(Conflict) as elsewhere:
        do(hall, clock, c.OpenWindow("2", clerk="clerk1"))
    assert elsewhere.value.code == "clerk_elsewhere"
    assert hall.execute(c.OpenWindow("1", clerk="clerk1"), clock()).events == []


def test_a_clerk_signs_in_at_a_window_open_with_nobody_signed_in(clock: FakeClock) -> None:
    hall = Hall(small_hall(open_all_hours=True))
    do(hall, clock, c.OpenWindow("1"))  # by its station (or a manager): nobody signed in
    issue(hall, clock)
    called = do(hall, clock, c.CallNext("1"))
    do(hall, clock, c.OpenWindow("1"))  # the station again: nothing to do
    do(hall, clock, c.OpenWindow("1", clerk="wang", clerk_name="王芳"))
    window = hall.windows["1"]
    assert (window.clerk, window.clerk_name) == ("wang", "王芳")
    assert (window.state, window.ticket_id) == (WindowState.CALLING, called)  # goes on
    with pytest.raises(Conflict) as occupied:
        do(hall, clock, c.OpenWindow("1", clerk="li"))
    assert occupied.value.code == "window_occupied"
    with pytest.raises(Conflict) as station:
        do(hall, clock, c.OpenWindow("1"))
    assert station.value.code == "window_occupied"


def test_issuing_hours_cutoff_and_clearing(clock: FakeClock) -> None:
    hall = Hall(small_hall())
    clock.now = clock.now.replace(hour=8, minute=0)  # 30 minutes before opening: allowed
    early = issue(hall, clock)
    clock.now = clock.now.replace(hour=11, minute=35)  # 25 minutes before closing: cut off
    with pytest.raises(Conflict) as closed:
        issue(hall, clock)
    assert closed.value.code == "hall_closed"
    clock.now = clock.now.replace(hour=13, minute=30)
    afternoon = issue(hall, clock)
    assert hall.tickets[afternoon].session == 1
    outcome = hall.execute(c.ClearQueue(), clock())
    assert [type(ev) for ev in outcome.events] == [e.QueueCleared]
    assert {hall.tickets[t].state for t in (early, afternoon)} == {TicketState.ABANDONED}


def test_daily_and_session_quotas(clock: FakeClock) -> None:
    limited = Service(
        id="social",
        name="社保医保",
        prefix="A",
        field="general",
        floor="1F",
        daily_quota=3,
        session_quota=2,
    )
    only_window = Window(
        id="1", label="1号窗口", floor="1F", kind=WindowKind.GENERAL, services=("social",)
    )
    hall = Hall(small_hall(services=(limited,), windows=(only_window,)))
    issue(hall, clock), issue(hall, clock)
    with pytest.raises(Conflict) as session_full:
        issue(hall, clock)
    assert session_full.value.code == "quota_exhausted"
    clock.now = clock.now.replace(hour=14)
    issue(hall, clock)
    with pytest.raises(Conflict) as day_full:
        issue(hall, clock)
    assert day_full.value.code == "quota_exhausted"


def test_one_waiting_ticket_per_id_per_service(clock: FakeClock) -> None:
    hall = opened(clock, "1")
    issue(hall, clock, id_hash="h1")
    with pytest.raises(Conflict) as refused:
        issue(hall, clock, id_hash="h1")
    assert refused.value.code == "already_waiting"
    issue(hall, clock, "estate", id_hash="h1")  # another service is fine
    do(hall, clock, c.CallNext("1"))
    do(hall, clock, c.FinishService("1"))
    issue(hall, clock, id_hash="h1")  # served: may queue again


def test_the_same_idempotency_key_gives_the_same_ticket(clock: FakeClock) -> None:
    hall = Hall(small_hall())
    first = issue(hall, clock, device="kiosk-1", idempotency_key="touch-1")
    again = hall.execute(
        c.IssueTicket(
            ticket_id="other", service="social", device="kiosk-1", idempotency_key="touch-1"
        ),
        clock(),
    )
    assert again.ticket_id == first and again.events == []
    other_device = issue(hall, clock, device="kiosk-2", idempotency_key="touch-1")
    assert other_device != first


def test_ahead_and_estimated_wait(clock: FakeClock) -> None:
    hall = opened(clock, "1", "2")
    tickets = [issue(hall, clock) for _ in range(5)]
    last = hall.tickets[tickets[-1]]
    assert hall.ahead(last, clock()) == 4
    # 4 ahead, 6 minutes each, three windows serve social and two are open.
    assert hall.place(last, clock()) == (4, pytest.approx(4 * 6.0 / 2))
    assert hall.place(hall.tickets[tickets[0]], clock()) == (0, 0.0)


def test_service_times_teach_the_running_mean(clock: FakeClock) -> None:
    hall = opened(clock, "1")
    issue(hall, clock)
    do(hall, clock, c.CallNext("1"))
    clock.advance(minutes=16)
    do(hall, clock, c.FinishService("1"))
    assert 6.0 < hall.mean_minutes["social"] < 16.0


def test_events_survive_the_journal_form(clock: FakeClock) -> None:
    hall = opened(clock, "1")
    issue(
        hall,
        clock,
        priority=Priority.APPOINTMENT,
        slot_start=clock.now,
        slot_end=clock.now + dt.timedelta(hours=1),
        device="k",
        idempotency_key="i",
    )
    outcome = hall.execute(c.CallNext("1"), clock())
    for event in outcome.events:
        assert e.decode_event(event.type, event.to_data()) == event


def test_replay_and_snapshot_rebuild_the_same_hall(clock: FakeClock) -> None:
    config = small_hall(policy=Policy(missed=MissedPolicy.AFTER_N))
    hall = Hall(config)
    journal: list[e.Event] = []
    for command in (
        c.OpenWindow("1", clerk="a"),
        c.OpenWindow("3", clerk="b"),
        c.IssueTicket("t1", "social"),
        c.IssueTicket("t2", "estate"),
        c.IssueTicket("t3", "company", priority=Priority.GREEN),
        c.IssueTicket("t4", "social"),
        c.CallNext("1"),
        c.MarkNoShow("1"),
        c.CallNext("3"),
        c.CallNext("1"),
        c.HoldTicket("1"),
        c.CallNext("1"),
        c.PinTicket("t1", by="m"),
    ):
        clock.advance(seconds=30)
        journal.extend(hall.execute(command, clock()).events)
    replayed = Hall(config)
    for event in journal:
        replayed.apply(e.decode_event(event.type, event.to_data()))
    assert replayed.to_snapshot() == hall.to_snapshot()
    restored = Hall.from_snapshot(config, hall.to_snapshot())
    assert restored.to_snapshot() == hall.to_snapshot()
    clock.advance(seconds=30)
    assert (
        hall.execute(c.CallNext("3"), clock()).ticket_id
        == restored.execute(c.CallNext("3"), clock()).ticket_id
    )


def _day_under_way(clock: FakeClock) -> Hall:
    hall = opened(clock, "1", "3")
    for service in ("social", "estate", "social", "company"):
        issue(hall, clock, service)
    do(hall, clock, c.CallNext("1"))
    do(hall, clock, c.StartService("1"))
    do(hall, clock, c.CallNext("3"))
    do(hall, clock, c.MarkNoShow("3"))
    return hall


def test_a_snapshot_from_before_ticket_rows_still_rebuilds_the_hall(clock: FakeClock) -> None:
    hall = _day_under_way(clock)
    snapshot = hall.to_snapshot()
    columns, rows = snapshot.pop("ticket_columns"), snapshot.pop("ticket_rows")
    older = {**snapshot, "tickets": [dict(zip(columns, row, strict=True)) for row in rows]}

    restored = Hall.from_snapshot(hall.config, older)

    assert restored.to_snapshot() == hall.to_snapshot()
    assert sorted(t.state for t in restored.tickets.values()) == [
        TicketState.NO_SHOW,
        TicketState.SERVING,
        TicketState.WAITING,
        TicketState.WAITING,
    ]


def test_ticket_rows_of_another_version_take_defaults_and_drop_what_is_gone(
    clock: FakeClock,
) -> None:
    hall = _day_under_way(clock)
    snapshot = hall.to_snapshot()
    columns: list[str] = snapshot["ticket_columns"]
    missing = columns.index("missed_reason")
    snapshot["ticket_columns"] = [*columns[:missing], *columns[missing + 1 :], "gone"]
    snapshot["ticket_rows"] = [
        [*row[:missing], *row[missing + 1 :], "old value"] for row in snapshot["ticket_rows"]
    ]

    restored = Hall.from_snapshot(hall.config, snapshot)

    assert all(t.missed_reason is None for t in restored.tickets.values())
    assert not any(hasattr(t, "gone") for t in restored.tickets.values())
    for ticket in restored.tickets.values():
        ticket.missed_reason = hall.tickets[ticket.id].missed_reason
    assert restored.to_snapshot() == hall.to_snapshot()


def test_ticket_rows_without_a_field_that_has_no_default_are_refused(clock: FakeClock) -> None:
    hall = _day_under_way(clock)
    snapshot = hall.to_snapshot()
    columns: list[str] = snapshot["ticket_columns"]
    gone = columns.index("origin_service")
    snapshot["ticket_columns"] = columns[:gone] + columns[gone + 1 :]
    snapshot["ticket_rows"] = [row[:gone] + row[gone + 1 :] for row in snapshot["ticket_rows"]]

    with pytest.raises(ValueError, match="origin_service"):
        Hall.from_snapshot(hall.config, snapshot)


def test_a_service_dropped_from_the_config_does_not_break_the_hall(clock: FakeClock) -> None:
    hall = opened(clock, "1")
    kept = issue(hall, clock, "estate")
    issue(hall, clock, "social")
    dropped = issue(hall, clock, "social")
    smaller = small_hall(
        services=tuple(s for s in small_hall().services if s.id != "social"),
        windows=(
            Window(
                id="1",
                label="1号窗口",
                floor="1F",
                kind=WindowKind.GENERAL,
                services=("estate", "pickup"),
            ),
        ),
    )
    restarted = Hall.from_snapshot(smaller, hall.to_snapshot())
    assert restarted.place(restarted.tickets[dropped], clock())[1] > 0
    assert restarted.ahead(restarted.tickets[kept], clock()) == 0
    do(restarted, clock, c.CallNext("1"))
    clock.advance(minutes=5)
    do(restarted, clock, c.FinishService("1"))


@pytest.mark.parametrize("missed", [MissedPolicy.BACK, MissedPolicy.AFTER_N])
@pytest.mark.parametrize("precedence", ["green", "pinned", "transferred"])
def test_a_missed_ticket_that_goes_back_in_waits_as_an_ordinary_ticket(
    clock: FakeClock, missed: MissedPolicy, precedence: str
) -> None:
    """Its precedence was for the call it missed: back in the queue, it lets the others go
    first instead of being called again at once."""
    hall = opened(clock, "1", policy=Policy(missed=missed, missed_after_places=2))
    late = issue(hall, clock, priority=Priority.GREEN if precedence == "green" else Priority.NORMAL)
    ordinary = [issue(hall, clock) for _ in range(3)]
    if precedence == "pinned":
        do(hall, clock, c.PinTicket(late, by="manager"))
    if precedence == "transferred":
        do(hall, clock, c.CallNext("1"))
        do(hall, clock, c.Transfer("1", to_service="social"))  # served ahead of the others
    assert do(hall, clock, c.CallNext("1")) == late
    do(hall, clock, c.MarkNoShow("1"))
    calls = [do(hall, clock, c.CallNext("1")) for _ in range(4)]
    if missed is MissedPolicy.BACK:
        assert calls == [*ordinary, late]
    else:
        assert calls == [*ordinary[:2], late, ordinary[2]]
    assert not hall.tickets[late].pinned


def test_a_missed_ticket_goes_to_the_back_when_fewer_than_n_wait(clock: FakeClock) -> None:
    hall = opened(clock, "1", policy=Policy(missed=MissedPolicy.AFTER_N, missed_after_places=3))
    route_step = issue(hall, clock, "estate")
    walk_in = issue(hall, clock, "pickup")
    do(hall, clock, c.CallNext("1"))
    do(hall, clock, c.FinishService("1"))  # on to pick-up, ahead of the walk-in
    assert do(hall, clock, c.CallNext("1")) == route_step
    do(hall, clock, c.MarkNoShow("1"))
    assert hall.tickets[route_step].state is TicketState.WAITING
    assert [do(hall, clock, c.CallNext("1")) for _ in range(2)] == [walk_in, route_step]


def test_a_ticket_back_in_after_a_missed_call_may_be_pinned_again(clock: FakeClock) -> None:
    hall = opened(clock, "1", policy=Policy(missed=MissedPolicy.BACK))
    late = issue(hall, clock)
    others = [issue(hall, clock) for _ in range(2)]
    do(hall, clock, c.CallNext("1"))
    do(hall, clock, c.MarkNoShow("1"))
    do(hall, clock, c.PinTicket(late, by="manager"))
    assert [do(hall, clock, c.CallNext("1")) for _ in range(3)] == [late, *others]


def test_one_waiting_ticket_per_id_follows_the_ticket_to_its_next_service(
    clock: FakeClock,
) -> None:
    hall = opened(clock, "1")
    case = issue(hall, clock, "estate", id_hash="h1")
    do(hall, clock, c.CallNext("1"))
    do(hall, clock, c.Transfer("1", to_service="social"))
    with pytest.raises(Conflict) as refused:
        issue(hall, clock, "social", id_hash="h1")  # it waits for social now
    assert refused.value.code == "already_waiting"
    issue(hall, clock, "estate", id_hash="h1")  # and no longer for estate
    assert do(hall, clock, c.CallNext("1")) == case
    do(hall, clock, c.FinishService("1"))  # on to its route's pick-up step
    assert hall.tickets[case].service == "pickup"
    with pytest.raises(Conflict):
        issue(hall, clock, "pickup", id_hash="h1")
    issue(hall, clock, "social", id_hash="h1")


def test_a_missed_ticket_called_back_keeps_the_rule_for_the_new_one(clock: FakeClock) -> None:
    hall = opened(clock, "1")
    missed = issue(hall, clock, id_hash="h1")
    do(hall, clock, c.CallNext("1"))
    do(hall, clock, c.MarkNoShow("1"))
    issue(hall, clock, id_hash="h1")  # the citizen took a new ticket meanwhile
    do(hall, clock, c.CallBack("1", missed))
    do(hall, clock, c.FinishService("1"))
    with pytest.raises(Conflict) as refused:
        issue(hall, clock, id_hash="h1")  # the new one still waits
    assert refused.value.code == "already_waiting"


def test_the_wait_of_a_ticket_sent_to_one_window_is_that_window_s(clock: FakeClock) -> None:
    hall = opened(clock, "1", "2")
    sent = [issue(hall, clock) for _ in range(3)]
    for _ in sent:
        do(hall, clock, c.CallNext("1"))
        do(hall, clock, c.Transfer("1", to_window="2"))
    # Two ahead of it, and only window 2 will call them: 6 minutes each, one after the other.
    assert hall.place(hall.tickets[sent[-1]], clock()) == (2, 12.0)


def test_tickets_left_from_an_earlier_day_never_share_today_s_numbers(clock: FakeClock) -> None:
    hall = Hall(small_hall(clearing=()))  # a hall without an end-of-day clearing
    do(hall, clock, c.OpenWindow("1", clerk="clerk1"))
    left = [issue(hall, clock, id_hash="h1"), issue(hall, clock)]
    do(hall, clock, c.CallNext("1"))
    do(hall, clock, c.HoldTicket("1"))
    clock.advance(days=1)
    # The citizen of yesterday's held ticket comes back for a new one.
    outcome = hall.execute(
        c.IssueTicket(ticket_id="today", service="social", id_hash="h1"), clock()
    )
    cleared = [ev for ev in outcome.events if isinstance(ev, e.QueueCleared)]
    assert [set(ev.ticket_ids) for ev in cleared] == [set(left)]  # one waiting, one held
    assert number(hall, "today") == "A001"
    assert hall.windows["1"].held == []
    assert [t.number for t in hall.waiting_tickets()] == ["A001"]
    assert do(hall, clock, c.CallNext("1")) == "today"


def test_a_booking_sent_in_utc_is_kept_for_its_local_day(clock: FakeClock) -> None:
    hall = Hall(small_hall(open_all_hours=True))
    issue(hall, clock)
    # 07:00-07:59 in Shanghai on the 24th, which is still the 23rd in UTC.
    slot_start = dt.datetime(2026, 11, 23, 23, 0, tzinfo=dt.UTC)
    slot_end = slot_start + dt.timedelta(minutes=59)
    do(hall, clock, c.BookAppointment("X1", "social", slot_start, slot_end))
    clock.now = dt.datetime(2026, 11, 24, 7, 0, tzinfo=clock.now.tzinfo)
    issue(hall, clock)  # the day's first ticket
    checked_in = do(hall, clock, c.CheckIn("X1", ticket_id="booked"))
    assert hall.tickets["booked"].priority is Priority.APPOINTMENT
    assert checked_in == "booked"


def test_an_appointment_checks_in_in_its_slot_after_the_walk_in_cutoff(clock: FakeClock) -> None:
    hall = Hall(small_hall())
    slot = clock.now.replace(hour=17, minute=0)
    do(hall, clock, c.BookAppointment("X1", "social", slot, slot + dt.timedelta(minutes=30)))
    do(hall, clock, c.BookAppointment("X2", "social", slot - dt.timedelta(hours=1), slot))
    clock.now = slot.replace(minute=5)  # walk-ins are cut off from 17:00
    with pytest.raises(Conflict) as walk_in:
        issue(hall, clock)
    assert walk_in.value.code == "hall_closed"
    do(hall, clock, c.CheckIn("X1", ticket_id="booked"))
    assert hall.tickets["booked"].session == 1
    with pytest.raises(Conflict) as too_late:  # that slot is over: a walk-in's hours
        do(hall, clock, c.CheckIn("X2", ticket_id="late"))
    assert too_late.value.code == "hall_closed"
    clock.now = slot.replace(minute=30)  # the session is over
    do(hall, clock, c.BookAppointment("X3", "social", slot, slot + dt.timedelta(hours=1)))
    with pytest.raises(Conflict) as closed:
        do(hall, clock, c.CheckIn("X3", ticket_id="after"))
    assert closed.value.code == "hall_closed"
