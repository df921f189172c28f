"""Commands: what a person or device asks the hall to do, in the imperative."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from queue_server.domain.model import Priority
from queue_server.domain.ratings import Channel, Level


@dataclass(frozen=True)
class Command:
    """Base of every command."""


@dataclass(frozen=True)
class IssueTicket(Command):
    ticket_id: str  # new ids come from outside the pure core
    service: str
    priority: Priority = Priority.NORMAL
    device: str | None = None
    idempotency_key: str | None = None
    id_hash: str | None = None  # keyed hash of the citizen's ID number, never the number
    slot_start: dt.datetime | None = None
    slot_end: dt.datetime | None = None


@dataclass(frozen=True)
class BookAppointment(Command):
    """An appointment made ahead (on the hall's booking site, by phone): code, service, slot."""

    code: str
    service: str
    slot_start: dt.datetime
    slot_end: dt.datetime
    by: str | None = None


@dataclass(frozen=True)
class CheckIn(Command):
    """The holder of an appointment arrives: a ticket with appointment priority is issued."""

    code: str
    ticket_id: str
    device: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class ReportDevice(Command):
    """A device tells the hall how one of its parts is (a kiosk's printer out of paper)."""

    device: str
    component: str
    condition: str
    detail: str | None = None


@dataclass(frozen=True)
class WindowCommand(Command):
    window: str


@dataclass(frozen=True)
class OpenWindow(WindowCommand):
    clerk: str | None = None
    clerk_name: str | None = None
    staff_no: str | None = None


@dataclass(frozen=True)
class CallNext(WindowCommand):
    case_no: str | None = None  # the 办件编号 of the ticket this finishes, when the clerk has it


@dataclass(frozen=True)
class Recall(WindowCommand):
    pass


@dataclass(frozen=True)
class StartService(WindowCommand):
    pass


@dataclass(frozen=True)
class FinishService(WindowCommand):
    case_no: str | None = None  # the matter's case number (办件编号) in the approval system


@dataclass(frozen=True)
class MarkNoShow(WindowCommand):
    reason: str | None = None


@dataclass(frozen=True)
class Transfer(WindowCommand):
    to_service: str | None = None
    to_window: str | None = None


@dataclass(frozen=True)
class HoldTicket(WindowCommand):
    pass


@dataclass(frozen=True)
class ResumeHeld(WindowCommand):
    ticket_id: str


@dataclass(frozen=True)
class CallBack(WindowCommand):
    ticket_id: str
    case_no: str | None = None  # the 办件编号 of the ticket this finishes, when the clerk has it


@dataclass(frozen=True)
class PauseWindow(WindowCommand):
    reason: str


@dataclass(frozen=True)
class ResumeWindow(WindowCommand):
    pass


@dataclass(frozen=True)
class CloseWindow(WindowCommand):
    pass


@dataclass(frozen=True)
class PinTicket(Command):
    ticket_id: str
    by: str


@dataclass(frozen=True)
class CancelTicket(Command):
    ticket_id: str
    reason: str
    by: str | None = None  # the manager or kiosk that voids it


@dataclass(frozen=True)
class ClearQueue(Command):
    """Close out every ticket not being served (lunch or end-of-day clearing)."""

    # The clearing time this clearing stands for, when it is done later (the server was
    # down then, or the clock was stepped past it); None: now.
    at: dt.datetime | None = None


@dataclass(frozen=True)
class StartDay(Command):
    """A new local day: close out what the days before left unended (see Decider._new_day)."""


@dataclass(frozen=True)
class HandOver(WindowCommand):
    """替岗: a substitute clerk takes over a signed-in window, with the reason recorded."""

    clerk: str
    clerk_name: str | None
    staff_no: str | None
    reason: str


@dataclass(frozen=True)
class AskRating(WindowCommand):
    """The clerk asks the citizen to rate the service just finished (opens the pad again)."""


@dataclass(frozen=True)
class RecordRating(Command):
    """A citizen's 好差评 for the service a window gave on this ticket.

    Pads (channels 4 and 5) rate only the window's open rating, in its time; the ticket's
    phone page (3) rates within the hall's phone_days; a 追评 (`follow_up`) rates again the
    service of a 差评 whose case was put right.
    """

    ticket_id: str
    window: str
    level: Level
    rating_id: str = ""  # new ids come from outside the pure core
    tags: tuple[str, ...] = ()
    comment: str | None = None
    channel: Channel = Channel.HALL_TABLET
    device: str | None = None
    follow_up: bool = False
    # The service rated, when the window served the ticket more than one (a route's steps at
    # one window); None: the latest the window finished, as a pad rates.
    service: str | None = None
    rater: str | None = None  # already encrypted
    # The same key again from the same sender is a retry of this rating: its answer was lost.
    idempotency_key: str | None = None


@dataclass(frozen=True)
class AdvanceCase(Command):
    """A step in a 差评 case: verify, rectify, call-back, close, appeal, uphold/reject-appeal."""

    case_id: str
    action: str
    by: str
    note: str


@dataclass(frozen=True)
class AcknowledgeAlert(Command):
    alert_id: str
    by: str


@dataclass(frozen=True)
class Tune(Command):
    """Change a window's services, a service's quotas, pause issuing for a service, open or
    close a window, pin or unpin a ticket."""

    change_id: str  # new ids come from outside the pure core
    kind: str  # one of tuning.KINDS
    target: str
    values: Mapping[str, Any]
    by: str


@dataclass(frozen=True)
class UndoChange(Command):
    change_id: str  # the id of the new, inverse change
    undo: str  # the change undone
    by: str


@dataclass(frozen=True)
class Supervise(Command):
    """The periodic round: give due default ratings and flag case deadlines that passed."""
