"""The agents' local endpoints refuse bad requests as the server does, over real HTTP."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from browser.kiosk_fixtures import RunningKiosk, running_kiosk
from browser.station_fixtures import running_station
from helpers import RunningHall

Start = Callable[..., Awaitable[RunningHall]]
Answer = tuple[int, Any]

DEEP = b"[" * 8000 + b"]" * 8000
OVER_LIMIT = json.dumps({"service": "social", "priority": "x" * 70_000}).encode()


def invalid(message: str) -> Answer:
    return 422, {"error": {"code": "invalid_request", "message": message}}


async def send(
    http: aiohttp.ClientSession,
    method: str,
    url: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    async with http.request(method, url, data=body, headers=headers) as response:
        text = await response.text()
        try:
            return response.status, json.loads(text)
        except ValueError:
            return response.status, text


async def online(kiosk: RunningKiosk) -> None:
    for _ in range(250):
        if kiosk.kiosk.link.online:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the kiosk never reached the server")


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def chunks(data: bytes) -> AsyncIterator[bytes]:
    """A body sent chunked, without a length: refused only once it is read past the limit."""
    for start in range(0, len(data), 8192):
        yield data[start : start + 8192]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(DEEP, id="nested-too-deeply"),
        pytest.param(b'{"service": "social", "service": "pickup"}', id="key-twice"),
        pytest.param(json.dumps({"service": "x" * 20_000}).encode(), id="20kb-service"),
        pytest.param(OVER_LIMIT, id="over-the-size-limit"),
        pytest.param(b"{service: social}", id="not-json"),
        pytest.param(b'{"service": "\xff"}', id="not-utf8"),
        pytest.param(b'["social"]', id="not-an-object"),
        pytest.param(b"", id="empty"),
        pytest.param(b'{"service": 1}', id="not-a-string"),
        pytest.param(b'{"service": "social", "priority": "vip"}', id="unknown-priority"),
        pytest.param(b'{"service": "soc\\u0000ial"}', id="nul"),
        pytest.param(b'{"service": "\\ud800"}', id="lone-surrogate"),
        pytest.param(b'{"service": "social", "colour": "red"}', id="unknown-field"),
    ],
)
async def test_a_bad_issue_gets_the_servers_own_answer_and_no_ticket(
    start_hall: Start, tmp_path: Path, http: aiohttp.ClientSession, body: bytes
) -> None:
    hall = await start_hall()
    token = await hall.device("kiosk-1", "kiosk")
    async with running_kiosk(hall.url, token, tmp_path) as kiosk:
        await online(kiosk)
        agent = await send(http, "POST", f"{kiosk.url}local/issue", body)
        printed = kiosk.printed()
    server = await send(
        http, "POST", f"{hall.url}/api/v1/tickets", body, {"Authorization": f"Bearer {token}"}
    )
    assert server[0] == 422 and server[1]["error"]["code"] == "invalid_request"
    assert agent == server
    assert hall.server.service.hall.tickets == {} and printed == []


async def test_a_body_past_the_limit_without_a_length_is_refused_as_on_the_server(
    start_hall: Start, tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    hall = await start_hall()
    token = await hall.device("kiosk-1", "kiosk")
    async with running_kiosk(hall.url, token, tmp_path) as kiosk:
        agent = await send(http, "POST", f"{kiosk.url}local/issue", chunks(OVER_LIMIT))
    server = await send(
        http,
        "POST",
        f"{hall.url}/api/v1/tickets",
        chunks(OVER_LIMIT),
        {"Authorization": f"Bearer {token}"},
    )
    assert agent == server == invalid("body: larger than 65536 bytes")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (DEEP, invalid("body: nested too deeply")),
        (b'{"code": "YY0001", "code": "YY0002"}', invalid("code: given more than once")),
        (OVER_LIMIT, invalid("body: larger than 65536 bytes")),
        (b'{"code": "YY"}', invalid("code: must be 4 to 64 characters long")),
        (b"{}", invalid("code: is required")),
    ],
    ids=["nested-too-deeply", "key-twice", "over-the-size-limit", "short-code", "no-code"],
)
async def test_a_bad_check_in_is_refused_in_the_servers_words(
    start_hall: Start, tmp_path: Path, http: aiohttp.ClientSession, body: bytes, expected: Answer
) -> None:
    hall = await start_hall()
    async with running_kiosk(hall.url, await hall.device("kiosk-1", "kiosk"), tmp_path) as kiosk:
        assert await send(http, "POST", f"{kiosk.url}local/checkin", body) == expected


async def test_a_malformed_appointment_code_is_unknown_as_on_the_server(
    start_hall: Start, tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    hall = await start_hall()
    async with running_kiosk(hall.url, await hall.device("kiosk-1", "kiosk"), tmp_path) as kiosk:
        agent = await send(http, "GET", f"{kiosk.url}local/appointments/YY%3F1")
    manager = await hall.person("li", "manager")
    server = await send(
        http,
        "GET",
        f"{hall.url}/api/v1/appointments/YY%3F1",
        headers={"Authorization": f"Bearer {manager}"},
    )
    assert agent == server
    assert agent[0] == 404 and agent[1]["error"]["code"] == "unknown_appointment"


async def test_another_sites_page_may_not_issue_but_the_agents_own_page_and_tools_may(
    start_hall: Start, tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    hall = await start_hall()
    body = json.dumps({"service": "social"}).encode()
    async with running_kiosk(hall.url, await hall.device("kiosk-1", "kiosk"), tmp_path) as kiosk:
        await online(kiosk)
        own = kiosk.url.rstrip("/")
        port = own.rsplit(":", 1)[1]
        # Each of these pages may not: another site, one whose name now points at 127.0.0.1,
        # a sandboxed frame or file (Origin: null).
        for headers in (
            {"Origin": "http://evil.example"},
            {"Origin": f"http://evil.example:{port}", "Host": f"evil.example:{port}"},
            {"Origin": "null"},
        ):
            for path in ("local/issue", "local/checkin"):
                status, answer = await send(http, "POST", kiosk.url + path, body, headers)
                assert (status, answer["error"]["code"]) == (403, "cross_origin"), headers
        assert hall.server.service.hall.tickets == {} and kiosk.printed() == []
        # Reading is not refused, as on the server.
        status, _ = await send(http, "GET", f"{kiosk.url}local/state", None, {"Origin": own})
        assert status == 200

        issued = [
            await send(http, "POST", f"{kiosk.url}local/issue", body, headers)
            for headers in (
                {"Origin": own},
                {"Origin": f"http://localhost:{port}", "Host": f"localhost:{port}"},
                {},  # curl and other local tools send no Origin
            )
        ]
    assert [status for status, _ in issued] == [201, 201, 201]
    assert len(hall.server.service.hall.tickets) == 3


async def test_another_sites_page_may_not_open_the_agents_socket(
    start_hall: Start, tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    hall = await start_hall()
    async with running_kiosk(hall.url, await hall.device("kiosk-1", "kiosk"), tmp_path) as kiosk:
        socket = f"{kiosk.url}local/ws"
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(socket, origin="http://evil.example")
        assert refused.value.status == 403
        async with http.ws_connect(socket, origin=kiosk.url.rstrip("/")) as ws:
            assert (await ws.receive_json())["type"] == "state"


async def test_every_refusal_of_the_agent_is_in_the_servers_error_shape(
    start_hall: Start, tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    hall = await start_hall()
    async with running_kiosk(hall.url, await hall.device("kiosk-1", "kiosk"), tmp_path) as kiosk:
        answers = {
            "unknown path": await send(http, "GET", f"{kiosk.url}local/nothing"),
            "wrong method": await send(http, "GET", f"{kiosk.url}local/issue"),
            "socket without upgrade": await send(http, "GET", f"{kiosk.url}local/ws"),
            "unknown shared file": await send(http, "GET", f"{kiosk.url}shared/x.js"),
        }
        await hall.server.stop()
        answers["voice without server"] = await send(http, "GET", f"{kiosk.url}voice/a.mp3")
    codes = {
        what: (status, answer["error"]["code"], set(answer["error"]))
        for what, (status, answer) in answers.items()
    }
    shape = {"code", "message"}
    assert codes == {
        "unknown path": (404, "not_found", shape),
        "wrong method": (405, "method_not_allowed", shape),
        "socket without upgrade": (422, "invalid_request", shape),
        "unknown shared file": (404, "not_found", shape),
        "voice without server": (503, "server_unavailable", shape),
    }


async def test_the_rating_pad_is_refused_as_the_server_refuses_a_rating(
    start_hall: Start, tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    hall = await start_hall()
    station_token = await hall.device("w1-station", "station", "1")
    pad_token = await hall.device("w1-pad", "pad", "1")
    good = json.dumps({"level": 5}).encode()
    async with running_station(hall.url, "1", station_token, pad_token, tmp_path) as station:
        rate = f"{station.url}local/rate"
        answers = [
            await send(http, "POST", rate, DEEP),
            await send(http, "POST", rate, b'{"level": 5, "level": 1}'),
            await send(http, "POST", rate, json.dumps({"level": 5, "comment": "x" * 20_000})),
            await send(http, "POST", rate, OVER_LIMIT),
            await send(http, "POST", rate, chunks(OVER_LIMIT)),
            await send(http, "POST", rate, b'{"level": 9}'),
            await send(http, "POST", rate, b'{"level": 1, "tags": ["1150"]}'),
            await send(http, "POST", rate, good, {"Origin": "http://evil.example"}),
            # Well formed, from the pad's own page: judged by the hall (nothing to rate yet).
            await send(http, "POST", rate, good, {"Origin": station.url.rstrip("/")}),
        ]
    assert answers == [
        invalid("body: nested too deeply"),
        invalid("level: given more than once"),
        invalid("comment: must be 0 to 500 characters long"),
        invalid("body: larger than 65536 bytes"),
        invalid("body: larger than 65536 bytes"),
        invalid("level: must be from 1 to 5"),
        invalid("tags[0]: must be 1 to 3 characters long"),
        (
            403,
            {
                "error": {
                    "code": "cross_origin",
                    "message": "requests from http://evil.example are not accepted; "
                    "only this device's own page may",
                }
            },
        ),
        (409, {"error": {"code": "rating_closed", "message": "评价时间已过，谢谢您的参与"}}),
    ]
