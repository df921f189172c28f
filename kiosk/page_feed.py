"""The state messages an agent pushes to its local pages, one bounded queue per page."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from typing import Any


class PageFeed(ABC):
    """Feeds every listening page: its `state()` on connect, then each message pushed."""

    def __init__(self) -> None:
        self._listeners: set[asyncio.Queue[dict[str, Any]]] = set()

    @abstractmethod
    def state(self) -> dict[str, Any]:
        """Everything the page shows, as one `state` message."""

    def listen(self) -> asyncio.Queue[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=100)
        self._listeners.add(queue)
        queue.put_nowait(self.state())
        return queue

    def unlisten(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        self._listeners.discard(queue)

    def listening(self, queue: asyncio.Queue[dict[str, Any]]) -> bool:
        """Whether `queue` is still fed: a page that fell behind is dropped (see push)."""
        return queue in self._listeners

    def push(self, message: dict[str, Any]) -> None:
        for queue in list(self._listeners):
            try:
                queue.put_nowait(message)
            except asyncio.QueueFull:
                # A page that stopped reading: no longer fed, its socket is closed (see
                # local_page), and it reconnects to the state as it is then.
                self._listeners.discard(queue)
