"""Rating records and served services read back out of the journal, for reports and upstream."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from queue_server.domain import events as e
from queue_server.domain.applying_ratings import rating_record
from queue_server.domain.cases import CaseState
from queue_server.domain.ratings import RatingRecord, ServedService
from queue_server.domain.state import Hall
from queue_server.ratings.follow_ups import CASE_KINDS, FAR_FUTURE, late_follow_ups
from queue_server.ratings.protect import RaterVault
from queue_server.ratings.upstream.base import UpstreamItem
from queue_server.store.eventlog import EventLog, StoredEvent

_KINDS = (e.TicketFinished.type, e.RatingRecorded.type, *CASE_KINDS)


@dataclass(frozen=True)
class RatingHistory:
    """What the journal says about the services of some days and their ratings."""

    served: list[ServedService]
    ratings: list[RatingRecord]


def day_bounds(first: dt.date, last: dt.date, tz: dt.tzinfo) -> tuple[str, str]:
    """The journal's `recorded_at` range (UTC ISO) of the local days `first` to `last`."""
    start = dt.datetime.combine(first, dt.time(), tz).astimezone(dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tz).astimezone(dt.UTC)
    return start.isoformat(), end.isoformat()


async def read_history(
    journal: EventLog,
    hall: Hall,
    first: dt.date,
    last: dt.date,
    *,
    grace_days: int = 0,
    follow_ups_late: bool = False,
) -> RatingHistory:
    """Services finished and ratings given on the local days `first` to `last`, and on
    `grace_days` more (a service may still be rated on the phone for a few days).

    With `follow_ups_late` (the figures of those days' services), also the 追评 of their 差评
    for as long as the cases took (`late_follow_ups`), as the reports read them; without it
    (the list of the ratings given on some days), nothing past the grace days.
    Ratings struck on appeal come back struck, whenever the appeal was decided (up to now).
    """
    since, until = day_bounds(first, last + dt.timedelta(days=grace_days), hall.tz)
    stored = await journal.read_kinds(_KINDS, since, until)
    later_cases = await journal.read_kinds(CASE_KINDS, until, FAR_FUTURE)
    if follow_ups_late:
        cases = [item for item in stored if item.type in CASE_KINDS]
        stored += await late_follow_ups(journal, [*cases, *later_cases], until)
    history = build_history(hall, stored)
    return _with_strikes(history, [*stored, *later_cases])


def build_history(hall: Hall, stored: Iterable[StoredEvent]) -> RatingHistory:
    served: list[ServedService] = []
    ratings: list[RatingRecord] = []
    for item in stored:
        event = e.decode_event(item.type, item.data)
        if isinstance(event, e.TicketFinished):
            served.append(_served(hall, event))
        elif isinstance(event, e.RatingRecorded):
            ratings.append(rating_record(hall, event))
    return RatingHistory(served, ratings)


def rating_records(hall: Hall, stored: Iterable[StoredEvent]) -> list[tuple[int, RatingRecord]]:
    """The rating events among `stored`, with their journal seq (for the upstream outbox)."""
    return [
        (item.seq, rating_record(hall, event))
        for item in stored
        if item.type == e.RatingRecorded.type
        and isinstance(event := e.decode_event(item.type, item.data), e.RatingRecorded)
    ]


def _served(hall: Hall, event: e.TicketFinished) -> ServedService:
    ticket = hall.tickets.get(event.ticket_id)
    return ServedService(
        ticket_id=event.ticket_id,
        ticket_number=ticket.number if ticket else "",
        service=event.service,
        window=event.window,
        clerk=event.clerk,
        staff_no=event.staff_no,
        clerk_name=event.clerk_name,
        served_at=event.at,
        case_no=event.case_no,
    )


def _with_strikes(history: RatingHistory, stored: Iterable[StoredEvent]) -> RatingHistory:
    rating_of_case: dict[str, str] = {}
    struck: dict[str, str] = {}
    for item in stored:
        if item.type == e.CaseOpened.type:
            rating_of_case[item.data["case_id"]] = item.data["rating_id"]
        elif item.type == e.CaseAdvanced.type and item.data["state"] == CaseState.STRUCK:
            # A case opens with its rating, so a rating in the range has its case there too.
            case_rating = rating_of_case.get(item.data["case_id"])
            if case_rating is not None:
                struck[case_rating] = item.data["note"]
    ratings = [
        dataclasses.replace(r, struck=True, strike_reason=struck[r.id]) if r.id in struck else r
        for r in history.ratings
    ]
    return RatingHistory(history.served, ratings)


# The stream messages of what JournalRatings sends: a rating, and a case step that may strike
# one; each wakes the outbox at once.
UPSTREAM_NEWS = frozenset({"rating.recorded", "case.advanced"})


class JournalRatings:
    """The upstream outbox's source: rating events after a seq, the rater opened for sending.

    A 差评 struck on appeal goes once more, as struck, when the appeal is upheld: the
    province has had it since it was given, and its figures must drop it as the hall's do.
    """

    def __init__(self, journal: EventLog, hall: Callable[[], Hall], raters: RaterVault) -> None:
        self._journal = journal
        self._hall = hall
        self._raters = raters

    async def after(self, seq: int, limit: int) -> list[UpstreamItem]:
        hall = self._hall()
        while True:
            rated = await self._journal.read_type(e.RatingRecorded.type, seq, limit)
            advanced = await self._journal.read_type(e.CaseAdvanced.type, seq, limit)
            # A full page may stop short of events of the other kind: only up to the end of
            # the shorter full page are both kinds read.
            read_to = min(
                (page[-1].seq for page in (rated, advanced) if len(page) == limit), default=None
            )
            stored = [
                item for item in [*rated, *advanced] if read_to is None or item.seq <= read_to
            ]
            found = sorted(
                [*rating_records(hall, stored), *struck_records(hall, stored)],
                key=lambda pair: pair[0],
            )[:limit]
            if found or read_to is None:
                return [
                    UpstreamItem(
                        record=record,
                        rater=self._raters.open(record.rater) if record.rater else None,
                        seq=at,
                    )
                    for at, record in found
                ]
            seq = read_to  # only case steps that strike nothing so far: read on past them


def struck_records(hall: Hall, stored: Iterable[StoredEvent]) -> list[tuple[int, RatingRecord]]:
    """The 差评 struck by the upheld appeals among `stored`, as the hall keeps them now
    (struck, with the appeal's reason), with the journal seq of the appeal's decision."""
    struck = []
    for item in stored:
        if item.type != e.CaseAdvanced.type or item.data["state"] != CaseState.STRUCK:
            continue
        case = hall.book.cases.get(item.data["case_id"])
        if case is not None and case.rating_id in hall.book.records:
            struck.append((item.seq, hall.book.records[case.rating_id]))
    return struck
