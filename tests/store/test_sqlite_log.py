"""What only the SQLite journal promises: durable settings, group commit, other processes."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path

import aiosqlite
import pytest

from queue_server.store import sqlite_log
from queue_server.store.database import open_database
from queue_server.store.errors import StoreError
from queue_server.store.eventlog import NewEvent, Snapshot
from queue_server.store.sqlite_log import SqliteEventLog

T0 = "2025-03-03T01:00:00Z"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "var" / "hall.db"


@pytest.fixture
async def log(db_path: Path) -> AsyncIterator[SqliteEventLog]:
    log = SqliteEventLog(db_path)
    await log.open()
    yield log
    await log.close()


def issued(n: int) -> NewEvent:
    return NewEvent("ticket.issued", {"number": f"A{n:03d}"})


def query(path: Path, sql: str) -> list[tuple[object, ...]]:
    """Another connection to the file, as another process would open it."""
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(sql).fetchall()


def contents(path: Path) -> bytes:
    return path.read_bytes()


async def run_python(code: str, *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        code,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode()


async def test_the_connection_commits_durably(db_path: Path) -> None:
    conn = await open_database(db_path)
    try:
        pragmas = {}
        for name in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys"):
            async with conn.execute(f"PRAGMA {name}") as cursor:
                row = await cursor.fetchone()
            assert row is not None
            pragmas[name] = row[0]
    finally:
        await conn.close()

    assert pragmas == {
        "journal_mode": "wal",
        "synchronous": 2,
        "busy_timeout": 5000,
        "foreign_keys": 1,
    }


async def test_the_journal_file_is_in_wal_mode(log: SqliteEventLog, db_path: Path) -> None:
    await log.append([issued(1)], recorded_at=T0)

    assert query(db_path, "PRAGMA journal_mode") == [("wal",)]
    assert db_path.with_name("hall.db-wal").exists()


async def test_a_batch_of_500_events_is_one_commit(log: SqliteEventLog) -> None:
    await log.append([issued(0)], recorded_at=T0)

    seqs = await log.append([issued(n) for n in range(1, 501)], recorded_at=T0)

    assert log.commit_seconds.count == 2
    assert seqs == list(range(2, 502))
    assert await log.last_seq() == 501


async def test_another_process_sees_committed_events(log: SqliteEventLog, db_path: Path) -> None:
    await log.append([issued(1), NewEvent("ticket.called", {"window": "3号"})], recorded_at=T0)

    out = await run_python(
        "import sqlite3, sys\n"
        "conn = sqlite3.connect(sys.argv[1])\n"
        "for row in conn.execute('SELECT seq, type, data FROM events ORDER BY seq'):\n"
        "    print(*row)\n"
        "conn.close()\n",
        str(db_path),
    )

    assert out.splitlines() == [
        '1 ticket.issued {"number":"A001"}',
        '2 ticket.called {"window":"3号"}',
    ]


async def test_another_process_can_write_other_tables_meanwhile(
    log: SqliteEventLog, db_path: Path
) -> None:
    await log.append([issued(1)], recorded_at=T0)

    await run_python(
        "import sqlite3, sys\n"
        "conn = sqlite3.connect(sys.argv[1], timeout=5)\n"
        "with conn:\n"
        '    conn.execute("INSERT INTO users (username, role, password_hash, created_at) "\n'
        "                 \"VALUES ('li', 'clerk', 'x', '2025-03-03T00:00:00Z')\")\n"
        "conn.close()\n",
        str(db_path),
    )
    await log.append([issued(2)], recorded_at=T0)

    assert query(db_path, "SELECT username FROM users") == [("li",)]
    assert [e.seq for e in await log.read()] == [1, 2]


async def test_a_new_log_on_the_same_file_sees_everything(
    log: SqliteEventLog, db_path: Path
) -> None:
    await log.append([issued(1), issued(2)], recorded_at=T0)
    written = await log.read()
    await log.save_snapshot(Snapshot(2, {"queues": {"A": 2}}))
    await log.close()

    again = SqliteEventLog(db_path)
    await again.open()
    try:
        assert await again.read() == written
        assert await again.latest_snapshot() == Snapshot(2, {"queues": {"A": 2}})
        assert await again.append([issued(3)], recorded_at=T0) == [3]
    finally:
        await again.close()


# A small batch is written by one statement, a large one by one statement per event inside
# a transaction: both go in whole or not at all.
@pytest.mark.parametrize("batch", [3, 300])
async def test_a_failing_insert_rolls_the_whole_batch_back(
    log: SqliteEventLog, db_path: Path, batch: int
) -> None:
    await log.append([issued(1)], recorded_at=T0)
    # A row the log does not know about makes the batch's second insert fail.
    with closing(sqlite3.connect(db_path)) as conn, conn:
        conn.execute("INSERT INTO events VALUES (3, 'intruder', '{}', ?)", (T0,))

    with pytest.raises(StoreError) as failed:
        await log.append([issued(n) for n in range(2, 2 + batch)], recorded_at=T0)

    assert isinstance(failed.value.__cause__, sqlite3.IntegrityError)
    assert query(db_path, "SELECT seq, type FROM events ORDER BY seq") == [
        (1, "ticket.issued"),
        (3, "intruder"),
    ]
    assert log.commit_seconds.count == 1

    with closing(sqlite3.connect(db_path)) as conn, conn:
        conn.execute("DELETE FROM events WHERE seq = 3")
    # After a failure the log asks the file again instead of trusting its own count.
    assert await log.last_seq() == 1
    assert await log.append([issued(2)], recorded_at=T0) == [2]


async def test_events_are_stored_as_compact_utf8_json(log: SqliteEventLog, db_path: Path) -> None:
    await log.append([NewEvent("ticket.issued", {"name": "张三", "n": [1, 2]})], recorded_at=T0)

    assert query(db_path, "SELECT data, recorded_at FROM events") == [
        ('{"name":"张三","n":[1,2]}', T0)
    ]


async def test_a_snapshot_takes_the_time_of_its_event(log: SqliteEventLog, db_path: Path) -> None:
    await log.append([issued(1)], recorded_at="2025-03-03T01:00:00Z")
    await log.append([issued(2)], recorded_at="2025-03-03T02:00:00Z")
    await log.save_snapshot(Snapshot(1, {}))

    assert query(db_path, "SELECT seq, taken_at FROM snapshots") == [(1, "2025-03-03T01:00:00Z")]


@pytest.fixture
def not_a_database(tmp_path: Path) -> Path:
    path = tmp_path / "hall.db"
    path.write_bytes(b"this is not a database, just some text" * 100)
    return path


async def test_a_file_that_is_not_a_database_is_refused(not_a_database: Path) -> None:
    log = SqliteEventLog(not_a_database)

    with pytest.raises(StoreError):
        await log.open()
    with pytest.raises(StoreError):
        await log.last_seq()


async def test_a_database_this_process_may_only_read_is_refused_at_open(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As on a read-only mount or a file another user owns, where SQLite opens it anyway."""

    async def read_only_database(path: Path) -> aiosqlite.Connection:
        conn = await open_database(path)
        await conn.execute("PRAGMA query_only = ON")
        return conn

    monkeypatch.setattr(sqlite_log, "open_database", read_only_database)
    log = SqliteEventLog(db_path)
    with pytest.raises(StoreError, match=r"cannot write .*readonly"):
        await log.open()
    # The lock went with the refusal: a writer that may write opens the file.
    monkeypatch.undo()
    writer = SqliteEventLog(db_path)
    await writer.open()
    try:
        assert await writer.append([issued(1)], recorded_at=T0) == [1]
    finally:
        await writer.close()


async def test_a_second_writer_on_the_same_file_is_refused_until_the_first_closes(
    log: SqliteEventLog, db_path: Path
) -> None:
    await log.append([issued(1)], recorded_at=T0)
    second = SqliteEventLog(db_path)
    with pytest.raises(StoreError, match="already served by another hallq server"):
        await second.open()
    # Also from another process, as a second `hallq serve` would be.
    code = (
        "import asyncio, sys\n"
        "from queue_server.store.errors import StoreError\n"
        "from queue_server.store.sqlite_log import SqliteEventLog\n"
        "try:\n"
        "    asyncio.run(SqliteEventLog(sys.argv[1]).open())\n"
        "except StoreError as e:\n"
        "    print('refused:', e)\n"
    )
    assert (await run_python(code, str(db_path))).startswith("refused: ")
    assert await log.append([issued(2)], recorded_at=T0) == [2]
    await log.close()
    await second.open()  # the first one is gone: the lock went with it
    try:
        assert await second.append([issued(3)], recorded_at=T0) == [3]
    finally:
        await second.close()
    await log.open()  # for the fixture's close


async def test_a_read_only_log_reads_beside_the_writer_and_changes_nothing(
    log: SqliteEventLog, db_path: Path
) -> None:
    await log.append([issued(1), issued(2)], recorded_at=T0)
    written = await log.read()
    before = contents(db_path)
    reader = SqliteEventLog(db_path, read_only=True)
    await reader.open()  # no writer's lock: a planner reads while the server runs
    try:
        assert await reader.read() == written
        with pytest.raises(StoreError, match="reading only"):
            await reader.append([issued(3)], recorded_at=T0)
        with pytest.raises(StoreError, match="reading only"):
            await reader.save_snapshot(Snapshot(2, {}))
    finally:
        await reader.close()
    assert contents(db_path) == before
    assert await log.append([issued(3)], recorded_at=T0) == [3]


async def test_a_read_only_log_needs_this_version_s_database(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    with closing(sqlite3.connect(old)) as conn:
        conn.execute("CREATE TABLE events (seq INTEGER PRIMARY KEY)")
        conn.execute("PRAGMA user_version=1")
    before = contents(old)
    with pytest.raises(StoreError, match="schema version 1"):
        await SqliteEventLog(old, read_only=True).open()
    with pytest.raises(StoreError, match="no database"):
        await SqliteEventLog(tmp_path / "none.db", read_only=True).open()
    assert contents(old) == before
    assert not (tmp_path / "none.db").exists()
