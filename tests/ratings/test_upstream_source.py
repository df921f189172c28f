"""The outbox's journal source: an upheld appeal sends its 差评 again, struck, in seq order."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection
from typing import Any, cast

from queue_server.domain.cases import Case, CaseState
from queue_server.domain.rating_book import RatingBook
from queue_server.domain.ratings import Channel, Level, RatingRecord, ServedService, Stage
from queue_server.domain.state import Hall
from queue_server.ratings.history import JournalRatings
from queue_server.ratings.protect import RaterVault
from queue_server.store.eventlog import EventLog, StoredEvent

AT = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)


class ListJournal:
    """A journal held in a list: events of one type after a seq, or of some kinds in a time span."""

    def __init__(self, events: list[StoredEvent]) -> None:
        self.events = events

    async def read_type(self, type_: str, after_seq: int, limit: int) -> list[StoredEvent]:
        return [ev for ev in self.events if ev.type == type_ and ev.seq > after_seq][:limit]

    async def read_kinds(self, types: Collection[str], since: str, until: str) -> list[StoredEvent]:
        return [ev for ev in self.events if ev.type in types and since <= ev.recorded_at < until]


@dataclasses.dataclass
class BookOnly:
    book: RatingBook


def struck_bad_rating(book: RatingBook) -> RatingRecord:
    served = ServedService("t1", "A001", "estate", "7", "wang", "0012", "王强", AT)
    record = RatingRecord(
        id="r1",
        served=served,
        service_name="不动产登记",
        stage=Stage.ACCEPTANCE,
        level=Level.VERY_DISSATISFIED,
        tags=("115",),
        comment=None,
        channel=Channel.HALL_TABLET,
        device="pad-7",
        rated_at=AT,
    )
    book.records[record.id] = record
    book.cases["20260302-001"] = Case("20260302-001", "r1", AT, AT, AT, CaseState.STRUCK)
    book.strike("r1", "按错键")
    return book.records["r1"]


def step(seq: int, state: CaseState, case_id: str = "20260302-001") -> StoredEvent:
    data: dict[str, Any] = {"case_id": case_id, "action": "x", "state": str(state), "by": "li"}
    return StoredEvent(seq, "case.advanced", {**data, "note": "n", "at": AT.isoformat()}, "")


async def test_case_steps_that_strike_nothing_never_hold_up_a_later_strike() -> None:
    """More steps than a batch before the upheld appeal: the source reads on past them
    (returning nothing would leave the outbox waiting at the same cursor for good)."""
    book = RatingBook()
    record = struck_bad_rating(book)
    others = [step(seq, CaseState.VERIFIED, f"20260301-00{seq}") for seq in range(3, 9)]
    journal = ListJournal([*others, step(12, CaseState.STRUCK)])
    source = JournalRatings(
        cast(EventLog, journal), lambda: cast(Hall, BookOnly(book)), RaterVault(bytes(32))
    )
    items = await source.after(0, 2)
    assert [(item.seq, item.record) for item in items] == [(12, record)]
    assert items[0].record.struck and items[0].record.strike_reason == "按错键"
    assert await source.after(12, 2) == []
