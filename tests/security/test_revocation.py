"""A revoked device or a logged-out person is cut off at once: open streams close, the next
request is refused, whether the revocation came through the API or the command line."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable

import aiohttp
from helpers import RunningHall

from queue_server.accounts.cli import cli_device_revoke
from queue_server.web.stream import REVOKED

StartHall = Callable[..., Awaitable[RunningHall]]
# Only a guard against a hang: the streams close long before.
PATIENCE = 30


async def open_stream(
    hall: RunningHall, token: str, topics: str
) -> aiohttp.ClientWebSocketResponse:
    ws = await hall.http.ws_connect(
        f"{hall.url}/ws?topics={topics}", headers={"Authorization": f"Bearer {token}"}
    )
    first = await ws.receive_json()
    assert first["type"] == "snapshot"
    return ws


async def closed_with(ws: aiohttp.ClientWebSocketResponse) -> int | None:
    """Read until the server closes the stream; the close code."""
    async with asyncio.timeout(PATIENCE):
        while True:
            message = await ws.receive()
            if message.type is aiohttp.WSMsgType.CLOSE:
                return int(message.data)
            if message.type is aiohttp.WSMsgType.CLOSED:
                return ws.close_code


async def long_cache(hall: RunningHall) -> None:
    """Make the server remember tokens for an hour, so that only a revocation can forget."""
    hall.server.accounts._cache_ttl = dt.timedelta(hours=1)


async def test_an_admin_revokes_a_board_and_a_station_at_once(start_hall: StartHall) -> None:
    hall = await start_hall()
    await long_cache(hall)
    admin = await hall.person("root", "admin")
    board = await hall.device("board-1", "board")
    station = await hall.device("station-1", "station", window="1")
    keeps = await hall.device("station-2", "station", window="2")
    board_ws = await open_stream(hall, board, "board")
    station_ws = await open_stream(hall, station, "board,console")
    other_ws = await open_stream(hall, keeps, "board,console")
    assert (await hall.call("GET", "/api/v1/session", station))[0] == 200  # now in the cache

    status, answer = await hall.call("POST", "/api/v1/devices/station-1/revoke", admin)
    assert (status, answer["streams_closed"]) == (200, 1)
    assert answer["device"]["revoked_at"] is not None
    assert await closed_with(station_ws) == REVOKED
    status, answer = await hall.call("POST", "/api/v1/windows/1/open", station)
    assert (status, answer["error"]["code"]) == (401, "unauthenticated")

    status, answer = await hall.call("POST", "/api/v1/devices/board-1/revoke", admin)
    assert (status, answer["streams_closed"]) == (200, 1)
    assert await closed_with(board_ws) == REVOKED
    # Reconnecting with the revoked token is refused; the other station streams on.
    try:
        await open_stream(hall, board, "board")
        raise AssertionError("a revoked board reconnected")
    except aiohttp.WSServerHandshakeError as refused:
        assert refused.status == 401
    assert (await hall.call("POST", "/api/v1/windows/2/open", keeps))[0] == 200
    assert (await other_ws.receive_json())["type"] == "window.changed"
    await other_ws.close()

    status, listed = await hall.call("GET", "/api/v1/devices/enrolled", admin)
    revoked = {d["name"] for d in listed["devices"] if d["revoked_at"]}
    assert (status, revoked) == (200, {"board-1", "station-1"})
    status, answer = await hall.call("POST", "/api/v1/devices/nope/revoke", admin)
    assert (status, answer["error"]["code"]) == (404, "unknown_device")


async def test_a_revocation_from_the_command_line_reaches_a_running_server(
    start_hall: StartHall,
) -> None:
    hall = await start_hall()
    await long_cache(hall)
    pad = await hall.device("pad-1", "pad", window="1")
    pad_ws = await open_stream(hall, pad, "board,console")
    assert (await hall.call("GET", "/api/v1/session", pad))[0] == 200  # now in the cache

    assert await cli_device_revoke(hall.server.db_path, "pad-1") == 0
    assert await closed_with(pad_ws) == REVOKED
    status, answer = await hall.call("GET", "/api/v1/session", pad)
    assert (status, answer["error"]["code"]) == (401, "unauthenticated")


async def test_logging_out_closes_the_session_s_console_streams(start_hall: StartHall) -> None:
    hall = await start_hall()
    clerk = await hall.clerk_at("1", "wang")
    manager = await hall.person("zhao", "manager")
    clerk_ws = await open_stream(hall, clerk, "board,console")
    manager_ws = await open_stream(hall, manager, "board,console")

    assert (await hall.call("DELETE", "/api/v1/session", clerk))[0] == 200
    assert await closed_with(clerk_ws) == REVOKED
    assert (await hall.call("GET", "/api/v1/session", clerk))[0] == 401
    # The manager's stream is another session's: it stays open.
    station = await hall.device("station-2", "station", window="2")
    assert (await hall.call("POST", "/api/v1/windows/2/open", station))[0] == 200
    assert (await manager_ws.receive_json())["type"] == "window.changed"
    await manager_ws.close()
