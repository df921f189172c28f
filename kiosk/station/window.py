"""WindowWatch: this window as the staff stream shows it (state, clerk, open rating), pure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class OpenRating:
    """The window's open rating (the `rating` of the staff Window shape)."""

    ticket: str
    number: str
    service: str
    service_name: str
    opened_at: dt.datetime
    key_until: dt.datetime
    touch_until: dt.datetime
    clerk: dict[str, Any] | None = None  # who served it: after a 替岗, not the clerk there now

    @classmethod
    def from_wire(cls, data: object) -> OpenRating | None:
        if not isinstance(data, dict):
            return None
        try:
            return cls(
                ticket=str(data["ticket"]),
                number=str(data.get("number") or ""),
                service=str(data.get("service") or ""),
                service_name=str(data.get("service_name") or data.get("service") or ""),
                opened_at=dt.datetime.fromisoformat(data["opened_at"]),
                key_until=dt.datetime.fromisoformat(data["key_until"]),
                touch_until=dt.datetime.fromisoformat(data["touch_until"]),
                clerk=data["clerk"] if isinstance(data.get("clerk"), dict) else None,
            )
        except (KeyError, TypeError, ValueError):
            return None

    @property
    def occurrence(self) -> tuple[str, str]:
        """The service it rates: a ticket on a route may be rated here once per step."""
        return self.ticket, self.service


class WindowWatch:
    """Applies stream messages in order and keeps the one window this station sits at."""

    def __init__(self, window_id: str) -> None:
        self.window_id = window_id
        self.window: dict[str, Any] | None = None
        self.last_seq: int | None = None
        self.hall_windows: list[str] = []  # every window's id, as the last snapshot listed them

    @property
    def state(self) -> str | None:
        return str(self.window["state"]) if self.window else None

    @property
    def clerk(self) -> dict[str, Any] | None:
        clerk = self.window.get("clerk") if self.window else None
        return clerk if isinstance(clerk, dict) else None

    @property
    def rating(self) -> OpenRating | None:
        return OpenRating.from_wire(self.window.get("rating")) if self.window else None

    def apply(self, message: object) -> bool:
        """Take one stream message; True when this window changed."""
        if not isinstance(message, dict):
            return False
        seq = message.get("seq")
        if isinstance(seq, int) and not isinstance(seq, bool):
            replayed = self.last_seq is not None and seq <= self.last_seq
            if replayed and message.get("type") != "snapshot":
                return False  # sent again after a reconnect: already applied
            self.last_seq = seq
        if message.get("type") == "snapshot":
            state = message.get("state")
            windows = state.get("windows") if isinstance(state, dict) else None
            listed = [w for w in windows or () if isinstance(w, dict)]
            self.hall_windows = [str(w.get("id")) for w in listed]
            return self.replace(next((w for w in listed if w.get("id") == self.window_id), None))
        window = message.get("window")
        if isinstance(window, dict) and window.get("id") == self.window_id:
            return self.replace(window)
        return False

    def replace(self, window: dict[str, Any] | None) -> bool:
        """Set the window from an answer or a message; True when it changed."""
        if window == self.window:
            return False
        self.window = window
        return True
