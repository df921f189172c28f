"""The tickets of earlier days a period meets: in a hall without a daily clearing, a ticket
issued last night (or before a quiet Sunday) may be missed, held, transferred or finished in
it. What the journal says of them before the period: their issue, transfers and route steps
(the service each is at), their calls, starts and holds (when the service being finished
began, and how long the citizen was away)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from queue_server.domain import events as e
from queue_server.store.eventlog import EventLog, StoredEvent

EARLIER_KINDS = (
    e.TicketIssued.type,
    e.TicketTransferred.type,
    e.TicketFinished.type,
    e.TicketCalled.type,
    e.TicketStarted.type,
    e.TicketHeld.type,
    e.TicketResumed.type,
)


def issued_earlier(during: Iterable[StoredEvent]) -> set[str]:
    """The tickets the period's events name without issuing them."""
    named: set[str] = set()
    issued: set[str] = set()
    for item in during:
        ticket_id = item.data.get("ticket_id")
        if ticket_id is not None:
            (issued if item.type == e.TicketIssued.type else named).add(ticket_id)
    return named - issued


async def earlier_tickets(
    journal: EventLog, during: list[StoredEvent], since: str
) -> list[StoredEvent]:
    """The issue, transfers, route steps, calls, starts and holds before `since` (the
    period's start, as the journal's `recorded_at`) of the tickets `during` names without
    issuing them, in journal order. Read back a day at first, then two more, four more ...,
    until each one's issue is found or the journal's beginning is reached."""
    wanted = issued_earlier(during)
    if not wanted:
        return []
    first = await journal.read(0, 1)
    if not first:
        return []
    beginning = dt.datetime.fromisoformat(first[0].recorded_at)
    until = dt.datetime.fromisoformat(since)
    span = dt.timedelta(days=1)
    found: list[StoredEvent] = []
    missing = set(wanted)
    while missing and until > beginning:
        start = until - span
        older = await journal.read_kinds(EARLIER_KINDS, start.isoformat(), until.isoformat())
        mine = [item for item in older if item.data["ticket_id"] in wanted]
        found = mine + found
        missing -= {item.data["ticket_id"] for item in mine if item.type == e.TicketIssued.type}
        until, span = start, span * 2
    return found
