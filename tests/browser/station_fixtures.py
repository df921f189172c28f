"""A real station agent in-process with fake keypads in a folder, pointed at a running hall."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from kiosk.agent.link import ServerLink
from kiosk.station.app import make_app
from kiosk.station.main import KEY_PAD_FILE, KEYPAD_FILE, openers
from kiosk.station.runtime import Station
from kiosk.station.settings import KeyPadSettings, KeypadSettings, StationSettings

# The usual small pad screen facing the citizen.
PAD_SCREEN = {"width": 1024, "height": 600}


@dataclass
class Clocks:
    """The agent's own wall clock, `own_off` off (a Pi without a clock battery), and the
    monotonic clock its server time goes on by, which a test moves on (to run a rating's
    touch time out)."""

    own_off: dt.timedelta = field(default_factory=dt.timedelta)
    moved: float = 0.0

    def own(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.own_off

    def monotonic(self) -> float:
        return time.monotonic() + self.moved


@dataclass
class RunningStation:
    """The agent, its pad page's URL and the folder its fake keypads are steered through."""

    url: str
    folder: Path
    station: Station
    clocks: Clocks

    def keypad(self, *keys: str) -> None:
        """Press keys on the caller keypad: `keypad("KEY_KPPLUS")` is 呼叫."""
        with (self.folder / KEYPAD_FILE).open("a", encoding="utf-8") as keypad:
            keypad.write(" ".join(keys) + "\n")

    def key_pad(self, *keys: str) -> None:
        with (self.folder / KEY_PAD_FILE).open("a", encoding="utf-8") as key_pad:
            key_pad.write(" ".join(keys) + "\n")

    def later(self, seconds: float) -> None:
        """Move the hall's time on for the agent and let it look again at the open rating."""
        self.clocks.moved += seconds
        self.station.changed()


@contextlib.asynccontextmanager
async def running_station(
    server_url: str,
    window: str,
    station_token: str,
    pad_token: str,
    folder: Path,
    own_off: dt.timedelta = dt.timedelta(),
) -> AsyncIterator[RunningStation]:
    """Built as `hallq station --fake-devices folder` builds it, on 127.0.0.1 and a free port;
    its own clock `own_off` off."""
    settings = StationSettings(
        server=server_url,
        window=window,
        station_token=station_token,
        pad_token=pad_token,
        keypad=KeypadSettings(),
        key_pad=KeyPadSettings(),
    )
    open_keypad, open_key_pad = openers(settings, folder)
    clocks = Clocks(own_off)
    async with (
        ServerLink(server_url, station_token) as station_link,
        ServerLink(server_url, pad_token) as pad_link,
    ):
        station = Station(
            window,
            station_link=station_link,
            pad_link=pad_link,
            keypad=settings.keypad,
            key_pad=settings.key_pad,
            open_keypad=open_keypad,
            open_key_pad=open_key_pad,
            now=clocks.own,
            clock_monotonic=clocks.monotonic,
        )
        runner = web.AppRunner(make_app(station, pad_token), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        running = asyncio.create_task(station.run(), name="test-station")
        try:
            yield RunningStation(f"http://{host}:{port}/", folder, station, clocks)
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
            await runner.cleanup()
