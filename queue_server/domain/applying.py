"""Applying events to the hall's state: the only code that changes it, in replay as live."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from queue_server.domain import events as e
from queue_server.domain.applying_ratings import RATING_APPLIERS
from queue_server.domain.applying_tuning import TUNING_APPLIERS
from queue_server.domain.hall_state import HallState
from queue_server.domain.hours import reopens_between
from queue_server.domain.model import QueueKey, Ticket, TicketState, WindowState, WindowStatus
from queue_server.domain.rating_book import Rateable
from queue_server.domain.ratings import ServedService
from queue_server.domain.records import Appointment, DeviceHealth

# How fast the running mean of service times follows recent services.
MEAN_WEIGHT = 0.2
# Service times outside this range (minutes) are mistakes, not information.
MEAN_BOUNDS = (0.5, 240.0)


class Applier(HallState):
    """Applies each event to the state; deterministic, so replaying the journal rebuilds it."""

    def apply(self, event: e.Event) -> None:
        window = getattr(event, "window", None)
        if isinstance(window, str) and window not in self.windows:
            # Replaying a journal that names a window the config no longer has (taken out
            # after a crash, before a snapshot): followed for now, dropped after the replay.
            self.windows[window] = WindowStatus(window)
            self.windows_changed()
        _APPLIERS[type(event)](self, event)
        self.last_event_at = event.at

    def drop_removed_windows(self) -> None:
        """Forget the windows the config no longer has, as loading a snapshot does."""
        for window in set(self.windows) - {w.id for w in self.config.windows}:
            del self.windows[window]
        self.windows_changed()

    def _track_key(self, key: QueueKey) -> None:
        self.next_major = max(self.next_major, key[0] + 1)
        self.next_minor = max(self.next_minor, key[1] + 1)

    def _enqueue(self, ticket: Ticket, key: QueueKey) -> None:
        ticket.key = key
        self._track_key(key)
        self.queues.add(ticket)

    def _dequeue(self, ticket: Ticket) -> None:
        self.queues.remove(ticket)
        ticket.key = None

    def _finalise(self, ticket: Ticket, at: dt.datetime) -> None:
        ticket.finished_at = at
        self._release_id(ticket)

    def _on_issued(self, ev: e.TicketIssued) -> None:
        # A day not begun by an e.DayStarted begins with its first ticket: the hall's first,
        # one of a journal from before that event, or after a start of the day that failed.
        if ev.day != self.day:
            self._start_day(ev.day)
        if not self.issued_today:
            self._forget_days_before(ev.day)
        ticket = Ticket(
            id=ev.ticket_id,
            number=ev.number,
            service=ev.service,
            origin_service=ev.service,
            priority=ev.priority,
            issued_at=ev.at,
            day=ev.day,
            session=ev.session,
            route_remaining=ev.route,
            device=ev.device,
            idempotency_key=ev.idempotency_key,
            id_hash=ev.id_hash,
            slot_start=ev.slot_start,
            slot_end=ev.slot_end,
        )
        self.tickets[ticket.id] = ticket
        self._enqueue(ticket, ev.key)
        self.issued_today[ev.service] = self.issued_today.get(ev.service, 0) + 1
        session_key = f"{ev.service}/{ev.session}"
        self.issued_in_session[session_key] = self.issued_in_session.get(session_key, 0) + 1
        self._index(ticket)
        if ev.appointment is not None and ev.appointment in self.appointments:
            self.appointments[ev.appointment].ticket_id = ticket.id

    def _start_day(self, day: dt.date) -> None:
        """A new business day: numbering restarts, and the figures of today with it."""
        self.day = day
        self.issued_today.clear()
        self.issued_in_session.clear()
        self.clerk_today.clear()
        self._drop_missed_before(day)

    def _drop_missed_before(self, day: dt.date) -> None:
        """A window calls back its own missed tickets of the day only: the days before's
        leave its list when the day begins."""
        for window in self.windows.values():
            window.missed = [t for t in window.missed if self.tickets[t].day >= day]

    def _forget_days_before(self, day: dt.date) -> None:
        """At the day's first ticket the days before are forgotten: their finished tickets and
        appointments, and services and ratings past keeping. Not at the day's start: until its
        first ticket, last evening's are the only tickets with their numbers, and their phone
        pages still show them."""
        for ticket in [t for t in self.tickets.values() if t.is_final and t.day < day]:
            del self.tickets[ticket.id]
            if ticket.device and ticket.idempotency_key:
                self._by_idempotency.pop((ticket.device, ticket.idempotency_key), None)
        for code in [
            c for c, a in self.appointments.items() if a.slot_end.astimezone(self.tz).date() < day
        ]:
            del self.appointments[code]
        self.book.prune(day, self.config.ratings.keep_days, self.tz)

    def _on_day_started(self, ev: e.DayStarted) -> None:
        self._start_day(ev.day)
        # 暂停取号 and the quotas a manager sets are for the day they are set on (docs/manager.md):
        # the next begins with the hall file's. Only this event ends them, never a day's first
        # ticket: replaying a journal from before it keeps what that server kept.
        self.issuing_paused.clear()
        self.tuned_quotas.clear()
        self.retune()

    def _on_called(self, ev: e.TicketCalled) -> None:
        ticket = self.tickets[ev.ticket_id]
        window = self.windows[ev.window]
        # A wait is from issue to the first call, as the reports count it: a call back, or a
        # call after a transfer, a requeue or a route's next step, is no new wait.
        first_call = ticket.called_at is None
        if ticket.state is TicketState.WAITING:
            self._dequeue(ticket)
        elif ticket.state is TicketState.NO_SHOW:
            # Called back: it counts as the citizen's ticket again. (A server before the
            # day's rule for call-backs may have called back one no longer in the list.)
            if ev.ticket_id in window.missed:
                window.missed.remove(ev.ticket_id)
            self._guard_id(ticket)
        ticket.move_to(TicketState.CALLED)
        ticket.rejoined = False
        ticket.window = ev.window
        ticket.target_window = None
        ticket.called_at = ev.at
        ticket.started_at = None
        ticket.finished_at = None
        ticket.held_at = None
        ticket.held_seconds = 0.0
        ticket.recalls = 0
        window.ticket_id = ticket.id
        window.move_to(WindowState.CALLING, ev.at)
        if window.clerk is not None and first_call:
            day = self.clerk_day(window.clerk)
            day.calls += 1
            day.wait_minutes += (ev.at - ticket.issued_at).total_seconds() / 60

    def _on_recalled(self, ev: e.TicketRecalled) -> None:
        self.tickets[ev.ticket_id].recalls = ev.count

    def _on_started(self, ev: e.TicketStarted) -> None:
        ticket = self.tickets[ev.ticket_id]
        ticket.move_to(TicketState.SERVING)
        ticket.started_at = ev.at
        self.windows[ev.window].move_to(WindowState.SERVING, ev.at)
        # The next citizen sits at the window: the pad no longer offers the last service
        # (its citizen has gone; the QR code on their ticket still rates it by phone).
        self.book.open.pop(ev.window, None)

    def _release_window(self, window_id: str, at: dt.datetime) -> None:
        window = self.windows[window_id]
        window.ticket_id = None
        window.move_to(WindowState.IDLE, at)

    def _on_finished(self, ev: e.TicketFinished) -> None:
        ticket = self.tickets[ev.ticket_id]
        self._learn_service_time(ticket, ev.at)
        self._record_service(ticket, ev)
        self._release_window(ev.window, ev.at)
        if ev.next_service is not None and ev.key is not None:
            ticket.move_to(TicketState.WAITING)
            self._release_id(ticket)
            ticket.service = ev.next_service
            self._guard_id(ticket)
            ticket.route_remaining = ticket.route_remaining[1:]
            ticket.transferred = True
            ticket.requeued_at = ev.at
            self._enqueue(ticket, ev.key)
        else:
            ticket.move_to(TicketState.DONE)
            self._finalise(ticket, ev.at)

    def _record_service(self, ticket: Ticket, ev: e.TicketFinished) -> None:
        """A finished service may be rated, and counts in its clerk's figures."""
        window = self.windows[ev.window]
        served = ServedService(
            ticket_id=ticket.id,
            ticket_number=ticket.number,
            service=ticket.service,
            window=window.id,
            clerk=window.clerk,
            staff_no=window.staff_no,
            clerk_name=window.clerk_name,
            served_at=ev.at,
            case_no=ev.case_no,
        )
        ticket.served.append(served.occurrence)
        self.book.add(Rateable(served))
        if window.clerk is not None:
            day = self.clerk_day(window.clerk)
            day.served += 1
            began = ticket.service_began
            if began is not None:
                day.timed_services += 1
                day.service_minutes += ticket.service_minutes(began, ev.at)

    def _learn_service_time(self, ticket: Ticket, at: dt.datetime) -> None:
        began = ticket.service_began
        if began is None:
            return
        minutes = ticket.service_minutes(began, at)
        # A service finished only after the hall opened again (the clerk went to lunch
        # without pressing 办结) says nothing of how long a service takes.
        if MEAN_BOUNDS[0] <= minutes <= MEAN_BOUNDS[1] and not reopens_between(
            self.config.hours, began.astimezone(self.tz), at.astimezone(self.tz)
        ):
            old = self._mean(ticket.service)
            self.mean_minutes[ticket.service] = old + MEAN_WEIGHT * (minutes - old)
            if self._etas_stale is not None:
                self._etas_stale.add(ticket.service)

    def _on_missed(self, ev: e.TicketMissed) -> None:
        ticket = self.tickets[ev.ticket_id]
        ticket.missed_reason = ev.reason
        self._count_for_clerk(ev.window, "missed")
        self._release_window(ev.window, ev.at)
        if ev.key is not None:
            # Back in as an ordinary ticket: green, a pin, a transfer or an appointment's
            # slot got it the call it missed; else it would be called again at once.
            ticket.move_to(TicketState.WAITING)
            ticket.requeues += 1
            ticket.pinned = False
            ticket.rejoined = True
            ticket.requeued_at = ev.at
            self._enqueue(ticket, ev.key)
            return
        ticket.move_to(TicketState.NO_SHOW)
        self._finalise(ticket, ev.at)
        if ticket.day == self.day:  # not one of the day before still served after midnight
            window = self.windows[ev.window]
            window.missed.append(ticket.id)
            del window.missed[: -self.config.policy.callback_window_memory or None]

    def _count_for_clerk(self, window_id: str, figure: str) -> None:
        clerk = self.windows[window_id].clerk
        if clerk is not None:
            day = self.clerk_day(clerk)
            setattr(day, figure, getattr(day, figure) + 1)

    def _on_held(self, ev: e.TicketHeld) -> None:
        ticket = self.tickets[ev.ticket_id]
        ticket.move_to(TicketState.HELD)
        ticket.held_at = ev.at
        self._count_for_clerk(ev.window, "held")
        self.windows[ev.window].held.append(ev.ticket_id)
        self._release_window(ev.window, ev.at)

    def _on_resumed(self, ev: e.TicketResumed) -> None:
        ticket = self.tickets[ev.ticket_id]
        window = self.windows[ev.window]
        ticket.move_to(TicketState.SERVING)
        assert ticket.held_at is not None
        ticket.held_seconds += (ev.at - ticket.held_at).total_seconds()
        window.held.remove(ticket.id)
        window.ticket_id = ticket.id
        window.move_to(WindowState.SERVING, ev.at)

    def _on_transferred(self, ev: e.TicketTransferred) -> None:
        ticket = self.tickets[ev.ticket_id]
        self._count_for_clerk(ev.window, "transferred")
        self._release_window(ev.window, ev.at)
        ticket.move_to(TicketState.WAITING)
        self._release_id(ticket)
        ticket.service = ev.to_service
        self._guard_id(ticket)
        if ev.to_service in ticket.route_remaining:  # sent on to a step of its route by hand
            rest = ticket.route_remaining
            ticket.route_remaining = rest[rest.index(ev.to_service) + 1 :]
        ticket.target_window = ev.to_window
        ticket.transferred = True
        ticket.requeued_at = ev.at
        self._enqueue(ticket, ev.key)

    def _on_pinned(self, ev: e.TicketPinned) -> None:
        ticket = self.tickets[ev.ticket_id]
        assert ticket.key is not None
        key = ticket.key
        self._dequeue(ticket)
        ticket.pinned = True
        self._enqueue(ticket, key)

    def _on_unpinned(self, ev: e.TicketUnpinned) -> None:
        # The key was never changed by the pin: the ticket goes back to its own place.
        ticket = self.tickets[ev.ticket_id]
        assert ticket.key is not None
        key = ticket.key
        self._dequeue(ticket)
        ticket.pinned = False
        self._enqueue(ticket, key)

    def _on_cancelled(self, ev: e.TicketCancelled) -> None:
        ticket = self.tickets[ev.ticket_id]
        self._dequeue(ticket)
        ticket.move_to(TicketState.CANCELLED)
        self._finalise(ticket, ev.at)

    def _on_cleared(self, ev: e.QueueCleared) -> None:
        for ticket_id in ev.ticket_ids:
            ticket = self.tickets[ticket_id]
            # None: a window the hall file no longer has, where nothing is left to change.
            window = self.windows.get(ticket.window or "")
            if ticket.state is TicketState.WAITING:
                self._dequeue(ticket)
            elif ev.window is not None:  # left at the window when its day ended
                self._release_window(ev.window, ev.at)
            elif window is not None and ticket.id in window.held:
                window.held.remove(ticket.id)
            ticket.move_to(TicketState.ABANDONED)
            self._finalise(ticket, ev.at)

    def _on_appointment_booked(self, ev: e.AppointmentBooked) -> None:
        self.appointments[ev.code] = Appointment(
            code=ev.code, service=ev.service, slot_start=ev.slot_start, slot_end=ev.slot_end
        )

    def _on_device_reported(self, ev: e.DeviceReported) -> None:
        self.devices[(ev.device, ev.component)] = DeviceHealth(
            device=ev.device,
            component=ev.component,
            condition=ev.condition,
            detail=ev.detail,
            since=ev.at,
        )

    def _on_window_opened(self, ev: e.WindowOpened) -> None:
        window = self.windows[ev.window]
        window.clerk = ev.clerk
        window.clerk_name = ev.clerk_name
        window.staff_no = ev.staff_no
        if window.state is WindowState.CLOSED:  # else a clerk signs in at an open window
            window.move_to(WindowState.IDLE, ev.at)
            self.windows_changed()

    def _on_window_paused(self, ev: e.WindowPaused) -> None:
        window = self.windows[ev.window]
        window.pause_reason = ev.reason
        window.move_to(WindowState.PAUSED, ev.at)
        self.windows_changed()

    def _on_window_resumed(self, ev: e.WindowResumed) -> None:
        window = self.windows[ev.window]
        window.pause_reason = None
        window.move_to(WindowState.IDLE, ev.at)
        self.windows_changed()

    def _on_window_closed(self, ev: e.WindowClosed) -> None:
        window = self.windows[ev.window]
        window.clerk = window.clerk_name = window.staff_no = None
        window.pause_reason = None
        window.move_to(WindowState.CLOSED, ev.at)
        self.windows_changed()
        # Tickets sent to this window would wait for it to open again: they go back to
        # their service's line, in their place and still ahead of ordinary tickets.
        sent_here = [t for t in self.tickets.values() if t.target_window == ev.window]
        for ticket in [t for t in sent_here if t.state is TicketState.WAITING]:
            self.queues.remove(ticket)
            ticket.target_window = None
            self.queues.add(ticket)


_APPLIERS: dict[type[e.Event], Callable[[Applier, Any], None]] = {
    e.TicketIssued: Applier._on_issued,
    e.TicketCalled: Applier._on_called,
    e.TicketRecalled: Applier._on_recalled,
    e.TicketStarted: Applier._on_started,
    e.TicketFinished: Applier._on_finished,
    e.TicketMissed: Applier._on_missed,
    e.TicketHeld: Applier._on_held,
    e.TicketResumed: Applier._on_resumed,
    e.TicketTransferred: Applier._on_transferred,
    e.TicketPinned: Applier._on_pinned,
    e.TicketUnpinned: Applier._on_unpinned,
    e.TicketCancelled: Applier._on_cancelled,
    e.QueueCleared: Applier._on_cleared,
    e.DayStarted: Applier._on_day_started,
    e.WindowOpened: Applier._on_window_opened,
    e.WindowPaused: Applier._on_window_paused,
    e.WindowResumed: Applier._on_window_resumed,
    e.WindowClosed: Applier._on_window_closed,
    e.AppointmentBooked: Applier._on_appointment_booked,
    e.DeviceReported: Applier._on_device_reported,
    **RATING_APPLIERS,
    **TUNING_APPLIERS,
}
