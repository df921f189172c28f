"""Snapshots made in a process of their own: the writer goes on while one is made."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import FakeClock, small_hall

from queue_server import apart, snapshots
from queue_server.domain import commands as c
from queue_server.domain.state import Hall, Outcome
from queue_server.json_codec import strict_text
from queue_server.service import HallService, MakeSnapshot
from queue_server.store.eventlog import EventLog, Snapshot
from queue_server.store.memory_log import MemoryEventLog
from queue_server.store.sqlite_log import SqliteEventLog

EVERY = 20
PATIENCE = 60.0  # a spawned child imports the server's code first
CONFIG = small_hall(open_all_hours=True)


def nothing(hall: Hall, outcome: Outcome, now: object) -> None:
    return None


async def issue(service: HallService, count: int) -> None:
    for _ in range(count):
        command = c.IssueTicket(ticket_id=service.new_ticket_id(), service="social", device="k")
        await service.execute(command, nothing)


async def snapshot_stored(journal: EventLog) -> Snapshot:
    async with asyncio.timeout(PATIENCE):
        while (snapshot := await journal.latest_snapshot()) is None:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    return snapshot


async def until(condition: Callable[[], bool]) -> None:
    """The maker runs in a thread of its own: wait until it has done what it was asked."""
    async with asyncio.timeout(PATIENCE):
        while not condition():  # noqa: ASYNC110 - a thread has no event to wait on here
            await asyncio.sleep(0.01)


async def started(journal: EventLog, clock: FakeClock, maker: MakeSnapshot) -> HallService:
    """A started hall on `journal` (open) whose snapshots `maker` makes."""
    service = HallService(
        CONFIG,
        journal,
        clock=clock,
        snapshot_every=EVERY,
        supervise_every=None,
        snapshot_apart=maker,
    )
    await service.start()
    return service


async def started_in_memory(
    clock: FakeClock, maker: MakeSnapshot
) -> tuple[MemoryEventLog, HallService]:
    """A started hall on a journal in memory whose snapshots `maker` makes."""
    journal = MemoryEventLog()
    await journal.open()
    return journal, await started(journal, clock, maker)


class HeldMaker:
    """Makes the snapshot the hall would make, once the test lets it (or gives up when the
    service stops); remembers each seq it was asked for."""

    def __init__(self) -> None:
        self.asked: list[int] = []
        self.release = threading.Event()
        self.saw_stopping = False

    def __call__(self, seq: int, stopping: apart.Stopping) -> str:
        self.asked.append(seq)
        while not self.release.wait(0.01):
            if stopping():
                self.saw_stopping = True
                raise apart.Stopped
        return strict_text({"made_at": seq})


async def test_the_snapshot_made_apart_is_the_live_hall_at_its_seq(
    tmp_path: Path, clock: FakeClock
) -> None:
    db = tmp_path / "hall.db"
    journal = SqliteEventLog(db)
    await journal.open()
    service = await started(
        journal, clock, functools.partial(snapshots.make_apart, CONFIG, str(db))
    )
    while service.last_seq < EVERY:
        await issue(service, 1)
        clock.advance(seconds=30)
    snapshot = await snapshot_stored(journal)
    # Nothing changed since it was asked for: it is the hall in memory, field for field.
    assert snapshot.seq == service.last_seq
    assert snapshot.state == json.loads(strict_text(service.hall.to_snapshot()))
    await service.stop()
    await journal.close()


async def test_the_writer_goes_on_while_a_snapshot_is_made(clock: FakeClock) -> None:
    maker = HeldMaker()
    journal, service = await started_in_memory(clock, maker)
    await issue(service, EVERY)
    asked_at = service.last_seq
    await until(lambda: maker.asked == [asked_at])
    await issue(service, 2 * EVERY)  # answered while the snapshot is still being made
    assert maker.asked == [asked_at] and not maker.release.is_set()
    assert await journal.latest_snapshot() is None
    maker.release.set()
    snapshot = await snapshot_stored(journal)
    assert snapshot == Snapshot(asked_at, {"made_at": asked_at})
    # More than EVERY events since: the next change asks for the next one, once this one
    # is done.
    for _ in range(EVERY):
        await issue(service, 1)
        if len(maker.asked) == 2:
            break
        await asyncio.sleep(0.01)
    assert len(maker.asked) == 2 and maker.asked[1] >= asked_at + 2 * EVERY
    await service.stop()


async def test_a_snapshot_that_fails_is_logged_and_tried_again_later(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    asked: list[int] = []

    def failing(seq: int, stopping: apart.Stopping) -> str:
        asked.append(seq)
        raise apart.ChildDied(-9)

    journal, service = await started_in_memory(clock, failing)
    await issue(service, EVERY)
    first = service.last_seq
    await until(lambda: asked == [first])
    await issue(service, EVERY - 1)  # not yet EVERY events after the one that failed
    assert asked == [first]
    await issue(service, 1)
    await until(lambda: len(asked) == 2)
    assert asked == [first, first + EVERY]
    assert f"could not make a snapshot at seq {first} apart" in caplog.text
    assert await journal.latest_snapshot() is None
    await service.stop()  # which snapshots the hall itself, as it always did
    assert (await journal.latest_snapshot()) is not None


async def test_stopping_gives_up_a_snapshot_being_made(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    maker = HeldMaker()
    journal, service = await started_in_memory(clock, maker)
    await issue(service, EVERY)
    await until(lambda: len(maker.asked) == 1)
    caplog.set_level(logging.ERROR)
    await service.stop()
    async with asyncio.timeout(PATIENCE):
        while not maker.saw_stopping:  # noqa: ASYNC110 - the maker runs in its own thread
            await asyncio.sleep(0.01)
    assert "could not make a snapshot" not in caplog.text
    snapshot = await journal.latest_snapshot()  # the one stop takes, of the whole hall
    assert snapshot is not None and snapshot.seq == service.last_seq
    assert "made_at" not in snapshot.state


async def test_a_child_asked_for_a_seq_the_journal_lacks_fails_with_the_reason(
    tmp_path: Path,
) -> None:
    db = tmp_path / "hall.db"
    journal = SqliteEventLog(db)
    await journal.open()
    await journal.close()
    with pytest.raises(apart.ChildFailed, match="the journal ends at seq 0, before seq 5"):
        await asyncio.to_thread(snapshots.make_apart, CONFIG, str(db), 5, lambda: False)
