"""The hall: its state, the commands that change it, and what it answers about itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from queue_server.domain.deciding import Decider, Outcome
from queue_server.domain.hall import HallConfig
from queue_server.domain.model import TICKET_COLUMNS, Ticket, TicketState, WindowStatus
from queue_server.domain.queues import rank_at
from queue_server.domain.rating_book import RatingBook
from queue_server.domain.records import Appointment, ClerkDay, DeviceHealth
from queue_server.domain.tuning import Change

__all__ = ["Hall", "Outcome"]


class Hall(Decider):
    """One hall's live state. Commands go through `execute`; replay goes through `apply`.

    `execute` checks everything a command needs before it changes anything, so a refused
    command (a DomainError) leaves the state exactly as it was.
    """

    # -- queries --------------------------------------------------------------------------

    def ahead(self, ticket: Ticket, now: dt.datetime) -> int:
        if ticket.state is not TicketState.WAITING:
            return 0
        return self.queues.ahead_of(ticket, self.tickets, now)

    def place(self, ticket: Ticket, now: dt.datetime) -> tuple[int, float]:
        """People ahead, and the expected wait in minutes: those ahead over the windows that
        can take the ticket (the open ones, or all of them while none is open; only its own
        for a ticket sent to one window), at the service's running mean pace."""
        ahead = self.ahead(ticket, now)
        capacity = 1 if ticket.target_window is not None else self._capacity(ticket.service)
        return ahead, self._wait_minutes(ticket.service, ahead, capacity)

    def new_ticket_etas(self) -> dict[str, float]:
        """Per service, the minutes a ticket taken now would wait (everyone waiting goes
        first). Every change to a queue sends this to the boards: only the services whose
        line, pace or windows changed since are worked out again."""
        changed = self.queues.take_changed()
        if self._etas_stale is None:
            again: Iterable[str] = self.services_in_order
            self._etas = {}
        else:
            again = (changed | self._etas_stale).intersection(self.services_in_order)
        capacities = self._capacities()
        waiting = self.queues.waiting_counts()
        for s in again:
            self._etas[s] = self._wait_minutes(s, waiting.get(s, 0), capacities.get(s, 1))
        self._etas_stale = set()
        return dict(self._etas)

    def _capacity(self, service: str) -> int:
        return self._capacities().get(service, 1)

    def _capacities(self) -> dict[str, int]:
        """Per service, the windows its line is spread over: the open ones serving it, or all
        that serve it while none is open. Worked out again only after `windows_changed`,
        which is rare next to the changes of a queue that ask for it."""
        if self._capacities_known is None:
            open_now = {w for w, status in self.windows.items() if status.is_open}
            self._capacities_known = {
                service: len(open_now.intersection(servers)) or len(servers) or 1
                for service, servers in self._servers.items()
            }
        return self._capacities_known

    def _wait_minutes(self, service: str, ahead: int, capacity: int) -> float:
        if ahead == 0:
            return 0.0
        return round(ahead * self._mean(service) / capacity, 1)

    def waiting_tickets(self) -> Iterator[Ticket]:
        return (t for t in self.tickets.values() if t.state is TicketState.WAITING)

    def waiting_in_order(self, now: dt.datetime) -> list[Ticket]:
        """Every waiting ticket in the order a window taking every service would call them."""
        return sorted(self.waiting_tickets(), key=lambda t: (rank_at(t, now), t.key or (0, 0)))

    def waiting_count(self, service: str) -> int:
        return self.queues.waiting(service)

    def window_of_clerk(self, clerk: str) -> str | None:
        return next((w.id for w in self.windows.values() if w.clerk == clerk), None)

    def current_ticket(self, window_id: str) -> Ticket | None:
        ticket_id = self.windows[window_id].ticket_id
        return self.tickets[ticket_id] if ticket_id is not None else None

    # -- snapshots ------------------------------------------------------------------------

    def to_snapshot(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat() if self.day else None,
            "issued_today": dict(self.issued_today),
            "issued_in_session": dict(self.issued_in_session),
            "mean_minutes": dict(self.mean_minutes),
            "next_major": self.next_major,
            "next_minor": self.next_minor,
            "last_event_at": self.last_event_at.isoformat() if self.last_event_at else None,
            "ticket_columns": list(TICKET_COLUMNS),
            "ticket_rows": [t.to_row() for t in self.tickets.values()],
            "windows": [w.to_dict() for w in self.windows.values()],
            "appointments": [a.to_dict() for a in self.appointments.values()],
            "devices": [d.to_dict() for d in self.devices.values()],
            "ratings": self.book.to_dict(),
            "clerk_today": {k: v.to_dict() for k, v in self.clerk_today.items()},
            "tuning": {
                "windows": self.tuned_windows,
                "quotas": self.tuned_quotas,
                "paused": self.issuing_paused,
                "changes": [change.to_dict() for change in self.changes.values()],
            },
        }

    @classmethod
    def from_snapshot(cls, config: HallConfig, data: dict[str, Any]) -> Hall:
        hall = cls(config)
        hall.day = dt.date.fromisoformat(data["day"]) if data["day"] else None
        hall.issued_today = dict(data["issued_today"])
        hall.issued_in_session = dict(data["issued_in_session"])
        hall.mean_minutes.update(
            {k: v for k, v in data["mean_minutes"].items() if k in hall.mean_minutes}
        )
        hall.next_major = data["next_major"]
        hall.next_minor = data["next_minor"]
        last = data["last_event_at"]
        hall.last_event_at = dt.datetime.fromisoformat(last) if last else None
        columns = data.get("ticket_columns")
        if columns is not None and tuple(columns) == TICKET_COLUMNS:
            columns = TICKET_COLUMNS  # compared once here, not for each of the day's rows
        # Rows since the compact form; objects in snapshots from before it.
        tickets = (
            (Ticket.from_row(row, columns) for row in data["ticket_rows"])
            if columns is not None
            else (Ticket.from_dict(raw) for raw in data["tickets"])
        )
        for ticket in tickets:
            hall.tickets[ticket.id] = ticket
            if ticket.state is TicketState.WAITING:
                hall.queues.add(ticket)
            hall._index(ticket)
        for raw in data["windows"]:
            # A window removed from the config since the snapshot is dropped with it.
            if raw["id"] in hall.windows:
                hall.windows[raw["id"]] = WindowStatus.from_dict(raw)
        if hall.day is not None:
            # A server before the day's rule for call-backs kept the day before's missed
            # tickets listed from midnight until the day's first ticket.
            hall._drop_missed_before(hall.day)
        # Snapshots from before appointments and device reports existed have neither.
        for raw in data.get("appointments", ()):
            booking = Appointment.from_dict(raw)
            hall.appointments[booking.code] = booking
        for raw in data.get("devices", ()):
            health = DeviceHealth.from_dict(raw)
            hall.devices[(health.device, health.component)] = health
        if "ratings" not in data:
            # From before 好差评: the services its journal finished are rateable now and count
            # in the clerks' figures of the day, which only a replay of the journal rebuilds.
            raise ValueError("a snapshot from before ratings; the journal is replayed instead")
        hall.book = RatingBook.from_dict(data["ratings"])
        hall.clerk_today = {k: ClerkDay.from_dict(v) for k, v in data["clerk_today"].items()}
        tuning = data.get("tuning", {})
        hall.tuned_windows = dict(tuning.get("windows", {}))
        hall.tuned_quotas = dict(tuning.get("quotas", {}))
        hall.issuing_paused = dict(tuning.get("paused", {}))
        hall.changes = {c["id"]: Change.from_dict(c) for c in tuning.get("changes", ())}
        hall.retune()
        return hall
