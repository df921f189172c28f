"""A wall clock stepped forward and back: hall time never goes backwards, the day stays right."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable

import pytest
from helpers import SHANGHAI, FakeClock, RunningHall, small_hall

from queue_server import service as service_module
from queue_server.clock import NeverBackwards

STEP_WAIT_SECONDS = 10.0


def test_a_step_back_holds_hall_time_until_the_clock_catches_up(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    hall_time = NeverBackwards(clock)
    first = hall_time()
    clock.advance(minutes=-10)
    with caplog.at_level(logging.WARNING, logger="queue_server.clock"):
        assert hall_time() == first
        clock.advance(minutes=5)
        assert hall_time() == first  # still behind: held, and not warned again
        assert hall_time.holding
    assert [r.getMessage()[:31] for r in caplog.records] == ["the system clock went back 600."]
    clock.advance(minutes=6)
    assert hall_time() == first + dt.timedelta(minutes=1)
    assert not hall_time.holding


def test_a_step_forward_is_taken_at_once(clock: FakeClock) -> None:
    hall_time = NeverBackwards(clock)
    hall_time()
    clock.advance(hours=3)
    assert hall_time() == clock.now


def test_held_time_keeps_the_wall_clocks_zone(clock: FakeClock) -> None:
    hall_time = NeverBackwards(clock)
    hall_time()
    clock.now = clock.now.astimezone(dt.UTC) - dt.timedelta(seconds=1)
    assert hall_time().tzinfo is dt.UTC


async def issue(hall: RunningHall, token: str, key: str) -> dict[str, object]:
    status, answer = await hall.call(
        "POST", "/api/v1/tickets", token, {"service": "social", "idempotency_key": key}
    )
    assert status == 201, answer
    ticket: dict[str, object] = answer["ticket"]
    return ticket


async def test_a_clock_stepped_back_never_journals_time_backwards(
    start_hall: Callable[..., Awaitable[RunningHall]], clock: FakeClock
) -> None:
    clock.now = dt.datetime(2026, 11, 23, 23, 59, 50, tzinfo=SHANGHAI)
    hall = await start_hall(clock=clock)
    kiosk = await hall.device("kiosk", "kiosk")
    station = await hall.device("station-1", "station", "1")
    assert (await hall.call("POST", "/api/v1/windows/1/open", station))[0] == 200
    clock.advance(seconds=20)  # past midnight: Tuesday's first ticket
    tuesday = await issue(hall, kiosk, "after-midnight")
    assert tuesday["number"] == "A001"
    clock.advance(minutes=-5)  # NTP puts the clock back to Monday 23:55
    held = await issue(hall, kiosk, "during-the-step-back")
    assert held["number"] == "A002", "the business day went back to Monday"
    assert held["issued_at"] == tuesday["issued_at"]
    status, called = await hall.call("POST", "/api/v1/windows/1/call-next", station)
    assert status == 200
    assert called["ticket"]["called_at"] >= called["ticket"]["issued_at"]
    recorded = [stored.recorded_at for stored in await hall.server.journal.read()]
    assert recorded == sorted(recorded)


async def test_a_clock_stepped_forward_clears_the_queue_at_once(
    start_hall: Callable[..., Awaitable[RunningHall]],
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The clearing timer sleeps on the monotonic clock, in short stretches: a wall clock
    # stepped past the clearing time is noticed without waiting out the old sleep.
    monkeypatch.setattr(service_module, "CLOCK_CHECK_SECONDS", 0.05)
    clock.now = dt.datetime(2026, 11, 23, 16, 50, tzinfo=SHANGHAI)
    hall = await start_hall(small_hall(), clock=clock)  # clears at 17:30
    kiosk = await hall.device("kiosk", "kiosk")
    status, answer = await hall.call(
        "POST", "/api/v1/tickets", kiosk, {"service": "social", "idempotency_key": "late"}
    )
    assert status == 201, answer
    ticket_id = answer["ticket"]["id"]
    clock.advance(hours=1)  # 17:50: the clearing time has passed
    async with asyncio.timeout(STEP_WAIT_SECONDS):
        while True:
            status, answer = await hall.call("GET", f"/api/v1/tickets/{ticket_id}")
            if answer["ticket"]["state"] != "waiting":
                break
            await asyncio.sleep(0.02)
    assert answer["ticket"]["state"] == "abandoned"
