"""A database that fails under a request (corrupt pages, a disk gone or made read-only) is
the hall's trouble: the client gets 503 `unavailable` in the API's error shape, never a 500,
and the log says it once, without a traceback."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Awaitable, Callable

import pytest
from helpers import RunningHall

StartHall = Callable[..., Awaitable[RunningHall]]


async def test_a_database_failing_under_a_request_is_a_503(
    start_hall: StartHall, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    hall = await start_hall()
    kiosk = await hall.device("kiosk-1", "kiosk")

    async def malformed(token: str) -> None:
        raise sqlite3.DatabaseError("database disk image is malformed")

    monkeypatch.setattr(hall.server.accounts, "authenticate", malformed)
    caplog.set_level(logging.INFO)
    async with hall.http.post(
        f"{hall.url}/api/v1/tickets",
        json={"service": "social"},
        headers={"Authorization": f"Bearer {kiosk}"},
    ) as response:
        status, answer = response.status, await response.json()
    assert status == 503
    assert answer["error"]["code"] == "unavailable"
    assert "数据库暂时不可用" in answer["error"]["message"]
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.exc_info for r in failures] == [None]
    assert "database disk image is malformed" in failures[0].getMessage()
    assert hall.server.service.last_seq == 0
