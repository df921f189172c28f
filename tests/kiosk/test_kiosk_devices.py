"""The kiosk tells its page (and whoever checks /local/state) which devices are plugged in."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from pathlib import Path

from helpers import RunningHall

from drivers.idcard.fake import FakeIdCardReader
from drivers.printer.fake import FakePrinter
from drivers.scanner.fake import FakeScanner
from kiosk.agent.desk import TicketDesk
from kiosk.agent.ledger import Ledger
from kiosk.agent.link import ServerLink
from kiosk.agent.runtime import Kiosk
from kiosk.ticket.encode import encode_ticket
from kiosk.ticket.layout import TicketLayout

Start = Callable[..., Awaitable[RunningHall]]


async def soon(done: Callable[[], bool]) -> bool:
    for _ in range(250):
        if done():
            return True
        await asyncio.sleep(0.02)
    return done()


async def test_a_device_plugged_in_counts_before_its_first_read(
    start_hall: Start, tmp_path: Path
) -> None:
    hall = await start_hall()
    scanners = [FakeScanner("scanner 1"), FakeScanner("scanner 2")]
    reader = FakeIdCardReader()
    token = await hall.device("kiosk-1", "kiosk")
    async with ServerLink(hall.url, token) as link:
        desk = TicketDesk(
            link, FakePrinter(), TicketLayout(), encode_ticket, Ledger(tmp_path / "u.json")
        )
        kiosk = Kiosk(link, desk, open_scanner=lambda: scanners[0], open_card_reader=lambda: reader)
        running = asyncio.create_task(kiosk.run())
        try:
            # Plugged in and idle: nobody has scanned or placed a card yet.
            both = {"scanner": True, "card_reader": True}
            assert await soon(lambda: kiosk.state()["devices"] == both)
            scanners[0].unplug()
            assert await soon(lambda: kiosk.state()["devices"]["scanner"] is False)
            scanners.pop(0)  # another scanner plugged in: found again, before any scan
            kiosk.rescan()
            assert await soon(lambda: kiosk.state()["devices"]["scanner"] is True)
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running


async def reported(hall: RunningHall, manager: str) -> dict[str, str]:
    _, listed = await hall.call("GET", "/api/v1/devices", manager)
    return {d["component"]: d["condition"] for d in listed["devices"]}


async def test_the_managers_hear_of_a_scanner_or_reader_gone_and_back(
    start_hall: Start, tmp_path: Path
) -> None:
    hall = await start_hall()
    manager = await hall.person("li", "manager")
    scanner, reader = FakeScanner("scanner"), FakeIdCardReader()
    # A printer whose error message is longer than the server takes as a detail.
    (tmp_path / "printer.state").write_text("jammed " * 40, encoding="utf-8")
    token = await hall.device("kiosk-1", "kiosk")
    async with ServerLink(hall.url, token) as link:
        desk = TicketDesk(link, FakePrinter(tmp_path), TicketLayout(), encode_ticket, Ledger(None))
        kiosk = Kiosk(link, desk, open_scanner=lambda: scanner, open_card_reader=lambda: reader)
        running = asyncio.create_task(kiosk.run())
        try:
            everything = {"printer": "unknown", "scanner": "ok", "card_reader": "ok"}
            assert await soon_async(lambda: reported(hall, manager), everything)
            scanner.unplug()
            kiosk.rescan()
            gone = {**everything, "scanner": "offline"}
            assert await soon_async(lambda: reported(hall, manager), gone)
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running


async def soon_async(
    ask: Callable[[], Awaitable[dict[str, str]]], expected: dict[str, str]
) -> bool:
    for _ in range(750):  # the first report waits for the kiosk's next look (every 5 s)
        if await ask() == expected:
            return True
        await asyncio.sleep(0.02)
    return await ask() == expected
