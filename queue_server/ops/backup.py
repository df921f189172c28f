"""Backup of a hall's database while the server runs, and its restore with the server stopped.

The backup uses SQLite's online backup: a consistent copy of the last commit, taken beside
a server that keeps writing (WAL readers never block the writer). A restore takes SQLite's
exclusive lock on the database first, so it refuses while any process (the server, another
`hallq` command) has the file open, and keeps the replaced file aside.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from queue_server.store.schema import SCHEMA_VERSION


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class Contents:
    """What a database file holds, as far as backup and restore care."""

    schema_version: int
    last_seq: int
    last_recorded_at: str | None


@contextlib.contextmanager
def _connect(path: Path, *, read_only: bool) -> Iterator[sqlite3.Connection]:
    if not path.is_file():
        raise BackupError(f"{path} does not exist")
    mode = "ro" if read_only else "rw"
    conn = sqlite3.connect(f"file:{path}?mode={mode}", uri=True, isolation_level=None, timeout=5)
    try:
        yield conn
    finally:
        conn.close()


def integrity_problems(conn: sqlite3.Connection) -> list[str]:
    """PRAGMA integrity_check's findings: empty for a sound file."""
    rows = [str(row[0]) for row in conn.execute("PRAGMA integrity_check")]
    return [] if rows == ["ok"] else rows


def contents(conn: sqlite3.Connection) -> Contents:
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    has_events = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'"
    ).fetchone()
    if not has_events:
        return Contents(version, 0, None)
    seq, at = conn.execute(
        "SELECT seq, recorded_at FROM events ORDER BY seq DESC LIMIT 1"
    ).fetchone() or (0, None)
    return Contents(version, int(seq), at)


def _check_sound(conn: sqlite3.Connection, what: Path) -> Contents:
    try:
        problems = integrity_problems(conn)
        found = contents(conn)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{what} is not a sound hallq database: {exc}") from exc
    if problems:
        raise BackupError(f"{what} fails the integrity check: {'; '.join(problems[:5])}")
    if not 1 <= found.schema_version <= SCHEMA_VERSION:
        raise BackupError(
            f"{what} has schema version {found.schema_version}; this hallq reads 1 to "
            f"{SCHEMA_VERSION} (upgrade hallq to restore a newer backup)"
        )
    return found


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy(source: sqlite3.Connection, target: Path) -> None:
    """Copy with the online backup API into `target` (replaced atomically), then fsync it."""
    part = target.with_name(target.name + ".part")
    part.unlink(missing_ok=True)
    dest = sqlite3.connect(part, isolation_level=None)
    try:
        source.backup(dest)
        # A single file, whatever mode the source was in: the copy travels as it is.
        dest.execute("PRAGMA journal_mode=DELETE")
        problems = integrity_problems(dest)
    finally:
        dest.close()
    if problems:
        part.unlink(missing_ok=True)
        raise BackupError(f"the copy fails the integrity check: {'; '.join(problems[:5])}")
    with part.open("rb+") as written:
        os.fsync(written.fileno())
    part.replace(target)
    _fsync_dir(target.parent)


def backup(db: Path, out: Path) -> Contents:
    """Copy the database at `db` to `out`, safe while a server writes it; checked afterwards."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with _connect(db, read_only=True) as source:
        _copy(source, out)
    with _connect(out, read_only=True) as copy:
        return _check_sound(copy, out)


def _issued_after(conn: sqlite3.Connection, seq: int) -> dict[str, int]:
    """Tickets issued after journal position `seq`, counted by their business day."""
    days: dict[str, int] = {}
    rows = conn.execute("SELECT data FROM events WHERE seq > ? AND type = 'ticket.issued'", (seq,))
    for (data,) in rows:
        day = str(json.loads(data).get("day"))
        days[day] = days.get(day, 0) + 1
    return days


_BUSY = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


@contextlib.contextmanager
def _held_alone(db: Path) -> Iterator[sqlite3.Connection]:
    """The database with SQLite's exclusive lock, which no other open connection allows.

    Raises sqlite3.DatabaseError when the file is too damaged to lock or read.
    """
    with _connect(db, read_only=False) as conn:
        conn.execute("PRAGMA locking_mode=EXCLUSIVE")
        try:
            conn.execute("BEGIN EXCLUSIVE")
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode not in _BUSY:
                raise
            raise BackupError(
                f"{db} is in use by another process (a running server or hallq command): "
                "stop it first, e.g. `systemctl stop hallq-server`"
            ) from exc
        # Everything in the write-ahead log into the file, so the file kept aside is whole.
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        yield conn


def _tickets_lost(db: Path, backup_seq: int, *, force: bool) -> None:
    """Refuse, unless forced, to lose tickets the current database issued after the backup.

    The check holds SQLite's exclusive lock, so it also refuses while the file is in use.
    """
    try:
        with _held_alone(db) as current:
            lost = _issued_after(current, backup_seq)
    except sqlite3.DatabaseError as exc:
        if force:
            return
        raise BackupError(
            f"{db} cannot be read ({exc}), so the tickets it holds cannot be compared with the "
            "backup's. Use --force to restore anyway; the damaged file is kept aside."
        ) from exc
    if lost and not force:
        days = ", ".join(f"{day}: {n}" for day, n in sorted(lost.items()))
        raise BackupError(
            f"{db} holds tickets issued after the backup ({days}). Restoring loses "
            "them, and a server restored on the same day prints their numbers again. "
            "Use --force to restore anyway."
        )


@dataclass(frozen=True)
class Restored:
    contents: Contents
    kept_aside: Path | None


def restore(backup_file: Path, db: Path, *, force: bool = False, now: dt.datetime) -> Restored:
    """Put the backup in place of `db`, keeping the replaced file as db.before-restore-<time>.

    Refuses (unless `force`) when the current database holds tickets issued after the
    backup, or cannot be read to tell: the restored hall numbers on from the backup, and on
    the same day would print those numbers again.
    """
    with _connect(backup_file, read_only=True) as source:
        found = _check_sound(source, backup_file)
        if not db.exists():
            db.parent.mkdir(parents=True, exist_ok=True)
            _copy(source, db)
            return Restored(found, None)
        _tickets_lost(db, found.last_seq, force=force)
        aside = db.with_name(f"{db.name}.before-restore-{now:%Y%m%dT%H%M%S}")
        fresh = db.with_name(db.name + ".restored")
        _copy(source, fresh)
        for suffix in ("", "-wal", "-shm"):  # the old file's, emptied by the checkpoint
            old = Path(f"{db}{suffix}")
            if old.exists():
                old.replace(Path(f"{aside}{suffix}"))
        fresh.replace(db)
        _fsync_dir(db.parent)
    return Restored(found, aside)
