"""The kiosk touchscreen's clock shows the server's date and time, never a wrong one of its own."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from helpers import SHANGHAI, FakeClock, RunningHall, small_hall
from playwright.async_api import Page

from .conftest import OpenPage
from .kiosk_fixtures import KIOSK_SCREEN, running_kiosk

pytestmark = pytest.mark.browser

StartHall = Callable[..., Awaitable[RunningHall]]

MONDAY_9AM = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)
# The kiosk's own clock, and so its screen's, after months without power and a clock battery.
A_YEAR_BEFORE = MONDAY_9AM - dt.timedelta(days=365, hours=5)


async def screen_a_year_behind(page: Page) -> None:
    await page.clock.set_system_time(A_YEAR_BEFORE)


async def clock_once_stated(page: Page, until: str | None = None) -> str:
    """The page's clock once the agent's state has reached it (and shows `until`, if given)."""
    for _ in range(250):
        stated, text = await page.evaluate(
            "() => [window.__hallqKiosk.state !== null, document.getElementById('clock').innerText]"
        )
        if stated and (until is None or text == until):
            break
        await asyncio.sleep(0.02)
    return str(text)


async def test_a_kiosk_a_year_behind_shows_the_servers_date_and_time(
    start_hall: StartHall, open_page: OpenPage, tmp_path: Path
) -> None:
    hall = await start_hall(small_hall(open_all_hours=True), clock=FakeClock(MONDAY_9AM))
    token = await hall.device("kiosk-1", "kiosk")
    folder = tmp_path / "devices"
    folder.mkdir()
    own = FakeClock(A_YEAR_BEFORE)
    async with running_kiosk(hall.url, token, folder, now=own) as kiosk:
        page = await open_page(
            kiosk.url, viewport=KIOSK_SCREEN, mobile=True, prepare=screen_a_year_behind
        )
        # The server's time comes with the agent's first hall read.
        assert await clock_once_stated(page, "11月23日 09:00") == "11月23日 09:00"


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_a_kiosk_that_never_reached_the_server_shows_no_date(
    open_page: OpenPage, tmp_path: Path
) -> None:
    folder = tmp_path / "devices"
    folder.mkdir()
    url = f"http://127.0.0.1:{unused_port()}"
    async with running_kiosk(url, "token", folder, now=FakeClock(A_YEAR_BEFORE)) as kiosk:
        page = await open_page(
            kiosk.url, viewport=KIOSK_SCREEN, mobile=True, prepare=screen_a_year_behind
        )
        assert await clock_once_stated(page) == ""
