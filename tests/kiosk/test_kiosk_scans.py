"""What the page is told of a scan: a booking found, or why not, in words a citizen reads."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from browser.kiosk_fixtures import running_kiosk
from helpers import RunningHall

Start = Callable[..., Awaitable[RunningHall]]
NOT_FOUND = {"code": "unknown_appointment", "message": "没有找到这个预约, 请核对预约码"}


async def next_scan(queue: asyncio.Queue[dict[str, Any]]) -> dict[str, Any]:
    while True:
        message = await asyncio.wait_for(queue.get(), 10)
        if message["type"] == "appointment":
            return message


@pytest.mark.parametrize(
    "scanned",
    [
        pytest.param("YY0001" * 2000, id="codes-run-together"),  # a scanner sending no Enter
        pytest.param("https://pay.example/qr/" + "x" * 9000, id="another-systems-long-qr"),
        pytest.param("\x1b[2~%$#@!", id="garbage"),
    ],
)
async def test_a_scan_that_is_no_booking_code_is_not_found_in_chinese(
    start_hall: Start, tmp_path: Path, scanned: str
) -> None:
    hall = await start_hall()
    token = await hall.device("kiosk-1", "kiosk")
    async with running_kiosk(hall.url, token, tmp_path) as kiosk:
        queue = kiosk.kiosk.listen()
        kiosk.scan(scanned)
        message = await next_scan(queue)
    assert message["error"] == NOT_FOUND
