"""A real kiosk agent in-process with fake devices in a folder, pointed at a running hall."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from drivers.idcard.fake import FileIdCardReader
from drivers.printer.fake import STATE_FILE, FakePrinter
from drivers.scanner.file import FileScanner
from kiosk.agent.app import make_app
from kiosk.agent.desk import TicketDesk, UnprintedPolicy
from kiosk.agent.ledger import Ledger
from kiosk.agent.link import ServerLink
from kiosk.agent.runtime import Kiosk
from kiosk.ticket.encode import encode_ticket
from kiosk.ticket.layout import TicketLayout

# A portrait kiosk screen, as most hall kiosks stand.
KIOSK_SCREEN = {"width": 1080, "height": 1920}


@dataclass
class RunningKiosk:
    """The agent, its page's URL and the folder its fake devices are steered through."""

    url: str
    folder: Path
    kiosk: Kiosk

    def set_printer(self, condition: str) -> None:
        """Write printer.state, then tell the agent a device changed (as udev would) so the
        test does not wait for the next printer poll."""
        (self.folder / STATE_FILE).write_text(condition + "\n", encoding="utf-8")
        self.kiosk.rescan()

    def scan(self, text: str) -> None:
        with (self.folder / "scanner.in").open("a", encoding="utf-8") as scanner:
            scanner.write(text + "\n")

    def place_card(self, name: str, id_number: str) -> None:
        with (self.folder / "idcard.in").open("a", encoding="utf-8") as reader:
            reader.write(f"{name},{id_number}\n")

    def printed(self) -> list[bytes]:
        """Every whole job the fake printer got, in order."""
        jobs = sorted(self.folder.glob("print-*.bin"), key=lambda p: int(p.stem.split("-")[1]))
        return [job.read_bytes() for job in jobs]

    @property
    def unprinted(self) -> int:
        return len(self.kiosk.desk.ledger)


@contextlib.asynccontextmanager
async def running_kiosk(
    server_url: str,
    token: str,
    folder: Path,
    *,
    policy: UnprintedPolicy = UnprintedPolicy.REPRINT,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> AsyncIterator[RunningKiosk]:
    """Built as `hallq kiosk --fake-devices folder` builds it, on 127.0.0.1 and a free port.

    `folder` must exist.
    """
    printer = FakePrinter(folder)
    # Made now, so that only lines appended from here on are scans and cards.
    scanner, reader = FileScanner(folder), FileIdCardReader(folder)
    async with ServerLink(server_url, token) as link:
        ledger = Ledger(folder / "unprinted.json")
        desk = TicketDesk(link, printer, TicketLayout(), encode_ticket, ledger, policy=policy)
        kiosk = Kiosk(
            link,
            desk,
            open_scanner=lambda: scanner,
            open_card_reader=lambda: reader,
            now=now,
        )
        runner = web.AppRunner(make_app(kiosk), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        running = asyncio.create_task(kiosk.run(), name="test-kiosk")
        try:
            yield RunningKiosk(f"http://{host}:{port}/", folder, kiosk)
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
            scanner.close()
            reader.close()
            await runner.cleanup()
