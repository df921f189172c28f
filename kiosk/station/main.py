"""`hallq station`: build the station from its config, serve the pad page, run until stopped."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from kiosk.agent.link import ServerLink
from kiosk.config_checks import server_problem
from kiosk.local_page import PortUnavailable, serve
from kiosk.running import run_until, stop_on_signals, watch_hotplug
from kiosk.station.app import make_app
from kiosk.station.errors import SettingsError, StationError
from kiosk.station.runtime import KeyOpener, Station
from kiosk.station.settings import StationSettings

KEYPAD_FILE = "keypad.in"
KEY_PAD_FILE = "key_pad.in"


def openers(
    settings: StationSettings, fake: Path | None
) -> tuple[KeyOpener | None, KeyOpener | None]:
    """The keypad's and the key pad's openers: grabbed evdev devices, or files in `fake`."""
    if fake is not None:
        from drivers.input.presses import FileKeys

        fake.mkdir(parents=True, exist_ok=True)
        # Made now, so only words appended from here on are presses (and none is lost between
        # two openings).
        keypad, key_pad = FileKeys(fake / KEYPAD_FILE), FileKeys(fake / KEY_PAD_FILE)
        return _once(keypad), _once(key_pad)
    from drivers.input.presses import GrabbedKeys

    if unnamed := settings.unnamed_devices(fake=False):
        raise SettingsError(unnamed)
    found: list[KeyOpener | None] = []
    for part in (settings.keypad, settings.key_pad):
        if part is None or part.device is None:
            found.append(None)
            continue
        selector = part.device

        def open_(selector: str = selector) -> GrabbedKeys:
            return GrabbedKeys.open(selector)

        found.append(open_)
    return found[0], found[1]


def _once(source: Any) -> KeyOpener:
    """A file fake is one endless device: opening it again goes on reading the same file."""

    async def presses() -> AsyncIterator[int]:
        async for code in source:
            yield code

    return presses


def _read_tokens_and_check_devices(
    settings: StationSettings, fake: Path | None
) -> tuple[str | None, str | None]:
    """The tokens; SettingsError lists every problem only a start finds, at once: token files
    that cannot be read and keypads left without a device."""
    unnamed = settings.unnamed_devices(fake=fake is not None)
    try:
        tokens = settings.tokens()
    except SettingsError as exc:
        raise SettingsError(exc.problems + unnamed) from exc
    if unnamed:
        raise SettingsError(unnamed)
    return tokens


@contextlib.asynccontextmanager
async def _link(server: str, token: str | None) -> AsyncIterator[ServerLink | None]:
    if token is None:
        yield None
        return
    async with ServerLink(server, token) as link:
        yield link


async def run(args: argparse.Namespace) -> int:
    try:
        settings = StationSettings.load(Path(args.config))
        if args.server:
            if problem := server_problem(args.server):
                raise StationError(f"--server: {problem}")
            settings = dataclasses.replace(settings, server=args.server)
        fake_dir = args.fake_devices or settings.fake_devices
        fake = Path(fake_dir) if fake_dir else None
        station_token, pad_token = _read_tokens_and_check_devices(settings, fake)
        open_keypad, open_key_pad = openers(settings, fake)
    except (StationError, OSError) as exc:
        print(f"hallq station: {exc}", file=sys.stderr)
        return 1
    port = args.port or settings.port
    async with (
        _link(settings.server, station_token) as station_link,
        _link(settings.server, pad_token) as pad_link,
    ):
        station = Station(
            settings.window,
            station_link=station_link,
            pad_link=pad_link,
            keypad=settings.keypad,
            key_pad=settings.key_pad,
            open_keypad=open_keypad,
            open_key_pad=open_key_pad,
            voice=settings.voice,
        )
        runner = None
        if settings.touch_pad:
            try:
                runner = await serve(
                    make_app(station, pad_token or station_token),
                    port,
                    page="pad page",
                    port_setting="[touch_pad] port or --port",
                )
            except PortUnavailable as exc:
                print(f"hallq station: {exc}", file=sys.stderr)
                return 1
            print(f"hallq station: rating pad page on http://127.0.0.1:{port}/", flush=True)
        print(f"hallq station: window {settings.window} of {settings.server}", flush=True)
        stop = stop_on_signals()
        watcher = (
            await watch_hotplug(station.rescan, subsystems=("input",)) if fake is None else None
        )
        try:
            return await run_until(stop, station.run(), "hallq-station")
        finally:
            if watcher is not None:
                await watcher.stop()
            if runner is not None:
                await runner.cleanup()
