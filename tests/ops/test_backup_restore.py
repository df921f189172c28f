"""A backup taken while a real server issues tickets restores into a hall that continues it."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from crash.hall_process import HALLQ, JIANGBEI, HallProcess

pytestmark = pytest.mark.slow

SERVICE = "social-insurance"


def hallq(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(HALLQ), *args], capture_output=True, text=True, timeout=60, check=False
    )


def issued_in(path: Path) -> tuple[int, dict[str, str]]:
    """A database's last seq, and the number of each ticket it issued, by ticket id."""
    with closing(sqlite3.connect(path)) as conn:
        last = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]
        rows = conn.execute("SELECT data FROM events WHERE type = 'ticket.issued'").fetchall()
    return int(last), {d["ticket_id"]: d["number"] for d in (json.loads(r[0]) for r in rows)}


async def issue(http: aiohttp.ClientSession, url: str, token: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    async with http.post(f"{url}/api/v1/tickets", json={"service": SERVICE}, headers=headers) as r:
        assert r.status == 201, await r.text()
        ticket: dict[str, Any] = (await r.json())["ticket"]
        return ticket


async def test_backup_under_load_then_restore_and_continue(tmp_path: Path) -> None:
    first = HallProcess(tmp_path / "first", JIANGBEI)
    token = await first.add_device("kiosk-1", "kiosk")
    await first.start()
    backup_file = tmp_path / "backups" / "hall-backup.db"
    issued: list[dict[str, Any]] = []
    async with aiohttp.ClientSession() as http:
        stop = asyncio.Event()
        marks: list[tuple[int, asyncio.Event]] = []

        def reached(count: int) -> asyncio.Event:
            mark = asyncio.Event()
            marks.append((count, mark))
            return mark

        async def load() -> None:
            while not stop.is_set():
                issued.append(await issue(http, first.url, token))
                for count, mark in marks:
                    if len(issued) >= count:
                        mark.set()

        thirty = reached(30)
        writer = asyncio.create_task(load())
        await thirty.wait()
        taken = await asyncio.to_thread(
            hallq, "backup", "--db", str(first.db), "--to", str(backup_file)
        )
        # The server kept issuing while, and after, the backup copied.
        await reached(len(issued) + 20).wait()
        stop.set()
        await writer
        assert taken.returncode == 0, taken.stderr
        assert "ok" in taken.stdout

        # Refused while the server has the database open; nothing replaced.
        busy = hallq("restore", str(backup_file), "--db", str(first.db))
        assert busy.returncode == 1
        assert "in use" in busy.stderr
        assert not list(first.db.parent.glob("*.before-restore-*"))
    await first.stop()

    backup_seq, backup_numbers = issued_in(backup_file)
    final_seq, all_numbers = issued_in(first.db)
    assert 30 <= len(backup_numbers) < len(all_numbers) == len(issued)
    assert backup_numbers.items() <= all_numbers.items()
    with closing(sqlite3.connect(backup_file)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    second = HallProcess(tmp_path / "second", JIANGBEI)
    restored = hallq("restore", str(backup_file), "--db", str(second.db))
    assert restored.returncode == 0, restored.stderr
    await second.start()
    try:
        async with aiohttp.ClientSession() as http:
            for ticket_id, number in backup_numbers.items():
                async with http.get(f"{second.url}/api/v1/tickets/{ticket_id}") as r:
                    assert r.status == 200
                    assert (await r.json())["ticket"]["number"] == number
            lost = set(all_numbers) - set(backup_numbers)
            for ticket_id in sorted(lost)[:5]:
                async with http.get(f"{second.url}/api/v1/tickets/{ticket_id}") as r:
                    assert r.status == 404
            # The restored hall numbers on from the backup's last ticket.
            token2 = await second.add_device("kiosk-2", "kiosk")
            fresh = await issue(http, second.url, token2)
        assert fresh["number"] not in backup_numbers.values()
        assert fresh["number"] == issued[len(backup_numbers)]["number"]
    finally:
        await second.stop()

    # Onto the first database: it holds tickets the backup lacks, so only with --force.
    refused = hallq("restore", str(backup_file), "--db", str(first.db))
    assert refused.returncode == 1
    assert "--force" in refused.stderr
    assert issued_in(first.db) == (final_seq, all_numbers)
    forced = hallq("restore", str(backup_file), "--db", str(first.db), "--force")
    assert forced.returncode == 0, forced.stderr
    assert issued_in(first.db) == (backup_seq, backup_numbers)
    [aside] = first.db.parent.glob("hall.db.before-restore-*")
    assert issued_in(aside) == (final_seq, all_numbers)
