"""Fan-out of journalled changes to stream clients: direct when they keep up, queued when not."""

from __future__ import annotations

import asyncio
import collections
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from queue_server.service import Published
from queue_server.wire import BOARD, CONSOLE

log = logging.getLogger(__name__)


def _never() -> bool:
    return False


@dataclass(eq=False)
class Subscriber:
    """One stream client.

    Messages are UTF-8 frames, encoded once for all clients. `queue` feeds the client's own
    sender task (None in it means: cut off now). When the
    sender is idle with nothing queued and `ready()` says a write would not wait, the hub
    writes through `send` directly instead: for a hall full of healthy boards that is one
    task doing all the writing, with no wake-up per board.
    """

    topics: frozenset[str]
    queue: asyncio.Queue[bytes | None]
    send: Callable[[bytes], Awaitable[None]] | None = None
    ready: Callable[[], bool] = _never
    busy: bool = True  # its sender is at work (at first: sending the snapshot or replay)
    cut_off: bool = False
    joined_at: int = 0  # the seq its snapshot or replay covers; later changes come from the hub

    def takes_directly(self) -> bool:
        return self.send is not None and not self.busy and self.queue.empty() and self.ready()


@dataclass(frozen=True)
class _Entry:
    seq: int
    texts: dict[str, bytes]  # topic -> the message as a UTF-8 JSON frame

    def text_for(self, topics: frozenset[str]) -> bytes | None:
        """The richest form this client may see: console over board."""
        for topic in PREFERENCE:
            if topic in topics and topic in self.texts:
                return self.texts[topic]
        return None


# A client on several topics gets the console form, which adds staff fields to the board's.
PREFERENCE = (CONSOLE, BOARD)


def _entry(item: Published) -> _Entry:
    texts: dict[str, bytes] = {}
    serialised: dict[int, bytes] = {}  # topics often share one message object: encode once
    for topic, message in item.messages.items():
        texts[topic] = serialised.setdefault(id(message), _dumps(message))
    return _Entry(item.seq, texts)


class Hub:
    """Every stream client gets every change of its topics once, in seq order.

    `publish` never waits: it hands the changes to the fan-out task (`run`). A client that
    falls behind gets its messages queued; when its queue is full it is cut off (and
    resumes with `after_seq`), so one slow screen never delays the others.
    """

    def __init__(self, *, queue_size: int = 256, replay_size: int = 10_000) -> None:
        self.queue_size = queue_size
        self.last_seq = 0
        self.cut_offs = 0
        self._subscribers: set[Subscriber] = set()
        self._ring: collections.deque[_Entry] = collections.deque(maxlen=replay_size)
        self._pending: collections.deque[_Entry] = collections.deque()
        self._wake = asyncio.Event()

    @property
    def clients(self) -> int:
        return len(self._subscribers)

    def seed(self, published: Sequence[Published], last_seq: int) -> None:
        """Fill the replay buffer with what the server rebuilt at start."""
        self._ring.clear()
        for item in published:
            self._ring.append(_entry(item))
        self.last_seq = last_seq

    def publish(self, published: Sequence[Published]) -> None:
        for item in published:
            entry = _entry(item)
            self._ring.append(entry)
            self._pending.append(entry)
            self.last_seq = item.seq
        self._wake.set()

    async def run(self) -> None:
        """The fan-out task: delivers what `publish` handed over, in order, for ever."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self.deliver_pending()

    async def deliver_pending(self) -> None:
        while self._pending:
            entry = self._pending.popleft()
            for subscriber in list(self._subscribers):
                if subscriber.cut_off or entry.seq <= subscriber.joined_at:
                    continue
                text = entry.text_for(subscriber.topics)
                if text is None:
                    continue
                if subscriber.takes_directly():
                    await self._send_directly(subscriber, text)
                else:
                    self._offer(subscriber, text)

    async def _send_directly(self, subscriber: Subscriber, text: bytes) -> None:
        assert subscriber.send is not None
        try:
            await subscriber.send(text)
        except Exception as failure:  # a client gone mid-write: drop it, never the others
            log.info("stream client dropped while writing: %r", failure)
            self.cut_off(subscriber)

    def _offer(self, subscriber: Subscriber, text: bytes) -> None:
        try:
            subscriber.queue.put_nowait(text)
        except asyncio.QueueFull:
            self.cut_off(subscriber)

    def cut_off(self, subscriber: Subscriber) -> None:
        if subscriber.cut_off:
            return
        subscriber.cut_off = True
        self.cut_offs += 1
        while not subscriber.queue.empty():
            subscriber.queue.get_nowait()
        subscriber.queue.put_nowait(None)

    def attach(
        self,
        topics: frozenset[str],
        after_seq: int | None,
        snapshot: Callable[[], dict[str, Any]],
    ) -> tuple[Subscriber, list[bytes]]:
        """Register a client; returns it with what it must be sent first.

        Call with the hall quiescent (between batches), so that the snapshot and `last_seq`
        describe the same moment; changes up to there that the fan-out has not delivered
        yet are skipped for this client, whose first messages already hold them. Without
        `after_seq`, or when the client asks for more than the buffer still holds, the first
        message is a fresh snapshot.
        """
        subscriber = Subscriber(
            topics, asyncio.Queue(maxsize=self.queue_size), joined_at=self.last_seq
        )
        self._subscribers.add(subscriber)
        replay = self._replay(topics, after_seq)
        if replay is not None:
            return subscriber, replay
        message = {"type": "snapshot", "seq": self.last_seq, "state": snapshot()}
        return subscriber, [_dumps(message)]

    def detach(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    def _replay(self, topics: frozenset[str], after_seq: int | None) -> list[bytes] | None:
        if after_seq is None or after_seq > self.last_seq:
            return None
        if after_seq == self.last_seq:
            return []
        if not self._ring or self._ring[0].seq > after_seq + 1:
            return None
        texts = (x.text_for(topics) for x in self._ring if x.seq > after_seq)
        return [text for text in texts if text is not None]


def _dumps(message: dict[str, Any]) -> bytes:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()
