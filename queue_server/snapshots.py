"""Snapshots of the hall made in a process of their own, so that the writer never waits.

Made on the writer's path, a snapshot of a busy day held up every command and every stream
while it was built: 140-200 ms at 20,000 tickets on a 2-core PC, seconds on a Pi at ten
times a city hall's day. The child rebuilds the hall as it was right after the snapshot's
seq from the journal, read-only, as a start would (the newest snapshot, then the events
after it), and sends the snapshot's JSON back; the server stores it.
"""

from __future__ import annotations

import asyncio
import gc
from dataclasses import dataclass

from queue_server import apart, rebuild
from queue_server.domain.hall import HallConfig
from queue_server.store.eventlog import Snapshot
from queue_server.store.sqlite_log import SqliteEventLog

CHILD_NAME = "hallq-snapshot"


@dataclass(frozen=True)
class SnapshotOrder:
    config: HallConfig
    db: str
    seq: int


def make_apart(config: HallConfig, db: str, seq: int, stopping: apart.Stopping) -> str:
    """The journal's JSON of the hall of `db` right after event `seq`, made by a child
    process (see apart.run_apart for what it raises); blocks, so call it from a thread."""
    text: str = apart.run_apart(
        _make, SnapshotOrder(config, db, seq), name=CHILD_NAME, stopping=stopping
    )
    return text


def _make(order: SnapshotOrder, send: apart.Send) -> str:
    # Everything the child builds lives until it exits: the collector would find nothing.
    gc.disable()
    return asyncio.run(_encoded(order))


async def _encoded(order: SnapshotOrder) -> str:
    journal = SqliteEventLog(order.db, read_only=True)
    await journal.open()
    try:
        hall = await rebuild.hall_at(order.config, journal, order.seq)
    finally:
        await journal.close()
    return Snapshot(order.seq, hall.to_snapshot()).encoded()
