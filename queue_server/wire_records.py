"""Wire shapes of the records beside tickets: ratings, cases, alerts, changes, clerks' days."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from queue_server.domain.cases import STATE_NAMES, Case
from queue_server.domain.ratings import LEVEL_NAMES, TAGS, RatingRecord
from queue_server.domain.records import Alert, ClerkDay
from queue_server.domain.state import Hall
from queue_server.domain.tuning import Change, of_an_earlier_day


def when(moment: dt.datetime | None, hall: Hall) -> str | None:
    return _local_text(moment, hall.tz) if moment else None


@functools.lru_cache(maxsize=8192)
def _local_text(moment: dt.datetime, tz: dt.tzinfo) -> str:
    # Every message repeats its ticket's and window's times, and a call board's snapshot
    # all of them: formatting a time takes fifteen times as long as finding it here.
    return moment.astimezone(tz).isoformat(timespec="seconds")


def clerk_today(hall: Hall, clerk: str | None) -> dict[str, Any] | None:
    """A clerk's own figures for the business day, for their console."""
    if clerk is None:
        return None
    day = hall.clerk_today.get(clerk) or ClerkDay()
    return {
        "clerk": clerk,
        "served": day.served,
        "missed": day.missed,
        "transferred": day.transferred,
        "held": day.held,
        "mean_service_minutes": (
            round(day.service_minutes / day.timed_services, 1) if day.timed_services else None
        ),
        "mean_wait_minutes": round(day.wait_minutes / day.calls, 1) if day.calls else None,
        "ratings": day.ratings,
        "good": day.good,
        "bad": day.bad,
    }


def clerk_card(name: str | None, staff_no: str | None) -> dict[str, Any] | None:
    return {"name": name, "staff_no": staff_no} if name or staff_no else None


def rating_view(hall: Hall, r: RatingRecord) -> dict[str, Any]:
    return {
        "id": r.id,
        "ticket": r.served.ticket_id,
        "number": r.served.ticket_number,
        "window": r.served.window,
        "service": r.served.service,
        "service_name": r.service_name,
        "case_no": r.case_no,
        "stage": str(r.stage),
        "clerk": clerk_card(r.served.clerk_name, r.served.staff_no),
        "level": int(r.level),
        "level_name": LEVEL_NAMES[r.level],
        "tags": list(r.tags),
        "tag_names": [TAGS[r.level].get(t, t) for t in r.tags],
        "comment": r.comment,
        "channel": int(r.channel),
        "served_at": when(r.served.served_at, hall),
        "rated_at": when(r.rated_at, hall),
        "follow_up": r.follow_up,
        "default": r.default,
        "struck": r.struck,
        "strike_reason": r.strike_reason,
    }


def case_view(hall: Hall, case: Case) -> dict[str, Any]:
    rating = hall.book.records[case.rating_id]
    follow_up = hall.book.records.get(case.follow_up_rating or "")
    return {
        "id": case.id,
        "number": case.id,
        "state": str(case.state),
        "state_name": STATE_NAMES[case.state],
        "rating": rating_view(hall, rating),
        "window": rating.served.window,
        "clerk": clerk_card(rating.served.clerk_name, rating.served.staff_no),
        "clerk_username": rating.served.clerk,
        "opened_at": when(case.opened_at, hall),
        "deadlines": {
            "verify": when(case.verify_by, hall),
            "rectify": when(case.rectify_by, hall),
            "callback": when(case.callback_by, hall),
        },
        "overdue": list(case.overdue),
        "history": [
            {"action": s.action, "by": s.by, "note": s.note, "at": when(s.at, hall)}
            for s in case.history
        ],
        "follow_up": rating_view(hall, follow_up) if follow_up else None,
        "follow_up_allowed": case.follow_up_allowed,
        "strike_reason": case.strike_reason,
    }


def alert_view(hall: Hall, alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.id,
        "kind": alert.kind,
        "subject": alert.subject,
        "message": alert.message,
        "raised_at": when(alert.raised_at, hall),
        "acknowledged_at": when(alert.acknowledged_at, hall),
        "acknowledged_by": alert.acknowledged_by,
        "cleared_at": when(alert.cleared_at, hall),
    }


def change_view(hall: Hall, change: Change) -> dict[str, Any]:
    return {
        "id": change.id,
        "kind": change.kind,
        "target": change.target,
        "before": dict(change.before),
        "after": dict(change.after),
        "by": change.by,
        "at": when(change.at, hall),
        "undoes": change.undoes,
        "undone_by": change.undone_by,
        # Made before the hall's current day: kept as a record, no longer undone.
        "expired": of_an_earlier_day(change, hall.day, hall.tz),
    }
