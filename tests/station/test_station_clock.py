"""The station times ratings by the server's time: a Raspberry Pi without a clock battery may be
months off after a power cut, and the citizen must still be offered the rating (好差评), for as
long as the hall gives and no longer."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from helpers import SHANGHAI, FakeClock, RunningHall, small_hall

from drivers.input.fake import FakeSource
from drivers.input.presses import GrabbedKeys
from kiosk.agent.link import ServerLink
from kiosk.agent.link_errors import IssueRefused
from kiosk.station.keys import key_code
from kiosk.station.runtime import Station
from kiosk.station.settings import KeyPadSettings
from queue_server.domain.ratings import Channel

StartHall = Callable[..., Awaitable[RunningHall]]
WINDOW = "1"
MONDAY_9AM = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)
A_YEAR = dt.timedelta(days=365)
RATINGS = "/api/v1/ratings?from=2026-11-22&to=2026-11-24"


class Monotonic:
    """The monotonic clock the server's time goes on by, moved by the test."""

    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


class Pad:
    """A running station whose own clock is `own` off, at a hall whose clock stands still at
    Monday 9:00: only the station's monotonic clock moves the hall's time on."""

    def __init__(self, hall: RunningHall, station: Station, ticks: Monotonic) -> None:
        self.hall = hall
        self.station = station
        self.ticks = ticks
        self.key_pad = FakeSource()
        self.clerk = ""
        self.manager = ""

    def later(self, seconds: float) -> None:
        self.ticks.value += seconds
        self.station.changed()

    async def finish_one(self) -> None:
        """A citizen served and finished at the window: its rating opens."""
        kiosk = await self.hall.device("kiosk-1", "kiosk")
        status, answer = await self.hall.call(
            "POST", "/api/v1/tickets", kiosk, {"service": "social"}
        )
        assert status == 201, answer
        for action in ("call-next", "finish"):
            status, answer = await self.hall.call(
                "POST", f"/api/v1/windows/{WINDOW}/{action}", self.clerk
            )
            assert status == 200, answer
        await until(lambda: self.station.watch.rating is not None, "the station sees the rating")

    async def ratings(self) -> list[dict[str, Any]]:
        status, answer = await self.hall.call("GET", RATINGS, self.manager)
        assert status == 200, answer
        return list(answer["ratings"])

    async def devices(self) -> list[dict[str, Any]]:
        status, answer = await self.hall.call("GET", "/api/v1/devices", self.manager)
        assert status == 200, answer
        return list(answer["devices"])


async def until(check: Callable[[], bool], what: str) -> None:
    for _ in range(200):
        if check():
            return
        await asyncio.sleep(0.02)
    assert check(), what


@contextlib.asynccontextmanager
async def pad_off_by(start_hall: StartHall, own: dt.timedelta) -> AsyncIterator[Pad]:
    hall = await start_hall(small_hall(open_all_hours=True), clock=FakeClock(MONDAY_9AM))
    clerk = await hall.clerk_at(WINDOW, "wang", "王芳", "0107")
    manager = await hall.person("boss", "manager")
    station_token = await hall.device("w1-station", "station", WINDOW)
    pad_token = await hall.device("w1-pad", "pad", WINDOW)
    ticks = Monotonic()
    async with (
        ServerLink(hall.url, station_token) as station_link,
        ServerLink(hall.url, pad_token) as pad_link,
    ):
        station = Station(
            WINDOW,
            station_link=station_link,
            pad_link=pad_link,
            key_pad=KeyPadSettings(),
            now=lambda: MONDAY_9AM + own,
            clock_monotonic=ticks,
        )
        pad = Pad(hall, station, ticks)
        pad.clerk, pad.manager = clerk, manager
        station.open_key_pad = lambda: GrabbedKeys(pad.key_pad)
        running = asyncio.create_task(station.run())
        try:
            await until(lambda: station.online and station.clock.now() is not None, "online")
            yield pad
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running


def seconds_left(station: Station) -> int | None:
    rating = station.state()["rating"]
    return None if rating is None else int(rating["seconds_left"])


async def test_a_pad_a_year_ahead_offers_the_rating_and_counts_down_the_servers_seconds(
    start_hall: StartHall,
) -> None:
    async with pad_off_by(start_hall, A_YEAR) as pad:
        await pad.finish_one()
        assert pad.station.open_rating() is not None
        assert seconds_left(pad.station) == 60  # the hall's touch_pad_seconds
        pad.later(50)
        assert seconds_left(pad.station) == 10
        answer = await pad.station.rate(4, [], None)
        assert answer["rating"]["level"] == 4
        [rating] = await pad.ratings()
        assert (rating["level"], rating["channel"]) == (4, Channel.HALL_TABLET)


async def test_a_key_pad_a_year_ahead_takes_its_press(start_hall: StartHall) -> None:
    async with pad_off_by(start_hall, A_YEAR) as pad:
        await pad.finish_one()
        pad.later(9)  # within the hall's key_pad_seconds (10)
        await pad.station.rating_key(key_code("KEY_1"))
        [rating] = await pad.ratings()
        assert (rating["level"], rating["channel"]) == (5, Channel.HALL_TERMINAL)


async def test_a_pad_a_year_behind_closes_the_rating_on_time(start_hall: StartHall) -> None:
    async with pad_off_by(start_hall, -A_YEAR) as pad:
        await pad.finish_one()
        assert seconds_left(pad.station) == 60
        pad.later(11)  # the key pad's time is over: a press is not sent
        await pad.station.rating_key(key_code("KEY_1"))
        pad.later(50)  # and the touch pad's: 61 s after it opened
        assert pad.station.open_rating() is None
        assert pad.station.state()["rating"] is None
        with pytest.raises(IssueRefused) as refused:
            await pad.station.rate(4, [], None)
        assert refused.value.code == "rating_closed"
        # The hall's own clock stands still, so the server would still have taken either.
        assert await pad.ratings() == []


async def test_the_managers_hear_of_a_station_clock_a_year_off(
    start_hall: StartHall, caplog: pytest.LogCaptureFixture
) -> None:
    async with pad_off_by(start_hall, -A_YEAR) as pad:
        found: list[dict[str, Any]] = []
        for _ in range(200):
            found = [d for d in await pad.devices() if d["component"] == "clock"]
            if found:
                break
            await asyncio.sleep(0.02)
        [report] = found
        assert report["device"] == "device:w1-station" and report["condition"] == "off"
        assert "365 天" in str(report["detail"]) and "慢" in str(report["detail"])
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("station's own clock is 365 days behind" in s for s in said), said


async def test_before_the_server_says_its_time_a_rating_runs_from_when_the_station_hears_it() -> (
    None
):
    """A server older than the station sends no time: the rating is timed by the hall's own
    length of it (touch_until - opened_at) from the moment its message arrives, never by the
    station's own clock (here a year ahead)."""
    ticks = Monotonic()
    station = Station(
        WINDOW,
        station_link=None,
        pad_link=ServerLink("http://127.0.0.1:9", "token"),
        key_pad=KeyPadSettings(),
        now=lambda: MONDAY_9AM + A_YEAR,
        clock_monotonic=ticks,
    )
    rating = {
        "ticket": "t1",
        "number": "A001",
        "service": "social",
        "opened_at": MONDAY_9AM.isoformat(),
        "key_until": (MONDAY_9AM + dt.timedelta(seconds=10)).isoformat(),
        "touch_until": (MONDAY_9AM + dt.timedelta(seconds=60)).isoformat(),
    }
    window = {"id": WINDOW, "state": "idle", "rating": rating}
    ticks.value += 500  # the station has run a while
    station.stream.on_message({"type": "rating.opened", "seq": 5, "window": window})
    assert station.clock.now() is None
    assert seconds_left(station) == 60
    ticks.value += 59
    assert seconds_left(station) == 1
    ticks.value += 1
    assert station.open_rating() is None
