"""Tickets and windows as state machines with checked transitions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

QueueKey = tuple[int, int]


class TicketState(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    HELD = "held"
    DONE = "done"
    NO_SHOW = "no_show"
    ABANDONED = "abandoned"
    CANCELLED = "cancelled"


class Priority(StrEnum):
    NORMAL = "normal"
    GREEN = "green"  # 绿色通道: elderly, disabled, pregnant
    APPOINTMENT = "appointment"  # 预约: priority inside its slot only


class WindowState(StrEnum):
    CLOSED = "closed"
    IDLE = "idle"
    CALLING = "calling"
    SERVING = "serving"
    PAUSED = "paused"


FINAL_STATES = frozenset(
    {TicketState.DONE, TicketState.NO_SHOW, TicketState.ABANDONED, TicketState.CANCELLED}
)

# no_show is final for the day's figures, but a window may still call back its recent misses.
TICKET_TRANSITIONS: Mapping[TicketState, frozenset[TicketState]] = {
    TicketState.WAITING: frozenset(
        {TicketState.CALLED, TicketState.CANCELLED, TicketState.ABANDONED}
    ),
    TicketState.CALLED: frozenset(
        {
            TicketState.SERVING,
            TicketState.DONE,
            TicketState.NO_SHOW,
            TicketState.WAITING,
            TicketState.HELD,
        }
    ),
    TicketState.SERVING: frozenset({TicketState.DONE, TicketState.WAITING, TicketState.HELD}),
    TicketState.HELD: frozenset({TicketState.SERVING, TicketState.ABANDONED}),
    TicketState.NO_SHOW: frozenset({TicketState.CALLED}),
    TicketState.DONE: frozenset(),
    TicketState.ABANDONED: frozenset(),
    TicketState.CANCELLED: frozenset(),
}


class InvalidTransition(RuntimeError):
    """A transition the state machine forbids: a bug in the decider, never a user error."""


@dataclass
class Ticket:
    id: str
    number: str
    service: str
    origin_service: str
    priority: Priority
    issued_at: dt.datetime
    day: dt.date
    session: int
    state: TicketState = TicketState.WAITING
    key: QueueKey | None = None  # its place in the queue while waiting
    window: str | None = None  # the window that called it last
    called_at: dt.datetime | None = None
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    recalls: int = 0
    requeues: int = 0
    pinned: bool = False
    transferred: bool = False
    target_window: str | None = None  # transferred to one window, not a service
    route_remaining: tuple[str, ...] = ()
    device: str | None = None
    idempotency_key: str | None = None
    id_hash: str | None = None
    slot_start: dt.datetime | None = None
    slot_end: dt.datetime | None = None
    missed_reason: str | None = None
    # Each finished service is an occurrence "service@window"; each may be rated once.
    served: list[str] = field(default_factory=list)
    rated: list[str] = field(default_factory=list)

    def move_to(self, new: TicketState) -> None:
        if new not in TICKET_TRANSITIONS[self.state]:
            raise InvalidTransition(f"ticket {self.number}: {self.state} -> {new}")
        self.state = new

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    def in_slot(self, now: dt.datetime) -> bool:
        return (
            self.priority is Priority.APPOINTMENT
            and self.slot_start is not None
            and self.slot_end is not None
            and self.slot_start <= now < self.slot_end
        )

    def to_dict(self) -> dict[str, Any]:
        """The mirror of `from_dict`, field by field: a snapshot holds the whole day's
        tickets and is taken on the writer's path, where a generic walk cost too much."""
        out = dict(self.__dict__)
        for name in _TICKET_TIMES:
            moment = out[name]
            if moment is not None:
                out[name] = moment.isoformat()
        out["day"] = self.day.isoformat()
        if self.key is not None:
            out["key"] = list(self.key)
        out["route_remaining"] = list(self.route_remaining)
        out["served"] = list(self.served)
        out["rated"] = list(self.rated)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Ticket:
        values = dict(data)
        values["priority"] = Priority(values["priority"])
        values["state"] = TicketState(values["state"])
        values["day"] = dt.date.fromisoformat(values["day"])
        values["key"] = tuple(values["key"]) if values["key"] is not None else None
        values["route_remaining"] = tuple(values["route_remaining"])
        values["served"] = list(values["served"])
        values["rated"] = list(values["rated"])
        for name in _TICKET_TIMES:
            values[name] = _parse_time(values[name])
        return cls(**values)


_TICKET_TIMES = ("issued_at", "called_at", "started_at", "finished_at", "slot_start", "slot_end")

WINDOW_TRANSITIONS: Mapping[WindowState, frozenset[WindowState]] = {
    WindowState.CLOSED: frozenset({WindowState.IDLE}),
    WindowState.IDLE: frozenset(
        {WindowState.CALLING, WindowState.SERVING, WindowState.PAUSED, WindowState.CLOSED}
    ),
    WindowState.CALLING: frozenset({WindowState.SERVING, WindowState.CALLING, WindowState.IDLE}),
    WindowState.SERVING: frozenset({WindowState.CALLING, WindowState.IDLE, WindowState.SERVING}),
    WindowState.PAUSED: frozenset({WindowState.IDLE, WindowState.CLOSED}),
}


@dataclass
class WindowStatus:
    id: str
    state: WindowState = WindowState.CLOSED
    clerk: str | None = None  # the signed-in person's username: internal, never on a board
    clerk_name: str | None = None  # 亮身份: the name and 工号 the hall shows publicly
    staff_no: str | None = None
    ticket_id: str | None = None
    pause_reason: str | None = None
    since: dt.datetime | None = None
    missed: list[str] = field(default_factory=list)  # newest last, for calling back
    held: list[str] = field(default_factory=list)

    def move_to(self, new: WindowState, at: dt.datetime) -> None:
        if new not in WINDOW_TRANSITIONS[self.state]:
            raise InvalidTransition(f"window {self.id}: {self.state} -> {new}")
        if new is not self.state:
            self.since = at
        self.state = new

    @property
    def is_open(self) -> bool:
        return self.state not in (WindowState.CLOSED, WindowState.PAUSED)

    def to_dict(self) -> dict[str, Any]:
        return _encode_fields(self.__dict__)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WindowStatus:
        values = dict(data)
        values["state"] = WindowState(values["state"])
        values["since"] = _parse_time(values["since"])
        values["missed"] = list(values["missed"])
        values["held"] = list(values["held"])
        return cls(**values)


def _encode_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, dt.date):  # datetime is a date too
            out[name] = value.isoformat()
        elif isinstance(value, tuple | list):
            out[name] = list(value)
        else:
            out[name] = value
    return out


def _parse_time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value is not None else None
