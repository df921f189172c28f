"""The reports' one reader of the journal: a period's events decoded into Facts."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable

from queue_server.domain import events as e
from queue_server.domain.cases import CaseState
from queue_server.ratings.follow_ups import CASE_KINDS, FAR_FUTURE, late_follow_ups
from queue_server.ratings.history import day_bounds
from queue_server.reports.earlier_tickets import earlier_tickets
from queue_server.reports.earlier_windows import WINDOW_KINDS, earlier_windows
from queue_server.reports.facts import Facts, walk
from queue_server.reports.periods import Period
from queue_server.store.eventlog import EventLog, StoredEvent

TICKET_KINDS = (
    e.TicketIssued.type,
    e.TicketCalled.type,
    e.TicketStarted.type,
    e.TicketFinished.type,
    e.TicketMissed.type,
    e.TicketHeld.type,
    e.TicketResumed.type,
    e.TicketTransferred.type,
    e.TicketCancelled.type,
    e.QueueCleared.type,
    *WINDOW_KINDS,
)


async def read_facts(
    journal: EventLog,
    period: Period,
    *,
    tz: dt.tzinfo,
    now: dt.datetime | None = None,
    grace_days: int = 0,
) -> Facts:
    """The facts of `period` in the hall's time zone `tz`.

    A period still running ends at `now` (pauses and windows open now count up to now).
    A window open as the period begins is known by the journal before: its clerk, and
    whether it is paused (the day before for every window; further back for those the
    period meets open, signed in before a weekend, say). A ticket of an earlier day met in
    the period is known by the journal before: its service, and its call, start and holds.
    Ratings are read for `grace_days` more (a phone rating may come days after the service,
    as the hall's `ratings.keep_days`), and 追评 for as long as their cases took them, and
    counted with the service they rate; ratings struck on appeal up to now are left out.
    """
    since, until = period.bounds(tz)
    start, end = period.moments(tz)
    if now is not None:
        end = max(start, min(end, now))
    during = await journal.read_kinds(TICKET_KINDS, since, until)
    # Who was signed in at a window still open when the period began.
    eve = period.first - dt.timedelta(days=1)
    day_before, _ = day_bounds(eve, eve, tz)
    before = await earlier_windows(journal, during, since, day_before)
    before += await earlier_tickets(journal, during, since)
    stored = sorted(before, key=lambda item: item.seq) + during
    _, rated_until = day_bounds(period.first, period.last + dt.timedelta(days=grace_days), tz)
    ratings = await journal.read_kinds((e.RatingRecorded.type,), since, rated_until)
    cases = await journal.read_kinds(CASE_KINDS, since, FAR_FUTURE)
    ratings += await late_follow_ups(journal, cases, rated_until)
    # A month of a city hall is some hundred thousand events: decode them off the event loop.
    return await asyncio.to_thread(_walk_stored, stored, ratings, cases, start, end)


async def first_day(journal: EventLog, tz: dt.tzinfo) -> dt.date | None:
    """The hall's first day: the local day of the first event in its journal (None: empty)."""
    first = await journal.read(0, 1)
    if not first:
        return None
    return dt.datetime.fromisoformat(first[0].recorded_at).astimezone(tz).date()


def _walk_stored(
    stored: list[StoredEvent],
    ratings: list[StoredEvent],
    cases: list[StoredEvent],
    start: dt.datetime,
    end: dt.datetime,
) -> Facts:
    return walk(
        _decoded(stored),
        start,
        end,
        ratings=[ev for ev in _decoded(ratings) if isinstance(ev, e.RatingRecorded)],
        struck=struck_ratings(cases),
    )


def _decoded(stored: Iterable[StoredEvent]) -> list[e.Event]:
    return [e.decode_event(item.type, item.data) for item in stored]


def struck_ratings(stored: Iterable[StoredEvent]) -> frozenset[str]:
    """The rating ids whose 差评 case ended struck (an upheld appeal) among `stored`."""
    rating_of_case: dict[str, str] = {}
    struck: set[str] = set()
    for item in stored:
        if item.type == e.CaseOpened.type:
            rating_of_case[item.data["case_id"]] = item.data["rating_id"]
        elif item.type == e.CaseAdvanced.type and item.data["state"] == CaseState.STRUCK:
            found = rating_of_case.get(item.data["case_id"])
            if found is not None:
                struck.add(found)
    return frozenset(struck)
