"""The journal in SQLite: one transaction and one fsync per appended batch."""

from __future__ import annotations

import asyncio
import errno
import fcntl
import functools
import os
import sqlite3
import time
from collections.abc import Collection, Sequence
from contextlib import suppress
from pathlib import Path

import aiosqlite

from queue_server.store.database import open_database, open_read_only
from queue_server.store.errors import StoreError
from queue_server.store.eventlog import (
    KEEP_SNAPSHOTS,
    CommitTimes,
    EncodedSnapshot,
    NewEvent,
    Snapshot,
    StoredEvent,
    check_read_args,
    from_json,
    snapshot_beyond_journal,
    to_json,
)

_INSERT_EVENT = "INSERT INTO events (seq, type, data, recorded_at) VALUES (?, ?, ?, ?)"
# Rows one INSERT takes: 4 values each, within the 999 values a statement may bind on every
# SQLite build (newer ones allow more).
_ROWS_PER_STATEMENT = 999 // 4


@functools.cache
def _insert_events(count: int) -> str:
    """One INSERT of `count` events."""
    return _INSERT_EVENT + ", (?, ?, ?, ?)" * (count - 1)


# The snapshot takes the time of its event, so the store never reads a clock of its own;
# no row is inserted when there is no such event.
_INSERT_SNAPSHOT = (
    "INSERT OR REPLACE INTO snapshots (seq, state, taken_at) "
    "SELECT seq, ?, recorded_at FROM events WHERE seq = ?"
)
# What an operator should look at when SQLite could not write the file.
_DISK_ERRORS = {
    "SQLITE_FULL": "the disk is full; free some space",
    "SQLITE_IOERR_WRITE": "the disk refused the write; is it full, read-only or failing?",
    "SQLITE_IOERR_FSYNC": "the disk could not flush its cache; is it failing?",
    "SQLITE_IOERR_TRUNCATE": "the disk refused the write; is it full or failing?",
    "SQLITE_READONLY": "this user may not write the file, or its disk is mounted read-only",
}
_PRUNE_SNAPSHOTS = (
    "DELETE FROM snapshots WHERE seq NOT IN (SELECT seq FROM snapshots ORDER BY seq DESC LIMIT ?)"
)


class SqliteEventLog:
    """The journal in the `events` and `snapshots` tables of the hall's database file.

    Other processes (the `hallq` CLI) may write other tables of the same file meanwhile;
    this log must be the only writer of `events`: while it is open it holds an exclusive
    lock on the file (flock, apart from SQLite's own locks), so a second server refuses to
    start rather than number events the first one numbers too. A log opened `read_only`
    (planning from a live hall's journal) takes no lock, changes nothing and may not append.
    """

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.commit_seconds = CommitTimes()
        self._writer_lock: int | None = None  # the locked file descriptor while open
        self._conn: aiosqlite.Connection | None = None
        # None after a failed append: whether its commit reached the disk is then unknown.
        self._last_seq: int | None = None
        # One connection carries one transaction at a time, and a read queued between
        # another task's INSERT and COMMIT would see events that may yet be rolled back.
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        async with self._lock:
            if self._conn is not None:
                raise StoreError("the journal is already open")
            if self.read_only:
                self._conn = await open_read_only(self.path)
            else:
                self._conn = await open_database(self.path)
                try:
                    self._writer_lock = _lock_for_writing(self.path)
                    await _check_writable(self._conn, self.path)
                except StoreError:
                    await self._conn.close()
                    self._conn = None
                    if self._writer_lock is not None:
                        os.close(self._writer_lock)
                        self._writer_lock = None
                    raise
            self._last_seq = None

    async def close(self) -> None:
        async with self._lock:
            conn, self._conn = self._conn, None
            lock, self._writer_lock = self._writer_lock, None
            try:
                if conn is not None:
                    await conn.close()
            except sqlite3.Error as exc:
                raise StoreError(f"cannot close the journal: {exc}") from exc
            finally:
                if lock is not None:
                    os.close(lock)  # which releases the lock

    async def append(self, events: Sequence[NewEvent], *, recorded_at: str) -> list[int]:
        self._writable()
        if not events:
            return []
        # Encoding first means an unstorable value fails the batch before the disk is touched.
        encoded = [(event.type, to_json(event.data)) for event in events]
        async with self._lock:
            conn = self._connection()
            first = await self._known_last_seq() + 1
            rows = [
                (seq, type_, data, recorded_at)
                for seq, (type_, data) in enumerate(encoded, start=first)
            ]
            try:
                started = time.perf_counter()
                if len(rows) <= _ROWS_PER_STATEMENT:
                    # One statement is one transaction: its rows go in together or not at
                    # all, with one fsync, in one trip to the database's thread.
                    await conn.execute(_insert_events(len(rows)), [v for r in rows for v in r])
                else:
                    await conn.execute("BEGIN IMMEDIATE")
                    await conn.executemany(_INSERT_EVENT, rows)
                    await conn.execute("COMMIT")
                elapsed = time.perf_counter() - started
            except BaseException as exc:
                # Also on cancellation, so that no transaction is left open on the connection.
                self._last_seq = None
                await _rollback(conn)
                if isinstance(exc, sqlite3.Error):
                    raise StoreError(f"cannot append to the journal: {_explained(exc)}") from exc
                raise
            self._last_seq = rows[-1][0]
            self.commit_seconds.observe(elapsed)
        return [row[0] for row in rows]

    async def last_seq(self) -> int:
        async with self._lock:
            self._connection()
            return await self._known_last_seq()

    async def read(self, after_seq: int = 0, limit: int | None = None) -> list[StoredEvent]:
        self._connection()
        check_read_args(after_seq, limit)
        async with self._lock:
            rows = await self._fetchall(
                "SELECT seq, type, data, recorded_at FROM events WHERE seq > ? ORDER BY seq "
                "LIMIT ?",
                (after_seq, -1 if limit is None else limit),  # SQLite reads LIMIT -1 as none
            )
        return [StoredEvent(seq, type_, from_json(data), at) for seq, type_, data, at in rows]

    async def read_kinds(self, types: Collection[str], since: str, until: str) -> list[StoredEvent]:
        self._connection()
        kinds = sorted(set(types))
        if not kinds:
            return []
        marks = ",".join("?" * len(kinds))
        async with self._lock:
            rows = await self._fetchall(
                f"SELECT seq, type, data, recorded_at FROM events WHERE type IN ({marks}) "
                "AND recorded_at >= ? AND recorded_at < ? ORDER BY seq",
                (*kinds, since, until),
            )
        return [StoredEvent(seq, type_, from_json(data), at) for seq, type_, data, at in rows]

    async def read_type(self, type_: str, after_seq: int, limit: int) -> list[StoredEvent]:
        self._connection()
        check_read_args(after_seq, limit)
        async with self._lock:
            rows = await self._fetchall(
                "SELECT seq, type, data, recorded_at FROM events WHERE type = ? AND seq > ? "
                "ORDER BY seq LIMIT ?",
                (type_, after_seq, limit),
            )
        return [StoredEvent(seq, t, from_json(data), at) for seq, t, data, at in rows]

    async def save_snapshot(self, snapshot: Snapshot | EncodedSnapshot) -> None:
        self._writable()
        # A day's snapshot is megabytes of JSON: encode it off the event loop so the writer
        # and every stream client keep moving meanwhile. The state is a fresh copy: safe.
        state = await asyncio.to_thread(snapshot.encoded)
        async with self._lock:
            conn = self._connection()
            try:
                await conn.execute("BEGIN IMMEDIATE")
                cursor = await conn.execute(_INSERT_SNAPSHOT, (state, snapshot.seq))
                if cursor.rowcount == 1:
                    await conn.execute(_PRUNE_SNAPSHOTS, (KEEP_SNAPSHOTS,))
                await conn.execute("COMMIT")
            except BaseException as exc:
                await _rollback(conn)
                if isinstance(exc, sqlite3.Error):
                    raise StoreError(f"cannot save a snapshot: {_explained(exc)}") from exc
                raise
            if cursor.rowcount != 1:
                raise snapshot_beyond_journal(snapshot.seq, await self._known_last_seq())

    async def latest_snapshot(self) -> Snapshot | None:
        async with self._lock:
            rows = await self._fetchall(
                "SELECT seq, state FROM snapshots ORDER BY seq DESC LIMIT 1", ()
            )
        return Snapshot(rows[0][0], from_json(rows[0][1])) if rows else None

    def _connection(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise StoreError("the journal is not open")
        return self._conn

    def _writable(self) -> None:
        self._connection()
        if self.read_only:
            raise StoreError("the journal was opened for reading only")

    async def _known_last_seq(self) -> int:
        if self._last_seq is None:
            rows = await self._fetchall("SELECT COALESCE(MAX(seq), 0) FROM events", ())
            self._last_seq = int(rows[0][0])
        return self._last_seq

    async def _fetchall(self, sql: str, parameters: tuple[int | str, ...]) -> list[sqlite3.Row]:
        try:
            return list(await self._connection().execute_fetchall(sql, parameters))
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the journal: {exc}") from exc


def _lock_for_writing(path: Path) -> int:
    """An exclusive flock on the database file, held until the journal closes; StoreError
    when another process holds it (the kernel drops it when a process dies, so a crashed
    server never leaves it behind)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
            raise StoreError(f"cannot lock {path} for writing: {exc}") from exc
        raise StoreError(
            f"{path} is already served by another hallq server: one server per database. "
            "Stop that one first (systemctl stop hallq-server), or give this one its own --db"
        ) from None
    return fd


async def _check_writable(conn: aiosqlite.Connection, path: Path) -> None:
    """Refuse at once a database this process may only read (a read-only mount, a file
    another user owns): SQLite opens such a file anyway, and a server on it would start,
    say it is healthy, and then fail every ticket. A write of nothing, rolled back."""
    try:
        await conn.execute("BEGIN IMMEDIATE")
        await conn.execute("DELETE FROM events WHERE 0")
    except sqlite3.Error as exc:
        raise StoreError(f"cannot write {path}: {_explained(exc)}") from exc
    finally:
        await _rollback(conn)


def _explained(exc: sqlite3.Error) -> str:
    """SQLite's message, with what to check when the disk refused the write."""
    name = getattr(exc, "sqlite_errorname", None)
    if name in _DISK_ERRORS:
        return f"{exc} ({name}: {_DISK_ERRORS[name]})"
    return str(exc) if name is None else f"{exc} ({name})"


async def _rollback(conn: aiosqlite.Connection) -> None:
    # A failed COMMIT may already have ended the transaction; then there is nothing to undo.
    with suppress(sqlite3.Error):
        await conn.execute("ROLLBACK")
