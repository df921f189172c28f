"""What one window's citizens said stays with that window: a 差评 and its comment reach the
clerk, station and pad of the window rated, and supervisors; never a colleague's console nor
another window's pad, live or replayed. A clerk's figures of the day are theirs alone."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import aiohttp
from helpers import RunningHall

StartHall = Callable[..., Awaitable[RunningHall]]

COMMENT = "窗口二的人员态度生硬"
# Only a guard against a hang: the messages come at once.
PATIENCE = 30


class Stream:
    """A console-topic stream that keeps every message it is sent."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.messages: list[dict[str, object]] = []
        self.arrived = asyncio.Condition()
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            async with self.arrived:
                self.messages.append(message.json())
                self.arrived.notify_all()

    async def until(self, kind: str) -> None:
        async with asyncio.timeout(PATIENCE), self.arrived:
            await self.arrived.wait_for(lambda: kind in self.types())

    def types(self) -> list[object]:
        return [m["type"] for m in self.messages]

    async def close(self) -> None:
        await self.ws.close()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


async def console(hall: RunningHall, token: str, after_seq: int | None = None) -> Stream:
    resume = "" if after_seq is None else f"&after_seq={after_seq}"
    ws = await hall.http.ws_connect(
        f"{hall.url}/ws?topics=board,console{resume}",
        headers={"Authorization": f"Bearer {token}"},
    )
    return Stream(ws)


async def test_a_rating_reaches_only_its_window_and_supervisors(start_hall: StartHall) -> None:
    hall = await start_hall()
    clerk_1 = await hall.clerk_at("1", "wang")
    clerk_2 = await hall.clerk_at("2", "li")
    away = await hall.person("zhou", "clerk")
    manager = await hall.person("zhao", "manager")
    kiosk = await hall.device("kiosk-1", "kiosk")
    callers = {
        "clerk@1": clerk_1,
        "clerk@2": clerk_2,
        "clerk-away": away,
        "pad@1": await hall.device("pad-1", "pad", window="1"),
        "pad@2": await hall.device("pad-2", "pad", window="2"),
        "station@1": await hall.device("station-1", "station", window="1"),
        "station@2": await hall.device("station-2", "station", window="2"),
        "manager": manager,
    }
    streams = {name: await console(hall, token) for name, token in callers.items()}
    for stream in streams.values():
        await stream.until("snapshot")
    before = hall.server.service.last_seq

    status, issued = await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})
    assert status == 201, issued
    for action in ("call-next", "finish"):
        assert (await hall.call("POST", f"/api/v1/windows/2/{action}", clerk_2))[0] == 200
    rating = {"ticket": issued["ticket"]["id"], "level": 1, "tags": ["115"], "comment": COMMENT}
    status, answer = await hall.call("POST", "/api/v1/ratings", callers["pad@2"], rating)
    assert status == 201, answer
    # A last change every stream carries, so that each has seen everything before it.
    assert (await hall.call("POST", "/api/v1/windows/1/pause", clerk_1, {"reason": "x"}))[0] == 200
    for stream in streams.values():
        await stream.until("window.changed")

    rated = {"clerk@2", "pad@2", "station@2", "manager"}
    seen = {name for name, stream in streams.items() if "rating.recorded" in stream.types()}
    assert seen == rated
    for name, stream in streams.items():
        if name not in rated:
            assert COMMENT not in str(stream.messages), name
        await stream.close()

    # Resuming replays what was missed: the same rule.
    for name in ("clerk@1", "pad@1", "clerk@2"):
        replay = await console(hall, callers[name], after_seq=before)
        await replay.until("window.changed")
        assert ("rating.recorded" in replay.types()) == (name == "clerk@2"), name
        await replay.close()


async def test_a_clerk_sees_only_their_own_figures_of_the_day(start_hall: StartHall) -> None:
    hall = await start_hall()
    clerk_1 = await hall.clerk_at("1", "wang")
    clerk_2 = await hall.clerk_at("2", "li")
    readers = {
        "clerk@1": clerk_1,
        "station@1": await hall.device("station-1", "station", window="1"),
        "manager": await hall.person("zhao", "manager"),
        "clerk@2": clerk_2,
        "clerk-away": await hall.person("zhou", "clerk"),
    }
    shown = {}
    for name, token in readers.items():
        status, detail = await hall.call("GET", "/api/v1/windows/1", token)
        assert status == 200, (name, detail)
        shown[name] = detail["today"]
    assert shown["clerk@1"] is not None and shown["clerk@1"]["clerk"] == "wang"
    assert shown["station@1"] == shown["manager"] == shown["clerk@1"]
    assert shown["clerk@2"] is None and shown["clerk-away"] is None
    _, own = await hall.call("GET", "/api/v1/windows/2", clerk_2)
    assert own["today"]["clerk"] == "li"
