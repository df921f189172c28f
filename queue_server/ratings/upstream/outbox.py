"""The upstream outbox: sends every rating after a durable cursor, in order, retrying forever."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from queue_server.ratings.upstream.base import UpstreamAdapter, UpstreamError, UpstreamItem
from queue_server.ratings.upstream.cursor import UpstreamCursor
from queue_server.store.errors import StoreError

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]

# Seconds between attempts while the upstream fails: quick at first for a blip, then no more
# than one try every five minutes for a long outage.
RETRY_DELAYS: tuple[float, ...] = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
POLL_SECONDS = 30.0


class RecordSource(Protocol):
    """The ratings to send, read from the journal."""

    async def after(self, seq: int, limit: int) -> list[UpstreamItem]:
        """Up to `limit` items with a journal seq above `seq`, in ascending seq order."""
        ...


class UpstreamOutbox:
    """Delivers the ratings of `source` through `adapter`, at least once each and in order.

    The cursor moves only after the upstream has accepted a batch, so a failure, a stop or a
    crash never skips a record; the price is that a batch may be sent twice (see
    UpstreamAdapter). Run `run()` as a task; `notify()` when a rating is recorded so it goes
    out at once rather than at the next poll; `stop()` and await the task to end it (cancelling
    the task is safe too).
    """

    def __init__(
        self,
        adapter: UpstreamAdapter,
        source: RecordSource,
        cursor: UpstreamCursor,
        *,
        batch: int = 50,
        poll: float = POLL_SECONDS,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if batch < 1 or not retry_delays:
            raise ValueError("batch must be at least 1 and retry_delays not empty")
        self._adapter = adapter
        self._source = source
        self._cursor = cursor
        self._batch = batch
        self._poll = poll
        self._retry_delays = tuple(retry_delays)
        self._sleep = sleep
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self.failures = 0  # attempts failed in a row; 0 while the upstream takes every batch
        self.last_error: str | None = None

    def notify(self) -> None:
        """New ratings are in the journal: end an idle wait (not a back-off after a failure)."""
        self._wake.set()

    def stop(self) -> None:
        """Make `run()` return after the send in progress, if any."""
        self._stop.set()

    async def deliver_once(self) -> int:
        """Send the next batch after the cursor; how many records went (0: nothing to send).

        Raises UpstreamError (the cursor is unchanged) or StoreError.
        """
        name = self._adapter.name
        done = await self._cursor.delivered(name)
        items = await self._source.after(done, self._batch)
        if not items:
            return 0
        _check_order(done, items)
        await self._adapter.send(items)
        await self._cursor.advance(name, items[-1].seq)
        return len(items)

    async def run(self) -> None:
        """Deliver until stopped: a full batch is followed by the next at once, a short one
        by a wait for `notify()` or the poll interval, a failure by a growing delay."""
        self._stop.clear()
        while not self._stop.is_set():
            self._wake.clear()  # a notify() from here on ends the next idle wait
            try:
                sent = await self.deliver_once()
            except (UpstreamError, StoreError) as exc:
                await self._back_off(str(exc))
                continue
            except Exception as exc:
                # a bug in an adapter or a source must not end deliveries for good
                log.exception("upstream %s: unexpected failure", self._adapter.name)
                await self._back_off(f"{type(exc).__name__}: {exc}")
                continue
            if self.failures:
                log.info("upstream %s: delivering again", self._adapter.name)
            self.failures, self.last_error = 0, None
            if sent < self._batch:
                await self._pause(self._poll, wakeable=True)

    async def _back_off(self, error: str) -> None:
        delay = self._retry_delays[min(self.failures, len(self._retry_delays) - 1)]
        self.failures += 1
        self.last_error = error
        log.warning(
            "upstream %s: %s; nothing is lost, try %d in %g s",
            self._adapter.name,
            error,
            self.failures + 1,
            delay,
        )
        await self._pause(delay, wakeable=False)

    async def _pause(self, seconds: float, *, wakeable: bool) -> None:
        waits: list[asyncio.Future[object]] = [
            asyncio.ensure_future(self._sleep(seconds)),
            asyncio.ensure_future(self._stop.wait()),
        ]
        if wakeable:
            waits.append(asyncio.ensure_future(self._wake.wait()))
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
            await asyncio.gather(*waits, return_exceptions=True)


def _check_order(done: int, items: Sequence[UpstreamItem]) -> None:
    # Moving the cursor to the last seq is only safe when the source kept to its contract.
    previous = done
    for item in items:
        if item.seq <= previous:
            raise ValueError(f"the record source gave seq {item.seq} after {previous}")
        previous = item.seq
