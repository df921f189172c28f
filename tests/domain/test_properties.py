"""Invariants of the domain core over random command sequences (hypothesis)."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

from helpers import SHANGHAI, small_hall
from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.domain import commands as c
from queue_server.domain.errors import DomainError
from queue_server.domain.hall import MissedPolicy, Policy
from queue_server.domain.model import FINAL_STATES, Priority, Ticket, TicketState, WindowState
from queue_server.domain.queues import rank_at
from queue_server.domain.state import Hall

WINDOWS = ("1", "2", "3")
SERVICES = ("social", "estate", "company", "pickup")
START = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)

# Issuing and calling dominate a real day; weighting them makes long queues, and so
# numbering and ordering, likely in every example.
KINDS = (
    ["issue"] * 8
    + ["call"] * 5
    + ["finish"] * 2
    + [
        "start",
        "recall",
        "miss",
        "hold",
        "resume_held",
        "callback",
        "transfer_service",
        "transfer_window",
        "pause",
        "resume",
        "close",
        "open",
        "pin",
        "cancel",
    ]
)

Step = tuple[str, str, Priority, str, str, int]

steps_strategy = st.tuples(
    st.sampled_from(KINDS),
    st.sampled_from(SERVICES),
    st.sampled_from([Priority.NORMAL] * 6 + [Priority.GREEN, Priority.APPOINTMENT]),
    st.sampled_from(WINDOWS),
    st.sampled_from(WINDOWS),
    st.integers(min_value=0, max_value=60),
)


def build(step: Step, issued: list[str], n: int, now: dt.datetime) -> c.Command:
    kind, service, priority, w, other_window, index = step
    ref = issued[index % len(issued)] if issued else "none"
    match kind:
        case "issue":
            appointment = priority is Priority.APPOINTMENT
            slot_start = now - dt.timedelta(minutes=n % 7 * 10)
            return c.IssueTicket(
                ticket_id=f"t{n}",
                service=service,
                priority=priority,
                slot_start=slot_start if appointment else None,
                slot_end=slot_start + dt.timedelta(minutes=40) if appointment else None,
            )
        case "call":
            return c.CallNext(w)
        case "finish":
            return c.FinishService(w)
        case "start":
            return c.StartService(w)
        case "recall":
            return c.Recall(w)
        case "miss":
            return c.MarkNoShow(w, reason="未到")
        case "hold":
            return c.HoldTicket(w)
        case "resume_held":
            return c.ResumeHeld(w, ref)
        case "callback":
            return c.CallBack(w, ref)
        case "transfer_service":
            return c.Transfer(w, to_service=service)
        case "transfer_window":
            return c.Transfer(w, to_window=other_window)
        case "pause":
            return c.PauseWindow(w, reason="休息")
        case "resume":
            return c.ResumeWindow(w)
        case "close":
            return c.CloseWindow(w)
        case "open":
            return c.OpenWindow(w, clerk=f"clerk{w}")
        case "pin":
            return c.PinTicket(ref, by="manager")
        case _:
            return c.CancelTicket(ref, reason="作废")


def expected_next(hall: Hall, window_id: str, now: dt.datetime) -> str | None:
    """Brute force of the dispatch order, independent of the queue structures."""
    config = hall.window_config[window_id]
    waiting = list(hall.waiting_tickets())
    primary = [
        t
        for t in waiting
        if t.target_window == window_id
        or (t.target_window is None and t.service in config.services)
    ]
    overflow = [t for t in waiting if t.target_window is None and t.service in config.overflow]
    for eligible in (primary, overflow):
        if eligible:
            return min(eligible, key=lambda t: (rank_at(t, now), t.key)).id
    return None


def check_invariants(hall: Hall) -> None:
    current = [w.ticket_id for w in hall.windows.values() if w.ticket_id is not None]
    assert len(current) == len(set(current)), "a ticket is at two windows"
    for ticket in hall.tickets.values():
        at_window = ticket.id in current
        assert at_window == (ticket.state in (TicketState.CALLED, TicketState.SERVING))
        assert (ticket.key is not None) == (ticket.state is TicketState.WAITING)
    for window in hall.windows.values():
        if window.state in (WindowState.CLOSED, WindowState.PAUSED, WindowState.IDLE):
            assert window.ticket_id is None
    waiting = Counter(t.service for t in hall.waiting_tickets())
    assert all(hall.waiting_count(s) == waiting[s] for s in SERVICES)
    numbers = [(t.origin_service, t.number) for t in hall.tickets.values()]
    assert len(numbers) == len(set(numbers)), "a number was given twice"
    assert hall.new_ticket_etas() == {s: expected_eta(hall, s) for s in SERVICES}
    for ticket in hall.tickets.values():  # as a snapshot keeps it, and gives it back
        assert Ticket.from_dict(json.loads(json.dumps(ticket.to_dict()))) == ticket
        assert Ticket.from_row(json.loads(json.dumps(ticket.to_row()))) == ticket


def expected_eta(hall: Hall, service: str) -> float:
    """Everyone waiting goes first, at the service's mean pace, spread over the open windows
    that serve it (all that serve it while none is open)."""
    waiting = hall.waiting_count(service)
    if waiting == 0:
        return 0.0
    serving = [
        w.id for w in hall.window_config.values() if service in w.services or service in w.overflow
    ]
    open_now = [
        w for w in serving if hall.windows[w].state not in (WindowState.CLOSED, WindowState.PAUSED)
    ]
    return round(waiting * hall.mean_minutes[service] / (len(open_now) or len(serving) or 1), 1)


@settings(max_examples=300, deadline=None)
@given(
    steps=st.lists(steps_strategy, min_size=30, max_size=200),
    missed=st.sampled_from(list(MissedPolicy)),
)
def test_random_days_keep_every_invariant(steps: list[Step], missed: MissedPolicy) -> None:
    hall = Hall(small_hall(policy=Policy(missed=missed, recall_cap=2), open_all_hours=True))
    now = START
    issued: list[str] = []
    for w in WINDOWS:
        hall.execute(c.OpenWindow(w, clerk=f"clerk{w}"), now)
    for n, step in enumerate(steps):
        now += dt.timedelta(seconds=37)
        command = build(step, issued, n, now)
        predicted = (
            expected_next(hall, command.window, now) if isinstance(command, c.CallNext) else None
        )
        before = hall.to_snapshot()
        try:
            outcome = hall.execute(command, now)
        except DomainError:
            assert hall.to_snapshot() == before, f"{command} was refused but changed the hall"
            continue
        if isinstance(command, c.IssueTicket) and outcome.events:
            issued.append(command.ticket_id)
        if isinstance(command, c.CallNext):
            assert outcome.ticket_id == predicted, "called out of order"
        check_invariants(hall)
    # Close the day: everything ends in exactly one final state.
    now += dt.timedelta(minutes=1)
    for w in WINDOWS:
        if hall.windows[w].state is WindowState.PAUSED:
            hall.execute(c.ResumeWindow(w), now)
        if hall.windows[w].state is not WindowState.CLOSED and hall.windows[w].ticket_id:
            hall.execute(c.FinishService(w), now)
    hall.execute(c.ClearQueue(), now)
    assert len(hall.tickets) == len(issued)
    assert all(t.state in FINAL_STATES for t in hall.tickets.values())
