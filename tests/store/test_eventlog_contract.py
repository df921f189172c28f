"""The journal's contract, run against every EventLog implementation."""

from __future__ import annotations

import asyncio
import math
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import closing, suppress
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from queue_server.store.errors import StoreError
from queue_server.store.eventlog import (
    EncodedSnapshot,
    EventLog,
    NewEvent,
    Snapshot,
    StoredEvent,
)
from queue_server.store.memory_log import MemoryEventLog
from queue_server.store.sqlite_log import SqliteEventLog

T0 = "2025-03-03T01:00:00Z"
T1 = "2025-03-03T01:00:05Z"

LogFactory = Callable[[], EventLog]


@pytest.fixture(params=["memory", "sqlite"])
async def new_log(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[LogFactory]:
    """Makes unopened logs; with SQLite every one is on the same file."""
    made: list[EventLog] = []

    def make() -> EventLog:
        log: EventLog
        if request.param == "memory":
            log = MemoryEventLog()
        else:
            log = SqliteEventLog(tmp_path / "hall.db")
        made.append(log)
        return log

    yield make
    for log in made:
        await log.close()


@pytest.fixture
async def log(new_log: LogFactory) -> EventLog:
    log = new_log()
    await log.open()
    return log


def issued(n: int) -> NewEvent:
    return NewEvent("ticket.issued", {"number": f"A{n:03d}", "queue": "A"})


def stored_snapshot_seqs(log: EventLog) -> list[int]:
    # Pruning is not visible through the interface: look at what each one keeps.
    if isinstance(log, SqliteEventLog):
        with closing(sqlite3.connect(log.path)) as conn:
            return [seq for (seq,) in conn.execute("SELECT seq FROM snapshots ORDER BY seq")]
    assert isinstance(log, MemoryEventLog)
    return sorted(log._snapshots)


async def test_a_new_journal_is_empty(log: EventLog) -> None:
    assert await log.last_seq() == 0
    assert await log.read() == []
    assert await log.latest_snapshot() is None


async def test_appends_number_events_on_without_gaps(log: EventLog) -> None:
    first = await log.append([issued(1), issued(2)], recorded_at=T0)
    second = await log.append(
        [issued(3), NewEvent("ticket.called", {"window": "3"})], recorded_at=T1
    )

    assert first + second == [1, 2, 3, 4]
    stored = await log.read()
    assert [e.seq for e in stored] == [1, 2, 3, 4]
    assert stored[3] == StoredEvent(4, "ticket.called", {"window": "3"}, T1)
    assert stored[0] == StoredEvent(1, "ticket.issued", issued(1).data, T0)
    assert await log.last_seq() == 4


async def test_events_survive_close_and_reopen(log: EventLog) -> None:
    await log.append([issued(1), issued(2), issued(3)], recorded_at=T0)
    before = await log.read()
    await log.close()
    await log.open()

    assert await log.read() == before
    assert [e.seq for e in before] == [1, 2, 3]
    assert await log.last_seq() == 3
    assert await log.append([issued(4)], recorded_at=T1) == [4]


@pytest.mark.parametrize(
    ("after_seq", "limit", "expected"),
    [
        (0, None, [1, 2, 3, 4, 5]),
        (2, None, [3, 4, 5]),
        (0, 2, [1, 2]),
        (3, 10, [4, 5]),
        (1, 0, []),
        (5, None, []),
        (9, 3, []),
    ],
)
async def test_read_returns_events_after_a_seq_up_to_a_limit(
    log: EventLog, after_seq: int, limit: int | None, expected: list[int]
) -> None:
    await log.append([issued(n) for n in range(1, 6)], recorded_at=T0)

    assert [e.seq for e in await log.read(after_seq, limit)] == expected


async def test_reports_read_by_type_and_by_time(log: EventLog) -> None:
    other = NewEvent("ticket.called", {"n": 0})
    await log.append([issued(1), other], recorded_at="2026-11-23T01:00:00+00:00")
    await log.append([issued(2)], recorded_at="2026-11-24T01:00:00+00:00")
    await log.append([issued(3), other], recorded_at="2026-11-25T01:00:00+00:00")

    found = await log.read_kinds(
        ["ticket.issued"], "2026-11-23T00:00:00+00:00", "2026-11-25T00:00:00+00:00"
    )
    assert [e.seq for e in found] == [1, 3]
    assert [e.seq for e in await log.read_type("ticket.issued", 1, 10)] == [3, 4]
    assert [e.seq for e in await log.read_type("ticket.called", 0, 1)] == [2]
    assert await log.read_kinds([], "", "9") == []


@pytest.mark.parametrize(("after_seq", "limit"), [(-1, None), (0, -1)])
async def test_read_refuses_negative_arguments(
    log: EventLog, after_seq: int, limit: int | None
) -> None:
    with pytest.raises(ValueError):
        await log.read(after_seq, limit)


async def test_each_append_is_one_commit(log: EventLog) -> None:
    await log.append([issued(1)], recorded_at=T0)
    await log.append([issued(n) for n in range(2, 52)], recorded_at=T0)

    times = log.commit_seconds
    assert times.count == 2
    assert times.total > 0 and times.max <= times.total
    assert times.last <= times.max
    assert times.cumulative()[-1] == (math.inf, 2)


async def test_an_empty_append_stores_and_commits_nothing(log: EventLog) -> None:
    await log.append([issued(1)], recorded_at=T0)

    assert await log.append([], recorded_at=T1) == []
    assert await log.last_seq() == 1
    assert log.commit_seconds.count == 1


@pytest.mark.parametrize("bad_value", [object(), math.nan, {1, 2}])
async def test_a_batch_with_an_unstorable_value_fails_whole(log: EventLog, bad_value: Any) -> None:
    await log.append([issued(1)], recorded_at=T0)

    with pytest.raises(StoreError):
        await log.append([issued(2), NewEvent("ticket.issued", {"x": bad_value})], recorded_at=T1)

    assert await log.last_seq() == 1
    assert [e.seq for e in await log.read()] == [1]
    assert log.commit_seconds.count == 1
    assert await log.append([issued(2)], recorded_at=T1) == [2]


async def test_a_cancelled_append_leaves_the_journal_whole(log: EventLog) -> None:
    await log.append([issued(1)], recorded_at=T0)
    task = asyncio.create_task(log.append([issued(2), issued(3)], recorded_at=T1))
    await asyncio.sleep(0)
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task

    # Whether the batch got in depends on when the cancellation landed; either way the
    # journal holds whole batches, numbered without gaps.
    last = await log.last_seq()
    assert last in (1, 3)
    after = await log.append([issued(4)], recorded_at=T1)
    assert [e.seq for e in await log.read()] == list(range(1, last + 2))
    assert after == [last + 1]


async def test_using_a_closed_log_is_refused(new_log: LogFactory) -> None:
    log = new_log()
    for _ in range(2):  # before the first open, then after close
        with pytest.raises(StoreError):
            await log.append([issued(1)], recorded_at=T0)
        with pytest.raises(StoreError):
            await log.append([], recorded_at=T0)
        with pytest.raises(StoreError):
            await log.last_seq()
        with pytest.raises(StoreError):
            await log.read()
        with pytest.raises(StoreError):
            await log.save_snapshot(Snapshot(1, {}))
        with pytest.raises(StoreError):
            await log.latest_snapshot()
        await log.open()
        await log.append([issued(1)], recorded_at=T0)
        await log.close()
        await log.close()


async def test_opening_an_open_log_is_refused(log: EventLog) -> None:
    with pytest.raises(StoreError):
        await log.open()
    assert await log.last_seq() == 0


async def test_callers_cannot_change_stored_events(log: EventLog) -> None:
    data: dict[str, Any] = {"ticket": {"number": "A001", "tags": ["vip"]}}
    await log.append([NewEvent("ticket.issued", data)], recorded_at=T0)

    data["ticket"]["tags"].append("changed")
    data["ticket"]["number"] = "changed"
    (read,) = await log.read()
    read.data["ticket"]["tags"].clear()

    expected = {"ticket": {"number": "A001", "tags": ["vip"]}}
    assert (await log.read())[0].data == expected


async def test_callers_cannot_change_stored_snapshots(log: EventLog) -> None:
    await log.append([issued(1)], recorded_at=T0)
    state: dict[str, Any] = {"queues": {"A": ["A001"]}}
    await log.save_snapshot(Snapshot(1, state))

    state["queues"]["A"].append("A002")
    latest = await log.latest_snapshot()
    assert latest is not None
    latest.state["queues"].clear()

    assert await log.latest_snapshot() == Snapshot(1, {"queues": {"A": ["A001"]}})


async def test_data_comes_back_as_json_would_give_it(log: EventLog) -> None:
    data = {
        "name": "张三",
        "meta": MappingProxyType({"window": "3号窗口"}),
        "pair": (1, 2),
        "score": 4.5,
        "none": None,
    }
    assert await log.append([NewEvent("rating.given", data)], recorded_at=T0) == [1]

    expected = {
        "name": "张三",
        "meta": {"window": "3号窗口"},
        "pair": [1, 2],
        "score": 4.5,
        "none": None,
    }
    assert (await log.read())[0] == StoredEvent(1, "rating.given", expected, T0)


async def test_the_latest_snapshot_is_the_highest_seq(log: EventLog) -> None:
    await log.append([issued(n) for n in range(1, 6)], recorded_at=T0)
    await log.save_snapshot(Snapshot(3, {"at": 3}))
    await log.save_snapshot(Snapshot(2, {"at": 2}))

    assert await log.latest_snapshot() == Snapshot(3, {"at": 3})

    await log.save_snapshot(Snapshot(3, {"at": "3 again"}))
    assert await log.latest_snapshot() == Snapshot(3, {"at": "3 again"})


async def test_old_snapshots_are_pruned(log: EventLog) -> None:
    await log.append([issued(n) for n in range(1, 7)], recorded_at=T0)
    for seq in range(1, 7):
        await log.save_snapshot(Snapshot(seq, {"at": seq}))

    assert stored_snapshot_seqs(log) == [4, 5, 6]
    assert await log.latest_snapshot() == Snapshot(6, {"at": 6})


async def test_snapshots_survive_close_and_reopen(log: EventLog) -> None:
    await log.append([issued(1), issued(2)], recorded_at=T0)
    await log.save_snapshot(Snapshot(2, {"queues": {"A": ["A001", "A002"]}}))
    await log.close()
    await log.open()

    assert await log.latest_snapshot() == Snapshot(2, {"queues": {"A": ["A001", "A002"]}})


async def test_a_snapshot_made_elsewhere_is_stored_as_it_was_encoded(log: EventLog) -> None:
    await log.append([issued(1), issued(2)], recorded_at=T0)
    await log.save_snapshot(EncodedSnapshot(2, '{"queues":{"A":["A001","A002"]}}'))

    assert await log.latest_snapshot() == Snapshot(2, {"queues": {"A": ["A001", "A002"]}})
    with pytest.raises(StoreError):
        await log.save_snapshot(EncodedSnapshot(3, "{}"))  # no such event: nothing stored
    assert stored_snapshot_seqs(log) == [2]


@pytest.mark.parametrize("seq", [0, 3, -1])
async def test_a_snapshot_must_match_an_event(log: EventLog, seq: int) -> None:
    await log.append([issued(1), issued(2)], recorded_at=T0)

    with pytest.raises(StoreError):
        await log.save_snapshot(Snapshot(seq, {}))
    assert await log.latest_snapshot() is None


async def test_an_unstorable_snapshot_is_refused(log: EventLog) -> None:
    await log.append([issued(1)], recorded_at=T0)

    with pytest.raises(StoreError):
        await log.save_snapshot(Snapshot(1, {"x": object()}))
    assert await log.latest_snapshot() is None


async def test_memory_log_fails_an_append_on_request() -> None:
    log = MemoryEventLog()
    await log.open()
    await log.append([issued(1)], recorded_at=T0)
    disk_full = OSError(28, "No space left on device")
    log.fail_next_append = disk_full

    with pytest.raises(StoreError) as failed:
        await log.append([issued(2), issued(3)], recorded_at=T1)

    assert failed.value.__cause__ is disk_full
    assert await log.last_seq() == 1
    assert log.commit_seconds.count == 1
    assert await log.append([issued(2)], recorded_at=T1) == [2]
    await log.close()
