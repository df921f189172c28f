"""A full disk under a real server: a clear refusal, nothing half-kept, service when space
returns. The disk fills as the server sees it: writes beyond the file size limit fail."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from crash.hall_process import JIANGBEI, HallProcess

pytestmark = pytest.mark.slow

SERVICE = "tax"


async def call(
    http: aiohttp.ClientSession, server: HallProcess, path: str, token: str, body: Any = None
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    async with http.post(f"{server.url}{path}", headers=headers, json=body) as response:
        return response.status, await response.json()


async def waiting(http: aiohttp.ClientSession, server: HallProcess) -> int:
    async with http.get(f"{server.url}/api/v1/hall") as response:
        hall = await response.json()
    return next(s["waiting"] for s in hall["services"] if s["id"] == SERVICE)


async def test_a_full_disk_refuses_clearly_keeps_nothing_half_and_recovers(
    tmp_path: Path,
) -> None:
    server = HallProcess(tmp_path / "hall", JIANGBEI)
    kiosk = await server.add_device("kiosk", "kiosk")
    station = await server.add_device("station-7", "station", "7")
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:

            async def issue(key: str) -> tuple[int, Any]:
                body = {"service": SERVICE, "idempotency_key": key}
                return await call(http, server, "/api/v1/tickets", kiosk, body)

            assert (await call(http, server, "/api/v1/windows/7/open", station))[0] == 200
            before = [(await issue(f"before-{n}"))[1]["ticket"]["number"] for n in range(3)]
            assert before == ["E001", "E002", "E003"]

            server.limit_file_size(0)
            refused = [await issue(f"during-{n}") for n in range(3)]
            refused.append(await call(http, server, "/api/v1/windows/7/call-next", station))
            for status, answer in refused:
                assert status == 503, answer
                assert answer["error"]["code"] == "unavailable"
            assert "journal refused a batch" in server.log_tail()
            assert "SQLITE_IOERR_WRITE: the disk refused the write" in server.log_tail()
            assert await waiting(http, server) == 3  # nothing of the refused requests kept

            server.limit_file_size(None)
            again = [await issue(f"during-{n}") for n in range(3)]
            assert [(s, a["ticket"]["number"]) for s, a in again] == [
                (201, "E004"),
                (201, "E005"),
                (201, "E006"),
            ]
            status, called = await call(http, server, "/api/v1/windows/7/call-next", station)
            assert status == 200 and called["ticket"]["number"] == "E001"
            assert await waiting(http, server) == 5
        await server.stop()
    finally:
        await server.kill()

    with sqlite3.connect(server.db) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        kinds = [
            k
            for (k,) in db.execute("SELECT type FROM events ORDER BY seq")
            if not k.startswith("alert.")  # the example hall's staffed windows have no clerk
        ]
    # Opening the window, six tickets and one call; the refused requests left no trace.
    assert kinds == ["window.opened", *["ticket.issued"] * 6, "ticket.called"]
