"""Mailbox: the async queue that in-memory fake devices are fed through, closable and failable."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Mailbox(Generic[T]):
    """Items put in come out of the iteration in order, until close() or fail()."""

    def __init__(self) -> None:
        # None is the wake-up a closing or failing mailbox posts to a waiting reader.
        self._queue: asyncio.Queue[T | None] = asyncio.Queue()
        self._closed = False
        self._error: Exception | None = None

    @property
    def closed(self) -> bool:
        return self._closed

    def put(self, item: T) -> None:
        """Deliver `item`; a closed mailbox drops it, as a closed device hears nothing."""
        if not self._closed:
            self._queue.put_nowait(item)

    def close(self) -> None:
        """End the iteration quietly; anything still queued is dropped."""
        self._closed = True
        self._queue.put_nowait(None)

    def fail(self, error: Exception) -> None:
        """End the iteration by raising `error` (an unplugged device)."""
        self._error = error
        self.close()

    async def __aiter__(self) -> AsyncIterator[T]:
        while not self._closed:
            item = await self._queue.get()
            if item is not None and not self._closed:
                yield item
        if self._error is not None:
            raise self._error
