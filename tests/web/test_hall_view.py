"""The public hall view: what a kiosk needs of the hall's rules to print on a ticket."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from helpers import FakeClock, RunningHall, small_hall

from queue_server.domain.hall import MissedPolicy, Policy


async def test_the_hall_view_says_how_many_places_a_missed_ticket_goes_back(
    start_hall: Callable[..., Awaitable[RunningHall]],
) -> None:
    policy = Policy(missed=MissedPolicy.AFTER_N, missed_after_places=5)
    hall = await start_hall(small_hall(policy=policy, open_all_hours=True))
    status, view = await hall.call("GET", "/api/v1/hall")
    assert status == 200, view
    assert (view["hall"]["missed_policy"], view["hall"]["missed_after_places"]) == ("after_n", 5)


async def test_the_hall_view_says_how_often_a_missed_ticket_goes_back_before_it_is_void(
    start_hall: Callable[..., Awaitable[RunningHall]],
) -> None:
    policy = Policy(missed=MissedPolicy.BACK, missed_requeue_limit=2)
    hall = await start_hall(small_hall(policy=policy, open_all_hours=True))
    status, view = await hall.call("GET", "/api/v1/hall")
    assert status == 200, view
    assert view["hall"]["missed_requeue_limit"] == 2


async def test_the_hall_view_carries_the_servers_time_in_the_halls_zone(
    start_hall: Callable[..., Awaitable[RunningHall]],
) -> None:
    # A kiosk without a clock battery goes by this, not by its own clock.
    clock = FakeClock(dt.datetime(2026, 11, 23, 1, 2, 3, tzinfo=dt.UTC))
    hall = await start_hall(small_hall(open_all_hours=True), clock=clock)
    status, view = await hall.call("GET", "/api/v1/hall")
    assert status == 200, view
    assert view["now"] == "2026-11-23T09:02:03+08:00"
    clock.advance(minutes=5)
    _, view = await hall.call("GET", "/api/v1/hall")
    assert view["now"] == "2026-11-23T09:07:03+08:00"
