"""`hallq user` and `hallq device` on a mistyped --db, or refused: one clear line, exit code
2, and the disk as it was (no new folder, no new database, another program's file untouched)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from queue_server.accounts.cli import cli_device_add, cli_device_revoke
from queue_server.accounts.store import AccountStore

HALLQ = str(Path(sys.executable).with_name("hallq"))


def hallq(*args: str, password: str | bytes = "") -> subprocess.CompletedProcess[str]:
    typed = password.encode() if isinstance(password, str) else password
    done = subprocess.run([HALLQ, *args], input=typed, capture_output=True, timeout=60, check=False)
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
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


def test_changing_someone_in_no_database_creates_none(tmp_path: Path) -> None:
    db = tmp_path / "hall.db"
    for args in (
        ("device", "revoke", "kiosk-1"),
        ("user", "unlock", "wang"),
        ("user", "disable", "wang"),
        ("user", "enable", "wang"),
        ("user", "password", "wang", "--password-stdin"),
    ):
        done = hallq(*args, "--db", str(db), password="a-long-password\n")
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


REFUSED_FIRST = [
    (("user", "add", "admin", "--role", "admin"), "admin-2026\n", "must not contain the username"),
    (("user", "add", "王五", "--role", "clerk"), "a-long-password\n", "username '王五'"),
    (("user", "add", "wang", "--role", "clerk"), "密码2026abc\n".encode("gbk"), "not UTF-8"),
    (("device", "add", "一楼取号机", "--role", "kiosk"), "", "device name"),
    (("device", "add", "station-3", "--role", "station"), "", "give its window"),
]


@pytest.mark.parametrize(("args", "password", "said"), REFUSED_FIRST)
def test_a_refused_first_person_or_device_leaves_no_database(
    tmp_path: Path, args: tuple[str, ...], password: str | bytes, said: str
) -> None:
    """A database left by a refused command is a new hall no one asked for; made with `sudo`,
    it belongs to root, and the server, running as hallq, could not write it."""
    stdin = ("--password-stdin",) if args[0] == "user" else ()
    done = hallq(*args, *stdin, "--db", str(tmp_path / "hall.db"), password=password)
    assert done.returncode == 2, done
    assert said in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_a_database_name_the_system_refuses_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / ("x" * 300 + ".db")  # longer than a file name may be
    for args in (("device", "add", "kiosk-1", "--role", "kiosk"), ("device", "revoke", "k")):
        done = hallq(*args, "--db", str(db))
        assert done.returncode == 2, done
        assert done.stderr.startswith("hallq: error: ") and "File name too long" in done.stderr
        assert len(done.stderr.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


async def test_a_database_this_user_may_not_write_says_whose_it_should_be(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "hall.db"
    assert await cli_device_add(db, "kiosk-1", "kiosk", None) == 0

    async def read_only(*_: object) -> None:
        refused = sqlite3.OperationalError("attempt to write a readonly database")
        refused.sqlite_errorcode = sqlite3.SQLITE_READONLY
        raise refused

    monkeypatch.setattr(AccountStore, "revoke_device", read_only)
    capsys.readouterr()
    assert await cli_device_revoke(db, "kiosk-1") == 2
    said = capsys.readouterr().err
    assert said.startswith("hallq: error: attempt to write a readonly database; ")
    assert "sudo -u hallq" in said
