"""How far each upstream adapter has been delivered, kept in the hall's SQLite database."""

from __future__ import annotations

import sqlite3

import aiosqlite

from queue_server.store.errors import StoreError

# MAX: a cursor never moves back, even if an old outbox object is still finishing a send.
_ADVANCE = """
    INSERT INTO upstream_cursor (adapter, delivered_seq) VALUES (?, ?)
    ON CONFLICT (adapter) DO UPDATE
    SET delivered_seq = MAX(delivered_seq, excluded.delivered_seq)
"""


class UpstreamCursor:
    """The journal seq up to which an adapter's upstream has accepted every rating.

    Each write is a single statement on the autocommit connection of `open_database`, so it
    is durable when `advance` returns and never leaves a transaction open on a shared
    connection.
    """

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def delivered(self, adapter: str) -> int:
        """The last delivered seq; 0 when nothing was ever delivered."""
        try:
            async with self._conn.execute(
                "SELECT delivered_seq FROM upstream_cursor WHERE adapter = ?", (adapter,)
            ) as cur:
                row = await cur.fetchone()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the upstream cursor of {adapter}: {exc}") from exc
        return int(row[0]) if row else 0

    async def advance(self, adapter: str, seq: int) -> None:
        try:
            await self._conn.execute(_ADVANCE, (adapter, seq))
        except sqlite3.Error as exc:
            raise StoreError(f"cannot move the upstream cursor of {adapter}: {exc}") from exc
