"""What every decider shares: the outcome of a command, emitting events, finding things."""

from __future__ import annotations

from dataclasses import dataclass, field

from queue_server.domain import events as e
from queue_server.domain.applying import Applier
from queue_server.domain.errors import Conflict, NotFound
from queue_server.domain.model import Ticket, WindowStatus
from queue_server.domain.ratings import RatingRecord


@dataclass
class Outcome:
    """What a command did: its events (already applied) and the ticket it concerns; for a
    rating, the rating (recorded now, or before under the same idempotency key)."""

    events: list[e.Event] = field(default_factory=list)
    ticket_id: str | None = None
    rating: RatingRecord | None = None


class DeciderBase(Applier):
    """Emits events (applying each at once) and looks up what commands name, or refuses."""

    def _emit(self, outcome: Outcome, event: e.Event) -> None:
        self.apply(event)
        outcome.events.append(event)

    def _window(self, window_id: str) -> WindowStatus:
        window = self.windows.get(window_id)
        if window is None:
            raise NotFound("unknown_window", f"没有{window_id}号窗口")
        return window

    def _open(self, window_id: str) -> WindowStatus:
        window = self._window(window_id)
        if not window.is_open:
            raise Conflict("window_not_open", f"{window_id}号窗口未开放或已暂停")
        return window

    def _ticket(self, ticket_id: str) -> Ticket:
        ticket = self.tickets.get(ticket_id)
        if ticket is None:
            raise NotFound("unknown_ticket", "没有这个号")
        return ticket

    def _current(self, window: WindowStatus) -> Ticket:
        if window.ticket_id is None:
            raise Conflict("no_current_ticket", f"{window.id}号窗口当前没有号")
        return self.tickets[window.ticket_id]
