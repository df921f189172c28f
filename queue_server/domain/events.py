"""Domain events: what happened in the hall, past tense, as journalled and replayed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import orjson

from queue_server.domain.model import Priority, QueueKey
from queue_server.json_codec import strict_text


@dataclass(frozen=True)
class Event:
    """Base of every domain event; `type` is its dotted journal name."""

    type: ClassVar[str]
    at: dt.datetime

    def to_data(self) -> dict[str, Any]:
        names = _FIELD_NAMES.get(type(self))
        if names is None:
            names = _FIELD_NAMES[type(self)] = tuple(f.name for f in dataclasses.fields(self))
        return {name: _encode(getattr(self, name)) for name in names}

    def to_json(self) -> str:
        """The journal's JSON text of `to_data()`.

        Every ticket issued, called and finished pays this on the writer's path. An event
        whose fields are all text, whole numbers, booleans, times, priorities or tuples of
        these is written by orjson straight from its fields: the same text as the strict
        encoder's, at a fraction of the cost (for any time since 1972: orjson writes a UTC
        offset to the minute, and every zone's offsets have been whole minutes since). One
        with any other field (a mapping that may hold a float) goes through `strict_text`,
        which refuses NaN where orjson would write null.
        """
        cls = type(self)
        plain = _PLAIN_FIELDS.get(cls)
        if plain is None:
            plain = _PLAIN_FIELDS[cls] = all(
                _written_plainly(hint) for hint in typing.get_type_hints(cls).values()
            )
        return orjson.dumps(self).decode() if plain else strict_text(self.to_data())


_FIELD_NAMES: dict[type[Event], tuple[str, ...]] = {}
_PLAIN_FIELDS: dict[type[Event], bool] = {}
# Field types orjson writes exactly as `to_data` and the strict encoder do.
_PLAIN_TYPES: frozenset[Any] = frozenset({str, int, bool, dt.datetime, dt.date, Priority})


def _written_plainly(hint: Any) -> bool:
    if typing.get_origin(hint) is ClassVar:  # `type`, not a field
        return True
    base = _non_optional(hint)
    if typing.get_origin(base) is tuple:
        return all(a is Ellipsis or _written_plainly(a) for a in typing.get_args(base))
    return base in _PLAIN_TYPES


@dataclass(frozen=True)
class TicketIssued(Event):
    type: ClassVar[str] = "ticket.issued"
    ticket_id: str
    number: str
    service: str
    priority: Priority
    day: dt.date
    session: int
    key: QueueKey
    route: tuple[str, ...] = ()
    device: str | None = None
    idempotency_key: str | None = None
    id_hash: str | None = None
    slot_start: dt.datetime | None = None
    slot_end: dt.datetime | None = None
    appointment: str | None = None  # the code of the appointment checked in


@dataclass(frozen=True)
class TicketCalled(Event):
    type: ClassVar[str] = "ticket.called"
    ticket_id: str
    window: str
    callback: bool = False  # a missed ticket called back by its window


@dataclass(frozen=True)
class TicketRecalled(Event):
    type: ClassVar[str] = "ticket.recalled"
    ticket_id: str
    window: str
    count: int


@dataclass(frozen=True)
class TicketStarted(Event):
    type: ClassVar[str] = "ticket.started"
    ticket_id: str
    window: str


@dataclass(frozen=True)
class TicketFinished(Event):
    type: ClassVar[str] = "ticket.finished"
    ticket_id: str
    window: str
    next_service: str | None = None  # set when the ticket goes on to its route's next step
    key: QueueKey | None = None
    # Who served what, for reports read straight from the journal (the state knows it too).
    service: str = ""
    clerk: str | None = None
    staff_no: str | None = None
    clerk_name: str | None = None
    case_no: str | None = None  # the matter's case number (办件编号), when the clerk gave it


@dataclass(frozen=True)
class TicketMissed(Event):
    type: ClassVar[str] = "ticket.no_show"
    ticket_id: str
    window: str
    reason: str | None = None
    key: QueueKey | None = None  # set when the hall's policy puts it back in the queue


@dataclass(frozen=True)
class TicketHeld(Event):
    type: ClassVar[str] = "ticket.held"
    ticket_id: str
    window: str


@dataclass(frozen=True)
class TicketResumed(Event):
    type: ClassVar[str] = "ticket.resumed"
    ticket_id: str
    window: str


@dataclass(frozen=True)
class TicketTransferred(Event):
    type: ClassVar[str] = "ticket.transferred"
    ticket_id: str
    window: str
    to_service: str
    to_window: str | None
    key: QueueKey


@dataclass(frozen=True)
class TicketPinned(Event):
    type: ClassVar[str] = "ticket.pinned"
    ticket_id: str
    by: str


@dataclass(frozen=True)
class TicketUnpinned(Event):
    """A manager took a pin back: the ticket waits at its own place again."""

    type: ClassVar[str] = "ticket.unpinned"
    ticket_id: str
    by: str


@dataclass(frozen=True)
class TicketCancelled(Event):
    type: ClassVar[str] = "ticket.cancelled"
    ticket_id: str
    reason: str
    by: str | None = None  # None in journals from before it was recorded


@dataclass(frozen=True)
class QueueCleared(Event):
    type: ClassVar[str] = "queue.cleared"
    ticket_ids: tuple[str, ...]
    # The window the ticket was left at (called or being served when its day ended): that
    # ticket is closed out alone, so that every screen sees the window free again.
    window: str | None = None


@dataclass(frozen=True)
class DayStarted(Event):
    """The hall's business day `day` began (at local midnight, or at start-up after a night
    down): its figures start from nothing and a manager's settings for the day before end."""

    type: ClassVar[str] = "day.started"
    day: dt.date


@dataclass(frozen=True)
class WindowOpened(Event):
    type: ClassVar[str] = "window.opened"
    window: str
    clerk: str | None
    clerk_name: str | None = None
    staff_no: str | None = None


@dataclass(frozen=True)
class WindowPaused(Event):
    type: ClassVar[str] = "window.paused"
    window: str
    reason: str


@dataclass(frozen=True)
class WindowResumed(Event):
    type: ClassVar[str] = "window.resumed"
    window: str


@dataclass(frozen=True)
class WindowClosed(Event):
    type: ClassVar[str] = "window.closed"
    window: str


@dataclass(frozen=True)
class WindowHandedOver(Event):
    """替岗: another clerk takes over a signed-in window; its current ticket stays."""

    type: ClassVar[str] = "window.handed_over"
    window: str
    clerk: str
    clerk_name: str | None = None
    staff_no: str | None = None
    reason: str = ""
    from_clerk: str | None = None  # who had the window (None: its station opened it)
    from_clerk_name: str | None = None
    from_staff_no: str | None = None


@dataclass(frozen=True)
class RatingOpened(Event):
    """A window's pad may now take a rating for the service it just finished (or asked for)."""

    type: ClassVar[str] = "rating.opened"
    ticket_id: str
    window: str
    service: str
    key_until: dt.datetime  # a key-pad press counts until then
    touch_until: dt.datetime  # the touch pad takes a rating until then
    asked: bool = False  # the clerk asked again, rather than a finish opening it


@dataclass(frozen=True)
class RatingRecorded(Event):
    type: ClassVar[str] = "rating.recorded"
    ticket_id: str
    window: str
    service: str
    clerk: str | None
    level: int  # 5 = 非常满意
    tags: tuple[str, ...] = ()
    comment: str | None = None
    channel: int = 4
    device: str | None = None
    served_at: dt.datetime | None = None
    rating_id: str = ""
    ticket_number: str = ""
    staff_no: str | None = None
    clerk_name: str | None = None
    follow_up: bool = False  # 追评 after a 差评 was put right
    default: bool = False  # given by the system after N days
    rater: str | None = None  # the rater's identity, encrypted by the web layer
    case_no: str | None = None  # the 办件编号 of the service rated
    idempotency_key: str | None = None  # the sender's key, for a retry to find this rating


@dataclass(frozen=True)
class CaseOpened(Event):
    """A 差评 opened a follow-up case (差评工单) with its deadlines."""

    type: ClassVar[str] = "case.opened"
    case_id: str
    rating_id: str
    verify_by: dt.datetime
    rectify_by: dt.datetime


@dataclass(frozen=True)
class CaseAdvanced(Event):
    """A step of a case: verify, rectify, call-back, close, appeal, uphold-appeal ..."""

    type: ClassVar[str] = "case.advanced"
    case_id: str
    action: str
    state: str  # the case's state after the step
    by: str
    note: str
    callback_by: dt.datetime | None = None  # set by rectify: when the citizen must be called


@dataclass(frozen=True)
class CaseOverdue(Event):
    type: ClassVar[str] = "case.overdue"
    case_id: str
    stage: str  # "verify", "rectify" or "callback"


@dataclass(frozen=True)
class AlertRaised(Event):
    type: ClassVar[str] = "alert.raised"
    alert_id: str
    kind: str
    subject: str
    message: str


@dataclass(frozen=True)
class AlertCleared(Event):
    """The condition an alert was raised for no longer holds (the alert stays in history)."""

    type: ClassVar[str] = "alert.cleared"
    alert_id: str


@dataclass(frozen=True)
class TuningChanged(Event):
    """A manager tuned the hall: a window's services, a quota, issuing of a service, a
    window opened or closed, a ticket pinned. The last two come with the real events."""

    type: ClassVar[str] = "tuning.changed"
    change_id: str
    kind: str
    target: str
    before: Mapping[str, Any]
    after: Mapping[str, Any]
    by: str
    undoes: str | None = None


@dataclass(frozen=True)
class AlertAcknowledged(Event):
    type: ClassVar[str] = "alert.acknowledged"
    alert_id: str
    by: str


@dataclass(frozen=True)
class AppointmentBooked(Event):
    type: ClassVar[str] = "appointment.booked"
    code: str
    service: str
    slot_start: dt.datetime
    slot_end: dt.datetime
    by: str | None = None


@dataclass(frozen=True)
class DeviceReported(Event):
    type: ClassVar[str] = "device.reported"
    device: str
    component: str
    condition: str
    detail: str | None = None


EVENT_TYPES: Mapping[str, type[Event]] = {
    cls.type: cls
    for cls in (
        TicketIssued,
        TicketCalled,
        TicketRecalled,
        TicketStarted,
        TicketFinished,
        TicketMissed,
        TicketHeld,
        TicketResumed,
        TicketTransferred,
        TicketPinned,
        TicketUnpinned,
        TicketCancelled,
        QueueCleared,
        DayStarted,
        WindowOpened,
        WindowPaused,
        WindowResumed,
        WindowClosed,
        WindowHandedOver,
        RatingOpened,
        RatingRecorded,
        CaseOpened,
        CaseAdvanced,
        CaseOverdue,
        AlertRaised,
        AlertAcknowledged,
        AlertCleared,
        TuningChanged,
        AppointmentBooked,
        DeviceReported,
    )
}


def decode_event(event_type: str, data: Mapping[str, Any]) -> Event:
    """Rebuild an event from its journal form."""
    cls = EVENT_TYPES[event_type]
    converters = _converters(cls)
    return cls(
        **{
            name: value
            if value is None or (convert := converters[name]) is None
            else convert(value)
            for name, value in data.items()
        }
    )


Converter = Callable[[Any], Any] | None

_CONVERTERS: dict[type[Event], dict[str, Converter]] = {}


def _converters(cls: type[Event]) -> dict[str, Converter]:
    """Per field, how its JSON value becomes the typed value (None: used as it is).

    Worked out once per event class from its type hints: replaying a day's journal at start
    decodes tens of thousands of events.
    """
    found = _CONVERTERS.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls)
        found = _CONVERTERS[cls] = {
            f.name: _converter(hints[f.name]) for f in dataclasses.fields(cls)
        }
    return found


def _converter(hint: Any) -> Converter:
    base = _non_optional(hint)
    if base is dt.datetime:
        return dt.datetime.fromisoformat
    if base is dt.date:
        return dt.date.fromisoformat
    if typing.get_origin(base) is tuple:
        return tuple
    if isinstance(base, type) and issubclass(base, Priority):
        return Priority
    return None


def _encode(value: Any) -> Any:
    kind = type(value)
    if kind is str or kind is int or value is None:  # most fields: kept as they are, quickly
        return value
    if isinstance(value, dt.date):  # datetime is a date too
        return value.isoformat()
    if isinstance(value, tuple):
        return [_encode(v) for v in value]
    return value


def _non_optional(hint: Any) -> Any:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return args[0] if len(args) == 1 else hint
    return hint
