"""The hall rebuilt from its journal: the newest snapshot, then the events after it."""

from __future__ import annotations

import logging

from queue_server.domain import events as e
from queue_server.domain.hall import HallConfig
from queue_server.domain.state import Hall
from queue_server.store.errors import StoreError
from queue_server.store.eventlog import EventLog

log = logging.getLogger(__name__)

# Events read from the journal at a time while replaying.
READ_BATCH = 5000


async def from_latest_snapshot(config: HallConfig, journal: EventLog) -> tuple[Hall, int]:
    """The hall as the newest snapshot holds it, with the snapshot's seq; an empty hall at
    seq 0 when there is none, or when it cannot be used: the journal alone rebuilds the
    hall, only slower."""
    try:
        snapshot = await journal.latest_snapshot()
        if snapshot is not None:
            return Hall.from_snapshot(config, snapshot.state), snapshot.seq
    except (StoreError, LookupError, TypeError, ValueError, AttributeError) as unusable:
        log.warning(
            "the newest snapshot cannot be used (%s: %s); replaying the whole journal",
            type(unusable).__name__,
            unusable,
        )
    return Hall(config), 0


async def hall_at(config: HallConfig, journal: EventLog, seq: int) -> Hall:
    """The hall exactly as it was right after event `seq`, as a start would rebuild it had
    the journal ended there; StoreError when the journal cannot give that."""
    hall, at = await from_latest_snapshot(config, journal)
    if at > seq:
        raise StoreError(f"the newest snapshot (seq {at}) is past seq {seq}")
    while at < seq and (batch := await journal.read(after_seq=at, limit=min(READ_BATCH, seq - at))):
        for stored in batch:
            hall.apply(e.decode_event(stored.type, stored.data))
        at = batch[-1].seq
    if at != seq:
        raise StoreError(f"the journal ends at seq {at}, before seq {seq}")
    hall.drop_removed_windows()
    return hall
