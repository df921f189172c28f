"""Who did a window's action, for the audit trail.

The journal's window actions (ticket.called, window.paused ...) name the window, not who
pressed. Only the clerk signed in at a window, or the window's own station (its console,
keypad), may act for it, and a station acts for the clerk signed in there: so the clerk
signed in at that moment did it. The journal tells who that was by its own sign-ins and
sign-outs (window.opened, window.handed_over for 替岗, window.closed), read here as each
clerk's stints at a window, between two seqs. Nothing is guessed: an action at a window
nobody was signed in at (its station opened it) names nobody, and a window a manager opened
or closed is the manager's, as the tuning.changed written right after it says.
"""

from __future__ import annotations

import asyncio
import bisect
import json
from dataclasses import dataclass
from typing import Any

import aiosqlite

# The journal's kinds done at a window by the clerk signed in there, or by its station.
WINDOW_ACTIONS = frozenset(
    {
        "ticket.called",
        "ticket.recalled",
        "ticket.started",
        "ticket.finished",
        "ticket.no_show",
        "ticket.held",
        "ticket.resumed",
        "ticket.transferred",
        "rating.opened",
        "window.opened",
        "window.paused",
        "window.resumed",
        "window.closed",
        "window.handed_over",
    }
)
_SIGN_INS = ("window.opened", "window.handed_over")
_SIGNING = (*_SIGN_INS, "window.closed")
# Who an entry names itself: a manager's `by`, a device, a clerk (a finish, a sign-in); for a
# window opened or closed by a manager, the `by` of the tuning.changed that follows it.
_MANAGER_OF_WINDOW = (
    "(SELECT json_extract(n.data, '$.by') FROM events AS n"
    " WHERE n.seq = events.seq + 1 AND n.type = 'tuning.changed'"
    " AND json_extract(n.data, '$.kind') = 'window_open'"
    " AND json_extract(n.data, '$.target') = json_extract(events.data, '$.window')"
    " AND json_extract(n.data, '$.at') = json_extract(events.data, '$.at')"
    " AND events.type IN ('window.opened', 'window.closed'))"
)
NAMED_ACTOR = (
    "COALESCE(json_extract(data, '$.by'), json_extract(data, '$.device'),"
    f" json_extract(data, '$.clerk'), {_MANAGER_OF_WINDOW})"
)
_KINDS_LIST = ", ".join(f"'{kind}'" for kind in sorted(WINDOW_ACTIONS))
# The entries a clerk did unnamed: window actions naming nobody, at one window, in a span.
UNNAMED_AT_WINDOW = (
    f"{NAMED_ACTOR} IS NULL AND type IN ({_KINDS_LIST})"
    " AND json_extract(data, '$.window') = ? AND seq >= ? AND seq <= ?"
)


@dataclass(frozen=True)
class Clerk:
    username: str
    name: str | None
    staff_no: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"username": self.username, "name": self.name, "staff_no": self.staff_no}


@dataclass(frozen=True)
class Stint:
    """A clerk signed in at a window from the seq of her sign-in (or 替岗) to that of her
    sign-out (or the 替岗 that relieved her), both included; `until` None: still there."""

    window: str
    clerk: Clerk
    since: int
    until: int | None

    def holds(self, seq: int) -> bool:
        return self.since <= seq and (self.until is None or seq <= self.until)


class WindowClerks:
    """Every clerk's stints at the windows, read from the journal as it grows: it is only
    ever appended to, so each read takes only the events after the last one read."""

    def __init__(self) -> None:
        self._read_to = 0
        self._stints: dict[str, list[Stint]] = {}  # by window, in seq order
        self._lock = asyncio.Lock()

    async def catch_up(self, conn: aiosqlite.Connection) -> int:
        """Reads the sign-ins and sign-outs written since the last call; returns the
        journal's last seq, up to which the stints are known."""
        async with self._lock:
            async with conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events") as cur:
                row = await cur.fetchone()
            last = int(row[0]) if row else 0
            marks = ", ".join("?" for _ in _SIGNING)
            async with conn.execute(
                f"SELECT seq, type, data FROM events WHERE seq > ? AND seq <= ?"
                f" AND type IN ({marks}) ORDER BY seq",
                (self._read_to, last, *_SIGNING),
            ) as cur:
                for seq, kind, data in await cur.fetchall():
                    self._take(seq, kind, json.loads(data))
            self._read_to = max(self._read_to, last)
            return self._read_to

    def _take(self, seq: int, kind: str, data: dict[str, Any]) -> None:
        stints = self._stints.setdefault(data["window"], [])
        if stints and stints[-1].until is None:
            last = stints[-1]
            stints[-1] = Stint(last.window, last.clerk, last.since, seq)
        if kind in _SIGN_INS and data.get("clerk"):
            clerk = Clerk(data["clerk"], data.get("clerk_name"), data.get("staff_no"))
            stints.append(Stint(data["window"], clerk, seq, None))

    def at(self, window: str, seq: int) -> Clerk | None:
        """The clerk signed in at `window` at `seq`: at a 替岗, the one taking over."""
        stints = self._stints.get(window, [])
        index = bisect.bisect_right(stints, seq, key=lambda stint: stint.since) - 1
        if index >= 0 and stints[index].holds(seq):
            return stints[index].clerk
        return None

    def stints_of(self, username: str, after_seq: int) -> list[Stint]:
        """`username`'s stints that end after `after_seq`, in seq order."""
        found = [
            stint
            for stints in self._stints.values()
            for stint in stints
            if stint.clerk.username == username and (stint.until is None or stint.until > after_seq)
        ]
        return sorted(found, key=lambda stint: stint.since)


def window_action(entry: dict[str, Any], clerks: WindowClerks) -> dict[str, Any]:
    """`entry` of the journal with, for a window action, `signed_in`: the clerk signed in at
    its window then (None: nobody), who is its actor when it names none."""
    if entry["kind"] not in WINDOW_ACTIONS:
        return entry
    clerk = clerks.at(entry["data"]["window"], entry["seq"])
    actor = entry["actor"] if entry["actor"] is not None or clerk is None else clerk.username
    return {**entry, "actor": actor, "signed_in": clerk.to_dict() if clerk else None}
