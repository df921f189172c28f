"""`hallq user` and `hallq device` on a mistyped --db: one clear line, exit code 2, and the
disk as it was (no new folder, no new database, another program's file untouched)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

HALLQ = str(Path(sys.executable).with_name("hallq"))


def hallq(*args: str, password: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HALLQ, *args], input=password, capture_output=True, text=True, timeout=60, check=False
    )


def test_adding_to_a_database_in_a_missing_folder_creates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "typo" / "hall.db"
    done = hallq(
        "user",
        "add",
        "wang",
        "--role",
        "clerk",
        "--password-stdin",
        "--db",
        str(db),
        password="a-long-password\n",
    )
    assert done.returncode == 2, done
    assert "no folder" in done.stderr and "Traceback" not in done.stderr
    assert not db.parent.exists()
    added = hallq("device", "add", "kiosk-1", "--role", "kiosk", "--db", str(db))
    assert added.returncode == 2 and not db.parent.exists()


def test_revoking_or_unlocking_in_no_database_creates_none(tmp_path: Path) -> None:
    db = tmp_path / "hall.db"
    for args in (("device", "revoke", "kiosk-1"), ("user", "unlock", "wang")):
        done = hallq(*args, "--db", str(db))
        assert done.returncode == 2, done
        assert "no database" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_another_program_s_database_is_left_alone(tmp_path: Path) -> None:
    foreign = tmp_path / "other.db"
    with closing(sqlite3.connect(foreign)) as conn:
        conn.execute("CREATE TABLE foo (x)")
        conn.commit()
    before = foreign.read_bytes()
    done = hallq(
        "user",
        "add",
        "wang",
        "--role",
        "clerk",
        "--password-stdin",
        "--db",
        str(foreign),
        password="a-long-password\n",
    )
    assert done.returncode == 2 and "not a hallq database" in done.stderr, done
    assert foreign.read_bytes() == before


def test_the_first_people_come_before_the_server_s_first_start(tmp_path: Path) -> None:
    db = tmp_path / "hall.db"
    done = hallq(
        "user",
        "add",
        "admin",
        "--role",
        "admin",
        "--password-stdin",
        "--db",
        str(db),
        password="a-long-password\n",
    )
    assert done.returncode == 0, done
    assert db.is_file()
