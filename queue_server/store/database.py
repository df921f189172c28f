"""Opens the hall's SQLite database with durable settings and brings its schema up to date."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Mapping
from contextlib import suppress
from enum import Enum
from pathlib import Path

import aiosqlite

from queue_server.store.errors import StoreError
from queue_server.store.schema import MIGRATIONS

_WAL_RETRIES = 100  # 5 s, as the busy timeout


class Create(Enum):
    """What opening a database may create when it is not there."""

    NOTHING = "nothing"  # it must exist: commands that change what is in it
    FILE = "file"  # a new database in an existing folder: adding the first people, devices
    FOLDERS = "folders"  # its folders too: the server's first start


async def open_database(
    path: str | Path, *, create: Create = Create.FOLDERS
) -> aiosqlite.Connection:
    """Open the hall's database at `path`, in WAL mode with an fsync per commit, and bring
    its schema up to date; StoreError, with nothing created, for a path that is not one.

    The connection is in autocommit mode (`isolation_level=None`): callers open transactions
    explicitly with BEGIN so that one commit covers a whole batch.
    """
    path = Path(path)
    _check_path(path, create)
    try:
        if create is Create.FOLDERS:
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
    except (sqlite3.Error, OSError) as exc:
        raise StoreError(f"cannot open database {path}: {exc}") from exc
    try:
        await _refuse_foreign(conn, path)
        await _configure(conn)
        await migrate(conn)
    except BaseException as exc:
        await conn.close()
        if isinstance(exc, sqlite3.Error):
            raise StoreError(f"cannot open database {path}: {exc}") from exc
        raise
    return conn


async def open_read_only(path: str | Path) -> aiosqlite.Connection:
    """The hall's database at `path` for reading only: nothing in the file changes, not even
    its schema, so it must be of this hallq's version (planning from a live hall's journal)."""
    path = Path(path)
    _check_path(path, Create.NOTHING)
    try:
        conn = await aiosqlite.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open database {path}: {exc}") from exc
    try:
        await conn.execute("PRAGMA busy_timeout=5000")
        await _refuse_foreign(conn, path)
        version, current = await schema_version(conn), max(MIGRATIONS)
        if version != current:
            raise StoreError(
                f"{path} has schema version {version}, this hallq reads {current}: "
                "start the server on it once to bring it up to date"
            )
    except BaseException as exc:
        await conn.close()
        if isinstance(exc, sqlite3.Error):
            raise StoreError(f"cannot read database {path}: {exc}") from exc
        raise
    return conn


def _check_path(path: Path, create: Create) -> None:
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a database file: check --db")
    if path.exists():
        return
    if create is Create.NOTHING:
        raise StoreError(f"there is no database at {path}: check --db")
    if create is Create.FILE and not path.parent.is_dir():
        raise StoreError(f"there is no folder {path.parent} for the database: check --db")


async def _refuse_foreign(conn: aiosqlite.Connection, path: Path) -> None:
    """Never turn another program's SQLite file into a hall's: a mistyped --db, say.

    One statement reads both, so they come from one moment of the file: another connection
    creating the same new database migrates it between two separate reads.
    """
    async with conn.execute(
        "SELECT (SELECT user_version FROM pragma_user_version),"
        " (SELECT COUNT(*) FROM sqlite_master)"
    ) as cursor:
        row = await cursor.fetchone()
    if row is not None and row[0] == 0 and row[1]:
        raise StoreError(f"{path} is not a hallq database (it holds other tables): check --db")


async def _configure(conn: aiosqlite.Connection) -> None:
    # First, so that everything below waits for another process's write (the CLI) rather
    # than failing at once with "database is locked".
    await conn.execute("PRAGMA busy_timeout=5000")
    mode = await _switch_to_wal(conn)
    # SQLite keeps the old mode, without an error, where WAL is impossible (e.g. no shared
    # memory on the file system); readers would then block the journal's writer.
    if mode != "wal":
        raise StoreError(f"the database cannot use WAL mode (journal_mode is {mode})")
    # FULL: in WAL mode every commit is fsync'd before COMMIT returns, so an acknowledged
    # command survives a power cut.
    await conn.execute("PRAGMA synchronous=FULL")
    await conn.execute("PRAGMA foreign_keys=ON")


async def _switch_to_wal(conn: aiosqlite.Connection) -> object:
    """Set WAL mode (it stays in the file) and return the mode the database is in."""
    retries = _WAL_RETRIES
    while True:
        try:
            async with conn.execute("PRAGMA journal_mode=WAL") as cursor:
                row = await cursor.fetchone()
            return row[0] if row else None
        except sqlite3.OperationalError as exc:
            # The switch needs the file to itself and SQLite answers "locked" at once, without
            # the busy timeout: this happens when the server and the CLI create it together.
            if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY or retries == 0:
                raise
            retries -= 1
            await asyncio.sleep(0.05)


async def schema_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("PRAGMA user_version") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def migrate(conn: aiosqlite.Connection, migrations: Mapping[int, str] = MIGRATIONS) -> None:
    """Apply every migration newer than the database's version, each in its own transaction."""
    target = max(migrations)
    current = await schema_version(conn)
    if current > target:
        raise StoreError(
            f"database schema version {current} is newer than this hallq ({target}); "
            "upgrade hallq or restore a matching backup"
        )
    for version in range(current + 1, target + 1):
        await _apply(conn, version, migrations[version])


async def _apply(conn: aiosqlite.Connection, version: int, script: str) -> None:
    await conn.execute("BEGIN IMMEDIATE")
    try:
        # Checked under the write lock: the server and the CLI may both open a new database
        # at once, and the other one may have migrated while this one waited for the lock.
        if await schema_version(conn) < version:
            for statement in _statements(script):
                await conn.execute(statement)
            await conn.execute(f"PRAGMA user_version={version}")
        await conn.execute("COMMIT")
    except BaseException as exc:
        with suppress(sqlite3.Error):
            await conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            raise StoreError(f"schema migration {version} failed: {exc}") from exc
        raise


def _statements(script: str) -> list[str]:
    """Split a script into statements; a `;` in a trigger body or a string ends none."""
    statements: list[str] = []
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \t\r\n;"):
                statements.append(pending.strip())
            pending = ""
    if pending.strip(" \t\r\n;"):
        statements.append(pending.strip())
    return statements
