"""What happened in a period, as plain facts walked out of the journal's events (pure)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from queue_server.domain import events as e
from queue_server.domain.model import TicketState


@dataclass(frozen=True)
class Issued:
    ticket_id: str
    service: str  # the service it was issued for
    at: dt.datetime


@dataclass(frozen=True)
class Wait:
    """A ticket's wait from its issue to its first call."""

    service: str  # the service it was issued for
    window: str  # where it was first called
    clerk: str | None  # who was signed in there
    issued_at: dt.datetime
    called_at: dt.datetime

    @property
    def minutes(self) -> float:
        return (self.called_at - self.issued_at).total_seconds() / 60


@dataclass(frozen=True)
class Served:
    """One service occurrence: a ticket finished at a window (a routed ticket has several)."""

    service: str
    window: str
    clerk: str | None
    began: dt.datetime | None  # its start, else its call; None when before the period
    at: dt.datetime
    held_seconds: float = 0.0  # held (挂起) in between: its citizen was not being served

    @property
    def minutes(self) -> float | None:
        """The service time (办理时长): from its start or call to its end, less its holds."""
        if self.began is None:
            return None
        return ((self.at - self.began).total_seconds() - self.held_seconds) / 60


@dataclass(frozen=True)
class Mark:
    """A ticket marked missed (过号), held (挂起) or transferred (转办) at a window."""

    kind: str  # "missed", "held" or "transferred"
    service: str  # the service it was at (before a transfer)
    window: str
    clerk: str | None
    at: dt.datetime


@dataclass(frozen=True)
class Segment:
    """A window open (signed in) or paused from `start` to `end`, under one clerk."""

    window: str
    clerk: str | None
    start: dt.datetime
    end: dt.datetime

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60


@dataclass(frozen=True)
class Rated:
    """A rating that counts: not struck; counted in the period of the service it rates."""

    service: str
    window: str
    clerk: str | None
    served_at: dt.datetime
    level: int
    default: bool
    follow_up: bool


@dataclass(frozen=True)
class Card:
    """亮身份: a clerk's display name and 工号, as last seen in the period."""

    name: str | None
    staff_no: str | None


@dataclass
class Facts:
    """What happened from `start` to `end`: the period, or up to now while it runs."""

    start: dt.datetime
    end: dt.datetime
    issued: list[Issued] = field(default_factory=list)
    waits: list[Wait] = field(default_factory=list)
    served: list[Served] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    opened: list[Segment] = field(default_factory=list)
    paused: list[Segment] = field(default_factory=list)
    sign_ins: list[tuple[str, dt.datetime]] = field(default_factory=list)  # (clerk, when)
    ratings: list[Rated] = field(default_factory=list)
    cards: dict[str, Card] = field(default_factory=dict)
    # The tickets that had ended at `end`, by how (done, no_show, cancelled, abandoned); one
    # not in it was still waiting, called, being served or held.
    ended: dict[str, TicketState] = field(default_factory=dict)


@dataclass
class _Ticket:
    service: str
    issued_at: dt.datetime | None
    called: bool = False
    called_at: dt.datetime | None = None
    started_at: dt.datetime | None = None
    held_at: dt.datetime | None = None  # when its last hold since its call began
    held_seconds: float = 0.0  # in the holds since its call that ended


@dataclass
class _Window:
    clerk: str | None = None
    open_since: dt.datetime | None = None
    paused_since: dt.datetime | None = None


class _Walk:
    """Replays the events of [start, end) into Facts; the end closes what is still open."""

    def __init__(self, start: dt.datetime, end: dt.datetime) -> None:
        self.start = start
        self.end = end
        self.facts = Facts(start, end)
        self.tickets: dict[str, _Ticket] = {}
        self.windows: dict[str, _Window] = {}
        self.earlier_cards: dict[str, Card] = {}  # clerks signed in before the period

    def ticket(self, ticket_id: str) -> _Ticket:
        # A ticket whose issue the events given do not hold: its service is unknown.
        return self.tickets.setdefault(ticket_id, _Ticket(service="", issued_at=None))

    def window(self, window_id: str) -> _Window:
        found = self.windows.get(window_id)
        if found is None:
            # First seen doing something: it was open since before the period began.
            found = self.windows[window_id] = _Window(open_since=self.start)
        return found

    def card(self, clerk: str | None, name: str | None, staff_no: str | None) -> None:
        if clerk is not None:
            old = self.facts.cards.get(clerk, Card(None, None))
            self.facts.cards[clerk] = Card(name or old.name, staff_no or old.staff_no)

    def close_pause(self, window_id: str, at: dt.datetime) -> None:
        window = self.window(window_id)
        if window.paused_since is not None:
            self.facts.paused.append(Segment(window_id, window.clerk, window.paused_since, at))
            window.paused_since = None

    def close_open(self, window_id: str, at: dt.datetime) -> None:
        window = self.window(window_id)
        if window.open_since is not None:
            self.facts.opened.append(Segment(window_id, window.clerk, window.open_since, at))
            window.open_since = None

    def change_clerk(self, window_id: str, clerk: str | None, at: dt.datetime) -> None:
        """Another clerk at an open window (替岗, or a sign-in where its station opened it):
        its time open and paused so far is the last clerk's, the rest the new clerk's."""
        window = self.window(window_id)
        paused = window.paused_since is not None
        self.close_pause(window_id, at)
        self.close_open(window_id, at)
        window.clerk, window.open_since = clerk, at
        window.paused_since = at if paused else None

    def time_service(self, ev: e.Event) -> None:
        """A call, a start, a hold or a resume: when the service at the window began, and
        how long its citizen was away (the same before the period and in it)."""
        if isinstance(ev, e.TicketCalled):
            ticket = self.ticket(ev.ticket_id)
            ticket.called_at, ticket.started_at = ev.at, None
            ticket.held_at, ticket.held_seconds = None, 0.0
        elif isinstance(ev, e.TicketStarted):
            self.ticket(ev.ticket_id).started_at = ev.at
        elif isinstance(ev, e.TicketHeld):
            self.ticket(ev.ticket_id).held_at = ev.at
        elif isinstance(ev, e.TicketResumed):
            ticket = self.ticket(ev.ticket_id)
            if ticket.held_at is not None:  # else held before the part of the journal read
                ticket.held_seconds += (ev.at - ticket.held_at).total_seconds()
                ticket.held_at = None

    def step(self, ev: e.Event) -> None:
        facts = self.facts
        self.time_service(ev)
        if isinstance(ev, e.TicketIssued):
            self.tickets[ev.ticket_id] = _Ticket(ev.service, ev.at)
            facts.issued.append(Issued(ev.ticket_id, ev.service, ev.at))
        elif isinstance(ev, e.TicketCalled):
            facts.ended.pop(ev.ticket_id, None)  # a missed ticket called back
            ticket = self.ticket(ev.ticket_id)
            if not ticket.called and ticket.issued_at is not None:
                clerk = self.window(ev.window).clerk
                facts.waits.append(Wait(ticket.service, ev.window, clerk, ticket.issued_at, ev.at))
            ticket.called = True
        elif isinstance(ev, e.TicketFinished):
            ticket = self.ticket(ev.ticket_id)
            clerk = ev.clerk if ev.clerk is not None else self.window(ev.window).clerk
            self.card(ev.clerk, ev.clerk_name, ev.staff_no)
            began = ticket.started_at or ticket.called_at
            service = ev.service or ticket.service
            held = ticket.held_seconds
            facts.served.append(Served(service, ev.window, clerk, began, ev.at, held))
            if ev.next_service is not None:
                ticket.service = ev.next_service
            else:
                facts.ended[ev.ticket_id] = TicketState.DONE
        elif isinstance(ev, e.TicketMissed | e.TicketHeld | e.TicketTransferred):
            ticket = self.ticket(ev.ticket_id)
            kind = {e.TicketMissed: "missed", e.TicketHeld: "held"}.get(type(ev), "transferred")
            clerk = self.window(ev.window).clerk
            facts.marks.append(Mark(kind, ticket.service, ev.window, clerk, ev.at))
            if isinstance(ev, e.TicketTransferred):
                ticket.service = ev.to_service
            elif isinstance(ev, e.TicketMissed) and ev.key is None:  # not back in the queue
                facts.ended[ev.ticket_id] = TicketState.NO_SHOW
        elif isinstance(ev, e.TicketCancelled):
            facts.ended[ev.ticket_id] = TicketState.CANCELLED
        elif isinstance(ev, e.QueueCleared):
            for ticket_id in ev.ticket_ids:
                facts.ended[ticket_id] = TicketState.ABANDONED
        elif isinstance(ev, e.WindowOpened):
            known = self.windows.get(ev.window)
            if known is not None and known.open_since is not None:
                # A clerk signs in at a window its station opened: it goes on as it was.
                self.change_clerk(ev.window, ev.clerk, ev.at)
            else:
                self.windows[ev.window] = _Window(clerk=ev.clerk, open_since=ev.at)
            self.card(ev.clerk, ev.clerk_name, ev.staff_no)
            if ev.clerk is not None:
                facts.sign_ins.append((ev.clerk, ev.at))
        elif isinstance(ev, e.WindowHandedOver):
            self.change_clerk(ev.window, ev.clerk, ev.at)
            self.card(ev.clerk, ev.clerk_name, ev.staff_no)
            self.card(ev.from_clerk, ev.from_clerk_name, ev.from_staff_no)
            facts.sign_ins.append((ev.clerk, ev.at))
        elif isinstance(ev, e.WindowPaused):
            window = self.window(ev.window)
            window.paused_since = window.paused_since or ev.at
        elif isinstance(ev, e.WindowResumed):
            window = self.window(ev.window)
            if window.paused_since is None:  # paused since before the period began
                window.paused_since = self.start
            self.close_pause(ev.window, ev.at)
        elif isinstance(ev, e.WindowClosed):
            self.close_pause(ev.window, ev.at)
            self.close_open(ev.window, ev.at)
            self.windows[ev.window] = _Window()
        elif isinstance(ev, e.RatingRecorded):
            self.card(ev.clerk, ev.clerk_name, ev.staff_no)

    def before(self, ev: e.Event) -> None:
        """An event before the period: who is signed in where, which windows are paused,
        and the service each ticket of an earlier day is at and when its service began, as
        the period begins (a window open overnight, a hall without a daily clearing). It
        counts for nothing: such a ticket was not issued in the period, and its wait is not
        measured in it."""
        self.time_service(ev)
        if isinstance(ev, e.TicketIssued):
            self.tickets[ev.ticket_id] = _Ticket(ev.service, issued_at=None)
        elif isinstance(ev, e.TicketTransferred):
            self.ticket(ev.ticket_id).service = ev.to_service
        elif isinstance(ev, e.TicketFinished) and ev.next_service is not None:
            self.ticket(ev.ticket_id).service = ev.next_service
        elif isinstance(ev, e.WindowOpened | e.WindowHandedOver):
            window = self.window(ev.window)
            if window.open_since is None:
                window.open_since = self.start
            window.clerk = ev.clerk
            if ev.clerk is not None:
                self.earlier_cards[ev.clerk] = Card(ev.clerk_name, ev.staff_no)
        elif isinstance(ev, e.WindowPaused):
            self.window(ev.window).paused_since = self.start
        elif isinstance(ev, e.WindowResumed):
            self.window(ev.window).paused_since = None
        elif isinstance(ev, e.WindowClosed):
            self.windows[ev.window] = _Window()

    def finish(self) -> Facts:
        for window_id in sorted(self.windows):
            self.close_pause(window_id, self.end)
            self.close_open(window_id, self.end)
        facts = self.facts
        # A clerk signed in before the period and seen in it is named by that sign-in.
        seen: list[Wait | Served | Mark | Segment] = [
            *facts.waits,
            *facts.served,
            *facts.marks,
            *facts.opened,
            *facts.paused,
        ]
        for clerk in {x.clerk for x in seen if x.clerk is not None} - set(facts.cards):
            if clerk in self.earlier_cards:
                facts.cards[clerk] = self.earlier_cards[clerk]
        return facts


def walk(
    events: Iterable[e.Event],
    start: dt.datetime,
    end: dt.datetime,
    *,
    ratings: Iterable[e.RatingRecorded] = (),
    struck: frozenset[str] = frozenset(),
) -> Facts:
    """The facts of the period [start, end), from its events in journal order.

    Events before `start` count for nothing: a window's (the day before, say) tell who is
    signed in at a window open overnight and whether it is paused as the period begins; a
    ticket's issue, transfers and route steps tell the service it is at when the period
    meets it.
    `end` is the period's end, or now for a period still running: pauses and windows still
    open are counted up to it. `ratings` may reach past the period (a phone rating given a
    few days later): a rating counts when the service it rates was finished in the period,
    and never when its id is in `struck` (a 差评 struck on appeal).
    """
    walker = _Walk(start, end)
    for ev in events:
        if ev.at < start:
            walker.before(ev)
        elif ev.at < end:
            walker.step(ev)
    facts = walker.finish()
    for rating in ratings:
        served_at = rating.served_at or rating.at
        if rating.rating_id in struck or not start <= served_at < end:
            continue
        walker.card(rating.clerk, rating.clerk_name, rating.staff_no)
        facts.ratings.append(
            Rated(
                service=rating.service,
                window=rating.window,
                clerk=rating.clerk,
                served_at=served_at,
                level=rating.level,
                default=rating.default,
                follow_up=rating.follow_up,
            )
        )
    return facts
