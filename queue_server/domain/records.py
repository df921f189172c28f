"""Appointments (预约) booked ahead and device health reports: the hall's non-ticket records."""

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
