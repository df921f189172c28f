"""What `hallq restore` checks before it replaces anything."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import stat
from contextlib import closing
from pathlib import Path

import pytest

from queue_server.cli import main
from queue_server.ops.backup import BackupError, Enrolled, backup, restore
from queue_server.store.schema import MIGRATIONS, SCHEMA_VERSION

NOW = dt.datetime(2026, 11, 23, 18, 0)


def hall_db(path: Path, tickets: int, version: int = SCHEMA_VERSION) -> Path:
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        for step in range(1, version + 1):
            conn.executescript(MIGRATIONS[step])
        conn.execute(f"PRAGMA user_version={version}")
        for seq in range(1, tickets + 1):
            data = {"ticket_id": f"t{seq}", "number": f"A{seq:03d}", "day": "2026-11-23"}
            conn.execute(
                "INSERT INTO events VALUES (?, 'ticket.issued', ?, '2026-11-23T01:00:00+00:00')",
                (seq, json.dumps(data)),
            )
    return path


def seqs(path: Path) -> list[int]:
    with closing(sqlite3.connect(path)) as conn:
        return [r[0] for r in conn.execute("SELECT seq FROM events ORDER BY seq")]


def test_a_damaged_backup_is_refused_and_nothing_replaced(tmp_path: Path) -> None:
    db = hall_db(tmp_path / "hall.db", 3)
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    with pytest.raises(BackupError, match=r"not a sound hallq database|integrity"):
        restore(damaged, db, now=NOW)
    assert seqs(db) == [1, 2, 3]
    assert not list(tmp_path.glob("*.before-restore-*"))


def test_a_backup_from_a_newer_hallq_is_refused(tmp_path: Path) -> None:
    newer = hall_db(tmp_path / "newer.db", 1)
    with closing(sqlite3.connect(newer)) as conn:
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(BackupError, match="upgrade hallq"):
        restore(newer, tmp_path / "hall.db", now=NOW)
    assert not (tmp_path / "hall.db").exists()


def test_an_older_schema_restores_and_a_later_backup_replaces_without_force(
    tmp_path: Path,
) -> None:
    older = hall_db(tmp_path / "older.db", 2, version=SCHEMA_VERSION - 1)
    db = tmp_path / "new" / "hall.db"
    assert restore(older, db, now=NOW).kept_aside is None
    assert seqs(db) == [1, 2]
    later = hall_db(tmp_path / "later.db", 4)
    done = restore(later, db, now=NOW)  # the current file has nothing the backup lacks
    assert seqs(db) == [1, 2, 3, 4]
    assert done.kept_aside == db.with_name("hall.db.before-restore-20261123T180000")
    assert seqs(done.kept_aside) == [1, 2]


def test_a_backup_of_a_missing_database_says_so(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="does not exist"):
        backup(tmp_path / "none.db", tmp_path / "out.db")
    assert not (tmp_path / "out.db").exists()
    taken = backup(hall_db(tmp_path / "hall.db", 5), tmp_path / "out.db")
    assert (taken.last_seq, taken.schema_version) == (5, SCHEMA_VERSION)
    assert seqs(tmp_path / "out.db") == [1, 2, 3, 4, 5]


def test_a_damaged_current_database_is_replaced_only_with_force(tmp_path: Path) -> None:
    good = hall_db(tmp_path / "good.db", 2)
    db = tmp_path / "hall.db"
    db.write_bytes(b"this disk lost the database" * 200)
    with pytest.raises(BackupError, match="cannot be read"):
        restore(good, db, now=NOW)
    assert db.read_bytes().startswith(b"this disk")
    done = restore(good, db, force=True, now=NOW)
    assert seqs(db) == [1, 2]
    assert done.kept_aside is not None
    assert done.kept_aside.read_bytes().startswith(b"this disk")


def enrol(
    db: Path, name: str, token_hash: str, role: str = "kiosk", window: str | None = None
) -> None:
    """A device as `hallq device add` leaves it (a revoked name given a new token again)."""
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute(
            "INSERT INTO devices (name, role, window, token_hash, created_at)"
            " VALUES (?, ?, ?, ?, '2026-11-23T03:00:00+00:00')"
            " ON CONFLICT (name) DO UPDATE SET token_hash = excluded.token_hash, revoked_at = NULL",
            (name, role, window, token_hash),
        )


def revoke(db: Path, name: str) -> None:
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute(
            "UPDATE devices SET revoked_at = '2026-11-23T04:00:00+00:00' WHERE name = ?", (name,)
        )


def live_tokens(db: Path) -> set[str]:
    with closing(sqlite3.connect(db)) as conn:
        return {
            r[0] for r in conn.execute("SELECT token_hash FROM devices WHERE revoked_at IS NULL")
        }


def test_a_token_revoked_after_the_backup_stays_refused_and_what_is_lost_is_named(
    tmp_path: Path,
) -> None:
    """A kiosk stolen and revoked after last night's backup was let in again by the restored
    database, and nothing said so; devices and people added after the backup were refused
    or could not log in, and nothing said that either."""
    db = hall_db(tmp_path / "hall.db", 2)
    for name, token_hash in (("kiosk-1", "h1"), ("kiosk-stolen", "h2"), ("kiosk-replaced", "h3")):
        enrol(db, name, token_hash)
    taken = tmp_path / "backups" / "hall-20261123T023000.db"
    backup(db, taken)
    revoke(db, "kiosk-stolen")
    revoke(db, "kiosk-replaced")
    enrol(db, "kiosk-replaced", "h4")  # the new box of a stolen one, under the same name
    enrol(db, "station-3", "h5", role="station", window="3")
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute(
            "INSERT INTO users (username, role, password_hash, created_at)"
            " VALUES ('wang', 'clerk', 'x', '2026-11-23T05:00:00+00:00')"
        )
    done = restore(taken, db, now=NOW)
    assert live_tokens(db) == {"h1"}
    assert done.revoked_again == ("kiosk-replaced", "kiosk-stolen")
    assert done.not_in_backup == (
        Enrolled("device", "kiosk-replaced", "kiosk"),
        Enrolled("device", "station-3", "station", "3"),
        Enrolled("user", "wang", "clerk"),
    )
    assert done.kept_aside is not None and live_tokens(done.kept_aside) == {"h1", "h4", "h5"}


def person(db: Path, name: str, password_hash: str) -> None:
    """A clerk with a session open."""
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute(
            "INSERT INTO users (username, role, password_hash, created_at)"
            " VALUES (?, 'clerk', ?, '2026-11-22T05:00:00+00:00')",
            (name, password_hash),
        )
        conn.execute(
            "INSERT INTO sessions (token_hash, username, created_at, expires_at)"
            " VALUES (?, ?, '2026-11-23T01:00:00+00:00', '2026-11-23T13:00:00+00:00')",
            (f"session-of-{name}", name),
        )


def test_people_disabled_or_given_a_password_after_the_backup_stay_so(tmp_path: Path) -> None:
    """A clerk who left and was disabled after the backup could log in again with the
    restored database, and a password reset since (one that leaked) was valid again."""
    db = hall_db(tmp_path / "hall.db", 2)
    person(db, "left", "old-hash-1")
    person(db, "forgot", "old-hash-2")
    person(db, "same", "old-hash-3")
    taken = tmp_path / "backups" / "hall-20261123T023000.db"
    backup(db, taken)
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("UPDATE users SET disabled = 1 WHERE username = 'left'")
        conn.execute("UPDATE users SET password_hash = 'new-hash-2' WHERE username = 'forgot'")
        conn.execute("DELETE FROM sessions WHERE username IN ('left', 'forgot')")
    done = restore(taken, db, now=NOW)
    assert done.people_as_now == ("forgot", "left")
    with closing(sqlite3.connect(db)) as conn:
        people = conn.execute("SELECT username, password_hash, disabled FROM users ORDER BY 1")
        assert list(people) == [
            ("forgot", "new-hash-2", 0),
            ("left", "old-hash-1", 1),
            ("same", "old-hash-3", 0),
        ]
        # Sessions logged out since the backup would be open again: everyone logs in anew.
        assert conn.execute("SELECT COUNT(*) FROM sessions").fetchone() == (0,)


def test_the_restore_command_says_what_stays_revoked_and_what_to_add_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = hall_db(tmp_path / "hall.db", 1)
    enrol(db, "kiosk-stolen", "h1")
    taken = tmp_path / "taken.db"
    backup(db, taken)
    revoke(db, "kiosk-stolen")
    enrol(db, "station-3", "h2", role="station", window="3")
    assert main(["restore", str(taken), "--db", str(db)]) == 0
    said = capsys.readouterr().out.splitlines()
    assert said[1] == (
        "hallq: devices revoked after the backup stay revoked in the restored database: "
        "kiosk-stolen"
    )
    assert said[2] == (
        "hallq: added after the backup, so not in it: add them again with hallq device add"
        " (a new token into each device's config) and hallq user add:"
    )
    assert said[3:] == ["  device station-3 (station, window 3)"]


def test_the_restored_file_keeps_the_owner_and_mode_of_the_one_it_replaces(
    tmp_path: Path,
) -> None:
    """Restored by root (`sudo hallq restore`, the sudo -u hallq forgotten), the new file
    belonged to root, and the server, running as hallq, refused to start on it: "attempt
    to write a readonly database"."""
    db = hall_db(tmp_path / "hall.db", 2)
    taken = tmp_path / "taken.db"
    backup(db, taken)
    db.chmod(0o640)
    service_user = 65534  # nobody, standing in for hallq
    if os.geteuid() == 0:
        os.chown(db, service_user, service_user)
    restore(taken, db, now=NOW)
    assert stat.S_IMODE(db.stat().st_mode) == 0o640
    if os.geteuid() == 0:
        assert (db.stat().st_uid, db.stat().st_gid) == (service_user, service_user)
