"""The hall's live data, shared by the appliers, the deciders and the queries."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from queue_server.domain.hall import HallConfig, Window
from queue_server.domain.model import Ticket, WindowStatus
from queue_server.domain.queues import Queues
from queue_server.domain.rating_book import RatingBook
from queue_server.domain.records import Appointment, ClerkDay, DeviceHealth

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
        self._servers = {
            s.id: tuple(w.id for w in config.windows if _serves(w, s.id)) for s in config.services
        }
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
        self._active_by_id_hash: dict[tuple[str, str], str] = {}
        self.appointments: dict[str, Appointment] = {}
        self.devices: dict[tuple[str, str], DeviceHealth] = {}  # (device, component) -> health
        self.book = RatingBook()
        self.clerk_today: dict[str, ClerkDay] = {}  # username -> the clerk's figures today

    def clerk_day(self, clerk: str) -> ClerkDay:
        day = self.clerk_today.get(clerk)
        if day is None:
            day = self.clerk_today[clerk] = ClerkDay()
        return day

    def _mean(self, service: str) -> float:
        return self.mean_minutes.get(service, DEFAULT_MEAN_MINUTES)

    def _index(self, ticket: Ticket) -> None:
        if ticket.device and ticket.idempotency_key:
            self._by_idempotency[(ticket.device, ticket.idempotency_key)] = ticket.id
        if ticket.id_hash and not ticket.is_final:
            self._active_by_id_hash[(ticket.origin_service, ticket.id_hash)] = ticket.id


def _serves(window: Window, service: str) -> bool:
    return service in window.services or service in window.overflow
