"""Schema migrations: a new file reaches the current version, once; a newer one is refused."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from queue_server.store.database import migrate, open_database, schema_version
from queue_server.store.errors import StoreError
from queue_server.store.schema import MIGRATIONS, SCHEMA_VERSION

TABLES = [
    "access_log",
    "devices",
    "events",
    "login_failures",
    "secrets",
    "sessions",
    "snapshots",
    "upstream_cursor",
    "users",
]


def query(path: Path, sql: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(sql).fetchall()


def tables(path: Path) -> list[str]:
    rows = query(path, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    return [str(name) for (name,) in rows]


async def test_a_new_database_reaches_the_current_version(tmp_path: Path) -> None:
    path = tmp_path / "hall.db"
    conn = await open_database(path)
    await conn.close()

    assert query(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert tables(path) == TABLES


async def test_reopening_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "hall.db"
    conn = await open_database(path)
    await conn.execute(
        "INSERT INTO users (username, role, password_hash, created_at) "
        "VALUES ('wang', 'manager', 'x', '2025-03-03T00:00:00Z')"
    )
    await conn.close()

    conn = await open_database(path)
    try:
        assert await schema_version(conn) == SCHEMA_VERSION
        assert list(await conn.execute_fetchall("SELECT username FROM users")) == [("wang",)]
    finally:
        await conn.close()
    assert tables(path) == TABLES


async def test_a_database_from_a_newer_hallq_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "hall.db"
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")

    with pytest.raises(StoreError, match=rf"version {SCHEMA_VERSION + 1} is newer"):
        await open_database(path)
    assert query(path, "PRAGMA user_version") == [(SCHEMA_VERSION + 1,)]


async def test_a_failing_migration_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "hall.db"
    broken = {**MIGRATIONS, SCHEMA_VERSION + 1: "CREATE TABLE extra (a); CREATE TABLE broken ("}
    conn = await open_database(path)
    try:
        with pytest.raises(StoreError, match=rf"migration {SCHEMA_VERSION + 1} failed"):
            await migrate(conn, broken)
        assert await schema_version(conn) == SCHEMA_VERSION
        assert not conn.in_transaction
    finally:
        await conn.close()
    assert "extra" not in tables(path)


async def test_a_semicolon_inside_a_trigger_does_not_split_it(tmp_path: Path) -> None:
    path = tmp_path / "hall.db"
    with_trigger = {
        **MIGRATIONS,
        SCHEMA_VERSION + 1: """
            CREATE TABLE audit (note TEXT);
            CREATE TRIGGER users_audit AFTER INSERT ON users BEGIN
                INSERT INTO audit VALUES ('added; ' || NEW.username);
            END;
        """,
    }
    conn = await open_database(path)
    try:
        await migrate(conn, with_trigger)
        await conn.execute(
            "INSERT INTO users (username, role, password_hash, created_at) "
            "VALUES ('zhao', 'clerk', 'x', '2025-03-03T00:00:00Z')"
        )
        assert await schema_version(conn) == SCHEMA_VERSION + 1
    finally:
        await conn.close()
    assert query(path, "SELECT note FROM audit") == [("added; zhao",)]


async def test_connections_creating_one_database_at_once_all_succeed(tmp_path: Path) -> None:
    # The race is narrow: try it on a few new files.
    for attempt in range(10):
        path = tmp_path / f"hall{attempt}.db"
        connections = await asyncio.gather(*(open_database(path) for _ in range(3)))
        for conn in connections:
            await conn.close()

        assert query(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
        assert tables(path) == TABLES
