"""A `hallq backup` or `hallq restore` that cannot go ahead says why in one line and changes
nothing: an earlier backup at --to stays as it was, and no .part file is left."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest

from queue_server.ops.backup import BackupError, backup
from queue_server.store.schema import MIGRATIONS, SCHEMA_VERSION

HALLQ = Path(sys.executable).with_name("hallq")
SERVICE_USER = 65534  # nobody: root may write anywhere, so refusals are tried as nobody


def hallq(*args: str, as_nobody: bool = False) -> subprocess.CompletedProcess[str]:
    drop = SERVICE_USER if as_nobody and os.geteuid() == 0 else None
    return subprocess.run(
        [str(HALLQ), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        user=drop,
        group=drop,
        extra_groups=None if drop is None else [],
    )


def hall_db(path: Path, events: int = 3, version: int = SCHEMA_VERSION) -> Path:
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        for step in range(1, min(version, SCHEMA_VERSION) + 1):
            conn.executescript(MIGRATIONS[step])
        conn.execute(f"PRAGMA user_version={version}")
        conn.executemany(
            "INSERT INTO events VALUES (?, 'ticket.issued', '{}', '2026-11-23T01:00:00+00:00')",
            [(seq,) for seq in range(1, events + 1)],
        )
        # Enough pages that damage in the middle leaves the first ones readable.
        conn.executemany(
            "INSERT INTO secrets VALUES (?, ?)", [(f"k{i}", b"x" * 3000) for i in range(40)]
        )
    return path


def foreign_db(path: Path) -> Path:
    """Another program's SQLite file: no hallq schema."""
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE foo (x)")
        conn.commit()
    return path


def corrupt_db(path: Path) -> Path:
    hall_db(path)
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")  # everything in the one file
    data = bytearray(path.read_bytes())
    data[4096 * 3 : 4096 * 3 + 400] = b"\xff" * 400  # garbage over a page in the middle
    path.write_bytes(bytes(data))
    return path


def text_file(path: Path) -> Path:
    path.write_text("hello, this is text\n" * 100)
    return path


def newer_db(path: Path) -> Path:
    return hall_db(path, version=SCHEMA_VERSION + 1)


def one_clear_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 1, done.stdout
    assert "Traceback" not in done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith("hallq: ")
    return line


def parts(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if ".part" in p.name or ".restored" in p.name)


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder the unprivileged user may enter (the test's own is closed to it)."""
    base = Path(tempfile.mkdtemp(prefix="hallq-backup-"))
    base.chmod(0o755)
    try:
        yield base
    finally:
        shutil.rmtree(base)


@pytest.mark.parametrize(
    ("make_source", "said"),
    [
        (foreign_db, "is not a hallq database"),
        (newer_db, "is a newer hallq's database"),
    ],
    ids=["foreign", "newer"],
)
def test_a_refused_database_leaves_the_earlier_backup_as_it_was(
    tmp_path: Path, make_source: Callable[[Path], Path], said: str
) -> None:
    earlier = tmp_path / "good-backup.db"
    shutil.copy(hall_db(tmp_path / "good.db"), earlier)
    before = earlier.read_bytes()
    source = make_source(tmp_path / "source.db")
    line = one_clear_line(hallq("backup", "--db", str(source), "--to", str(earlier)))
    assert f"{source} {said}" in line
    assert "restore" not in line  # a backup, not a restore
    assert earlier.read_bytes() == before
    assert parts(tmp_path) == []


def test_a_good_backup_replaces_an_earlier_one(tmp_path: Path) -> None:
    earlier = tmp_path / "backup.db"
    shutil.copy(hall_db(tmp_path / "old.db", 2), earlier)
    taken = backup(hall_db(tmp_path / "hall.db", 5), earlier)
    assert taken.last_seq == 5
    with closing(sqlite3.connect(earlier)) as conn:
        assert conn.execute("SELECT MAX(seq) FROM events").fetchone() == (5,)
    assert parts(tmp_path) == []


@pytest.mark.parametrize(
    ("source", "said"),
    [
        (corrupt_db, "is not a sound hallq database: database disk image is malformed"),
        (text_file, "is not a SQLite database"),
    ],
    ids=["damaged", "text"],
)
def test_a_damaged_or_foreign_file_is_one_line_and_nothing_written(
    tmp_path: Path, source: Callable[[Path], Path], said: str
) -> None:
    db = source(tmp_path / "hall.db")
    out = tmp_path / "new" / "folders" / "out.db"
    line = one_clear_line(hallq("backup", "--db", str(db), "--to", str(out)))
    assert said in line
    assert not (tmp_path / "new").exists()  # the folders made for it are gone again
    assert parts(tmp_path) == []


def test_a_directory_as_the_target_is_refused(tmp_path: Path) -> None:
    db = hall_db(tmp_path / "hall.db")
    folder = tmp_path / "backups"
    folder.mkdir()
    line = one_clear_line(hallq("backup", "--db", str(db), "--to", str(folder)))
    assert f"{folder} is a directory" in line
    assert list(folder.iterdir()) == [] and parts(tmp_path) == []
    with pytest.raises(BackupError, match="the database itself"):
        backup(db, db)


def test_a_target_the_user_may_not_write_is_refused(shared_folder: Path) -> None:
    db = hall_db(shared_folder / "hall.db")
    db.chmod(0o644)
    closed = shared_folder / "closed"
    closed.mkdir(mode=0o500)
    try:
        done = hallq("backup", "--db", str(db), "--to", str(closed / "x.db"), as_nobody=True)
        assert "Permission denied" in one_clear_line(done)
    finally:
        closed.chmod(0o700)
    assert list(closed.iterdir()) == [] and parts(shared_folder) == []


def test_a_directory_given_as_a_database_is_named_so(tmp_path: Path) -> None:
    folder = tmp_path / "dbdir"
    folder.mkdir()
    good = hall_db(tmp_path / "b.db")
    for args in (
        ["restore", str(folder), "--db", str(tmp_path / "x.db")],
        ["restore", str(good), "--db", str(folder)],
        ["backup", "--db", str(folder), "--to", str(tmp_path / "out.db")],
    ):
        line = one_clear_line(hallq(*args))
        assert f"{folder} is a directory" in line and "does not exist" not in line
    assert list(folder.iterdir()) == []
    assert not (tmp_path / "x.db").exists() and not (tmp_path / "out.db").exists()
    assert parts(tmp_path) == []


def test_a_restore_without_db_is_refused_and_restores_nothing(tmp_path: Path) -> None:
    """The hall's database must be named: a default would be a file beside the shell."""
    good = hall_db(tmp_path / "b.db")
    done = subprocess.run(
        [str(HALLQ), "restore", str(good)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert "--db" in done.stderr and "required" in done.stderr
    assert not (tmp_path / "var").exists()


def test_restoring_a_hall_without_changes_says_so_in_words(tmp_path: Path) -> None:
    # A backup taken before the first start (people and devices only) has no journal yet:
    # the restore says so instead of printing "last change None".
    empty = hall_db(tmp_path / "empty.db", events=0)
    done = hallq("restore", str(empty), "--db", str(tmp_path / "new.db"))
    assert done.returncode == 0, done.stderr
    assert "None" not in done.stdout
    assert "no change recorded yet" in done.stdout
