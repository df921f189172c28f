"""Tuning the hall while it runs: a window's services, quotas, issuing paused, windows opened
and closed, tickets pinned; every change undoable."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from queue_server.domain.hall import Service, Window
from queue_server.domain.model import Ticket, WindowState, WindowStatus

# What a change may set, per kind, and the target it names.
KINDS = {
    "window_services": "window",
    "quota": "service",
    "issuing": "service",
    "window_open": "window",
    "pin": "ticket",
}
# Kinds that are real hall events (a window opened, a ticket pinned) besides the audit record:
# their state changes through those events, never through the record.
ACTING_KINDS = frozenset({"window_open", "pin"})
# Changes kept in memory for the audit page; the journal keeps every one for good.
KEEP_CHANGES = 200


@dataclass(frozen=True)
class Change:
    """One tuning change with what it replaced, so that it can be undone."""

    id: str
    kind: str  # one of KINDS
    target: str  # the window, the service or the ticket
    before: Mapping[str, Any]
    after: Mapping[str, Any]
    by: str
    at: dt.datetime
    undoes: str | None = None
    undone_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "target": self.target,
            "before": dict(self.before),
            "after": dict(self.after),
            "by": self.by,
            "at": self.at.isoformat(),
            "undoes": self.undoes,
            "undone_by": self.undone_by,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Change:
        return cls(**{**raw, "at": dt.datetime.fromisoformat(raw["at"])})


def of_an_earlier_day(change: Change, today: dt.date | None, tz: dt.tzinfo) -> bool:
    """Whether the change was made on a day before the hall's current one (`today`, None
    before its first day began). Such a change can no longer be undone: the new day ended
    its quota or pause, its window was opened or closed for that day, its pinned ticket was
    that day's, and putting back what it replaced would overwrite today's settings."""
    return today is not None and change.at.astimezone(tz).date() < today


def window_settings(window: Window) -> dict[str, Any]:
    return {"services": list(window.services), "overflow": list(window.overflow)}


def quota_settings(service: Service) -> dict[str, Any]:
    return {"daily_quota": service.daily_quota, "session_quota": service.session_quota}


def issuing_settings(paused: Mapping[str, str], service: str) -> dict[str, Any]:
    reason = paused.get(service)
    return {"paused": reason is not None, "reason": reason}


def open_settings(window: WindowStatus) -> dict[str, Any]:
    return {"open": window.state is not WindowState.CLOSED}


def pin_settings(ticket: Ticket, pinned: bool | None = None) -> dict[str, Any]:
    # The number too, so that the audit names the ticket the citizen holds.
    return {"pinned": ticket.pinned if pinned is None else pinned, "number": ticket.number}


def tuned_window(window: Window, values: Mapping[str, Any]) -> Window:
    return dataclasses.replace(
        window, services=tuple(values["services"]), overflow=tuple(values["overflow"])
    )


def tuned_service(service: Service, values: Mapping[str, Any]) -> Service:
    return dataclasses.replace(
        service, daily_quota=values["daily_quota"], session_quota=values["session_quota"]
    )
