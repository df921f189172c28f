"""追评 given after the days read for ratings: a 差评's follow-up comes once its case is put
right (整改), however many weeks after the service that is, so a period's ratings reach on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from queue_server.domain import events as e
from queue_server.domain.cases import FINAL_CASE_STATES, CaseState
from queue_server.store.eventlog import EventLog, StoredEvent

CASE_KINDS = (e.CaseOpened.type, e.CaseAdvanced.type)
FAR_FUTURE = "9999-12-31T00:00:00+00:00"


def follow_up_reach(cases: Iterable[StoredEvent], until: str) -> str | None:
    """How far past `until` a 追评 of a 差评 given before `until` may have come (None: not
    past it), from the case events `cases`. A 追评 comes once its case is put right (整改)
    and before the case ends."""
    opened_before: set[str] = set()
    rectified: set[str] = set()
    ended: dict[str, str] = {}
    for item in cases:
        case_id = item.data["case_id"]
        if item.type == e.CaseOpened.type and item.recorded_at < until:
            opened_before.add(case_id)
        elif item.type == e.CaseAdvanced.type:
            if item.data["state"] == CaseState.RECTIFIED:
                rectified.add(case_id)
            elif item.data["state"] in FINAL_CASE_STATES:
                # Read a moment past the end: a 追评 may share its instant with the close.
                last = dt.datetime.fromisoformat(item.recorded_at) + dt.timedelta(seconds=1)
                ended[case_id] = last.isoformat()
    ends = [ended.get(case, FAR_FUTURE) for case in opened_before & rectified]
    return max((end for end in ends if end >= until), default=None)


async def late_follow_ups(
    journal: EventLog, cases: Iterable[StoredEvent], until: str
) -> list[StoredEvent]:
    """The 追评 recorded from `until` on that follow up 差评 given before it, as far as
    `follow_up_reach` of their case events `cases` (read from the days' start on)."""
    reach = follow_up_reach(cases, until)
    if reach is None:
        return []
    later = await journal.read_kinds((e.RatingRecorded.type,), until, reach)
    return [item for item in later if item.data.get("follow_up")]
