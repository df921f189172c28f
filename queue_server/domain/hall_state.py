"""The hall's live data, shared by the appliers, the deciders and the queries."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from queue_server.domain.hall import HallConfig, Window
from queue_server.domain.model import Ticket, TicketState, WindowStatus
from queue_server.domain.queues import Queues
from queue_server.domain.rating_book import RatingBook
from queue_server.domain.records import Appointment, ClerkDay, DeviceHealth
from queue_server.domain.tuning import Change, tuned_service, tuned_window

# The mean service time assumed for a service dropped from the config since its tickets
# were issued (the others start from their configured mean and learn from each service).
DEFAULT_MEAN_MINUTES = 10.0


class HallState:
    """Every piece of a hall's state; the subclasses add how it changes and what it answers."""

    def __init__(self, config: HallConfig) -> None:
        self.config = config
        self.tz = ZoneInfo(config.timezone)
        self.services = {s.id: s for s in config.services}
        self.window_config = {w.id: w for w in config.windows}
        self.windows = {w.id: WindowStatus(w.id) for w in config.windows}
        self.services_in_order = tuple(s.id for s in config.services)
        self._servers: dict[str, tuple[str, ...]] = {}
        # Per service, the windows its line is spread over (see Hall._capacities); None
        # until asked for again after windows opened, paused, resumed or closed.
        self._capacities_known: dict[str, int] | None = None
        # The expected wait of a new ticket per service (see Hall.new_ticket_etas), and the
        # services whose wait may have changed since besides those whose line changed
        # (None: every service's).
        self._etas: dict[str, float] = {}
        self._etas_stale: set[str] | None = None
        self._route()
        self.tickets: dict[str, Ticket] = {}
        self.queues = Queues()
        self.day: dt.date | None = None
        self.issued_today: dict[str, int] = {}
        self.issued_in_session: dict[str, int] = {}  # "service/session" -> count
        self.mean_minutes = {s.id: s.mean_service_minutes for s in config.services}
        self.next_major = 1
        self.next_minor = 1
        self.last_event_at: dt.datetime | None = None
        self._by_idempotency: dict[tuple[str, str], str] = {}
        # (service, ID hash) -> the tickets of that ID in line or at a window for that service
        self._active_by_id_hash: dict[tuple[str, str], set[str]] = {}
        self.appointments: dict[str, Appointment] = {}
        self.devices: dict[tuple[str, str], DeviceHealth] = {}  # (device, component) -> health
        self.book = RatingBook()
        # Tuning by managers (queue_server.domain.tuning): what differs from the hall file.
        self.tuned_windows: dict[str, dict[str, Any]] = {}
        self.tuned_quotas: dict[str, dict[str, Any]] = {}
        self.issuing_paused: dict[str, str] = {}  # service -> why
        self.changes: dict[str, Change] = {}  # the latest changes, for the audit and undo
        self.clerk_today: dict[str, ClerkDay] = {}  # username -> the clerk's figures today

    def _route(self) -> None:
        """Which windows serve each service, after any tuning."""
        self._servers = {
            s: tuple(w.id for w in self.window_config.values() if _serves(w, s))
            for s in self.services
        }
        self.windows_changed()

    def windows_changed(self) -> None:
        """Say that windows opened, paused, resumed, closed, came or went, or serve other
        services now: the capacities are worked out again when next asked for."""
        self._capacities_known = None
        self._etas_stale = None

    def retune(self) -> None:
        """Apply the tuned window services and quotas over the hall file's."""
        base_windows = {w.id: w for w in self.config.windows}
        for window, values in self.tuned_windows.items():
            if window in base_windows:
                self.window_config[window] = tuned_window(base_windows[window], values)
        # Every service from the file's: one whose quotas are no longer tuned (they were the
        # day's, and it ended) has the file's again.
        for service in self.config.services:
            quotas = self.tuned_quotas.get(service.id)
            self.services[service.id] = (
                service if quotas is None else tuned_service(service, quotas)
            )
        self._route()

    def clerk_day(self, clerk: str) -> ClerkDay:
        day = self.clerk_today.get(clerk)
        if day is None:
            day = self.clerk_today[clerk] = ClerkDay()
        return day

    def appointment_ticket(self, booking: Appointment) -> Ticket | None:
        """The ticket a booking was checked in with, or None: not checked in yet, or its
        ticket was voided (a kiosk that could not print it), so that it checks in again."""
        if booking.ticket_id is None or self.voided(booking.ticket_id):
            return None
        return self.tickets.get(booking.ticket_id)

    def voided(self, ticket_id: str) -> bool:
        ticket = self.tickets.get(ticket_id)
        return ticket is not None and ticket.state is TicketState.CANCELLED

    def _mean(self, service: str) -> float:
        return self.mean_minutes.get(service, DEFAULT_MEAN_MINUTES)

    def _index(self, ticket: Ticket) -> None:
        if ticket.device and ticket.idempotency_key:
            self._by_idempotency[(ticket.device, ticket.idempotency_key)] = ticket.id
        if not ticket.is_final:
            self._guard_id(ticket)

    def _guard_id(self, ticket: Ticket) -> None:
        """One waiting ticket per ID card and service: the service the ticket is for now,
        which a transfer or a route's next step changes."""
        if ticket.id_hash:
            self._active_by_id_hash.setdefault((ticket.service, ticket.id_hash), set()).add(
                ticket.id
            )

    def _release_id(self, ticket: Ticket) -> None:
        key = (ticket.service, ticket.id_hash or "")
        holders = self._active_by_id_hash.get(key)
        if holders is not None:
            holders.discard(ticket.id)
            if not holders:
                del self._active_by_id_hash[key]


def _serves(window: Window, service: str) -> bool:
    return service in window.services or service in window.overflow
