"""Fan-out of journalled changes to stream clients: one bounded queue per client, seq, replay."""

from __future__ import annotations

import asyncio
import collections
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from queue_server.service import Published
from queue_server.wire import BOARD, CONSOLE

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Subscriber:
    """One stream client. `queue` holds serialised messages; None means: cut off now."""

    topics: frozenset[str]
    queue: asyncio.Queue[str | None]
    cut_off: bool = False


@dataclass(frozen=True)
class _Entry:
    seq: int
    texts: dict[str, str]  # topic -> serialised message

    def text_for(self, topics: frozenset[str]) -> str | None:
        """The richest form this client may see: console over board."""
        for topic in PREFERENCE:
            if topic in topics and topic in self.texts:
                return self.texts[topic]
        return None


# A client on several topics gets the console form, which adds staff fields to the board's.
PREFERENCE = (CONSOLE, BOARD)


def _entry(item: Published) -> _Entry:
    texts: dict[str, str] = {}
    serialised: dict[int, str] = {}  # topics often share one message object: serialise once
    for topic, message in item.messages.items():
        texts[topic] = serialised.setdefault(id(message), _dumps(message))
    return _Entry(item.seq, texts)


class Hub:
    """Every stream client gets every change of its topics once, in seq order.

    `publish` never waits: a client whose queue is full is cut off (it resumes with
    `after_seq`), so one slow screen never delays the others.
    """

    def __init__(self, *, queue_size: int = 256, replay_size: int = 10_000) -> None:
        self.queue_size = queue_size
        self.last_seq = 0
        self.cut_offs = 0
        self._subscribers: set[Subscriber] = set()
        self._ring: collections.deque[_Entry] = collections.deque(maxlen=replay_size)

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
            self.last_seq = item.seq
            for subscriber in self._subscribers:
                if subscriber.cut_off:
                    continue
                text = entry.text_for(subscriber.topics)
                if text is not None:
                    self._offer(subscriber, text)

    def _offer(self, subscriber: Subscriber, text: str) -> None:
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
    ) -> tuple[Subscriber, list[str]]:
        """Register a client; returns it with what it must be sent first.

        Call with the hall quiescent (between batches), so that the snapshot and `last_seq`
        describe the same moment. Without `after_seq`, or when the client asks for more than
        the buffer still holds, the first message is a fresh snapshot.
        """
        subscriber = Subscriber(topics, asyncio.Queue(maxsize=self.queue_size))
        self._subscribers.add(subscriber)
        replay = self._replay(topics, after_seq)
        if replay is not None:
            return subscriber, replay
        message = {"type": "snapshot", "seq": self.last_seq, "state": snapshot()}
        return subscriber, [_dumps(message)]

    def detach(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    def _replay(self, topics: frozenset[str], after_seq: int | None) -> list[str] | None:
        if after_seq is None or after_seq > self.last_seq:
            return None
        if after_seq == self.last_seq:
            return []
        if not self._ring or self._ring[0].seq > after_seq + 1:
            return None
        texts = (x.text_for(topics) for x in self._ring if x.seq > after_seq)
        return [text for text in texts if text is not None]


def _dumps(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))
