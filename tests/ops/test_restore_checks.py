"""What `hallq restore` checks before it replaces anything."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from queue_server.ops.backup import BackupError, backup, restore
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
