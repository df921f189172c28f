"""The public hall view: what a kiosk needs of the hall's rules to print on a ticket."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from helpers import RunningHall, small_hall

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
