"""Deciding a manager's tuning: what may change, checked before it does; and its undo.

Opening or closing a window and pinning a ticket are real hall events as well as audited
changes: they go through the same handlers (and checks) as the window actions and the pin.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from queue_server.domain import commands as c
from queue_server.domain import events as e
from queue_server.domain.deciding_base import DeciderBase, Outcome
from queue_server.domain.errors import Conflict, NotFound
from queue_server.domain.hall import MAX_QUOTA
from queue_server.domain.model import TicketState
from queue_server.domain.tuning import (
    ACTING_KINDS,
    KINDS,
    issuing_settings,
    of_an_earlier_day,
    open_settings,
    pin_settings,
    quota_settings,
    window_settings,
)
from queue_server.domain.tuning_guards import quota_below_issued, service_left_unserved


class TuningDecider(DeciderBase):
    """The tuning part of the decider."""

    # The window actions and the pin of the Decider: tuning calls them, so that a manager's
    # change is refused exactly when the action itself would be.
    _open_window: Callable[[c.OpenWindow, dt.datetime], Outcome]
    _close: Callable[[c.CloseWindow, dt.datetime], Outcome]
    _pin: Callable[[c.PinTicket, dt.datetime], Outcome]

    def _tune(self, cmd: c.Tune, now: dt.datetime) -> Outcome:
        if cmd.kind not in KINDS:
            raise Conflict("invalid_tuning", f"没有这种调整: {cmd.kind}")
        before = self._current_settings(cmd.kind, cmd.target)
        after = self._checked(cmd.kind, cmd.target, cmd.values)
        outcome = Outcome()
        if after != before:
            self._guard(cmd.kind, cmd.target, before, after, now)
            self._act(outcome, cmd.kind, cmd.target, after, cmd.by, now)
            self._emit(
                outcome,
                self._change(cmd.change_id, cmd.kind, cmd.target, before, after, cmd.by, now),
            )
        return outcome

    def _act(
        self,
        outcome: Outcome,
        kind: str,
        target: str,
        after: Mapping[str, Any],
        by: str,
        now: dt.datetime,
    ) -> None:
        """The real events of a change that is more than a setting; none for the others."""
        if kind not in ACTING_KINDS:
            return
        if kind == "window_open":
            # A manager opening a window signs nobody in: a clerk signs in there later.
            done = (
                self._open_window(c.OpenWindow(target), now)
                if after["open"]
                else self._close(c.CloseWindow(target), now)
            )
        elif after["pinned"]:
            done = self._pin(c.PinTicket(target, by), now)
        else:
            done = self._unpin(target, by, now)
        outcome.events.extend(done.events)  # emitted, so applied, by the handler already
        outcome.ticket_id = done.ticket_id

    def _guard(
        self,
        kind: str,
        target: str,
        before: Mapping[str, Any],
        after: Mapping[str, Any],
        now: dt.datetime,
    ) -> None:
        """Refuses a setting that would stop the hall serving a service without a word; an undo
        is judged like a new change, as the hall may have moved on since."""
        if kind == "quota":
            below = quota_below_issued(self, target, before, after, now)
            if below is not None:
                raise Conflict("quota_below_issued", below)
        elif kind == "window_services":
            unserved = service_left_unserved(self, target, after)
            if unserved is not None:
                raise Conflict("service_unserved", unserved)

    def _unpin(self, ticket_id: str, by: str, now: dt.datetime) -> Outcome:
        ticket = self._ticket(ticket_id)
        if ticket.state is not TicketState.WAITING:
            raise Conflict("not_waiting", f"{ticket.number}不在等候中")
        outcome = Outcome(ticket_id=ticket.id)
        if ticket.pinned:
            self._emit(outcome, e.TicketUnpinned(at=now, ticket_id=ticket.id, by=by))
        return outcome

    def _undo(self, cmd: c.UndoChange, now: dt.datetime) -> Outcome:
        change = self.changes.get(cmd.undo)
        if change is None:
            raise NotFound("unknown_change", "没有这项调整, 或已太久无法撤销")
        if change.undone_by is not None or change.undoes is not None:
            raise Conflict("already_undone", "这项调整已经撤销过了, 或它本身就是撤销")
        if of_an_earlier_day(change, self.day, self.tz):
            made = change.at.astimezone(self.tz).date().isoformat()
            raise Conflict(
                "change_expired",
                f"这项调整是 {made} 做的, 已过期: 只能撤销当天的调整, 要改回请重新调整",
            )
        outcome = Outcome()
        current = self._current_settings(change.kind, change.target)
        if current != change.before:
            self._guard(change.kind, change.target, current, change.before, now)
        self._act(outcome, change.kind, change.target, change.before, cmd.by, now)
        self._emit(
            outcome,
            self._change(
                cmd.change_id,
                change.kind,
                change.target,
                current,
                dict(change.before),
                cmd.by,
                now,
                undoes=change.id,
            ),
        )
        return outcome

    def _change(
        self,
        change_id: str,
        kind: str,
        target: str,
        before: Mapping[str, Any],
        after: Mapping[str, Any],
        by: str,
        now: dt.datetime,
        *,
        undoes: str | None = None,
    ) -> e.TuningChanged:
        return e.TuningChanged(
            at=now,
            change_id=change_id,
            kind=kind,
            target=target,
            before=dict(before),
            after=dict(after),
            by=by,
            undoes=undoes,
        )

    def _current_settings(self, kind: str, target: str) -> dict[str, Any]:
        if kind == "window_services":
            return window_settings(self._window_config(target))
        if kind == "window_open":
            return open_settings(self._window(target))
        if kind == "pin":
            return pin_settings(self._ticket(target))
        service = self.services.get(target)
        if service is None:
            raise NotFound("unknown_service", f"没有这项业务: {target}")
        if kind == "quota":
            return quota_settings(service)
        return issuing_settings(self.issuing_paused, target)

    def _window_config(self, window_id: str) -> Any:
        self._window(window_id)
        return self.window_config[window_id]

    def _checked(self, kind: str, target: str, values: Mapping[str, Any]) -> dict[str, Any]:
        if kind == "window_services":
            services = list(values.get("services") or ())
            overflow = list(values.get("overflow") or ())
            if not services:
                raise Conflict("invalid_tuning", "窗口至少要有一项主办业务")
            for service in (*services, *overflow):
                if service not in self.services:
                    raise NotFound("unknown_service", f"没有这项业务: {service}")
            if set(services) & set(overflow) or len(set(services)) != len(services):
                raise Conflict("invalid_tuning", "同一项业务不能既是主办又是兼办, 也不能重复")
            return {"services": services, "overflow": overflow}
        if kind == "quota":
            quotas = {k: values.get(k) for k in ("daily_quota", "session_quota")}
            for name, quota in quotas.items():
                if quota is not None and not 0 <= quota <= MAX_QUOTA:
                    raise Conflict("invalid_tuning", f"{name}须在0到{MAX_QUOTA}之间")
            return quotas
        if kind == "window_open":
            return {"open": bool(values.get("open"))}
        if kind == "pin":
            return pin_settings(self._ticket(target), bool(values.get("pinned")))
        paused = bool(values.get("paused"))
        return {"paused": paused, "reason": (values.get("reason") or "") if paused else None}
