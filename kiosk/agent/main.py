"""`hallq kiosk`: build the kiosk from its config and flags, serve the page, run until stopped."""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import AsyncIterable
from pathlib import Path
from typing import Any

from kiosk.agent.app import make_app
from kiosk.agent.desk import TicketDesk
from kiosk.agent.errors import SettingsError
from kiosk.agent.ledger import Ledger
from kiosk.agent.link import ServerLink
from kiosk.agent.runtime import DeviceOpener, Kiosk
from kiosk.agent.settings import KioskSettings
from kiosk.agent.start import read_start
from kiosk.local_page import PortUnavailable, serve
from kiosk.running import run_until, stop_on_signals, watch_hotplug
from kiosk.ticket.encode import encode_ticket


def _devices(
    settings: KioskSettings, fake: Path | None
) -> tuple[Any, DeviceOpener | None, DeviceOpener | None]:
    """The printer and openers for the scanner and the card reader, real or fake."""
    if fake is not None:
        from drivers.idcard.fake import FileIdCardReader
        from drivers.printer.fake import FakePrinter
        from drivers.scanner.file import FileScanner

        scanner, reader = FileScanner(fake), FileIdCardReader(fake)
        return FakePrinter(fake), lambda: scanner, lambda: reader
    from drivers.printer.escpos import make_printer

    assert settings.printer is not None, "read_start refuses a kiosk without a printer"
    open_scanner = open_reader = None
    if settings.scanner is not None:
        from drivers.scanner.keyboard import EvdevScanner

        selector = settings.scanner

        def open_scanner() -> AsyncIterable[Any]:
            return EvdevScanner.open(selector)

    if settings.card_reader is not None:
        from drivers.idcard.keyboard import KeyboardIdCardReader

        card_selector = settings.card_reader

        def open_reader() -> AsyncIterable[Any]:
            return KeyboardIdCardReader.open(card_selector)

    return make_printer(settings.printer), open_scanner, open_reader


async def run(args: argparse.Namespace) -> int:
    try:
        start = read_start(args)
    except SettingsError as exc:
        print(f"hallq kiosk: {exc}", file=sys.stderr)
        return 1
    settings = start.settings
    printer, open_scanner, open_reader = _devices(settings, start.fake)
    try:
        async with ServerLink(start.server, start.token) as link:
            desk = TicketDesk(
                link,
                printer,
                settings.layout,
                functools.partial(encode_ticket, profile=start.profile),
                Ledger(start.state_dir / "unprinted.json"),
                policy=settings.unprinted,
                trust_unknown=settings.trust_unknown_printer,
                phone_url=settings.phone_url,
                missed_rule=settings.missed_rule,
            )
            kiosk = Kiosk(
                link,
                desk,
                open_scanner=open_scanner,
                open_card_reader=open_reader,
            )
            try:
                runner = await serve(
                    make_app(kiosk),
                    start.port,
                    page="touchscreen page",
                    port_setting="[kiosk] port or --port",
                )
            except PortUnavailable as exc:
                print(f"hallq kiosk: {exc}", file=sys.stderr)
                return 1
            print(
                f"hallq kiosk: touchscreen page on http://127.0.0.1:{start.port}/ for "
                f"{start.server}",
                flush=True,
            )
            stop = stop_on_signals()
            watcher = await watch_hotplug(kiosk.rescan)
            try:
                return await run_until(stop, kiosk.run(), "hallq-kiosk")
            finally:
                await watcher.stop()
                await runner.cleanup()
    finally:
        await printer.close()
