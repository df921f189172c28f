"""Tickets and windows as state machines with checked transitions."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields
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
# A ticket still called or being served at a window when its day ends is closed out then too.
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
            TicketState.ABANDONED,
        }
    ),
    TicketState.SERVING: frozenset(
        {TicketState.DONE, TicketState.WAITING, TicketState.HELD, TicketState.ABANDONED}
    ),
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
    # 挂起: when its last hold since its call began, and the seconds of the holds since its
    # call that ended (it was resumed). A citizen fetching a document is not being served.
    held_at: dt.datetime | None = None
    held_seconds: float = 0.0
    recalls: int = 0
    requeues: int = 0
    pinned: bool = False
    transferred: bool = False
    rejoined: bool = False  # back in the queue after a missed call, until called again
    # When it last joined a line after a service: a transfer, a route's next step, a missed
    # call put back; None while it waits in the line it was issued to.
    requeued_at: dt.datetime | None = None
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

    @property
    def service_began(self) -> dt.datetime | None:
        """When its service at the window began: its start, or its call when the clerk did
        not press start; None before its call."""
        return self.started_at or self.called_at

    def service_minutes(self, began: dt.datetime, until: dt.datetime) -> float:
        """Its service time from `began` (its start or its call) to `until`, in minutes: the
        time it was held meanwhile is left out (every hold comes after both)."""
        return ((until - began).total_seconds() - self.held_seconds) / 60

    @property
    def in_line_since(self) -> dt.datetime:
        """Since when it waits in the line it is in: a wait alert or a longest wait is about
        that line, not the time since the citizen took the ticket."""
        return self.requeued_at or self.issued_at

    def in_slot(self, now: dt.datetime) -> bool:
        return (
            self.priority is Priority.APPOINTMENT
            and self.slot_start is not None
            and self.slot_end is not None
            and self.slot_start <= now < self.slot_end
        )

    def to_dict(self) -> dict[str, Any]:
        """The ticket as named fields: the mirror of `from_dict`."""
        return dict(zip(TICKET_COLUMNS, self.to_row(), strict=True))

    def to_row(self) -> list[Any]:
        """The compact form a snapshot keeps, one value per `TICKET_COLUMNS`, in their
        order: a snapshot holds the whole day's tickets, is taken on the writer's path and
        read back at every start, so it is built field by field, not by a generic walk."""
        out = list(_ticket_values(self))
        for i in _TIME_INDEXES:
            moment = out[i]
            if moment is not None:
                out[i] = moment.isoformat()
        out[_DAY_INDEX] = self.day.isoformat()
        if self.key is not None:
            out[_KEY_INDEX] = list(self.key)
        out[_ROUTE_INDEX] = list(self.route_remaining)
        out[_SERVED_INDEX] = list(self.served)
        out[_RATED_INDEX] = list(self.rated)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Ticket:
        return cls.from_row(list(data.values()), tuple(data))

    @classmethod
    def from_row(cls, row: Sequence[Any], columns: Sequence[str] | None = None) -> Ticket:
        """The ticket of a snapshot row whose values follow `columns` (by default this
        version's `TICKET_COLUMNS`); a snapshot of another version may lack a field (it
        takes its default) or hold one that is gone (it is dropped)."""
        if columns is None or columns is TICKET_COLUMNS or tuple(columns) == TICKET_COLUMNS:
            values = dict(zip(TICKET_COLUMNS, row, strict=True))
        else:
            named = dict(zip(columns, row, strict=True))
            missing = [n for n in TICKET_COLUMNS if n not in named and n not in _TICKET_DEFAULTS]
            if missing:
                raise ValueError(f"ticket rows lack the fields {', '.join(missing)}")
            values = {name: named.get(name, _TICKET_DEFAULTS.get(name)) for name in TICKET_COLUMNS}
            if _back_in_line(values) and not named.keys() >= _LINE_RETURN_FIELDS:
                raise ValueError(
                    f"ticket {values['number']} waits after going back into a line, which a "
                    "snapshot this old does not record: since when, and whether it is ordinary"
                )
            if values["state"] in _MAYBE_HELD_STATES and not named.keys() >= _HOLD_FIELDS:
                raise ValueError(
                    f"ticket {values['number']} is held or being served, and a snapshot this "
                    "old does not record how long it was held since its call"
                )
        values["priority"] = _PRIORITIES[values["priority"]]
        values["state"] = _TICKET_STATES[values["state"]]
        values["day"] = dt.date.fromisoformat(values["day"])
        key = values["key"]
        values["key"] = (key[0], key[1]) if key is not None else None
        values["route_remaining"] = tuple(values["route_remaining"])
        values["served"] = list(values["served"])
        values["rated"] = list(values["rated"])
        parse_time = dt.datetime.fromisoformat
        for name in _TICKET_TIMES:
            if (moment := values[name]) is not None:
                values[name] = parse_time(moment)
        # Every field is set here, converted as __init__ would leave it; a start-up builds
        # tens of thousands of tickets, and the generated __init__ was a third of the cost.
        ticket = cls.__new__(cls)
        ticket.__dict__ = values
        return ticket


_TICKET_TIMES = (
    "issued_at",
    "called_at",
    "started_at",
    "finished_at",
    "held_at",
    "slot_start",
    "slot_end",
    "requeued_at",
)
TICKET_COLUMNS = tuple(f.name for f in fields(Ticket))
# What a field missing from an older snapshot's rows takes; fields without a default must be
# there.
_TICKET_DEFAULTS: dict[str, Any] = {
    f.name: f.default_factory() if f.default_factory is not MISSING else f.default
    for f in fields(Ticket)
    if f.default is not MISSING or f.default_factory is not MISSING
}
# How a ticket back in a line (a missed call put back, a transfer, a route's next step) waits
# there. Snapshots from before these fields lack them; the defaults are right for every ticket
# but one waiting after such a return, which only a replay of the journal rebuilds.
_LINE_RETURN_FIELDS = frozenset({"rejoined", "requeued_at"})
# How long a ticket was held (挂起) since its call, which its service time leaves out. Snapshots
# from before these fields lack them: a ticket held, or served again after a hold, takes its
# service time from a replay of the journal.
_HOLD_FIELDS = frozenset({"held_at", "held_seconds"})
_MAYBE_HELD_STATES = frozenset({TicketState.HELD, TicketState.SERVING})
_TIME_INDEXES = tuple(TICKET_COLUMNS.index(name) for name in _TICKET_TIMES)
_DAY_INDEX = TICKET_COLUMNS.index("day")
_KEY_INDEX = TICKET_COLUMNS.index("key")
_ROUTE_INDEX = TICKET_COLUMNS.index("route_remaining")
_SERVED_INDEX = TICKET_COLUMNS.index("served")
_RATED_INDEX = TICKET_COLUMNS.index("rated")
_ticket_values = operator.attrgetter(*TICKET_COLUMNS)
_PRIORITIES = {p.value: p for p in Priority}
_TICKET_STATES = {s.value: s for s in TicketState}


def _back_in_line(values: Mapping[str, Any]) -> bool:
    """Whether a snapshot row (its values as stored) is a ticket waiting after a return."""
    return values["state"] == TicketState.WAITING and bool(
        values["transferred"] or values["requeues"]
    )


# A window in these states takes tickets; closed and paused windows do not.
_OPEN_STATES = frozenset({WindowState.IDLE, WindowState.CALLING, WindowState.SERVING})

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
        return self.state in _OPEN_STATES

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
