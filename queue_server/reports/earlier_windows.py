"""The windows a period meets already open: a clerk who signed in on Friday and never signed
out works on Monday under her own name. What the journal says of them before the period:
who signed in there last, and whether the window is paused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from queue_server.domain import events as e
from queue_server.store.eventlog import EventLog, StoredEvent

WINDOW_KINDS = (
    e.WindowOpened.type,
    e.WindowPaused.type,
    e.WindowResumed.type,
    e.WindowClosed.type,
    e.WindowHandedOver.type,
)
# After the last of these, a window's clerk and state are known.
_SETTLING_KINDS = frozenset((e.WindowOpened.type, e.WindowClosed.type, e.WindowHandedOver.type))


def open_before(during: Iterable[StoredEvent]) -> set[str]:
    """The windows whose first event in the period is not a sign-in: they were open as it
    began (a call, a pause or a sign-out needs an open window)."""
    first: dict[str, str] = {}
    for item in during:
        window = item.data.get("window")
        if window is not None:
            first.setdefault(window, item.type)
    return {window for window, kind in first.items() if kind != e.WindowOpened.type}


async def earlier_windows(
    journal: EventLog, during: list[StoredEvent], since: str, eve: str
) -> list[StoredEvent]:
    """The window events before `since` (the period's start, as the journal's `recorded_at`),
    in journal order: all of them from `eve` (the day before: a window open overnight counts
    as open even when idle), and further back, a day at first, then two more, four more ...,
    those of the windows the period meets open, until each one's last sign-in or sign-out is
    found or the journal's beginning is reached."""
    found = await journal.read_kinds(WINDOW_KINDS, eve, since)
    missing = open_before(during) - _settled(found)
    if not missing:
        return found
    first = await journal.read(0, 1)
    beginning = dt.datetime.fromisoformat(first[0].recorded_at) if first else None
    until = dt.datetime.fromisoformat(eve)
    span = dt.timedelta(days=1)
    while missing and beginning is not None and until > beginning:
        start = until - span
        older = await journal.read_kinds(WINDOW_KINDS, start.isoformat(), until.isoformat())
        found = [item for item in older if item.data["window"] in missing] + found
        missing -= _settled(older)
        until, span = start, span * 2
    return found


def _settled(stored: Iterable[StoredEvent]) -> set[str]:
    return {item.data["window"] for item in stored if item.type in _SETTLING_KINDS}
