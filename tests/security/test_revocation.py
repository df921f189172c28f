"""A revoked device, or a person logged out, disabled or given a new password, is cut off at
once: open streams close, the next request is refused, whether the change came through the
API or the command line."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable

import aiohttp
from helpers import RunningHall

from queue_server.accounts import AuditQuery
from queue_server.accounts.cli import cli_device_revoke, cli_user_disable, cli_user_password
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


async def _logs_in(hall: RunningHall, username: str, password: str) -> int:
    status, _ = await hall.call(
        "POST", "/api/v1/session", body={"username": username, "password": password}
    )
    return status


async def test_a_clerk_disabled_on_the_command_line_is_cut_off(start_hall: StartHall) -> None:
    hall = await start_hall()
    await long_cache(hall)
    clerk = await hall.clerk_at("1", "wang")
    manager = await hall.person("zhao", "manager")
    clerk_ws = await open_stream(hall, clerk, "board,console")
    manager_ws = await open_stream(hall, manager, "board,console")
    assert (await hall.call("GET", "/api/v1/session", clerk))[0] == 200  # now in the cache

    assert await cli_user_disable(hall.server.db_path, "wang") == 0

    assert await closed_with(clerk_ws) == REVOKED
    status, answer = await hall.call("POST", "/api/v1/windows/1/pause", clerk, {"reason": "x"})
    assert (status, answer["error"]["code"]) == (401, "unauthenticated")
    assert await _logs_in(hall, "wang", "correct horse battery") == 401
    # Another person's stream goes on.
    station = await hall.device("station-2", "station", window="2")
    assert (await hall.call("POST", "/api/v1/windows/2/open", station))[0] == 200
    assert (await manager_ws.receive_json())["type"] == "window.changed"
    await manager_ws.close()


async def test_a_new_password_on_the_command_line_ends_every_console_of_the_person(
    start_hall: StartHall,
) -> None:
    hall = await start_hall()
    await long_cache(hall)
    at_window = await hall.clerk_at("1", "wang")
    status, answer = await hall.call(  # the same clerk in a second browser
        "POST", "/api/v1/session", body={"username": "wang", "password": "correct horse battery"}
    )
    assert status == 200
    streams = [await open_stream(hall, t, "board,console") for t in (at_window, answer["token"])]

    assert await cli_user_password(hall.server.db_path, "wang", b"a new secret 7\n") == 0

    assert [await closed_with(ws) for ws in streams] == [REVOKED, REVOKED]
    assert (await hall.call("GET", "/api/v1/session", at_window))[0] == 401
    assert await _logs_in(hall, "wang", "correct horse battery") == 401
    assert await _logs_in(hall, "wang", "a new secret 7") == 200


async def test_an_admin_disables_enables_and_sets_a_password_through_the_api(
    start_hall: StartHall,
) -> None:
    hall = await start_hall()
    await long_cache(hall)
    admin = await hall.person("root", "admin")
    manager = await hall.person("zhao", "manager")
    clerk = await hall.clerk_at("1", "wang")
    clerk_ws = await open_stream(hall, clerk, "board,console")

    status, answer = await hall.call("POST", "/api/v1/users/wang/disable", admin)
    assert (status, answer["streams_closed"]) == (200, 1), answer
    assert (answer["user"]["username"], answer["user"]["disabled"]) == ("wang", True)
    assert await closed_with(clerk_ws) == REVOKED
    assert (await hall.call("GET", "/api/v1/session", clerk))[0] == 401
    assert await _logs_in(hall, "wang", "correct horse battery") == 401

    status, answer = await hall.call("POST", "/api/v1/users/wang/enable", admin)
    assert (status, answer["user"]["disabled"]) == (200, False), answer
    assert await _logs_in(hall, "wang", "correct horse battery") == 200

    status, answer = await hall.call(
        "POST", "/api/v1/users/wang/password", admin, {"password": "a new secret 7"}
    )
    assert (status, answer["user"]["username"]) == (200, "wang"), answer
    assert await _logs_in(hall, "wang", "correct horse battery") == 401
    assert await _logs_in(hall, "wang", "a new secret 7") == 200
    access = await hall.server.accounts.audit.access(AuditQuery(limit=1000))
    assert [(e["kind"], e["actor"]) for e in access if e["subject"] == "user:wang"][-3:] == [
        ("user.disabled", "user:root"),
        ("user.enabled", "user:root"),
        ("user.password_set", "user:root"),
    ]

    refusals = [
        ("/api/v1/users/root/disable", None, manager, 403, "forbidden"),
        ("/api/v1/users/root/disable", None, admin, 409, "last_admin"),
        ("/api/v1/users/nope/disable", None, admin, 404, "unknown_user"),
        ("/api/v1/users/nope/enable", None, admin, 404, "unknown_user"),
        ("/api/v1/users/nope/password", {"password": "a new secret 7"}, admin, 404, "unknown_user"),
        ("/api/v1/users/wang/password", {"password": "short1"}, admin, 422, "invalid_request"),
        (
            "/api/v1/users/wang/password",
            {"secret": "a new secret 7"},
            admin,
            422,
            "invalid_request",
        ),
        ("/api/v1/users/wang/disable", {"now": True}, admin, 422, "invalid_request"),
    ]
    for path, body, token, code, error in refusals:
        status, answer = await hall.call("POST", path, token, body)
        assert (status, answer["error"]["code"]) == (code, error), path
    status, answer = await hall.call(
        "POST", "/api/v1/users/wang/password", admin, {"password": "short1"}
    )
    assert answer["error"]["message"].startswith("password: ")
    assert await _logs_in(hall, "wang", "a new secret 7") == 200
    assert await _logs_in(hall, "root", "correct horse battery") == 200
