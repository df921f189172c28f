"""Deciding a manager's tuning: what may change, checked before it does; and its undo."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from queue_server.domain import commands as c
from queue_server.domain import events as e
from queue_server.domain.deciding_base import DeciderBase, Outcome
from queue_server.domain.errors import Conflict, NotFound
from queue_server.domain.hall import MAX_QUOTA
from queue_server.domain.tuning import (
    KINDS,
    issuing_settings,
    quota_settings,
    window_settings,
)


class TuningDecider(DeciderBase):
    """The tuning part of the decider."""

    def _tune(self, cmd: c.Tune, now: dt.datetime) -> Outcome:
        if cmd.kind not in KINDS:
            raise Conflict("invalid_tuning", f"没有这种调整: {cmd.kind}")
        before = self._current_settings(cmd.kind, cmd.target)
        after = self._checked(cmd.kind, cmd.target, cmd.values)
        outcome = Outcome()
        if after != before:
            self._emit(
                outcome,
                self._change(cmd.change_id, cmd.kind, cmd.target, before, after, cmd.by, now),
            )
        return outcome

    def _undo(self, cmd: c.UndoChange, now: dt.datetime) -> Outcome:
        change = self.changes.get(cmd.undo)
        if change is None:
            raise NotFound("unknown_change", "没有这项调整, 或已太久无法撤销")
        if change.undone_by is not None or change.undoes is not None:
            raise Conflict("already_undone", "这项调整已经撤销过了, 或它本身就是撤销")
        outcome = Outcome()
        current = self._current_settings(change.kind, change.target)
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
        paused = bool(values.get("paused"))
        return {"paused": paused, "reason": (values.get("reason") or "") if paused else None}
