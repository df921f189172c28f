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
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from queue_server.ops.paths import PathKind, kind
from queue_server.store.schema import SCHEMA_VERSION

_Checked = TypeVar("_Checked")


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class Contents:
    """What a database file holds, as far as backup and restore care."""

    schema_version: int
    last_seq: int
    last_recorded_at: str | None


def _refuse_unusable(path: Path) -> None:
    """A database to read (or replace) must be a regular file this user can reach."""
    found = kind(path)
    if found is PathKind.FILE:
        return
    if found is PathKind.FOLDER:
        raise BackupError(f"{path} is a directory, not a database file")
    if found is PathKind.MISSING:
        raise BackupError(f"{path} does not exist")
    if found is PathKind.DENIED:
        raise BackupError(f"{path} cannot be reached: a folder above it is closed to this user")
    raise BackupError(f"{path} is not a regular file")


@contextlib.contextmanager
def _connect(path: Path, *, read_only: bool) -> Iterator[sqlite3.Connection]:
    _refuse_unusable(path)
    wanted = os.R_OK if read_only else os.R_OK | os.W_OK
    if not os.access(path, wanted):
        able = "readable" if read_only else "readable and writable"
        raise BackupError(f"{path} is not {able} by this user: run hallq as the service user")
    mode = "ro" if read_only else "rw"
    try:
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode={mode}", uri=True, isolation_level=None, timeout=5
        )
    except sqlite3.Error as exc:
        raise BackupError(f"{path} cannot be opened: {exc}") from exc
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


def _check_sound(conn: sqlite3.Connection, what: Path, *, if_newer: str) -> Contents:
    """The hall database in `conn` (the file `what`, or its copy) is whole and readable
    by this hallq; `if_newer` says what to do when a newer hallq wrote it."""
    try:
        problems = integrity_problems(conn)
        found = contents(conn)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{what} is not a sound hallq database: {exc}") from exc
    if problems:
        raise BackupError(f"{what} fails the integrity check: {'; '.join(problems[:5])}")
    if found.schema_version == 0:
        raise BackupError(f"{what} is not a hallq database (it has no hallq schema)")
    if found.schema_version > SCHEMA_VERSION:
        raise BackupError(
            f"{what} is a newer hallq's database (schema version {found.schema_version}; "
            f"this hallq reads 1 to {SCHEMA_VERSION}): {if_newer}"
        )
    return found


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_failure(exc: sqlite3.Error, source: Path, target: Path) -> BackupError:
    """SQLite's error during a copy, said of the file it concerns."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code == sqlite3.SQLITE_NOTADB:
        return BackupError(f"{source} is not a SQLite database: check the file name")
    if code == sqlite3.SQLITE_CORRUPT:
        return BackupError(f"{source} is damaged ({exc}): hallq doctor --db {source}")
    if code == sqlite3.SQLITE_FULL:
        return BackupError(f"no space left to write {target}: free some, or write elsewhere")
    return BackupError(f"copying {source} to {target} failed: {exc}")


def _refuse_as_target(target: Path, source: Path) -> None:
    """Only a file, or nothing, may be replaced by a copy; never the database copied."""
    found = kind(target)
    if found is PathKind.FOLDER:
        raise BackupError(f"{target} is a directory: name the file to write, e.g. {target}/hall.db")
    if found is PathKind.OTHER:
        raise BackupError(f"{target} is not a regular file: name the file to write")
    if found is PathKind.FILE and os.path.samefile(target, source):
        raise BackupError(f"{target} is the database itself: write the copy elsewhere")


def _copy(
    source: sqlite3.Connection,
    source_path: Path,
    target: Path,
    check: Callable[[sqlite3.Connection], _Checked],
) -> _Checked:
    """Copy with the online backup API into target.part, `check` the copy, and only then
    rename it over `target` (fsync'd). On any failure `target` is untouched and no .part
    file is left."""
    _refuse_as_target(target, source_path)
    part = target.with_name(target.name + ".part")
    try:
        part.unlink(missing_ok=True)  # a copy an earlier run left half-written
        part.touch(exist_ok=False)
    except OSError as exc:
        raise BackupError(f"cannot write {target}: {exc.strerror}") from exc
    try:
        dest = sqlite3.connect(part, isolation_level=None)
        try:
            source.backup(dest)
            # A single file, whatever mode the source was in: the copy travels as it is.
            dest.execute("PRAGMA journal_mode=DELETE")
            checked = check(dest)
        finally:
            dest.close()
        with part.open("rb+") as written:
            os.fsync(written.fileno())
        part.replace(target)
    except BaseException as exc:
        for left in (part, part.with_name(part.name + "-journal")):
            with contextlib.suppress(OSError):
                left.unlink(missing_ok=True)
        if isinstance(exc, sqlite3.Error):
            raise _copy_failure(exc, source_path, target) from exc
        if isinstance(exc, OSError):
            raise BackupError(f"cannot write {target}: {exc.strerror or exc}") from exc
        raise
    _fsync_dir(target.parent)
    return checked


def _make_folders(folder: Path) -> list[Path]:
    """Create `folder` and the missing folders above it; the ones created, deepest first."""
    chain = [folder, *folder.parents]
    missing = chain[: next((i for i, f in enumerate(chain) if kind(f) is not PathKind.MISSING), 0)]
    if not missing:
        return []  # there, or out of this user's sight: writing the copy says which
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"cannot create the folder {folder}: {exc.strerror or exc}") from exc
    return missing


def _remove_folders(created: list[Path]) -> None:
    """Undo _make_folders after a failure: nothing is left changed."""
    for folder in created:
        with contextlib.suppress(OSError):
            folder.rmdir()


def backup(db: Path, out: Path) -> Contents:
    """Copy the database at `db` to `out`, safe while a server writes it. The copy is checked
    (integrity, a schema this hallq reads) before it replaces anything at `out`."""

    def sound(copy: sqlite3.Connection) -> Contents:
        return _check_sound(
            copy, db, if_newer="back it up with the hallq that runs it, or upgrade this one"
        )

    with _connect(db, read_only=True) as source:
        _refuse_as_target(out, db)
        created = _make_folders(out.parent)
        try:
            return _copy(source, db, out, sound)
        except BackupError:
            _remove_folders(created)
            raise


def _whole(copy: sqlite3.Connection) -> None:
    problems = integrity_problems(copy)
    if problems:
        raise BackupError(f"the copy fails the integrity check: {'; '.join(problems[:5])}")


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


@dataclass(frozen=True)
class _Device:
    token_hash: str
    role: str
    window: str | None
    created_at: str
    revoked_at: str | None

    def takes(self, token_hash: str) -> bool:
        return self.revoked_at is None and self.token_hash == token_hash


@dataclass(frozen=True)
class _Person:
    role: str
    password_hash: str
    disabled: bool


@dataclass(frozen=True)
class _Access:
    """Who a database lets in: its devices by name, its people by username."""

    devices: dict[str, _Device]
    people: dict[str, _Person]


def _access(conn: sqlite3.Connection) -> _Access:
    devices = {
        str(name): _Device(*row)
        for name, *row in conn.execute(
            "SELECT name, token_hash, role, window, created_at, revoked_at FROM devices"
        )
    }
    people = {
        str(name): _Person(role, password_hash, bool(disabled))
        for name, role, password_hash, disabled in conn.execute(
            "SELECT username, role, password_hash, disabled FROM users"
        )
    }
    return _Access(devices, people)


@dataclass(frozen=True)
class Enrolled:
    """A device or a person the replaced database let in and the restored one does not."""

    kind: str  # "device" or "user"
    name: str
    role: str
    window: str | None = None


def _revoke_again(copy: sqlite3.Connection, current: _Access) -> tuple[str, ...]:
    """Revoke in the restored copy every token the replaced database no longer took: a
    kiosk stolen and revoked after the backup must not come back with it. Returns the names."""
    again = []
    for name, was in _access(copy).devices.items():
        now = current.devices.get(name)
        if was.revoked_at is None and now is not None and not now.takes(was.token_hash):
            # Refused since the revocation, or since a new token replaced this one.
            since = now.revoked_at or now.created_at
            copy.execute("UPDATE devices SET revoked_at = ? WHERE name = ?", (since, name))
            again.append(name)
    return tuple(sorted(again))


def _people_as_now(copy: sqlite3.Connection, current: _Access) -> tuple[str, ...]:
    """Give the people of the restored copy the password and the disabled mark the replaced
    database had: a clerk who left and was disabled after the backup must not come back with
    it, nor a password reset since (a leaked one) turn valid again. Every session of the copy
    ends: sessions logged out since would be open again. Returns the names changed."""
    changed = []
    for name, was in _access(copy).people.items():
        now = current.people.get(name)
        if now is not None and (now.password_hash, now.disabled) != (
            was.password_hash,
            was.disabled,
        ):
            copy.execute(
                "UPDATE users SET password_hash = ?, disabled = ? WHERE username = ?",
                (now.password_hash, int(now.disabled), name),
            )
            changed.append(name)
    copy.execute("DELETE FROM sessions")
    return tuple(sorted(changed))


def _not_in(restored: _Access, current: _Access) -> tuple[Enrolled, ...]:
    devices = [
        Enrolled("device", name, now.role, now.window)
        for name, now in sorted(current.devices.items())
        if now.revoked_at is None
        and not (name in restored.devices and restored.devices[name].takes(now.token_hash))
    ]
    people = [
        Enrolled("user", name, person.role)
        for name, person in sorted(current.people.items())
        if name not in restored.people
    ]
    return (*devices, *people)


def _current_access(db: Path, backup_seq: int, *, force: bool) -> _Access | None:
    """Who the current database lets in, read after refusing, unless forced, to lose tickets
    it issued after the backup; None when it is too damaged to read and `force` is given.

    The check holds SQLite's exclusive lock, so it also refuses while the file is in use.
    """
    try:
        with _held_alone(db) as current:
            lost = _issued_after(current, backup_seq)
            access = _access(current)
    except sqlite3.DatabaseError as exc:
        if force:
            return None
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
    return access


@dataclass(frozen=True)
class Restored:
    contents: Contents
    kept_aside: Path | None
    # Devices whose token the replaced database refused, refused by the restored one too.
    revoked_again: tuple[str, ...] = ()
    # Let in by the replaced database, not by the backup: to be added again.
    not_in_backup: tuple[Enrolled, ...] = ()
    # People whose password or disabled mark the replaced database had, not the backup.
    people_as_now: tuple[str, ...] = ()


def restore(backup_file: Path, db: Path, *, force: bool = False, now: dt.datetime) -> Restored:
    """Put the backup in place of `db`, keeping the replaced file as db.before-restore-<time>.

    Refuses (unless `force`) when the current database holds tickets issued after the
    backup, or cannot be read to tell: the restored hall numbers on from the backup, and on
    the same day would print those numbers again. A device token the current database
    refuses stays refused; devices and people it has and the backup lacks are named.
    """
    current = kind(db)
    if current is PathKind.FOLDER:
        raise BackupError(f"{db} is a directory: --db names the database file, e.g. {db}/hall.db")
    if current is not PathKind.MISSING:
        _refuse_unusable(db)
    with _connect(backup_file, read_only=True) as source:
        found = _check_sound(source, backup_file, if_newer="upgrade hallq to restore it")
        if current is PathKind.MISSING:
            created = _make_folders(db.parent)
            try:
                _copy(source, backup_file, db, _whole)
            except BackupError:
                _remove_folders(created)
                raise
            return Restored(found, None)
        current_access = _current_access(db, found.last_seq, force=force)
        aside = db.with_name(f"{db.name}.before-restore-{now:%Y%m%dT%H%M%S}")

        def carried(copy: sqlite3.Connection) -> Restored:
            _whole(copy)
            if current_access is None:  # too damaged to tell who it let in
                return Restored(found, aside)
            again = _revoke_again(copy, current_access)
            people = _people_as_now(copy, current_access)
            lost = _not_in(_access(copy), current_access)
            return Restored(found, aside, again, lost, people)

        fresh = db.with_name(db.name + ".restored")
        restored = _copy(source, backup_file, fresh, carried)
        _owned_like(fresh, db)
        _swap(db, aside, fresh)
    return restored


def _owned_like(fresh: Path, db: Path) -> None:
    """The restored file takes the replaced one's mode and, when root restores, its owner:
    restored by root (the `sudo -u hallq` forgotten) it was root's, and the server, running
    as hallq, refused to start on it."""
    was = db.stat()
    try:
        fresh.chmod(stat.S_IMODE(was.st_mode))
        if os.geteuid() == 0:
            os.chown(fresh, was.st_uid, was.st_gid)
    except OSError as exc:
        fresh.unlink(missing_ok=True)
        raise BackupError(f"cannot give the restored file the owner of {db}: {exc}") from exc


def _swap(db: Path, aside: Path, fresh: Path) -> None:
    """Move the old database (with its -wal and -shm, emptied by the checkpoint) aside and
    the fresh copy into its place; on a failure, the old files go back."""
    moved: list[tuple[Path, Path]] = []
    try:
        for suffix in ("", "-wal", "-shm"):
            old = Path(f"{db}{suffix}")
            if old.exists():
                old.replace(Path(f"{aside}{suffix}"))
                moved.append((old, Path(f"{aside}{suffix}")))
        fresh.replace(db)
    except OSError as exc:
        for old, kept in reversed(moved):
            with contextlib.suppress(OSError):
                kept.replace(old)
        with contextlib.suppress(OSError):
            fresh.unlink()
        raise BackupError(f"cannot replace {db}: {exc.strerror or exc}") from exc
    _fsync_dir(db.parent)
