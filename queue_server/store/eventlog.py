"""The journal's interface and the types and JSON rules its implementations share."""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from queue_server.json_codec import strict_text
from queue_server.store.errors import StoreError

# Snapshots only shorten a restart; a few spare ones cover a damaged newest one.
KEEP_SNAPSHOTS = 3

# Prometheus `le` bounds in seconds: an fsync on an SD card ranges from sub-millisecond to
# a second when the card is busy.
COMMIT_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)


class EncodesItself(Protocol):
    """Data that writes its own journal JSON (a domain event), as `strict_text` would."""

    def to_json(self) -> str: ...


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to append: its dotted type (e.g. "ticket.issued") and its data, a mapping of
    JSON values or an object that encodes itself."""

    type: str
    data: Mapping[str, Any] | EncodesItself


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event in the journal; `seq` numbers the journal 1, 2, 3 ... without gaps."""

    seq: int
    type: str
    data: dict[str, Any]
    recorded_at: str  # ISO 8601 UTC, from the domain's clock at append


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The hall's state after every event up to and including `seq`."""

    seq: int
    state: dict[str, Any]

    def encoded(self) -> str:
        """The state as the journal stores it; StoreError if it cannot be."""
        return to_json(self.state)


@dataclass(frozen=True, slots=True)
class EncodedSnapshot:
    """A snapshot already in the journal's JSON, as made in a process of its own."""

    seq: int
    text: str

    def encoded(self) -> str:
        return self.text


class CommitTimes:
    """Durations of the journal's successful commits (each one fsync), as a histogram."""

    def __init__(self, buckets: Sequence[float] = COMMIT_BUCKETS) -> None:
        self.buckets: tuple[float, ...] = tuple(sorted(buckets))
        self.count = 0
        self.total = 0.0
        self.last = 0.0
        self.max = 0.0
        # One slot per bucket plus one past the last bound; not cumulative.
        self._counts = [0] * (len(self.buckets) + 1)

    def observe(self, seconds: float) -> None:
        self.count += 1
        self.total += seconds
        self.last = seconds
        self.max = max(self.max, seconds)
        self._counts[bisect_left(self.buckets, seconds)] += 1

    def cumulative(self) -> list[tuple[float, int]]:
        """Pairs (upper bound, commits that took at most that long), ending with +Inf."""
        pairs: list[tuple[float, int]] = []
        running = 0
        for bound, n in zip((*self.buckets, math.inf), self._counts, strict=True):
            running += n
            pairs.append((bound, running))
        return pairs


class EventLog(Protocol):
    """The journal: an append-only, gap-free sequence of events plus the latest snapshots.

    Every method but `open` and `close` raises StoreError when the log is not open.
    """

    commit_seconds: CommitTimes

    async def open(self) -> None:
        """Open the log (again, after `close`); StoreError if it is already open."""

    async def close(self) -> None:
        """Close the log; closing a closed log does nothing."""

    async def append(self, events: Sequence[NewEvent], *, recorded_at: str) -> list[int]:
        """Store all of `events` in one commit, or none of them (StoreError); returns the seq
        each was given, in order (`read` gives them back as stored).

        They are numbered on from `last_seq()`; an empty sequence returns [] without a commit.
        """

    async def last_seq(self) -> int:
        """The seq of the newest event, 0 when the journal is empty."""

    async def read(self, after_seq: int = 0, limit: int | None = None) -> list[StoredEvent]:
        """Up to `limit` events (all when None) with seq greater than `after_seq`, in order."""

    async def read_kinds(self, types: Collection[str], since: str, until: str) -> list[StoredEvent]:
        """The events of `types` recorded at or after `since` and before `until` (ISO 8601
        UTC, as `recorded_at`), in order: what reports read out of the journal."""

    async def read_type(self, type_: str, after_seq: int, limit: int) -> list[StoredEvent]:
        """Up to `limit` events of one type with seq greater than `after_seq`, in order."""

    async def save_snapshot(self, snapshot: Snapshot | EncodedSnapshot) -> None:
        """Store a snapshot of an event in the journal, keeping only the newest few."""

    async def latest_snapshot(self) -> Snapshot | None:
        """The snapshot with the highest seq, None when there is none."""


def to_json(value: Mapping[str, Any] | EncodesItself) -> str:
    """Encode as the journal stores it: compact UTF-8 JSON; StoreError if it cannot be."""
    try:
        return strict_text(value) if isinstance(value, Mapping) else value.to_json()
    except (TypeError, ValueError) as exc:
        raise StoreError(f"not storable as JSON: {exc}") from exc


def from_json(text: str) -> dict[str, Any]:
    try:
        value = orjson.loads(text)
    except ValueError as exc:
        raise StoreError(f"corrupt JSON in the journal: {exc}") from exc
    if not isinstance(value, dict):
        raise StoreError(f"corrupt JSON in the journal: an object was expected, not {text[:40]}")
    return value


def check_read_args(after_seq: int, limit: int | None) -> None:
    if after_seq < 0:
        raise ValueError(f"after_seq must be >= 0, not {after_seq}")
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be >= 0 or None, not {limit}")


def snapshot_beyond_journal(seq: int, last_seq: int) -> StoreError:
    return StoreError(f"snapshot at seq {seq} does not match an event (journal ends at {last_seq})")
