"""A kiosk whose token the server refuses says so in the log and pauses with words for the
citizen, rather than answer every touch with the server's `unauthenticated`."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from browser.kiosk_fixtures import RunningKiosk, running_kiosk
from helpers import RunningHall

Start = Callable[..., Awaitable[RunningHall]]

REFUSED = (
    "the server refuses the kiosk token (HTTP 401): it was revoked or made for another "
    "server; make a new one (hallq device add NAME --role kiosk), write it alone into the "
    "kiosk's token file (--token-file) and restart the agent"
)


async def until(check: Callable[[], bool], what: str, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    assert check(), what


def paused_for(kiosk: RunningKiosk) -> str | None:
    paused: dict[str, Any] | None = kiosk.kiosk.state()["paused"]
    return paused["reason"] if paused else None


async def touch(kiosk: RunningKiosk, service: str = "social") -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{kiosk.url}local/issue", json={"service": service}) as response,
    ):
        return response.status, json.loads(await response.text())


def kiosk_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name.startswith("kiosk.")
    ]


def backup(db: Path, to: Path) -> Path:
    with sqlite3.connect(db) as source, sqlite3.connect(to) as copy:
        source.backup(copy)
    return to


async def test_a_revoked_token_pauses_the_kiosk_says_it_once_and_a_restored_server_resumes_it(
    start_hall: Start, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    hall = await start_hall()
    token = await hall.device("kiosk-1", "kiosk")
    before_revoking = backup(hall.server.db_path, tmp_path / "backup.db")
    admin = await hall.person("root", "admin")
    folder = tmp_path / "kiosk"
    folder.mkdir()
    async with running_kiosk(hall.url, token, folder) as kiosk:
        await until(lambda: kiosk.kiosk.link.online, "the kiosk reaches the server")
        assert paused_for(kiosk) is None
        status, answer = await hall.call("POST", "/api/v1/devices/kiosk-1/revoke", admin)
        assert status == 200, answer

        # The next touch finds it out: the citizen is told to ask staff, in Chinese.
        status, answer = await touch(kiosk)
        assert status == 503, answer
        assert answer["error"]["code"] == "token_refused"
        assert "请联系工作人员" in answer["error"]["message"]
        assert paused_for(kiosk) == "token"
        paused = kiosk.kiosk.state()["paused"]
        assert paused["text"] == "出票机授权失效"
        assert paused["hint"] == "请联系工作人员处理"

        # More touches, reports and hall refreshes: said once, not at every request.
        for _ in range(3):
            status, answer = await touch(kiosk)
            assert (status, answer["error"]["code"]) == (503, "token_refused")
        kiosk.set_printer("paper_low")
        await asyncio.sleep(1.0)
        assert kiosk_warnings(caplog) == [REFUSED]
        assert paused_for(kiosk) == "token"
        assert kiosk.printed() == []

        # The server restored from a backup made before the revoke: the token is good again.
        port = hall.server.port
        await hall.server.stop()
        await start_hall(db_path=before_revoking, port=port)
        await until(lambda: paused_for(kiosk) is None, "the kiosk resumes by itself", 40)
        status, answer = await touch(kiosk)
        assert status == 201, answer
        assert "the server accepts the kiosk token again" in caplog.text
        assert kiosk_warnings(caplog) == [REFUSED]


async def test_a_kiosk_started_with_a_revoked_token_starts_paused_and_says_why(
    start_hall: Start, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    hall = await start_hall()
    token = await hall.device("kiosk-1", "kiosk")
    await hall.server.accounts.revoke_device("kiosk-1")  # as `hallq device revoke` does
    async with running_kiosk(hall.url, token, tmp_path) as kiosk:
        await until(lambda: paused_for(kiosk) == "token", "the kiosk pauses for its token")
        status, answer = await touch(kiosk)
        assert (status, answer["error"]["code"]) == (503, "token_refused")
    assert kiosk_warnings(caplog) == [REFUSED]
    assert hall.server.service.hall.tickets == {}
