"""The audit trail: who logged in, out or was refused, and every change in the journal.

Access entries go to the `access_log` table, which SQLite itself refuses to update or delete
(triggers of schema migration 3); the journal is append-only by construction. Neither has
an API path that edits it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from queue_server.accounts.window_clerks import (
    NAMED_ACTOR,
    UNNAMED_AT_WINDOW,
    WindowClerks,
    window_action,
)

# What each access entry's `kind` says happened.
ACCESS_KINDS = (
    "login.succeeded",
    "login.failed",
    "login.refused",
    "login.locked",
    "logout",
    "user.added",
    "user.unlocked",
    "user.password_set",
    "user.disabled",
    "user.enabled",
    "device.added",
    "device.revoked",
)
# Journal fields that are never shown in the audit trail: the keyed hash of an ID number
# and a rater's sealed identity are personal data even in their protected form.
_HIDDEN = frozenset({"id_hash", "rater"})


@dataclass(frozen=True)
class AuditQuery:
    """Filters of GET /api/v1/audit; times are UTC ISO strings, `until` excluded."""

    after_seq: int = 0
    limit: int = 100
    since: str | None = None
    until: str | None = None
    actor: str | None = None
    kind: str | None = None


class AuditTrail:
    """Appends access entries and reads both the access log and the journal, in seq order."""

    def __init__(self, conn: aiosqlite.Connection, *, clock: Callable[[], datetime]) -> None:
        self._conn = conn
        self._clock = clock
        self._window_clerks = WindowClerks()

    async def record(
        self, kind: str, actor: str, *, subject: str | None = None, client: str | None = None
    ) -> None:
        assert kind in ACCESS_KINDS, kind
        await self._conn.execute(
            "INSERT INTO access_log (at, kind, actor, subject, client) VALUES (?, ?, ?, ?, ?)",
            (_iso(self._clock()), kind, actor, subject, client),
        )

    async def access(self, query: AuditQuery) -> list[dict[str, Any]]:
        where, params = _filters(query, at="at", kind="kind", actor="actor")
        async with self._conn.execute(
            f"SELECT seq, at, kind, actor, subject, client FROM access_log WHERE {where}"
            " ORDER BY seq LIMIT ?",
            (*params, query.limit),
        ) as cur:
            rows = await cur.fetchall()
        return [
            {"seq": s, "at": at, "kind": k, "actor": a, "subject": subj, "client": client}
            for s, at, k, a, subj, client in rows
        ]

    async def journal(self, query: AuditQuery) -> list[dict[str, Any]]:
        """The journal's entries; a window action names the clerk signed in at its window
        (window_clerks.py), and `actor` finds those too."""
        clerks = self._window_clerks
        last = await clerks.catch_up(self._conn)  # no entry after it: its clerk is not known
        where, params = _filters(
            replace(query, actor=None), at="recorded_at", kind="type", actor=NAMED_ACTOR
        )
        where += " AND seq <= ?"
        params.append(last)
        if query.actor is None:
            rows = await self._journal_rows(where, params, query.limit)
        else:
            rows = await self._journal_rows(
                f"{where} AND {NAMED_ACTOR} = ?", [*params, query.actor], query.limit
            )
            for stint in clerks.stints_of(query.actor, query.after_seq):
                if len(rows) == query.limit and stint.since > rows[-1][0]:
                    break  # the page is full before this stint began
                span = [stint.window, stint.since, last if stint.until is None else stint.until]
                more = await self._journal_rows(
                    f"{where} AND {UNNAMED_AT_WINDOW}", [*params, *span], query.limit
                )
                rows = sorted([*rows, *more])[: query.limit]
        return [
            window_action({"seq": s, "at": at, "kind": k, "actor": a, "data": _shown(data)}, clerks)
            for s, at, k, a, data in rows
        ]

    async def _journal_rows(
        self, where: str, params: Sequence[Any], limit: int
    ) -> list[tuple[Any, ...]]:
        async with self._conn.execute(
            f"SELECT seq, recorded_at, type, {NAMED_ACTOR}, data FROM events WHERE {where}"
            " ORDER BY seq LIMIT ?",
            (*params, limit),
        ) as cur:
            return [tuple(row) for row in await cur.fetchall()]


def _filters(query: AuditQuery, *, at: str, kind: str, actor: str) -> tuple[str, list[Any]]:
    clauses: list[str] = ["seq > ?"]
    params: list[Any] = [query.after_seq]
    for column, value, op in (
        (at, query.since, ">="),
        (at, query.until, "<"),
        (kind, query.kind, "="),
        (actor, query.actor, "="),
    ):
        if value is not None:
            clauses.append(f"{column} {op} ?")
            params.append(value)
    return " AND ".join(clauses), params


def _shown(data: str) -> dict[str, Any]:
    fields = json.loads(data)
    return {key: value for key, value in fields.items() if key not in _HIDDEN}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
