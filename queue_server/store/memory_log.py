"""An in-memory journal that behaves like SqliteEventLog, for tests that need no disk."""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence

from queue_server.store.errors import StoreError
from queue_server.store.eventlog import (
    KEEP_SNAPSHOTS,
    CommitTimes,
    EncodedSnapshot,
    NewEvent,
    Snapshot,
    StoredEvent,
    check_read_args,
    from_json,
    snapshot_beyond_journal,
    to_json,
)


class MemoryEventLog:
    """Keeps events as the JSON text SQLite would hold, so every read returns fresh objects.

    The contents survive `close` and `open`, which lets a test restart a service on the same
    journal. Set `fail_next_append` to make the next non-empty append fail as a full disk
    would: nothing is stored and StoreError is raised from the given exception.
    """

    def __init__(self) -> None:
        self.commit_seconds = CommitTimes()
        self.fail_next_append: Exception | None = None
        self._open = False
        self._events: list[tuple[str, str, str]] = []  # (type, data JSON, recorded_at)
        self._snapshots: dict[int, str] = {}  # seq -> state JSON

    async def open(self) -> None:
        if self._open:
            raise StoreError("the journal is already open")
        self._open = True

    async def close(self) -> None:
        self._open = False

    async def append(self, events: Sequence[NewEvent], *, recorded_at: str) -> list[int]:
        self._check_open()
        if not events:
            return []
        rows = [(event.type, to_json(event.data), recorded_at) for event in events]
        failure, self.fail_next_append = self.fail_next_append, None
        if failure is not None:
            raise StoreError(f"cannot append to the journal: {failure}") from failure
        first = len(self._events) + 1
        started = time.perf_counter()
        self._events.extend(rows)
        self.commit_seconds.observe(time.perf_counter() - started)
        return list(range(first, first + len(rows)))

    async def last_seq(self) -> int:
        self._check_open()
        return len(self._events)

    async def read(self, after_seq: int = 0, limit: int | None = None) -> list[StoredEvent]:
        self._check_open()
        check_read_args(after_seq, limit)
        end = None if limit is None else after_seq + limit
        return self._stored(after_seq + 1, self._events[after_seq:end])

    async def read_kinds(self, types: Collection[str], since: str, until: str) -> list[StoredEvent]:
        self._check_open()
        wanted = set(types)
        return [
            event
            for event in self._stored(1, self._events)
            if event.type in wanted and since <= event.recorded_at < until
        ]

    async def read_type(self, type_: str, after_seq: int, limit: int) -> list[StoredEvent]:
        self._check_open()
        check_read_args(after_seq, limit)
        found = [e for e in self._stored(1, self._events) if e.type == type_ and e.seq > after_seq]
        return found[:limit]

    async def save_snapshot(self, snapshot: Snapshot | EncodedSnapshot) -> None:
        self._check_open()
        state = snapshot.encoded()
        if not 1 <= snapshot.seq <= len(self._events):
            raise snapshot_beyond_journal(snapshot.seq, len(self._events))
        self._snapshots[snapshot.seq] = state
        for seq in sorted(self._snapshots, reverse=True)[KEEP_SNAPSHOTS:]:
            del self._snapshots[seq]

    async def latest_snapshot(self) -> Snapshot | None:
        self._check_open()
        if not self._snapshots:
            return None
        seq = max(self._snapshots)
        return Snapshot(seq, from_json(self._snapshots[seq]))

    def _check_open(self) -> None:
        if not self._open:
            raise StoreError("the journal is not open")

    @staticmethod
    def _stored(first: int, rows: Sequence[tuple[str, str, str]]) -> list[StoredEvent]:
        return [
            StoredEvent(seq, type_, from_json(data), recorded_at)
            for seq, (type_, data, recorded_at) in enumerate(rows, start=first)
        ]
