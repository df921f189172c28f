"""Device health: a kiosk reports its printer; managers see it live; the public never does."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from helpers import RunningHall


async def next_message(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    message = await asyncio.wait_for(ws.receive(), timeout=5)
    assert message.type is aiohttp.WSMsgType.TEXT, message
    data: dict[str, Any] = json.loads(message.data)
    return data


async def test_a_printer_fault_reaches_the_console_topic_and_the_device_list_only(
    start_hall: Callable[..., Awaitable[RunningHall]],
) -> None:
    hall = await start_hall()
    kiosk = await hall.device("kiosk-1", "kiosk")
    manager = await hall.person("li", "manager")
    report = {"component": "printer", "condition": "paper_out", "detail": "纸仓空"}
    console_url = f"{hall.url}/ws?topics=board,console&token={manager}"
    async with (
        hall.http.ws_connect(f"{hall.url}/ws?topics=board") as board,
        hall.http.ws_connect(console_url) as console,
    ):
        assert (await next_message(board))["type"] == "snapshot"
        assert (await next_message(console))["type"] == "snapshot"
        status, answer = await hall.call("POST", "/api/v1/devices/self/status", kiosk, report)
        assert status == 200, answer
        assert answer["device"]["condition"] == "paper_out"
        changed = await next_message(console)
        assert changed["type"] == "device.changed"
        assert (changed["device"], changed["component"], changed["condition"]) == (
            "device:kiosk-1",
            "printer",
            "paper_out",
        )
        # The next public change must be the ticket, not the fault before it.
        await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})
        assert (await next_message(board))["type"] == "ticket.issued"

    status, listed = await hall.call("GET", "/api/v1/devices", manager)
    assert status == 200
    assert [(d["device"], d["condition"], d["detail"]) for d in listed["devices"]] == [
        ("device:kiosk-1", "paper_out", "纸仓空")
    ]


async def test_only_changes_are_journalled(
    start_hall: Callable[..., Awaitable[RunningHall]],
) -> None:
    hall = await start_hall()
    kiosk = await hall.device("kiosk-1", "kiosk")
    before = hall.server.service.last_seq
    for condition in ("ok", "ok", "ok", "paper_low", "paper_low", "ok"):
        report = {"component": "printer", "condition": condition}
        assert (await hall.call("POST", "/api/v1/devices/self/status", kiosk, report))[0] == 200
    assert hall.server.service.last_seq - before == 3  # ok, paper_low, ok


async def test_who_may_report_and_read_and_what_they_may_send(
    start_hall: Callable[..., Awaitable[RunningHall]],
) -> None:
    hall = await start_hall()
    kiosk = await hall.device("kiosk-1", "kiosk")
    clerk = await hall.person("wang", "clerk")
    good = {"component": "printer", "condition": "ok"}
    assert (await hall.call("POST", "/api/v1/devices/self/status", None, good))[0] == 401
    assert (await hall.call("POST", "/api/v1/devices/self/status", clerk, good))[0] == 403
    assert (await hall.call("GET", "/api/v1/devices", kiosk))[0] == 403
    assert (await hall.call("GET", "/api/v1/devices", clerk))[0] == 403
    for field, body in {
        "component": {"condition": "ok"},
        "condition": {"component": "printer", "condition": "Paper Out!"},
        "detail": {**good, "detail": "x" * 201},
        "colour": {**good, "colour": "red"},
    }.items():
        status, refused = await hall.call("POST", "/api/v1/devices/self/status", kiosk, body)
        assert status == 422 and refused["error"]["message"].startswith(field), refused
    manager = await hall.person("li", "manager")
    assert (await hall.call("GET", "/api/v1/devices", manager))[1] == {"devices": []}
