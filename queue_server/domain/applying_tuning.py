"""Applying a manager's tuning of the hall to its state."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from queue_server.domain import events as e
from queue_server.domain.hall_state import HallState
from queue_server.domain.tuning import KEEP_CHANGES, Change


def on_tuned(state: HallState, ev: e.TuningChanged) -> None:
    after = dict(ev.after)
    if ev.kind == "window_services":
        state.tuned_windows[ev.target] = after
    elif ev.kind == "quota":
        state.tuned_quotas[ev.target] = after
    elif ev.kind == "issuing" and after["paused"]:
        state.issuing_paused[ev.target] = after["reason"] or ""
    elif ev.kind == "issuing":
        state.issuing_paused.pop(ev.target, None)
    # window_open and pin: the WindowOpened/WindowClosed/TicketPinned/TicketUnpinned events
    # that come with the record changed the hall already; the record is only the audit.
    state.retune()
    state.changes[ev.change_id] = Change(
        id=ev.change_id,
        kind=ev.kind,
        target=ev.target,
        before=dict(ev.before),
        after=after,
        by=ev.by,
        at=ev.at,
        undoes=ev.undoes,
    )
    if ev.undoes in state.changes:
        undone = state.changes[ev.undoes]
        state.changes[ev.undoes] = dataclasses.replace(undone, undone_by=ev.change_id)
    for old in list(state.changes)[:-KEEP_CHANGES]:
        del state.changes[old]


TUNING_APPLIERS: Mapping[type[e.Event], Callable[[Any, Any], None]] = {
    e.TuningChanged: on_tuned,
}
