"""A hall's devices are more connections than a service's default limit on open files."""

from __future__ import annotations

import asyncio
import json
import resource
from collections.abc import Awaitable, Callable

import aiohttp

from .hall_process import HallProcess

StartHall = Callable[..., Awaitable[HallProcess]]
BOARDS = 300


async def boards_served(hall: HallProcess, count: int) -> int:
    """Open `count` board streams at once; how many got their snapshot."""
    served = 0
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        streams = []
        try:
            for _ in range(count):
                try:
                    ws = await http.ws_connect(f"{hall.url}/ws?topics=board")
                    streams.append(ws)
                    first = await asyncio.wait_for(ws.receive(), 10)
                except (aiohttp.ClientError, TimeoutError):
                    break
                if first.type is aiohttp.WSMsgType.TEXT:
                    served += json.loads(first.data)["type"] == "snapshot"
        finally:
            for ws in streams:
                await ws.close()
    return served


async def test_a_server_started_with_a_low_limit_on_open_files_serves_past_it(
    hall_process: StartHall,
) -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    hall = await hall_process(start=False)
    hall.open_files = (200, hard)  # as a shell's `ulimit -Sn 200` would leave it
    await hall.start()
    assert await boards_served(hall, BOARDS) == BOARDS
    await hall.stop()
    assert "open files: limit raised from 200 to" in hall.log_tail(), hall.log_tail()


async def test_a_hard_limit_too_low_for_a_busy_hall_is_said_with_the_fix(
    hall_process: StartHall,
) -> None:
    hall = await hall_process(start=False)
    hall.open_files = (200, 400)
    await hall.start()
    assert await boards_served(hall, BOARDS) == BOARDS  # raised to the hard limit, 400
    await hall.stop()
    log = hall.log_tail()
    assert "limit raised from 200 to 400" in log, log
    assert "at most about 200 devices" in log and "LimitNOFILE=65536" in log, log
