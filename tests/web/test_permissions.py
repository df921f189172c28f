"""Who may do what: 401 for no or unknown token, 403 for the wrong role or window."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from helpers import RunningHall

WINDOW_ACTIONS = (
    "open",
    "call-next",
    "recall",
    "start",
    "finish",
    "no-show",
    "transfer",
    "hold",
    "resume-held",
    "call-back",
    "pause",
    "resume",
    "close",
)
MUTATING = [
    ("POST", "/api/v1/tickets"),
    ("POST", "/api/v1/ratings"),
    ("DELETE", "/api/v1/session"),
    ("POST", "/api/v1/tickets/x/pin"),
    ("POST", "/api/v1/tickets/x/cancel"),
    *[("POST", f"/api/v1/windows/1/{a}") for a in WINDOW_ACTIONS],
]


@pytest.mark.parametrize(("method", "path"), MUTATING)
async def test_no_token_or_an_unknown_one_is_401_even_with_a_bad_body(
    start_hall: Callable[..., Awaitable[RunningHall]], method: str, path: str
) -> None:
    hall = await start_hall()
    status, body = await hall.call(method, path, raw=b"{not json")
    assert (status, body["error"]["code"]) == (401, "unauthenticated")
    status, body = await hall.call(method, path, "made-up-token", raw=b"{not json")
    assert (status, body["error"]["code"]) == (401, "unauthenticated")


async def test_roles_and_windows(start_hall: Callable[..., Awaitable[RunningHall]]) -> None:
    hall = await start_hall()
    kiosk = await hall.device("kiosk-1", "kiosk")
    board = await hall.device("board-1", "board")
    pad1 = await hall.device("pad-1", "pad", window="1")
    station2 = await hall.device("station-2", "station", window="2")
    clerk = await hall.person("li", "clerk")
    manager = await hall.person("zhao", "manager")

    def refused(answer: tuple[int, object]) -> bool:
        status, body = answer
        return status == 403 and isinstance(body, dict) and body["error"]["code"] == "forbidden"

    # Only issuers issue.
    for token in (board, pad1, station2):
        assert refused(await hall.call("POST", "/api/v1/tickets", token, {"service": "social"}))
    # A kiosk or board never acts for a window; a pad only rates.
    for token in (kiosk, board, pad1):
        assert refused(await hall.call("POST", "/api/v1/windows/1/open", token))
    # A station acts only for its own window, whatever that window's state or existence,
    # and the 403 comes before the body is even looked at.
    assert refused(await hall.call("POST", "/api/v1/windows/1/open", station2))
    assert refused(await hall.call("POST", "/api/v1/windows/99/call-next", station2))
    assert refused(await hall.call("POST", "/api/v1/windows/1/pause", station2, raw=b"[]"))
    assert (await hall.call("POST", "/api/v1/windows/2/open", station2))[0] == 200
    # A clerk acts only where signed in.
    assert refused(await hall.call("POST", "/api/v1/windows/1/call-next", clerk))
    assert (await hall.call("POST", "/api/v1/windows/1/open", clerk))[0] == 200
    assert refused(await hall.call("POST", "/api/v1/windows/2/call-next", clerk))
    # Only pads rate; only supervisors pin.
    for token in (kiosk, clerk, station2, manager):
        assert refused(
            await hall.call("POST", "/api/v1/ratings", token, {"ticket": "x", "level": 5})
        )
    assert refused(await hall.call("POST", "/api/v1/tickets/x/pin", clerk))
    # A manager may act for any window.
    assert (await hall.call("POST", "/api/v1/windows/3/open", manager))[0] == 200


async def test_a_kiosk_voids_only_its_own_tickets(
    start_hall: Callable[..., Awaitable[RunningHall]],
) -> None:
    hall = await start_hall()
    mine, other = await hall.device("kiosk-1", "kiosk"), await hall.device("kiosk-2", "kiosk")
    _, issued = await hall.call("POST", "/api/v1/tickets", mine, {"service": "social"})
    path = f"/api/v1/tickets/{issued['ticket']['id']}/cancel"
    status, _ = await hall.call("POST", path, other, {"reason": "打印失败"})
    assert status == 403
    status, voided = await hall.call("POST", path, mine, {"reason": "打印失败"})
    assert (status, voided["ticket"]["state"]) == (200, "cancelled")


async def test_login_and_logout(start_hall: Callable[..., Awaitable[RunningHall]]) -> None:
    hall = await start_hall()
    token = await hall.person("wang", "clerk")
    status, body = await hall.call(
        "POST", "/api/v1/session", body={"username": "wang", "password": "wrong password"}
    )
    assert (status, body["error"]["code"]) == (401, "bad_credentials")
    status, body = await hall.call(
        "POST", "/api/v1/session", body={"username": "nobody", "password": "wrong password"}
    )
    assert (status, body["error"]["code"]) == (401, "bad_credentials")
    status, me = await hall.call("GET", "/api/v1/session", token)
    assert (status, me["role"], me["name"]) == (200, "clerk", "wang")
    assert (await hall.call("DELETE", "/api/v1/session", token))[0] == 200
    status, body = await hall.call("POST", "/api/v1/windows/1/open", token)
    assert (status, body["error"]["code"]) == (401, "unauthenticated")
