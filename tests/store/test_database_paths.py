"""Opening the hall's database creates only what it may, and never takes another program's
file: a mistyped --db fails with a clear line and leaves the disk as it was."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from queue_server.store.database import Create, open_database
from queue_server.store.errors import StoreError


def listing(folder: Path) -> list[Path]:
    return list(folder.iterdir())


def contents(path: Path) -> bytes:
    return path.read_bytes()


async def test_the_server_creates_the_database_and_its_folders(tmp_path: Path) -> None:
    path = tmp_path / "var" / "lib" / "hall.db"
    conn = await open_database(path)
    await conn.close()
    assert path.is_file()


async def test_adding_creates_the_file_but_not_a_missing_folder(tmp_path: Path) -> None:
    conn = await open_database(tmp_path / "hall.db", create=Create.FILE)
    await conn.close()
    assert (tmp_path / "hall.db").is_file()
    with pytest.raises(StoreError, match="no folder"):
        await open_database(tmp_path / "typo" / "hall.db", create=Create.FILE)
    assert not (tmp_path / "typo").exists()


async def test_other_commands_need_the_database_to_be_there(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no database"):
        await open_database(tmp_path / "hall.db", create=Create.NOTHING)
    assert listing(tmp_path) == []


@pytest.mark.parametrize("create", list(Create))
async def test_a_folder_is_not_a_database(tmp_path: Path, create: Create) -> None:
    with pytest.raises(StoreError, match="is a folder"):
        await open_database(tmp_path, create=create)


@pytest.mark.parametrize("create", list(Create))
async def test_another_program_s_sqlite_file_is_left_alone(tmp_path: Path, create: Create) -> None:
    foreign = tmp_path / "other.db"
    with closing(sqlite3.connect(foreign)) as conn:
        conn.execute("CREATE TABLE foo (x)")
        conn.commit()
    before = contents(foreign)
    with pytest.raises(StoreError, match="not a hallq database"):
        await open_database(foreign, create=create)
    assert contents(foreign) == before
