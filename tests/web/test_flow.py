"""A clerk's morning through the real HTTP API: issue, open, call, serve, finish."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from helpers import RunningHall


async def test_issue_call_start_finish(start_hall: Callable[..., Awaitable[RunningHall]]) -> None:
    hall = await start_hall()
    kiosk = await hall.device("kiosk-1", "kiosk")
    clerk = await hall.person("wang", "clerk")
    status, issued = await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})
    assert status == 201, issued
    assert issued["ticket"]["number"] == "A001"
    assert issued["ticket"]["state"] == "waiting"
    assert (issued["ahead"], issued["eta_minutes"]) == (0, 0.0)
    status, second = await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})
    assert (second["ticket"]["number"], second["ahead"]) == ("A002", 1)

    assert (await hall.call("POST", "/api/v1/windows/1/open", clerk))[0] == 200
    status, called = await hall.call("POST", "/api/v1/windows/1/call-next", clerk)
    assert status == 200
    assert called["ticket"]["number"] == "A001"
    assert called["ticket"]["state"] == "called"
    assert called["ticket"]["window"] == "1"
    status, started = await hall.call("POST", "/api/v1/windows/1/start", clerk)
    assert started["ticket"]["state"] == "serving"
    status, finished = await hall.call("POST", "/api/v1/windows/1/finish", clerk)
    assert finished["ticket"]["state"] == "done"
    assert finished["window"]["state"] == "idle"

    status, seen = await hall.call("GET", f"/api/v1/tickets/{second['ticket']['id']}")
    assert status == 200 and seen["ahead"] == 0
