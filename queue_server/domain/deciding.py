"""Deciding commands by the hall's rules: everything is checked before anything changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from queue_server.domain import commands as c
from queue_server.domain import events as e
from queue_server.domain.deciding_base import Outcome
from queue_server.domain.deciding_ratings import RatingDecider
from queue_server.domain.deciding_tuning import TuningDecider
from queue_server.domain.errors import Conflict, NotFound
from queue_server.domain.hall import MissedPolicy
from queue_server.domain.hours import check_in_session, issuing_session, session_resumes
from queue_server.domain.model import (
    Priority,
    QueueKey,
    Ticket,
    TicketState,
    WindowState,
    WindowStatus,
)

__all__ = ["Decider", "Outcome"]


class Decider(RatingDecider, TuningDecider):
    """Decides each command and applies its events one by one as it emits them.

    A handler checks everything its command needs before it emits the first event, so a
    refused command (a DomainError) leaves the state exactly as it was.
    """

    def execute(self, command: c.Command, now: dt.datetime) -> Outcome:
        handler = _HANDLERS.get(type(command))
        if handler is None:
            raise TypeError(f"no handler for {type(command).__name__}")
        return handler(self, command, now)

    def _issue(
        self, cmd: c.IssueTicket, now: dt.datetime, appointment: str | None = None
    ) -> Outcome:
        service = self.services.get(cmd.service)
        if service is None:
            raise NotFound("unknown_service", f"没有这项业务: {cmd.service}")
        day = self._business_day(now)
        earlier = self._earlier(cmd.device, cmd.idempotency_key, day)
        if earlier is not None:
            if (earlier.origin_service, earlier.priority) != (cmd.service, cmd.priority):
                raise Conflict("idempotency_key_reused", _key_reused(earlier))
            return Outcome(ticket_id=earlier.id)
        if service.id in self.issuing_paused:
            reason = self.issuing_paused[service.id]
            raise Conflict(
                "service_paused", f"{service.name}暂停取号{f': {reason}' if reason else ''}"
            )
        local = now.astimezone(self.tz)
        session = (
            issuing_session(self.config.hours, local)
            if appointment is None or cmd.slot_end is None
            else check_in_session(self.config.hours, local, cmd.slot_end)
        )
        if session is None:
            raise Conflict("hall_closed", "现在不在取号时间内")
        issued = self.issued_today.get(service.id, 0) if day == self.day else 0
        in_session = (
            self.issued_in_session.get(f"{service.id}/{session}", 0) if day == self.day else 0
        )
        # The day's numbers start again: before its first, tickets the days before left (a hall
        # with no end-of-day clearing, or open all hours) are closed out, so that none shares
        # one. A hall open round the clock began its day at midnight with them still in line.
        left_over = self._left_over(day) if day != self.day or not self.issued_today else ()
        # An appointment was booked against the day's capacity: the walk-in quotas spare it.
        if appointment is None:
            if service.daily_quota is not None and issued >= service.daily_quota:
                raise Conflict("quota_exhausted", f"{service.name}今日号已取完")
            if service.session_quota is not None and in_session >= service.session_quota:
                raise Conflict("quota_exhausted", f"{service.name}本时段号已取完")
        if (
            cmd.id_hash
            and self.config.policy.one_waiting_ticket_per_id
            and self._active_by_id_hash.get((service.id, cmd.id_hash), set()) - set(left_over)
        ):
            raise Conflict("already_waiting", f"您已有一张{service.name}的号在排队")
        outcome = Outcome(ticket_id=cmd.ticket_id)
        self._close_out(outcome, now, left_over)
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
                appointment=appointment,
            ),
        )
        return outcome

    def _book(self, cmd: c.BookAppointment, now: dt.datetime) -> Outcome:
        if cmd.service not in self.services:
            raise NotFound("unknown_service", f"没有这项业务: {cmd.service}")
        if cmd.slot_end <= cmd.slot_start:
            raise Conflict("invalid_slot", "预约时段的结束时间须晚于开始时间")
        earlier = self.appointments.get(cmd.code)
        if earlier is not None:
            if (earlier.service, earlier.slot_start, earlier.slot_end) == (
                cmd.service,
                cmd.slot_start,
                cmd.slot_end,
            ):
                return Outcome()  # the booking system sent it again
            raise Conflict("appointment_exists", f"预约码{cmd.code}已用于另一个预约")
        outcome = Outcome()
        self._emit(
            outcome,
            e.AppointmentBooked(
                at=now,
                code=cmd.code,
                service=cmd.service,
                slot_start=cmd.slot_start,
                slot_end=cmd.slot_end,
                by=cmd.by,
            ),
        )
        return outcome

    def _check_in(self, cmd: c.CheckIn, now: dt.datetime) -> Outcome:
        booking = self.appointments.get(cmd.code)
        if booking is None:
            raise NotFound("unknown_appointment", "没有找到这个预约, 请核对预约码")
        earlier = self._earlier(cmd.device, cmd.idempotency_key, self._business_day(now))
        if earlier is not None:
            if earlier.id != booking.ticket_id:
                raise Conflict("idempotency_key_reused", _key_reused(earlier))
            return Outcome(ticket_id=earlier.id)
        if booking.ticket_id is not None and not self.voided(booking.ticket_id):
            ticket = self.tickets.get(booking.ticket_id)
            number = f" ({ticket.number})" if ticket is not None else ""
            raise Conflict("already_checked_in", f"这个预约已经取过号了{number}")
        slot = booking.slot_start.astimezone(self.tz)
        if slot.date() != now.astimezone(self.tz).date():
            raise Conflict(
                "appointment_not_today",
                f"您预约的是{slot.month}月{slot.day}日 {slot:%H:%M}, 请在预约当天来取号",
            )
        issue = c.IssueTicket(
            ticket_id=cmd.ticket_id,
            service=booking.service,
            priority=Priority.APPOINTMENT,
            device=cmd.device,
            idempotency_key=cmd.idempotency_key,
            slot_start=booking.slot_start,
            slot_end=booking.slot_end,
        )
        return self._issue(issue, now, appointment=booking.code)

    def _earlier(self, device: str | None, key: str | None, day: dt.date) -> Ticket | None:
        """The ticket this device took on `day` with this idempotency key, if any. Keys are
        the day's: a kiosk that numbers its requests afresh each morning asks for a new
        ticket, and must not be given yesterday's again."""
        if not device or not key:
            return None
        earlier = self._by_idempotency.get((device, key))
        ticket = self.tickets[earlier] if earlier is not None else None
        return ticket if ticket is not None and ticket.day == day else None

    def _business_day(self, now: dt.datetime) -> dt.date:
        """The hall's day at `now`: its local date, but never a day before one already begun.
        A server started on a clock behind its journal (a board computer without a clock
        battery, before NTP answers) must not number yesterday again, nor today afresh."""
        day = now.astimezone(self.tz).date()
        return day if self.day is None or day > self.day else self.day

    def _report_device(self, cmd: c.ReportDevice, now: dt.datetime) -> Outcome:
        known = self.devices.get((cmd.device, cmd.component))
        if known is not None and (known.condition, known.detail) == (cmd.condition, cmd.detail):
            return Outcome()  # nothing changed: the journal keeps changes, not heartbeats
        outcome = Outcome()
        self._emit(
            outcome,
            e.DeviceReported(
                at=now,
                device=cmd.device,
                component=cmd.component,
                condition=cmd.condition,
                detail=cmd.detail,
            ),
        )
        return outcome

    def _open_window(self, cmd: c.OpenWindow, now: dt.datetime) -> Outcome:
        window = self._window(cmd.window)
        if window.state is not WindowState.CLOSED:
            if window.clerk == cmd.clerk:
                return Outcome()
            # Open with nobody signed in (opened by a manager or by its station): a clerk
            # signs in there, and the window goes on as it was.
            if window.clerk is not None or cmd.clerk is None:
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
        self._finish_current(outcome, window, now, cmd.case_no)
        self._emit(outcome, e.TicketCalled(at=now, ticket_id=chosen.id, window=window.id))
        return outcome

    def _call_back(self, cmd: c.CallBack, now: dt.datetime) -> Outcome:
        window = self._open(cmd.window)
        ticket = self._ticket(cmd.ticket_id)
        if ticket.day != self.day:
            day = ticket.day
            raise Conflict(
                "not_missed", f"{ticket.number}是{day.month}月{day.day}日的号, 只能回呼今天过号的号"
            )
        if ticket.id not in window.missed or ticket.state is not TicketState.NO_SHOW:
            raise Conflict("not_missed", f"{ticket.number}不是本窗口最近过号的号")
        outcome = Outcome(ticket_id=ticket.id)
        self._finish_current(outcome, window, now, cmd.case_no)
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
        self._finish_current(outcome, window, now, cmd.case_no)
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
            target = self._window(cmd.to_window)
            if cmd.to_window == window.id:
                raise Conflict("invalid_transfer", "不能转给本窗口")
            if target.state is WindowState.CLOSED:  # nobody there would ever call it
                raise Conflict("window_not_open", f"{cmd.to_window}号窗口未开放, 不能转给它")
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
        self._emit(
            outcome,
            e.TicketCancelled(at=now, ticket_id=ticket.id, reason=cmd.reason, by=cmd.by),
        )
        return outcome

    def _clear(self, cmd: c.ClearQueue, now: dt.datetime) -> Outcome:
        outcome = Outcome()
        # Done late (the server was down at the clearing time, or the clock was stepped past
        # it), it is still the clearing of its own time: a ticket taken since is not closed
        # out, and a slot is judged as it stood then.
        moment = cmd.at or now
        local = moment.astimezone(self.tz)
        # An appointment whose slot runs on into the next session of the day (a slot across
        # the lunch break) was promised that slot: its holder must not queue again like a
        # walk-in. The day's last clearing closes out everything.
        self._close_out(
            outcome,
            now,
            tuple(
                t.id
                for t in self.tickets.values()
                if t.state in _UNSERVED
                and t.issued_at <= moment
                and not self._slot_goes_on(t, local)
            ),
        )
        return outcome

    def _new_day(self, cmd: c.StartDay, now: dt.datetime) -> Outcome:
        """At the start of a day (and at start-up, after a night the server was down) the
        tickets the days before left unended are closed out: none waits, is called back or
        resumed today, and none left at a window is finished today as today's service with
        the night in its service time. A hall open round the clock has no night: its day's
        first ticket closes out the days before (see _issue).

        Then the day begins (e.DayStarted), before its first ticket: every figure of today
        starts from nothing, and the managers' settings for the day before end."""
        outcome = Outcome()
        day = self._business_day(now)
        # A hall that has numbered no ticket yet is of the day of its last change (a manager
        # may have paused a service); a hall without any, just set up, has no day to end.
        last = self.last_event_at
        begun = self.day or (last.astimezone(self.tz).date() if last is not None else day)
        if not self.config.hours.open_all_hours:
            self._close_out(outcome, now, self._left_over(day))
        if begun < day:
            self._emit(outcome, e.DayStarted(at=now, day=day))
        return outcome

    def _slot_goes_on(self, ticket: Ticket, local: dt.datetime) -> bool:
        end = ticket.slot_end
        return (
            ticket.priority is Priority.APPOINTMENT
            and end is not None
            and session_resumes(self.config.hours, local, end.astimezone(self.tz))
        )

    def _left_over(self, day: dt.date) -> tuple[str, ...]:
        """Tickets of the days before `day` not yet ended: waiting or held, and in a hall with
        opening sessions those still at a window too (called, or served and never finished:
        nobody is at a window overnight). A hall open round the clock may be serving one."""
        states = _UNSERVED if self.config.hours.open_all_hours else _UNSERVED | _AT_WINDOW
        return tuple(t.id for t in self.tickets.values() if t.day < day and t.state in states)

    def _close_out(self, outcome: Outcome, now: dt.datetime, ticket_ids: tuple[str, ...]) -> None:
        """The tickets given, not served, end as abandoned (if there are any). A ticket at a
        window is closed out in an event of its own that names the window: every screen then
        shows that window free. (A window taken out of the hall file since has no screen.)"""
        if not ticket_ids:  # nearly always: a day's first ticket finds the hall empty
            return
        at_window = {
            t: window
            for t in ticket_ids
            if self.tickets[t].state in _AT_WINDOW
            and (window := self.tickets[t].window) in self.window_config
        }
        rest = tuple(t for t in ticket_ids if t not in at_window)
        if rest:
            self._emit(outcome, e.QueueCleared(at=now, ticket_ids=rest))
        for ticket_id, window in at_window.items():
            self._emit(outcome, e.QueueCleared(at=now, ticket_ids=(ticket_id,), window=window))

    # -- helpers for deciding ------------------------------------------------------------

    def _finish_current(
        self, outcome: Outcome, window: WindowStatus, now: dt.datetime, case_no: str | None = None
    ) -> None:
        if window.ticket_id is None:
            return
        ticket = self.tickets[window.ticket_id]
        service = ticket.service
        next_service = ticket.route_remaining[0] if ticket.route_remaining else None
        self._emit(
            outcome,
            e.TicketFinished(
                at=now,
                ticket_id=ticket.id,
                window=window.id,
                next_service=next_service,
                key=self._back_key() if next_service else None,
                service=service,
                clerk=window.clerk,
                staff_no=window.staff_no,
                clerk_name=window.clerk_name,
                case_no=case_no,
            ),
        )
        self._open_rating(outcome, window.id, ticket.id, service, now, asked=False)

    def _back_key(self) -> QueueKey:
        return (self.next_major, 0)

    def _requeue_key(self, ticket: Ticket) -> QueueKey | None:
        policy = self.config.policy
        if policy.missed is MissedPolicy.VOID or ticket.requeues >= policy.missed_requeue_limit:
            return None
        if policy.missed is MissedPolicy.AFTER_N:
            # It rejoins as an ordinary ticket (see queues.bucket_of): N of those go first.
            nth = self.queues.nth_ordinary_key(ticket.service, policy.missed_after_places)
            if nth is not None:
                # Sorts right after the N-th ticket: same major, a fresh (larger) minor.
                return (nth[0], self.next_minor)
        return self._back_key()


_HANDLERS: dict[type[c.Command], Callable[[Decider, Any, dt.datetime], Outcome]] = {
    c.IssueTicket: Decider._issue,
    c.OpenWindow: Decider._open_window,
    c.CallNext: Decider._call_next,
    c.CallBack: Decider._call_back,
    c.Recall: Decider._recall,
    c.StartService: Decider._start,
    c.FinishService: Decider._finish,
    c.MarkNoShow: Decider._no_show,
    c.Transfer: Decider._transfer,
    c.HoldTicket: Decider._hold,
    c.ResumeHeld: Decider._resume_held,
    c.PauseWindow: Decider._pause,
    c.ResumeWindow: Decider._resume,
    c.CloseWindow: Decider._close,
    c.PinTicket: Decider._pin,
    c.CancelTicket: Decider._cancel,
    c.ClearQueue: Decider._clear,
    c.StartDay: Decider._new_day,
    c.RecordRating: Decider._rate,
    c.AskRating: Decider._ask_rating,
    c.HandOver: Decider._hand_over,
    c.AdvanceCase: Decider._advance_case,
    c.AcknowledgeAlert: Decider._acknowledge,
    c.Supervise: Decider._supervise,
    c.Tune: Decider._tune,
    c.UndoChange: Decider._undo,
    c.BookAppointment: Decider._book,
    c.CheckIn: Decider._check_in,
    c.ReportDevice: Decider._report_device,
}


# Tickets in these states wait for a window, in its line or parked at it.
_UNSERVED = frozenset({TicketState.WAITING, TicketState.HELD})
# A ticket in these states is at a window: called there, or being served.
_AT_WINDOW = frozenset({TicketState.CALLED, TicketState.SERVING})


def _key_reused(earlier: Ticket) -> str:
    """The same idempotency key again, for another request: a kiosk's bug, never a retry."""
    return f"这个 idempotency_key 已用于另一次取号 ({earlier.number}), 新的取号请换一个"
