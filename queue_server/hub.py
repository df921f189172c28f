"""Fan-out of journalled changes to stream clients: written at once, or queued for the slow."""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from queue_server import json_codec
from queue_server.service import REPLAY_RENDERED, Published
from queue_server.wire import BOARD, CONSOLE, SUPERVISION

log = logging.getLogger(__name__)


# The most changes a client that reconnects is sent again; one that missed more, or that
# applied nothing yet (after_seq=0), gets a fresh snapshot instead, as one does that asks for
# more than the hub still holds. Bytes alone would favour the snapshot sooner (the demo
# hall's, 32 windows, is some 30 KB; a change 1 to 2 KB), but a snapshot is built afresh for
# each client while the hall waits, where replayed changes were encoded once for all, and a
# staff page reads the hall's figures again after one. 500 changes are a quarter of an hour
# of a hall issuing 3,000 tickets a day, and as many as the server rebuilds for replay at
# start: a screen back from a network outage, a reboot or a restart of the server, or one
# cut off as too slow (it missed its queue and more), gets exactly what it missed; one away
# for longer would mostly be sent calls too old to show or announce.
MAX_REPLAY = REPLAY_RENDERED


def _never() -> bool:
    return False


@dataclass(eq=False)
class Subscriber:
    """One stream client.

    Messages are UTF-8 JSON, encoded once for all clients. `queue` feeds the client's own
    sender task (None in it means: cut off now). When that sender is idle with nothing
    queued and `ready()` says the client keeps up, the hub hands the message to `write`
    at once instead: for a hall full of healthy boards, no task wakes up per board.
    """

    topics: frozenset[str]
    queue: asyncio.Queue[bytes | None]
    credential: str | None = None  # the hash of the token it connected with, if any
    # For staff other than supervisors: the window it works for now, whose own changes
    # (Published.window_only) it may see. None: no such limit.
    own_window: Callable[[], str | None] | None = None
    write: Callable[[bytes], None] | None = None  # never waits
    ready: Callable[[], bool] = _never
    busy: bool = True  # its sender is at work (at first: sending the snapshot or replay)
    cut_off: bool = False
    revoked: bool = False  # cut off because its token was revoked or its session ended
    shut_down: bool = False  # cut off because the server is stopping

    def takes_directly(self) -> bool:
        return self.write is not None and not self.busy and self.queue.empty() and self.ready()


@dataclass(frozen=True)
class _Entry:
    seq: int
    texts: dict[str, bytes]  # topic -> the message as UTF-8 JSON
    window_only: str | None

    def text_for(self, subscriber: Subscriber) -> bytes | None:
        """The richest form this client may see: console over board."""
        own_window = subscriber.own_window
        if self.window_only is not None and own_window and own_window() != self.window_only:
            return None
        for topic in PREFERENCE:
            if topic in subscriber.topics and topic in self.texts:
                return self.texts[topic]
        return None


# A client on several topics gets the console form, which adds staff fields to the board's;
# a supervisor's console also gets what only supervisors see.
PREFERENCE = (SUPERVISION, CONSOLE, BOARD)


def _entry(item: Published) -> _Entry:
    texts: dict[str, bytes] = {}
    serialised: dict[int, bytes] = {}  # topics often share one message object: encode once
    for topic, message in item.messages.items():
        text = serialised.get(id(message))
        if text is None:
            text = serialised[id(message)] = json_codec.encode(message)
        texts[topic] = text
    return _Entry(item.seq, texts, item.window_only)


class Hub:
    """Every stream client gets every change of its topics once, in seq order.

    `publish` never waits: it writes to the clients that keep up and queues for the others;
    a client whose queue is full is cut off (it resumes with `after_seq`), so one slow
    screen never delays the others.
    """

    def __init__(self, *, queue_size: int = 256, max_replay: int = MAX_REPLAY) -> None:
        self.queue_size = queue_size
        self.max_replay = max_replay
        self.last_seq = 0
        self.cut_offs = 0
        self.closed = False  # the server is stopping: every stream ends, new ones at once
        self._subscribers: set[Subscriber] = set()
        self._ring: collections.deque[_Entry] = collections.deque(maxlen=max_replay)

    @property
    def clients(self) -> int:
        return len(self._subscribers)

    def seed(self, published: Sequence[Published], last_seq: int) -> None:
        """Fill the replay buffer with what the server rebuilt at start, ahead of the changes
        already published since (a clearing the server made up for as it started)."""
        since = [entry for entry in self._ring if not published or entry.seq > published[-1].seq]
        self._ring.clear()
        for item in published:
            self._ring.append(_entry(item))
        self._ring.extend(since)
        self.last_seq = max(last_seq, self.last_seq)

    def publish(self, published: Sequence[Published]) -> None:
        for item in published:
            entry = _entry(item)
            self._ring.append(entry)
            self.last_seq = item.seq
            for subscriber in self._subscribers:
                if subscriber.cut_off:
                    continue
                message = entry.text_for(subscriber)
                if message is None:
                    continue
                if subscriber.takes_directly():
                    self._write(subscriber, message)
                else:
                    self._offer(subscriber, message)

    def _write(self, subscriber: Subscriber, message: bytes) -> None:
        assert subscriber.write is not None
        try:
            subscriber.write(message)
        except Exception as failure:  # a client gone mid-write: drop it, never the others
            log.info("stream client dropped while writing: %r", failure)
            self.cut_off(subscriber)

    def _offer(self, subscriber: Subscriber, message: bytes) -> None:
        try:
            subscriber.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.cut_off(subscriber)

    def cut_off(self, subscriber: Subscriber) -> None:
        if subscriber.cut_off:
            return
        self.cut_offs += 1
        self._stop(subscriber)

    def end_streams(self, credential: str) -> int:
        """Close every stream opened with this token (revoked, or its session ended) at
        once; returns how many there were."""
        ended = 0
        for subscriber in self._subscribers:
            if subscriber.credential == credential and not subscriber.cut_off:
                subscriber.revoked = True
                self._stop(subscriber)
                ended += 1
        return ended

    def close(self) -> None:
        """End every stream, and every one opened from now on: the server is stopping. Its
        clients resume with after_seq once it is back."""
        self.closed = True
        for subscriber in self._subscribers:
            self._shut_down(subscriber)

    def _shut_down(self, subscriber: Subscriber) -> None:
        if not subscriber.cut_off:
            subscriber.shut_down = True
            self._stop(subscriber)

    def _stop(self, subscriber: Subscriber) -> None:
        subscriber.cut_off = True
        while not subscriber.queue.empty():
            subscriber.queue.get_nowait()
        subscriber.queue.put_nowait(None)

    def attach(
        self,
        topics: frozenset[str],
        after_seq: int | None,
        snapshot: Callable[[], dict[str, Any]],
        *,
        credential: str | None = None,
        own_window: Callable[[], str | None] | None = None,
    ) -> tuple[Subscriber, list[bytes]]:
        """Register a client; returns it with what it must be sent first.

        Call with the hall quiescent (between batches), so that the snapshot and `last_seq`
        describe the same moment. Without `after_seq`, with `after_seq=0`, or when the client
        missed more than `max_replay` changes or more than the hub still holds, the first
        message is a fresh snapshot.
        """
        subscriber = Subscriber(
            topics, asyncio.Queue(maxsize=self.queue_size), credential, own_window
        )
        first = self._replay(subscriber, after_seq)
        if first is None:
            # Built before the client is registered: one that fails registers nobody.
            message = {"type": "snapshot", "seq": self.last_seq, "state": snapshot()}
            first = [json_codec.encode(message)]
        self._subscribers.add(subscriber)
        if self.closed:  # opened while the server began to stop: it never sees the close
            self._shut_down(subscriber)
        return subscriber, first

    def detach(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    def _replay(self, subscriber: Subscriber, after_seq: int | None) -> list[bytes] | None:
        """What the client missed since `after_seq`, or None when a snapshot serves it."""
        if (
            not after_seq
            or after_seq > self.last_seq
            or self.last_seq - after_seq > self.max_replay
        ):
            return None
        if after_seq == self.last_seq:
            return []
        if not self._ring or self._ring[0].seq > after_seq + 1:
            return None
        texts = (x.text_for(subscriber) for x in self._ring if x.seq > after_seq)
        return [text for text in texts if text is not None]
