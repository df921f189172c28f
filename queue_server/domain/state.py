"""The hall's state: decides each command by the hall's rules and applies the events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from queue_server.domain import commands as c
from queue_server.domain import events as e
from queue_server.domain.errors import Conflict, NotFound
from queue_server.domain.hall import HallConfig, MissedPolicy, Window
from queue_server.domain.hours import issuing_session
from queue_server.domain.model import (
    QueueKey,
    Ticket,
    TicketState,
    WindowState,
    WindowStatus,
)
from queue_server.domain.queues import Queues
from queue_server.domain.ratings import check_rating

# How fast the running mean of service times follows recent services.
MEAN_WEIGHT = 0.2
# Service times outside this range (minutes) are mistakes, not information.
MEAN_BOUNDS = (0.5, 240.0)
DEFAULT_MEAN_MINUTES = 10.0


@dataclass
class Outcome:
    """What a command did: its events (already applied) and the ticket it concerns."""

    events: list[e.Event] = field(default_factory=list)
    ticket_id: str | None = None


class Hall:
    """One hall's live state. Commands go through `execute`; replay goes through `apply`.

    `execute` checks everything a command needs before it changes anything, so a refused
    command (a DomainError) leaves the state exactly as it was.
    """

    def __init__(self, config: HallConfig) -> None:
        self.config = config
        self.tz = ZoneInfo(config.timezone)
        self.services = {s.id: s for s in config.services}
        self.window_config = {w.id: w for w in config.windows}
        self.windows = {w.id: WindowStatus(w.id) for w in config.windows}
        self._servers = {
            s.id: tuple(w.id for w in config.windows if _serves(w, s.id)) for s in config.services
        }
        self.tickets: dict[str, Ticket] = {}
        self.queues = Queues()
        self.day: dt.date | None = None
        self.issued_today: dict[str, int] = {}
        self.issued_in_session: dict[str, int] = {}  # "service/session" -> count
        self.mean_minutes = {s.id: s.mean_service_minutes for s in config.services}
        self.next_major = 1
        self.next_minor = 1
        self.last_event_at: dt.datetime | None = None
        self._by_idempotency: dict[tuple[str, str], str] = {}
        self._active_by_id_hash: dict[tuple[str, str], str] = {}

    # -- commands -----------------------------------------------------------------------

    def execute(self, command: c.Command, now: dt.datetime) -> Outcome:
        handler = _HANDLERS.get(type(command))
        if handler is None:
            raise TypeError(f"no handler for {type(command).__name__}")
        return handler(self, command, now)

    def _emit(self, outcome: Outcome, event: e.Event) -> None:
        self.apply(event)
        outcome.events.append(event)

    def _issue(self, cmd: c.IssueTicket, now: dt.datetime) -> Outcome:
        service = self.services.get(cmd.service)
        if service is None:
            raise NotFound("unknown_service", f"没有这项业务: {cmd.service}")
        if cmd.device and cmd.idempotency_key:
            earlier = self._by_idempotency.get((cmd.device, cmd.idempotency_key))
            if earlier is not None:
                return Outcome(ticket_id=earlier)
        local = now.astimezone(self.tz)
        session = issuing_session(self.config.hours, local)
        if session is None:
            raise Conflict("hall_closed", "现在不在取号时间内")
        day = local.date()
        issued = self.issued_today.get(service.id, 0) if day == self.day else 0
        in_session = (
            self.issued_in_session.get(f"{service.id}/{session}", 0) if day == self.day else 0
        )
        if service.daily_quota is not None and issued >= service.daily_quota:
            raise Conflict("quota_exhausted", f"{service.name}今日号已取完")
        if service.session_quota is not None and in_session >= service.session_quota:
            raise Conflict("quota_exhausted", f"{service.name}本时段号已取完")
        if (
            cmd.id_hash
            and self.config.policy.one_waiting_ticket_per_id
            and (service.id, cmd.id_hash) in self._active_by_id_hash
        ):
            raise Conflict("already_waiting", f"您已有一张{service.name}的号在排队")
        outcome = Outcome(ticket_id=cmd.ticket_id)
        self._emit(
            outcome,
            e.TicketIssued(
                at=now,
                ticket_id=cmd.ticket_id,
                number=f"{service.prefix}{issued + 1:03d}",
                service=service.id,
                priority=cmd.priority,
                day=day,
                session=session,
                key=self._back_key(),
                route=service.route,
                device=cmd.device,
                idempotency_key=cmd.idempotency_key,
                id_hash=cmd.id_hash,
                slot_start=cmd.slot_start,
                slot_end=cmd.slot_end,
            ),
        )
        return outcome

    def _open_window(self, cmd: c.OpenWindow, now: dt.datetime) -> Outcome:
        window = self._window(cmd.window)
        if window.state is not WindowState.CLOSED:
            if window.clerk == cmd.clerk:
                return Outcome()
            raise Conflict("window_occupied", f"{cmd.window}号窗口已有人签到")
        if cmd.clerk is not None:
            elsewhere = next((w.id for w in self.windows.values() if w.clerk == cmd.clerk), None)
            if elsewhere is not None:
                raise Conflict("clerk_elsewhere", f"您已在{elsewhere}号窗口签到, 请先签退")
        outcome = Outcome()
        self._emit(
            outcome,
            e.WindowOpened(
                at=now,
                window=window.id,
                clerk=cmd.clerk,
                clerk_name=cmd.clerk_name,
                staff_no=cmd.staff_no,
            ),
        )
        return outcome

    def _call_next(self, cmd: c.CallNext, now: dt.datetime) -> Outcome:
        window = self._open(cmd.window)
        chosen = self.queues.pick(self.window_config[window.id], self.tickets, now)
        if chosen is None:
            raise NotFound("queue_empty", "没有等候的号")
        outcome = Outcome(ticket_id=chosen.id)
        self._finish_current(outcome, window, now)
        self._emit(outcome, e.TicketCalled(at=now, ticket_id=chosen.id, window=window.id))
        return outcome

    def _call_back(self, cmd: c.CallBack, now: dt.datetime) -> Outcome:
        window = self._open(cmd.window)
        ticket = self._ticket(cmd.ticket_id)
        if ticket.id not in window.missed or ticket.state is not TicketState.NO_SHOW:
            raise Conflict("not_missed", f"{ticket.number}不是本窗口最近过号的号")
        outcome = Outcome(ticket_id=ticket.id)
        self._finish_current(outcome, window, now)
        self._emit(
            outcome, e.TicketCalled(at=now, ticket_id=ticket.id, window=window.id, callback=True)
        )
        return outcome

    def _recall(self, cmd: c.Recall, now: dt.datetime) -> Outcome:
        window = self._open(cmd.window)
        ticket = self._current(window)
        if ticket.state is not TicketState.CALLED:
            raise Conflict("not_called", f"{ticket.number}已在办理中")
        if ticket.recalls >= self.config.policy.recall_cap:
            raise Conflict("recall_limit", f"{ticket.number}已重呼{ticket.recalls}次, 请标记过号")
        outcome = Outcome(ticket_id=ticket.id)
        self._emit(
            outcome,
            e.TicketRecalled(
                at=now, ticket_id=ticket.id, window=window.id, count=ticket.recalls + 1
            ),
        )
        return outcome

    def _start(self, cmd: c.StartService, now: dt.datetime) -> Outcome:
        window = self._open(cmd.window)
        ticket = self._current(window)
        if ticket.state is not TicketState.CALLED:
            raise Conflict("not_called", f"{ticket.number}已在办理中")
        outcome = Outcome(ticket_id=ticket.id)
        self._emit(outcome, e.TicketStarted(at=now, ticket_id=ticket.id, window=window.id))
        return outcome

    def _finish(self, cmd: c.FinishService, now: dt.datetime) -> Outcome:
        window = self._open(cmd.window)
        ticket = self._current(window)
        outcome = Outcome(ticket_id=ticket.id)
        self._finish_current(outcome, window, now)
        return outcome

    def _no_show(self, cmd: c.MarkNoShow, now: dt.datetime) -> Outcome:
        window = self._open(cmd.window)
        ticket = self._current(window)
        if ticket.state is not TicketState.CALLED:
            raise Conflict("not_called", f"{ticket.number}已在办理中, 不能标记过号")
        outcome = Outcome(ticket_id=ticket.id)
        self._emit(
            outcome,
            e.TicketMissed(
                at=now,
                ticket_id=ticket.id,
                window=window.id,
                reason=cmd.reason,
                key=self._requeue_key(ticket),
            ),
        )
        return outcome

    def _transfer(self, cmd: c.Transfer, now: dt.datetime) -> Outcome:
        if (cmd.to_service is None) == (cmd.to_window is None):
            raise Conflict("invalid_transfer", "请指定转办的业务或窗口之一")
        window = self._open(cmd.window)
        ticket = self._current(window)
        to_service = ticket.service
        if cmd.to_service is not None:
            if cmd.to_service not in self.services:
                raise NotFound("unknown_service", f"没有这项业务: {cmd.to_service}")
            to_service = cmd.to_service
        if cmd.to_window is not None:
            self._window(cmd.to_window)
            if cmd.to_window == window.id:
                raise Conflict("invalid_transfer", "不能转给本窗口")
        outcome = Outcome(ticket_id=ticket.id)
        self._emit(
            outcome,
            e.TicketTransferred(
                at=now,
                ticket_id=ticket.id,
                window=window.id,
                to_service=to_service,
                to_window=cmd.to_window,
                key=self._back_key(),
            ),
        )
        return outcome

    def _hold(self, cmd: c.HoldTicket, now: dt.datetime) -> Outcome:
        window = self._open(cmd.window)
        ticket = self._current(window)
        outcome = Outcome(ticket_id=ticket.id)
        self._emit(outcome, e.TicketHeld(at=now, ticket_id=ticket.id, window=window.id))
        return outcome

    def _resume_held(self, cmd: c.ResumeHeld, now: dt.datetime) -> Outcome:
        window = self._open(cmd.window)
        ticket = self._ticket(cmd.ticket_id)
        if ticket.id not in window.held:
            raise Conflict("not_held", f"{ticket.number}没有在本窗口挂起")
        if window.ticket_id is not None:
            raise Conflict("window_busy", "请先办结或挂起当前的号")
        outcome = Outcome(ticket_id=ticket.id)
        self._emit(outcome, e.TicketResumed(at=now, ticket_id=ticket.id, window=window.id))
        return outcome

    def _pause(self, cmd: c.PauseWindow, now: dt.datetime) -> Outcome:
        window = self._window(cmd.window)
        if window.state is WindowState.PAUSED:
            return Outcome()
        window = self._open(cmd.window)
        if window.ticket_id is not None:
            raise Conflict("window_busy", "请先办结或挂起当前的号再暂停")
        outcome = Outcome()
        self._emit(outcome, e.WindowPaused(at=now, window=window.id, reason=cmd.reason))
        return outcome

    def _resume(self, cmd: c.ResumeWindow, now: dt.datetime) -> Outcome:
        window = self._window(cmd.window)
        if window.state is WindowState.CLOSED:
            raise Conflict("window_not_open", f"{window.id}号窗口未开放")
        if window.state is not WindowState.PAUSED:
            return Outcome()
        outcome = Outcome()
        self._emit(outcome, e.WindowResumed(at=now, window=window.id))
        return outcome

    def _close(self, cmd: c.CloseWindow, now: dt.datetime) -> Outcome:
        window = self._window(cmd.window)
        if window.state is WindowState.CLOSED:
            return Outcome()
        if window.ticket_id is not None:
            raise Conflict("window_busy", "请先办结或挂起当前的号再关闭窗口")
        outcome = Outcome()
        self._emit(outcome, e.WindowClosed(at=now, window=window.id))
        return outcome

    def _pin(self, cmd: c.PinTicket, now: dt.datetime) -> Outcome:
        ticket = self._ticket(cmd.ticket_id)
        if ticket.state is not TicketState.WAITING:
            raise Conflict("not_waiting", f"{ticket.number}不在等候中")
        outcome = Outcome(ticket_id=ticket.id)
        if not ticket.pinned:
            self._emit(outcome, e.TicketPinned(at=now, ticket_id=ticket.id, by=cmd.by))
        return outcome

    def _cancel(self, cmd: c.CancelTicket, now: dt.datetime) -> Outcome:
        ticket = self._ticket(cmd.ticket_id)
        if ticket.state is not TicketState.WAITING:
            raise Conflict("not_waiting", f"{ticket.number}不在等候中")
        outcome = Outcome(ticket_id=ticket.id)
        self._emit(outcome, e.TicketCancelled(at=now, ticket_id=ticket.id, reason=cmd.reason))
        return outcome

    def _clear(self, cmd: c.ClearQueue, now: dt.datetime) -> Outcome:
        ids = tuple(
            t.id
            for t in self.tickets.values()
            if t.state in (TicketState.WAITING, TicketState.HELD)
        )
        outcome = Outcome()
        if ids:
            self._emit(outcome, e.QueueCleared(at=now, ticket_ids=ids))
        return outcome

    def _rate(self, cmd: c.RecordRating, now: dt.datetime) -> Outcome:
        check_rating(
            cmd.level, cmd.tags, bad_requires_tag=self.config.policy.bad_rating_requires_tag
        )
        window = self._window(cmd.window)
        ticket = self._ticket(cmd.ticket_id)
        occurrence = next((o for o in reversed(ticket.served) if o.endswith(f"@{window.id}")), None)
        if occurrence is None:
            raise Conflict("not_served", f"{ticket.number}尚未在{window.id}号窗口办结")
        if occurrence in ticket.rated:
            raise Conflict("already_rated", f"{ticket.number}的这次服务已经评价过了")
        outcome = Outcome(ticket_id=ticket.id)
        self._emit(
            outcome,
            e.RatingRecorded(
                at=now,
                ticket_id=ticket.id,
                window=window.id,
                service=occurrence.rsplit("@", 1)[0],
                clerk=window.clerk,
                level=int(cmd.level),
                tags=cmd.tags,
                comment=cmd.comment,
                channel=int(cmd.channel),
                device=cmd.device,
                served_at=ticket.finished_at or ticket.called_at,
            ),
        )
        return outcome

    # -- helpers for deciding ------------------------------------------------------------

    def _window(self, window_id: str) -> WindowStatus:
        window = self.windows.get(window_id)
        if window is None:
            raise NotFound("unknown_window", f"没有{window_id}号窗口")
        return window

    def _open(self, window_id: str) -> WindowStatus:
        window = self._window(window_id)
        if not window.is_open:
            raise Conflict("window_not_open", f"{window_id}号窗口未开放或已暂停")
        return window

    def _ticket(self, ticket_id: str) -> Ticket:
        ticket = self.tickets.get(ticket_id)
        if ticket is None:
            raise NotFound("unknown_ticket", "没有这个号")
        return ticket

    def _current(self, window: WindowStatus) -> Ticket:
        if window.ticket_id is None:
            raise Conflict("no_current_ticket", f"{window.id}号窗口当前没有号")
        return self.tickets[window.ticket_id]

    def _finish_current(self, outcome: Outcome, window: WindowStatus, now: dt.datetime) -> None:
        if window.ticket_id is None:
            return
        ticket = self.tickets[window.ticket_id]
        next_service = ticket.route_remaining[0] if ticket.route_remaining else None
        self._emit(
            outcome,
            e.TicketFinished(
                at=now,
                ticket_id=ticket.id,
                window=window.id,
                next_service=next_service,
                key=self._back_key() if next_service else None,
            ),
        )

    def _back_key(self) -> QueueKey:
        return (self.next_major, 0)

    def _requeue_key(self, ticket: Ticket) -> QueueKey | None:
        policy = self.config.policy
        if policy.missed is MissedPolicy.VOID or ticket.requeues >= policy.missed_requeue_limit:
            return None
        if policy.missed is MissedPolicy.AFTER_N:
            nth = self.queues.nth_key_in_line(ticket, policy.missed_after_places)
            if nth is not None:
                # Sorts right after the N-th ticket: same major, a fresh (larger) minor.
                return (nth[0], self.next_minor)
        return self._back_key()

    # -- applying events ----------------------------------------------------------------

    def apply(self, event: e.Event) -> None:
        _APPLIERS[type(event)](self, event)
        self.last_event_at = event.at

    def _track_key(self, key: QueueKey) -> None:
        self.next_major = max(self.next_major, key[0] + 1)
        self.next_minor = max(self.next_minor, key[1] + 1)

    def _enqueue(self, ticket: Ticket, key: QueueKey) -> None:
        ticket.key = key
        self._track_key(key)
        self.queues.add(ticket)

    def _dequeue(self, ticket: Ticket) -> None:
        self.queues.remove(ticket)
        ticket.key = None

    def _finalise(self, ticket: Ticket, at: dt.datetime) -> None:
        ticket.finished_at = at
        if ticket.id_hash is not None:
            self._active_by_id_hash.pop((ticket.origin_service, ticket.id_hash), None)

    def _on_issued(self, ev: e.TicketIssued) -> None:
        if ev.day != self.day:
            self._start_day(ev.day)
        ticket = Ticket(
            id=ev.ticket_id,
            number=ev.number,
            service=ev.service,
            origin_service=ev.service,
            priority=ev.priority,
            issued_at=ev.at,
            day=ev.day,
            session=ev.session,
            route_remaining=ev.route,
            device=ev.device,
            idempotency_key=ev.idempotency_key,
            id_hash=ev.id_hash,
            slot_start=ev.slot_start,
            slot_end=ev.slot_end,
        )
        self.tickets[ticket.id] = ticket
        self._enqueue(ticket, ev.key)
        self.issued_today[ev.service] = self.issued_today.get(ev.service, 0) + 1
        session_key = f"{ev.service}/{ev.session}"
        self.issued_in_session[session_key] = self.issued_in_session.get(session_key, 0) + 1
        self._index(ticket)

    def _index(self, ticket: Ticket) -> None:
        if ticket.device and ticket.idempotency_key:
            self._by_idempotency[(ticket.device, ticket.idempotency_key)] = ticket.id
        if ticket.id_hash and not ticket.is_final:
            self._active_by_id_hash[(ticket.origin_service, ticket.id_hash)] = ticket.id

    def _start_day(self, day: dt.date) -> None:
        """A new business day: numbering restarts; finished tickets of past days are dropped."""
        self.day = day
        self.issued_today.clear()
        self.issued_in_session.clear()
        for ticket in [t for t in self.tickets.values() if t.is_final and t.day < day]:
            del self.tickets[ticket.id]
            if ticket.device and ticket.idempotency_key:
                self._by_idempotency.pop((ticket.device, ticket.idempotency_key), None)
        for window in self.windows.values():
            window.missed = [tid for tid in window.missed if tid in self.tickets]

    def _on_called(self, ev: e.TicketCalled) -> None:
        ticket = self.tickets[ev.ticket_id]
        window = self.windows[ev.window]
        if ticket.state is TicketState.WAITING:
            self._dequeue(ticket)
        elif ev.ticket_id in window.missed:
            window.missed.remove(ev.ticket_id)
        ticket.move_to(TicketState.CALLED)
        ticket.window = ev.window
        ticket.target_window = None
        ticket.called_at = ev.at
        ticket.started_at = None
        ticket.finished_at = None
        ticket.recalls = 0
        window.ticket_id = ticket.id
        window.move_to(WindowState.CALLING, ev.at)

    def _on_recalled(self, ev: e.TicketRecalled) -> None:
        self.tickets[ev.ticket_id].recalls = ev.count

    def _on_started(self, ev: e.TicketStarted) -> None:
        ticket = self.tickets[ev.ticket_id]
        ticket.move_to(TicketState.SERVING)
        ticket.started_at = ev.at
        self.windows[ev.window].move_to(WindowState.SERVING, ev.at)

    def _release_window(self, window_id: str, at: dt.datetime) -> None:
        window = self.windows[window_id]
        window.ticket_id = None
        window.move_to(WindowState.IDLE, at)

    def _on_finished(self, ev: e.TicketFinished) -> None:
        ticket = self.tickets[ev.ticket_id]
        self._learn_service_time(ticket, ev.at)
        ticket.served.append(f"{ticket.service}@{ev.window}")
        self._release_window(ev.window, ev.at)
        if ev.next_service is not None and ev.key is not None:
            ticket.move_to(TicketState.WAITING)
            ticket.service = ev.next_service
            ticket.route_remaining = ticket.route_remaining[1:]
            ticket.transferred = True
            self._enqueue(ticket, ev.key)
        else:
            ticket.move_to(TicketState.DONE)
            self._finalise(ticket, ev.at)

    def _learn_service_time(self, ticket: Ticket, at: dt.datetime) -> None:
        began = ticket.started_at or ticket.called_at
        if began is None:
            return
        minutes = (at - began).total_seconds() / 60
        if MEAN_BOUNDS[0] <= minutes <= MEAN_BOUNDS[1]:
            old = self._mean(ticket.service)
            self.mean_minutes[ticket.service] = old + MEAN_WEIGHT * (minutes - old)

    def _on_missed(self, ev: e.TicketMissed) -> None:
        ticket = self.tickets[ev.ticket_id]
        ticket.missed_reason = ev.reason
        self._release_window(ev.window, ev.at)
        if ev.key is not None:
            ticket.move_to(TicketState.WAITING)
            ticket.requeues += 1
            self._enqueue(ticket, ev.key)
            return
        ticket.move_to(TicketState.NO_SHOW)
        self._finalise(ticket, ev.at)
        window = self.windows[ev.window]
        window.missed.append(ticket.id)
        del window.missed[: -self.config.policy.callback_window_memory or None]

    def _on_held(self, ev: e.TicketHeld) -> None:
        self.tickets[ev.ticket_id].move_to(TicketState.HELD)
        self.windows[ev.window].held.append(ev.ticket_id)
        self._release_window(ev.window, ev.at)

    def _on_resumed(self, ev: e.TicketResumed) -> None:
        ticket = self.tickets[ev.ticket_id]
        window = self.windows[ev.window]
        ticket.move_to(TicketState.SERVING)
        window.held.remove(ticket.id)
        window.ticket_id = ticket.id
        window.move_to(WindowState.SERVING, ev.at)

    def _on_transferred(self, ev: e.TicketTransferred) -> None:
        ticket = self.tickets[ev.ticket_id]
        self._release_window(ev.window, ev.at)
        ticket.move_to(TicketState.WAITING)
        ticket.service = ev.to_service
        ticket.target_window = ev.to_window
        ticket.transferred = True
        self._enqueue(ticket, ev.key)

    def _on_pinned(self, ev: e.TicketPinned) -> None:
        ticket = self.tickets[ev.ticket_id]
        assert ticket.key is not None
        key = ticket.key
        self._dequeue(ticket)
        ticket.pinned = True
        self._enqueue(ticket, key)

    def _on_cancelled(self, ev: e.TicketCancelled) -> None:
        ticket = self.tickets[ev.ticket_id]
        self._dequeue(ticket)
        ticket.move_to(TicketState.CANCELLED)
        self._finalise(ticket, ev.at)

    def _on_cleared(self, ev: e.QueueCleared) -> None:
        for ticket_id in ev.ticket_ids:
            ticket = self.tickets[ticket_id]
            if ticket.state is TicketState.WAITING:
                self._dequeue(ticket)
            elif ticket.window is not None and ticket.id in self.windows[ticket.window].held:
                self.windows[ticket.window].held.remove(ticket.id)
            ticket.move_to(TicketState.ABANDONED)
            self._finalise(ticket, ev.at)

    def _on_rated(self, ev: e.RatingRecorded) -> None:
        self.tickets[ev.ticket_id].rated.append(f"{ev.service}@{ev.window}")

    def _on_window_opened(self, ev: e.WindowOpened) -> None:
        window = self.windows[ev.window]
        window.clerk = ev.clerk
        window.clerk_name = ev.clerk_name
        window.staff_no = ev.staff_no
        window.move_to(WindowState.IDLE, ev.at)

    def _on_window_paused(self, ev: e.WindowPaused) -> None:
        window = self.windows[ev.window]
        window.pause_reason = ev.reason
        window.move_to(WindowState.PAUSED, ev.at)

    def _on_window_resumed(self, ev: e.WindowResumed) -> None:
        window = self.windows[ev.window]
        window.pause_reason = None
        window.move_to(WindowState.IDLE, ev.at)

    def _on_window_closed(self, ev: e.WindowClosed) -> None:
        window = self.windows[ev.window]
        window.clerk = window.clerk_name = window.staff_no = None
        window.pause_reason = None
        window.move_to(WindowState.CLOSED, ev.at)

    # -- queries --------------------------------------------------------------------------

    def ahead(self, ticket: Ticket, now: dt.datetime) -> int:
        if ticket.state is not TicketState.WAITING:
            return 0
        return self.queues.ahead_of(ticket, self.tickets, now)

    def place(self, ticket: Ticket, now: dt.datetime) -> tuple[int, float]:
        """People ahead, and the expected wait in minutes: those ahead over the windows that
        can take the ticket (the open ones, or all of them while none is open), at the
        service's running mean pace."""
        ahead = self.ahead(ticket, now)
        if ahead == 0:
            return 0, 0.0
        servers = self._servers.get(ticket.service, ())
        open_servers = sum(1 for w in servers if self.windows[w].is_open)
        capacity = open_servers or len(servers) or 1
        return ahead, round(ahead * self._mean(ticket.service) / capacity, 1)

    def _mean(self, service: str) -> float:
        # A service dropped from the config since its tickets were issued keeps a default.
        return self.mean_minutes.get(service, DEFAULT_MEAN_MINUTES)

    def waiting_tickets(self) -> Iterator[Ticket]:
        return (t for t in self.tickets.values() if t.state is TicketState.WAITING)

    def waiting_count(self, service: str) -> int:
        return self.queues.waiting(service)

    def window_of_clerk(self, clerk: str) -> str | None:
        return next((w.id for w in self.windows.values() if w.clerk == clerk), None)

    def current_ticket(self, window_id: str) -> Ticket | None:
        ticket_id = self.windows[window_id].ticket_id
        return self.tickets[ticket_id] if ticket_id is not None else None

    # -- snapshots ------------------------------------------------------------------------

    def to_snapshot(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat() if self.day else None,
            "issued_today": dict(self.issued_today),
            "issued_in_session": dict(self.issued_in_session),
            "mean_minutes": dict(self.mean_minutes),
            "next_major": self.next_major,
            "next_minor": self.next_minor,
            "last_event_at": self.last_event_at.isoformat() if self.last_event_at else None,
            "tickets": [t.to_dict() for t in self.tickets.values()],
            "windows": [w.to_dict() for w in self.windows.values()],
        }

    @classmethod
    def from_snapshot(cls, config: HallConfig, data: dict[str, Any]) -> Hall:
        hall = cls(config)
        hall.day = dt.date.fromisoformat(data["day"]) if data["day"] else None
        hall.issued_today = dict(data["issued_today"])
        hall.issued_in_session = dict(data["issued_in_session"])
        hall.mean_minutes.update(
            {k: v for k, v in data["mean_minutes"].items() if k in hall.mean_minutes}
        )
        hall.next_major = data["next_major"]
        hall.next_minor = data["next_minor"]
        last = data["last_event_at"]
        hall.last_event_at = dt.datetime.fromisoformat(last) if last else None
        for raw in data["tickets"]:
            ticket = Ticket.from_dict(raw)
            hall.tickets[ticket.id] = ticket
            if ticket.state is TicketState.WAITING:
                hall.queues.add(ticket)
            hall._index(ticket)
        for raw in data["windows"]:
            # A window removed from the config since the snapshot is dropped with it.
            if raw["id"] in hall.windows:
                hall.windows[raw["id"]] = WindowStatus.from_dict(raw)
        return hall


def _serves(window: Window, service: str) -> bool:
    return service in window.services or service in window.overflow


_HANDLERS: dict[type[c.Command], Callable[[Hall, Any, dt.datetime], Outcome]] = {
    c.IssueTicket: Hall._issue,
    c.OpenWindow: Hall._open_window,
    c.CallNext: Hall._call_next,
    c.CallBack: Hall._call_back,
    c.Recall: Hall._recall,
    c.StartService: Hall._start,
    c.FinishService: Hall._finish,
    c.MarkNoShow: Hall._no_show,
    c.Transfer: Hall._transfer,
    c.HoldTicket: Hall._hold,
    c.ResumeHeld: Hall._resume_held,
    c.PauseWindow: Hall._pause,
    c.ResumeWindow: Hall._resume,
    c.CloseWindow: Hall._close,
    c.PinTicket: Hall._pin,
    c.CancelTicket: Hall._cancel,
    c.ClearQueue: Hall._clear,
    c.RecordRating: Hall._rate,
}

_APPLIERS: dict[type[e.Event], Callable[[Hall, Any], None]] = {
    e.TicketIssued: Hall._on_issued,
    e.TicketCalled: Hall._on_called,
    e.TicketRecalled: Hall._on_recalled,
    e.TicketStarted: Hall._on_started,
    e.TicketFinished: Hall._on_finished,
    e.TicketMissed: Hall._on_missed,
    e.TicketHeld: Hall._on_held,
    e.TicketResumed: Hall._on_resumed,
    e.TicketTransferred: Hall._on_transferred,
    e.TicketPinned: Hall._on_pinned,
    e.TicketCancelled: Hall._on_cancelled,
    e.QueueCleared: Hall._on_cleared,
    e.WindowOpened: Hall._on_window_opened,
    e.WindowPaused: Hall._on_window_paused,
    e.WindowResumed: Hall._on_window_resumed,
    e.WindowClosed: Hall._on_window_closed,
    e.RatingRecorded: Hall._on_rated,
}
