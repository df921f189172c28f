"""Records beside tickets: bookings, device health, open ratings, alerts, clerks' days."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass
class Appointment:
    """A booking for a service in a time slot; `ticket_id` is set once it is checked in."""

    code: str
    service: str
    slot_start: dt.datetime
    slot_end: dt.datetime
    ticket_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "service": self.service,
            "slot_start": self.slot_start.isoformat(),
            "slot_end": self.slot_end.isoformat(),
            "ticket_id": self.ticket_id,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Appointment:
        return cls(
            code=raw["code"],
            service=raw["service"],
            slot_start=dt.datetime.fromisoformat(raw["slot_start"]),
            slot_end=dt.datetime.fromisoformat(raw["slot_end"]),
            ticket_id=raw["ticket_id"],
        )


@dataclass(frozen=True)
class DeviceHealth:
    """The last condition a device reported for one of its parts (its printer, its scanner)."""

    device: str
    component: str
    condition: str  # "ok" or what is wrong: "paper_low", "paper_out", "offline", ...
    detail: str | None
    since: dt.datetime

    @property
    def healthy(self) -> bool:
        return self.condition == "ok"

    def to_dict(self) -> dict[str, Any]:
        return {
            "device": self.device,
            "component": self.component,
            "condition": self.condition,
            "detail": self.detail,
            "since": self.since.isoformat(),
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> DeviceHealth:
        return cls(
            device=raw["device"],
            component=raw["component"],
            condition=raw["condition"],
            detail=raw["detail"],
            since=dt.datetime.fromisoformat(raw["since"]),
        )


@dataclass(frozen=True)
class OpenRating:
    """A window's pad may take a rating for this ticket's service until the times given."""

    ticket_id: str
    service: str
    opened_at: dt.datetime
    key_until: dt.datetime
    touch_until: dt.datetime

    def open_for(self, channel_is_key_pad: bool, now: dt.datetime) -> bool:
        return now <= (self.key_until if channel_is_key_pad else self.touch_until)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ticket_id": self.ticket_id,
            "service": self.service,
            "opened_at": self.opened_at.isoformat(),
            "key_until": self.key_until.isoformat(),
            "touch_until": self.touch_until.isoformat(),
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> OpenRating:
        return cls(
            ticket_id=raw["ticket_id"],
            service=raw["service"],
            opened_at=dt.datetime.fromisoformat(raw["opened_at"]),
            key_until=dt.datetime.fromisoformat(raw["key_until"]),
            touch_until=dt.datetime.fromisoformat(raw["touch_until"]),
        )


@dataclass
class Alert:
    """Something a supervisor must see (效能监察): kept until acknowledged, then as history."""

    id: str
    kind: str  # "bad_rating", "case_overdue", ...
    subject: str  # what it is about: a case id, a window id ...
    message: str
    raised_at: dt.datetime
    acknowledged_at: dt.datetime | None = None
    acknowledged_by: str | None = None
    cleared_at: dt.datetime | None = None  # its condition ended (watched kinds only)

    @property
    def key(self) -> str:
        """What it is about, the same for every alert of one condition: "wait_red:social"."""
        return self.id.split("@", 1)[0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "subject": self.subject,
            "message": self.message,
            "raised_at": self.raised_at.isoformat(),
            "acknowledged_at": self.acknowledged_at.isoformat() if self.acknowledged_at else None,
            "acknowledged_by": self.acknowledged_by,
            "cleared_at": self.cleared_at.isoformat() if self.cleared_at else None,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Alert:
        def moment(key: str) -> dt.datetime | None:
            value = raw.get(key)
            return dt.datetime.fromisoformat(value) if value else None

        return cls(
            id=raw["id"],
            kind=raw["kind"],
            subject=raw["subject"],
            message=raw["message"],
            raised_at=dt.datetime.fromisoformat(raw["raised_at"]),
            acknowledged_at=moment("acknowledged_at"),
            acknowledged_by=raw["acknowledged_by"],
            cleared_at=moment("cleared_at"),
        )


@dataclass
class ClerkDay:
    """A clerk's own figures for the business day, as the console shows them."""

    served: int = 0
    missed: int = 0
    transferred: int = 0
    held: int = 0
    service_minutes: float = 0.0  # summed over `timed_services`
    timed_services: int = 0
    wait_minutes: float = 0.0  # summed over `calls`: issue to the ticket's first call
    calls: int = 0  # first calls of tickets by this clerk, the waits the reports count
    ratings: int = 0
    good: int = 0
    bad: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ClerkDay:
        return cls(**raw)
