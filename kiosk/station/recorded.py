"""The ratings recorded at this window, as the staff stream reports them: to tell a rating
this station sent, whose answer was lost, from another one given before it."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any

KEPT = 16  # the last services rated here: a lost answer is asked about within seconds


@dataclass(frozen=True)
class Rating:
    """What a rating said, as the station sends it and the stream reports it."""

    ticket: str
    service: str
    level: int
    tags: frozenset[str]
    comment: str | None
    channel: int

    @property
    def occurrence(self) -> tuple[str, str]:
        return self.ticket, self.service

    @classmethod
    def from_wire(cls, data: object) -> Rating | None:
        """The `rating` of a `rating.recorded` message (its wire view), or None."""
        if not isinstance(data, dict):
            return None
        try:
            return cls(
                ticket=str(data["ticket"]),
                service=str(data["service"]),
                level=int(data["level"]),
                tags=frozenset(str(tag) for tag in data.get("tags") or ()),
                comment=data.get("comment") or None,
                channel=int(data["channel"]),
            )
        except (KeyError, TypeError, ValueError):
            return None


class RecordedRatings:
    """The last ratings recorded at one window, as the `rating` (the wire view) of its
    `rating.recorded` messages."""

    def __init__(self, window_id: str) -> None:
        self.window_id = window_id
        self._recorded: dict[tuple[str, str], dict[str, Any]] = {}
        self._waiting: dict[tuple[str, str], list[asyncio.Future[dict[str, Any]]]] = {}

    def apply(self, message: object) -> None:
        """Take one stream message; a rating recorded at this window is kept."""
        if not isinstance(message, dict) or message.get("type") != "rating.recorded":
            return
        view = message.get("rating")
        rating = Rating.from_wire(view)
        if rating is None or not isinstance(view, dict) or view.get("window") != self.window_id:
            return
        self._recorded.pop(rating.occurrence, None)  # kept in the order recorded
        self._recorded[rating.occurrence] = view
        while len(self._recorded) > KEPT:
            del self._recorded[next(iter(self._recorded))]
        for waiter in self._waiting.pop(rating.occurrence, []):
            if not waiter.done():
                waiter.set_result(view)

    async def of(self, occurrence: tuple[str, str], seconds: float) -> dict[str, Any] | None:
        """The rating recorded for `occurrence` (a ticket's service here), waiting up to
        `seconds` for the stream to report it; None when it has not."""
        if occurrence in self._recorded:
            return self._recorded[occurrence]
        waiter: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(occurrence, []).append(waiter)
        try:
            return await asyncio.wait_for(waiter, seconds)
        except TimeoutError:
            return None
        finally:
            waiters = self._waiting.get(occurrence, [])
            with contextlib.suppress(ValueError):
                waiters.remove(waiter)
            if not waiters:
                self._waiting.pop(occurrence, None)
