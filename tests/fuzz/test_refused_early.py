"""Oversized bodies, headers, URLs and WebSocket messages, and floods: refused early, before
a body is read, changing nothing and leaving every other client served."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest
from helpers import RunningHall, small_hall

from queue_server.config import ConfigError, load_builtin_hall, parse_hall
from queue_server.domain.hall import MIN_REQUESTS_PER_SECOND, RequestLimits
from queue_server.web.limits import MAX_URL_BYTES, RateLimiter
from queue_server.web.replies import MAX_BODY

StartHall = Callable[..., Awaitable[RunningHall]]


class Ticker:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_takes_a_burst_then_the_rate() -> None:
    clock = Ticker()
    limiter = RateLimiter(50, 50, clock=clock)
    assert [limiter.take("kiosk") for _ in range(50)] == [0.0] * 50
    assert limiter.take("kiosk") == pytest.approx(1 / 50)
    assert limiter.take("board") == 0.0  # another client has its own bucket
    clock.now += 0.5  # 25 requests' worth
    assert [limiter.take("kiosk") for _ in range(25)] == [0.0] * 25
    assert limiter.take("kiosk") > 0
    clock.now += 60  # a full bucket again, never more than the burst
    assert [limiter.take("kiosk") for _ in range(50)] == [0.0] * 50
    assert limiter.take("kiosk") > 0


def test_a_forgotten_client_starts_with_a_full_bucket() -> None:
    limiter = RateLimiter(50, 50, clock=Ticker(), max_clients=2)
    for _ in range(50):
        limiter.take("a")
    assert limiter.take("a") > 0
    limiter.take("b")
    limiter.take("c")  # three clients: "a", the least recently seen, is forgotten
    assert limiter.take("a") == 0.0


@pytest.fixture
async def limited(start_hall: StartHall) -> RunningHall:
    """A hall at the documented minimum: 50 requests a second, a burst of 50."""
    limits = RequestLimits(requests_per_second=MIN_REQUESTS_PER_SECOND)
    return await start_hall(dataclasses.replace(small_hall(open_all_hours=True), limits=limits))


async def test_a_burst_of_50_from_one_device_passes(limited: RunningHall) -> None:
    kiosk = await limited.device("kiosk-1", "kiosk")
    answers = await asyncio.gather(
        *(limited.call("POST", "/api/v1/tickets", kiosk, {"service": "social"}) for _ in range(50))
    )
    assert [status for status, _ in answers] == [201] * 50
    assert limited.server.service.last_seq == 50


async def test_a_flood_is_refused_changing_nothing_and_others_are_served(
    limited: RunningHall,
) -> None:
    kiosk, other = (
        await limited.device("kiosk-1", "kiosk"),
        await limited.device("kiosk-2", "kiosk"),
    )
    before = limited.server.service.last_seq

    async def issue() -> tuple[int, dict[str, str], str]:
        async with limited.http.post(
            f"{limited.url}/api/v1/tickets",
            json={"service": "social"},
            headers={"Authorization": f"Bearer {kiosk}"},
        ) as response:
            return response.status, dict(response.headers), await response.text()

    answers = await asyncio.gather(*(issue() for _ in range(400)))
    statuses = [status for status, _, _ in answers]
    assert set(statuses) == {201, 429}
    issued = statuses.count(201)
    assert issued >= 50  # the burst, and what the rate refilled meanwhile
    assert limited.server.service.last_seq == before + issued  # the refused changed nothing
    for status, headers, text in answers:
        if status == 429:
            assert int(headers["Retry-After"]) >= 1
            assert '"code":"too_many_requests"' in text
    status, _ = await limited.call("POST", "/api/v1/tickets", other, {"service": "social"})
    assert status == 201
    assert (await limited.call("GET", "/api/v1/hall"))[0] == 200  # by address: its own bucket


async def test_the_demo_hall_has_no_limit(start_hall: StartHall) -> None:
    hall = await start_hall()
    answers = await asyncio.gather(*(hall.call("GET", "/healthz") for _ in range(300)))
    assert {status for status, _ in answers} == {200}


async def raw_exchange(hall: RunningHall, head: bytes, body: bytes = b"") -> bytes:
    """Send `head` and `body` on a fresh connection and read the answer until it closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", hall.server.port)
    try:
        writer.write(head + body)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), timeout=30)
    finally:
        writer.close()


async def test_a_body_declared_too_large_is_refused_before_it_is_sent(
    start_hall: StartHall,
) -> None:
    hall = await start_hall()
    kiosk = await hall.device("kiosk-1", "kiosk")
    head = (
        "POST /api/v1/tickets HTTP/1.1\r\nHost: hall\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {kiosk}\r\nContent-Length: 1000000000\r\n\r\n"
    ).encode()
    # Only the head and a few bytes of the gigabyte go out: the answer cannot wait for more.
    reader, writer = await asyncio.open_connection("127.0.0.1", hall.server.port)
    try:
        writer.write(head + b'{"service": ')
        await writer.drain()
        answer = await asyncio.wait_for(reader.readuntil(b"}}"), timeout=30)
    finally:
        writer.close()
    assert answer.startswith(b"HTTP/1.1 422 "), answer
    assert f'"message":"body: larger than {MAX_BODY} bytes"'.encode() in answer
    assert hall.server.service.last_seq == 0


async def chunks(total: int) -> AsyncIterator[bytes]:
    yield b'{"service": "social", "x": "'
    for _ in range(total // 8192):
        yield b"y" * 8192
    yield b'"}'


async def test_a_chunked_body_too_large_is_refused(start_hall: StartHall) -> None:
    hall = await start_hall()
    kiosk = await hall.device("kiosk-1", "kiosk")
    async with hall.http.post(
        f"{hall.url}/api/v1/tickets",
        data=chunks(4 * MAX_BODY),
        headers={"Authorization": f"Bearer {kiosk}", "Content-Type": "application/json"},
    ) as response:
        assert response.status == 422
        assert (await response.json())["error"]["message"].startswith("body:")
    assert hall.server.service.last_seq == 0
    assert (await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"}))[0] == 201


@pytest.mark.parametrize(
    "head",
    [
        b"GET /api/v1/hall?x=" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: hall\r\n\r\n",
        b"GET /api/v1/hall HTTP/1.1\r\nHost: hall\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n",
        b"GET /api/v1/hall HTTP/1.1\r\nHost: hall\r\n"
        + b"".join(b"X-%d: 1\r\n" % i for i in range(500))
        + b"\r\n",
    ],
    ids=["url", "header", "header-count"],
)
async def test_oversized_heads_are_refused(start_hall: StartHall, head: bytes) -> None:
    hall = await start_hall()
    answer = await raw_exchange(hall, head)
    status = int(answer.split(b" ", 2)[1])
    assert status == 400, answer[:200]
    assert (await hall.call("GET", "/api/v1/hall"))[0] == 200


async def test_a_url_at_the_limit_reaches_the_hall_and_one_byte_more_does_not(
    start_hall: StartHall,
) -> None:
    hall = await start_hall()

    def head(url_bytes: int) -> bytes:
        url = b"/api/v1/hall?junk="
        url += b"a" * (url_bytes - len(url))
        return b"GET " + url + b" HTTP/1.1\r\nHost: hall\r\nConnection: close\r\n\r\n"

    at_limit = await raw_exchange(hall, head(MAX_URL_BYTES))
    assert at_limit.split(b" ", 2)[1] == b"200", at_limit[:200]  # unknown query keys: ignored
    beyond = await raw_exchange(hall, head(MAX_URL_BYTES + 1))
    assert beyond.split(b" ", 2)[1] == b"400", beyond[:200]


async def test_a_websocket_message_too_large_closes_only_that_stream(
    start_hall: StartHall,
) -> None:
    hall = await start_hall()
    kiosk = await hall.device("kiosk-1", "kiosk")
    async with (
        hall.http.ws_connect(f"{hall.url}/ws?topics=board") as talker,
        hall.http.ws_connect(f"{hall.url}/ws?topics=board") as watcher,
    ):
        assert (await talker.receive_json())["type"] == "snapshot"
        assert (await watcher.receive_json())["type"] == "snapshot"
        await talker.send_str("x" * 10_000)
        closing = await talker.receive(timeout=30)
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        assert talker.close_code == aiohttp.WSCloseCode.MESSAGE_TOO_BIG
        await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})
        assert (await watcher.receive_json(timeout=30))["type"] == "ticket.issued"


TOWNSHIP = (Path(__file__).resolve().parents[2] / "config" / "township.example.toml").read_text()


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ("requests_per_second = 50", RequestLimits(50, None)),
        ("requests_per_second = 80\nburst = 200", RequestLimits(80, 200)),
        (
            "requests_per_second = 49",
            "limits.requests_per_second: must be from 50 to 100000, not 49",
        ),
        ("burst = 100", "limits.burst: needs requests_per_second too"),
        (
            "requests_per_second = 100\nburst = 60",
            "limits.burst: must be at least requests_per_second (100), not 60",
        ),
        (
            "requests_per_second = 1.5",
            "limits.requests_per_second: must be an integer, not a number (1.5)",
        ),
        ("per_ip = 50", "limits.per_ip: unknown key; known keys: requests_per_second, burst"),
    ],
)
def test_the_limits_setting_is_checked(section: str, expected: RequestLimits | str) -> None:
    text = f"{TOWNSHIP}\n[limits]\n{section}\n"
    if isinstance(expected, RequestLimits):
        assert parse_hall(text).limits == expected
    else:
        with pytest.raises(ConfigError) as refused:
            parse_hall(text)
        assert refused.value.problems == [expected]


def test_the_example_halls_set_no_limit() -> None:
    assert parse_hall(TOWNSHIP).limits == RequestLimits()
    assert load_builtin_hall().limits == RequestLimits()
