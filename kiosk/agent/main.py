"""`hallq kiosk`: build the kiosk from its config and flags, serve the page, run until stopped."""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import AsyncIterable
from pathlib import Path
from typing import Any

from kiosk.agent.app import make_app
from kiosk.agent.desk import TicketDesk
from kiosk.agent.errors import KioskError
from kiosk.agent.ledger import Ledger
from kiosk.agent.link import ServerLink
from kiosk.agent.runtime import DeviceOpener, Kiosk
from kiosk.agent.settings import KioskSettings
from kiosk.local_page import serve
from kiosk.running import run_until, stop_on_signals, watch_hotplug


def _token(args: argparse.Namespace) -> str | None:
    if args.token:
        return str(args.token)
    path = args.token_file or os.environ.get("HALLQ_KIOSK_TOKEN_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get("HALLQ_KIOSK_TOKEN")


def _devices(
    settings: KioskSettings, fake: Path | None
) -> tuple[Any, DeviceOpener | None, DeviceOpener | None]:
    """The printer and openers for the scanner and the card reader, real or fake."""
    if fake is not None:
        from drivers.idcard.fake import FileIdCardReader
        from drivers.printer.fake import FakePrinter
        from drivers.scanner.file import FileScanner

        fake.mkdir(parents=True, exist_ok=True)
        scanner, reader = FileScanner(fake), FileIdCardReader(fake)
        return FakePrinter(fake), lambda: scanner, lambda: reader
    from drivers.printer.escpos import make_printer

    if settings.printer is None:
        raise KioskError("the kiosk config has no [printer] table (or use --fake-devices DIR)")
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
        settings = KioskSettings.load(Path(args.config)) if args.config else KioskSettings()
        server = args.server or settings.server
        token = _token(args)
        if not server or not token:
            print(
                "hallq kiosk: give --server URL (or [kiosk] server) and --token TOKEN "
                "(or --token-file FILE)",
                file=sys.stderr,
            )
            return 2
        fake = Path(args.fake_devices) if args.fake_devices else None
        printer, open_scanner, open_reader = _devices(settings, fake)
    except (KioskError, OSError) as exc:
        print(f"hallq kiosk: {exc}", file=sys.stderr)
        return 1
    from kiosk.ticket.encode import DEFAULT_PROFILE, check_printable, encode_ticket
    from kiosk.ticket.layout import TicketError

    # Raster width and cutter come from the printer's profile.
    profile = settings.printer.profile if settings.printer is not None else DEFAULT_PROFILE
    try:
        check_printable(settings.layout, profile)
    except TicketError as exc:
        print(f"hallq kiosk: the [ticket] layout cannot be printed: {exc}", file=sys.stderr)
        return 1
    encode_ticket = functools.partial(encode_ticket, profile=profile)

    state_dir = settings.state_dir or (fake if fake is not None else Path("var/kiosk"))
    state_dir.mkdir(parents=True, exist_ok=True)
    port = args.port or settings.port
    async with ServerLink(server, token) as link:
        desk = TicketDesk(
            link,
            printer,
            settings.layout,
            encode_ticket,
            Ledger(state_dir / "unprinted.json"),
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
        runner = await serve(make_app(kiosk), port)
        print(f"hallq kiosk: touchscreen page on http://127.0.0.1:{port}/ for {server}", flush=True)
        stop = stop_on_signals()
        watcher = await watch_hotplug(kiosk.rescan)
        try:
            await run_until(stop, kiosk.run(), "hallq-kiosk")
        finally:
            await watcher.stop()
            await printer.close()
            await runner.cleanup()
    return 0
