"""Which board-stream messages are spoken: the rule the display agent and the boards share.

static/voice.js (SpokenCalls) implements the same rule for the boards' browsers, and
tests/voice/announce_cases.json holds the cases both must pass, so the two never drift:

1. a snapshot is never spoken: it only tells where the stream stands (its seq);
2. a message whose seq is not above the last one seen is a replay already handled;
3. only ticket.called and ticket.recalled are spoken, and only with a ticket number and a
   window id;
4. only for windows in scope: the speaker group's windows, or the floor's, or every window;
5. not when made more than STALE_SECONDS before now by its `at` (with a UTC offset), as
   after a long outage: the citizen has long seen it on a screen, and a late voice misleads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeGuard

from display.voice.script import Call, CallKind

STALE_SECONDS = 120.0
KINDS = {"ticket.called": CallKind.CALL, "ticket.recalled": CallKind.RECALL}


class Skip(StrEnum):
    """Why a message is not spoken."""

    SNAPSHOT = "snapshot"
    REPLAYED = "replayed"
    NOT_A_CALL = "not_a_call"
    ELSEWHERE = "elsewhere"
    STALE = "stale"


@dataclass(frozen=True)
class Scope:
    """The windows whose calls are spoken: those listed and those on the floors listed."""

    windows: frozenset[str] = frozenset()
    floors: frozenset[str] = frozenset()

    @classmethod
    def of(cls, *, windows: Collection[str] = (), floors: Collection[str] = ()) -> Scope:
        return cls(frozenset(windows), frozenset(floors))

    def covers(self, window: Mapping[str, object]) -> bool:
        return window.get("id") in self.windows or window.get("floor") in self.floors


@dataclass(frozen=True)
class Verdict:
    """A message judged: the call to speak, or why not (and the call it would have been).

    `made_at` is when the call was made (epoch seconds), when the message tells it.
    """

    call: Call | None
    skip: Skip | None = None
    made_at: float | None = None


class SpokenCalls:
    """Judges stream messages in the order received; remembers the last seq seen.

    `scope` None speaks every window's calls.
    """

    def __init__(self, scope: Scope | None = None, *, stale_seconds: float = STALE_SECONDS) -> None:
        self.scope = scope
        self.stale_seconds = stale_seconds
        self.last_seq: int | None = None

    def judge(self, message: Mapping[str, object], now: float) -> Verdict:
        """The verdict on one message; `now` is the hall's time in epoch seconds."""
        seq = message.get("seq")
        if message.get("type") == "snapshot":
            if _is_int(seq):
                self.last_seq = seq
            return Verdict(None, Skip.SNAPSHOT)
        if _is_int(seq):
            if self.last_seq is not None and seq <= self.last_seq:
                return Verdict(None, Skip.REPLAYED)
            self.last_seq = seq
        kind = KINDS.get(str(message.get("type")))
        ticket, window = message.get("ticket"), message.get("window")
        if kind is None or not isinstance(ticket, dict) or not isinstance(window, dict):
            return Verdict(None, Skip.NOT_A_CALL)
        number, window_id = ticket.get("number"), window.get("id")
        if not (isinstance(number, str) and number and isinstance(window_id, str) and window_id):
            return Verdict(None, Skip.NOT_A_CALL)
        call = Call(kind, number, window_id)
        if self.scope is not None and not self.scope.covers(window):
            return Verdict(call, Skip.ELSEWHERE)
        made_at = _moment(message.get("at"))
        if made_at is not None and now - made_at > self.stale_seconds:
            return Verdict(call, Skip.STALE, made_at)
        return Verdict(call, made_at=made_at)


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _moment(at: object) -> float | None:
    """`at` in epoch seconds; None unless it is an ISO time with a UTC offset (a naive time's
    zone is unknown, and a browser would read it in its own zone)."""
    if not isinstance(at, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(at)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.timestamp()
