"""What the hall keeps about 好差评 between events: open ratings, rateable services, cases."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from queue_server.domain.cases import Case
from queue_server.domain.rating_keys import KeyedRatings
from queue_server.domain.ratings import (
    Channel,
    Level,
    RatingRecord,
    ServedService,
    Stage,
)
from queue_server.domain.records import Alert, OpenRating

ServedKey = tuple[str, str]  # (ticket id, "service@window")
_RATEABLE_KEYS = (
    "ticket_id",
    "ticket_number",
    "service",
    "window",
    "clerk",
    "staff_no",
    "clerk_name",
    "served_at",
    "rating_id",
    "case_no",
)


@dataclass
class Rateable:
    """A finished service that may still be rated (by phone or by default), and its rating."""

    served: ServedService
    rating_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        s = self.served
        return {
            "ticket_id": s.ticket_id,
            "ticket_number": s.ticket_number,
            "service": s.service,
            "window": s.window,
            "clerk": s.clerk,
            "staff_no": s.staff_no,
            "clerk_name": s.clerk_name,
            "served_at": s.served_at.isoformat(),
            "rating_id": self.rating_id,
            "case_no": s.case_no,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Rateable:
        values = {"case_no": None, **raw}  # snapshots from before case numbers lack it
        rating_id = values.pop("rating_id")
        values["served_at"] = dt.datetime.fromisoformat(values["served_at"])
        return cls(ServedService(**values), rating_id)

    def to_row(self) -> list[Any]:
        """The compact form snapshots keep: a day's tens of thousands load fast at start."""
        s = self.served
        return [
            s.ticket_id,
            s.ticket_number,
            s.service,
            s.window,
            s.clerk,
            s.staff_no,
            s.clerk_name,
            s.served_at.isoformat(),
            self.rating_id,
            s.case_no,
        ]

    @classmethod
    def from_row(cls, row: list[Any]) -> Rateable:
        ticket_id, number, service, window, clerk, staff_no, name, at, rating_id, case_no = row
        # Every field set as the generated __init__ would: a start-up after a busy day loads
        # tens of thousands, and the frozen __init__ (one object.__setattr__ per field) was
        # half of that.
        served = ServedService.__new__(ServedService)
        object.__setattr__(
            served,
            "__dict__",
            {
                "ticket_id": ticket_id,
                "ticket_number": number,
                "service": service,
                "window": window,
                "clerk": clerk,
                "staff_no": staff_no,
                "clerk_name": name,
                "served_at": dt.datetime.fromisoformat(at),
                "case_no": case_no,
            },
        )
        rateable = cls.__new__(cls)
        rateable.__dict__ = {"served": served, "rating_id": rating_id}
        return rateable


class RatingBook:
    """Open ratings per window, recently served services, the 差评 and their cases, alerts,
    and the day's ratings sent with an idempotency key.

    Served services are kept for `keep_days` so the phone page and default ratings can still
    find them; 差评 ratings and cases are kept for good (they are rare and must be followed).
    """

    def __init__(self) -> None:
        self.open: dict[str, OpenRating] = {}  # window -> its open rating
        self.rateable: dict[ServedKey, Rateable] = {}
        # The same services by ticket and by window, in the order served: rating looks them
        # up on the writer's path, where scanning a day's thousands each time would tell.
        self._by_ticket: dict[str, list[Rateable]] = {}
        self._by_window: dict[str, list[Rateable]] = {}
        self.records: dict[str, RatingRecord] = {}  # 差评 and their 追评, by rating id
        self.cases: dict[str, Case] = {}
        self.case_of_rating: dict[str, str] = {}
        self.alerts: dict[str, Alert] = {}
        self.keyed = KeyedRatings()

    def prune(self, today: dt.date, keep_days: int, tz: dt.tzinfo) -> None:
        """Forget services served more than `keep_days` before `today`, old, seen alerts and
        the keys of ratings given before `today`."""
        oldest = today - dt.timedelta(days=keep_days)
        kept = [
            r for r in self.rateable.values() if r.served.served_at.astimezone(tz).date() >= oldest
        ]
        self.rateable.clear()
        self._by_ticket.clear()
        self._by_window.clear()
        for rateable in kept:
            self.add(rateable)
        self.alerts = {
            k: a
            for k, a in self.alerts.items()
            if a.acknowledged_at is None or a.acknowledged_at.astimezone(tz).date() >= oldest
        }
        self.keyed.forget_before(today, tz)

    def add(self, rateable: Rateable) -> None:
        served = rateable.served
        key = (served.ticket_id, served.occurrence)
        earlier = self.rateable.get(key)
        if earlier is not None:  # served again at the same window: the new one replaces it
            self._by_ticket[served.ticket_id].remove(earlier)
            self._by_window[served.window].remove(earlier)
        self.rateable[key] = rateable
        self._by_ticket.setdefault(served.ticket_id, []).append(rateable)
        self._by_window.setdefault(served.window, []).append(rateable)

    def of_ticket(self, ticket_id: str) -> list[Rateable]:
        """The ticket's services still kept, in the order served."""
        return list(self._by_ticket.get(ticket_id, ()))

    def last_served(self, window: str) -> Rateable | None:
        """The service the window finished last, rated or not."""
        served = self._by_window.get(window)
        return served[-1] if served else None

    def follow_up_case(
        self, ticket_id: str, *, window: str | None = None, service: str | None = None
    ) -> Case | None:
        """The case of the ticket's 差评 (at `window`, for `service`) that takes a 追评 now.

        Found through the 差评 records, which are kept for good: a 追评 comes after 整改, up
        to weeks after the service, when the service is no longer among the rateable ones.
        """
        for case in self.cases.values():
            served = self.records[case.rating_id].served
            if (
                case.follow_up_allowed
                and served.ticket_id == ticket_id
                and window in (None, served.window)
                and service in (None, served.service)
            ):
                return case
        return None

    def strike(self, rating_id: str, reason: str) -> None:
        self.records[rating_id] = replace(
            self.records[rating_id], struck=True, strike_reason=reason
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "open": {w: r.to_dict() for w, r in self.open.items()},
            "rateable": [r.to_row() for r in self.rateable.values()],
            "records": [record_to_dict(r) for r in self.records.values()],
            "cases": [c.to_dict() for c in self.cases.values()],
            "alerts": [a.to_dict() for a in self.alerts.values()],
            "keyed": [[key, record_to_dict(r)] for key, r in self.keyed],
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> RatingBook:
        book = cls()
        book.open = {w: OpenRating.from_dict(r) for w, r in raw["open"].items()}
        for item in raw["rateable"]:
            # Rows since the compact form; objects in snapshots from before it.
            rateable = (
                Rateable.from_row(item) if isinstance(item, list) else Rateable.from_dict(item)
            )
            book.add(rateable)
        for item in raw["records"]:
            record = record_from_dict(item)
            book.records[record.id] = record
        for item in raw["cases"]:
            case = Case.from_dict(item)
            book.cases[case.id] = case
            book.case_of_rating[case.rating_id] = case.id
        for item in raw["alerts"]:
            alert = Alert.from_dict(item)
            book.alerts[alert.id] = alert
        # Snapshots from before ratings took keys have none, nor have their journals' ratings.
        for key, item in raw.get("keyed", ()):
            book.keyed.add(key, record_from_dict(item))
        return book


def record_to_dict(r: RatingRecord) -> dict[str, Any]:
    return {
        **Rateable(r.served).to_dict(),
        "id": r.id,
        "service_name": r.service_name,
        "stage": str(r.stage),
        "level": int(r.level),
        "tags": list(r.tags),
        "comment": r.comment,
        "channel": int(r.channel),
        "device": r.device,
        "rated_at": r.rated_at.isoformat(),
        "follow_up": r.follow_up,
        "default": r.default,
        "struck": r.struck,
        "strike_reason": r.strike_reason,
        "rater": r.rater,
    }


def record_from_dict(raw: dict[str, Any]) -> RatingRecord:
    served = Rateable.from_dict({k: raw[k] for k in _RATEABLE_KEYS if k in raw}).served
    return RatingRecord(
        id=raw["id"],
        served=served,
        service_name=raw["service_name"],
        stage=Stage(raw["stage"]),
        level=Level(raw["level"]),
        tags=tuple(raw["tags"]),
        comment=raw["comment"],
        channel=Channel(raw["channel"]),
        device=raw["device"],
        rated_at=dt.datetime.fromisoformat(raw["rated_at"]),
        follow_up=raw["follow_up"],
        default=raw["default"],
        struck=raw["struck"],
        strike_reason=raw["strike_reason"],
        rater=raw["rater"],
    )
