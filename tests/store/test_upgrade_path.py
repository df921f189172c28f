"""Every earlier schema version opens with the current code, its rows intact."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from queue_server.store.database import open_database, schema_version
from queue_server.store.errors import StoreError
from queue_server.store.schema import MIGRATIONS, SCHEMA_VERSION

Row = tuple[object, ...]
# Per table: the columns it had and the rows written in them (a later migration may add columns).
Written = dict[str, tuple[list[str], list[Row]]]


def sample(column_type: str, table: str, column: str) -> object:
    kind = column_type.upper()
    if "INT" in kind:
        return 7
    if "BLOB" in kind:
        return f"{table}.{column}".encode()
    return f"{table}.{column}"


def fill(conn: sqlite3.Connection) -> Written:
    """One row in every table, referenced tables first; returns what was written."""
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    references = {t: {r[2] for r in conn.execute(f"PRAGMA foreign_key_list({t})")} for t in names}
    ordered = sorted(names, key=lambda t: (len(references[t]), t))
    written: Written = {}
    for table in ordered:
        columns = list(conn.execute(f"PRAGMA table_info({table})"))
        row: Row = tuple(
            # A column that references another table gets that table's value for it.
            next(
                (
                    sample("TEXT", fk[2], fk[4])
                    for fk in conn.execute(f"PRAGMA foreign_key_list({table})")
                    if fk[3] == name
                ),
                sample(kind, table, name),
            )
            for _, name, kind, *_ in columns
        )
        marks = ",".join("?" * len(row))
        conn.execute(f"INSERT INTO {table} VALUES ({marks})", row)
        written[table] = ([c[1] for c in columns], [row])
    return written


def database_at(path: Path, version: int) -> Written:
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        for step in range(1, version + 1):
            conn.executescript(MIGRATIONS[step])
        conn.execute(f"PRAGMA user_version={version}")
        return fill(conn)


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION))
async def test_an_older_database_is_migrated_with_its_rows(tmp_path: Path, version: int) -> None:
    path = tmp_path / "hall.db"
    written = database_at(path, version)
    assert written, "the old database has tables with rows"

    conn = await open_database(path)
    try:
        assert await schema_version(conn) == SCHEMA_VERSION
        for table, (columns, rows) in written.items():
            query = f"SELECT {', '.join(columns)} FROM {table}"
            assert list(await conn.execute_fetchall(query)) == rows, table
    finally:
        await conn.close()


def test_the_oldest_version_is_tested() -> None:
    # The parametrisation above is empty while there is one version: say so, not pass blind.
    assert SCHEMA_VERSION >= 2 and min(MIGRATIONS) == 1
    assert sorted(MIGRATIONS) == list(range(1, SCHEMA_VERSION + 1))


async def test_a_newer_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "hall.db"
    written = database_at(path, SCHEMA_VERSION)
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="upgrade hallq or restore a matching backup"):
        await open_database(path)
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION + 1,)
        for table, (columns, rows) in written.items():
            assert conn.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall() == rows
