"""A request that never arrives whole: the client leaves half-way, or stops sending, or
trickles its headers.

All are the client's doing: a 422 naming the body (or nothing, for a client gone, or a
connection closed), never an error with a traceback, never a handler or a socket held until
the client goes; nothing changes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browser.kiosk_fixtures import running_kiosk
from helpers import RunningHall

from queue_server.web import bodies, limits

StartHall = Callable[..., Awaitable[RunningHall]]


async def _connect(base: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    url = urlsplit(base)
    assert url.hostname is not None and url.port is not None
    return await asyncio.open_connection(url.hostname, url.port)


def _head(token: str, length: str, path: str = "/api/v1/tickets") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: hall\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {token}\r\n{length}\r\n\r\n"
    ).encode()


async def _issued(hall: RunningHall, token: str) -> int:
    """The next ticket issued the usual way works: the server is fine."""
    headers = {"Authorization": f"Bearer {token}"}
    async with hall.http.post(
        f"{hall.url}/api/v1/tickets", json={"service": "social"}, headers=headers
    ) as response:
        return response.status


async def _answer(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """The answer's head and body (the server may then linger before it closes)."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    return head, await reader.readexactly(length)


async def _settled() -> None:
    """Lets the server notice a closed connection and finish with the request."""
    for _ in range(20):
        await asyncio.sleep(0.01)


@pytest.mark.parametrize(
    ("length", "part"),
    [("Content-Length: 100", b'{"serv'), ("Transfer-Encoding: chunked", b'6\r\n{"serv\r\n')],
)
async def test_a_client_that_leaves_half_way_is_no_server_error(
    start_hall: StartHall, caplog: pytest.LogCaptureFixture, length: str, part: bytes
) -> None:
    hall = await start_hall()
    kiosk = await hall.device("kiosk-1", "kiosk")
    caplog.set_level(logging.INFO)
    _, writer = await _connect(hall.url)
    writer.write(_head(kiosk, length) + part)
    await writer.drain()
    await _settled()
    writer.close()
    await writer.wait_closed()
    await _settled()

    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert hall.server.service.last_seq == 0
    assert await _issued(hall, kiosk) == 201


@pytest.mark.parametrize(
    ("length", "part"),
    [
        ("Content-Length: 100", b'{"serv'),
        ("Transfer-Encoding: chunked", b'6\r\n{"serv\r\n'),
        # A broken chunk after the first: aiohttp's parser drops it without telling the read.
        ("Transfer-Encoding: chunked", b'6\r\n{"serv\r\nzz\r\nbad\r\n'),
    ],
)
async def test_a_body_that_stops_coming_is_a_422_after_the_time_limit(
    start_hall: StartHall, monkeypatch: pytest.MonkeyPatch, length: str, part: bytes
) -> None:
    monkeypatch.setattr(bodies, "BODY_TIMEOUT", 0.2)
    hall = await start_hall()
    kiosk = await hall.device("kiosk-1", "kiosk")
    reader, writer = await _connect(hall.url)
    writer.write(_head(kiosk, length) + part[:8])
    await writer.drain()
    await _settled()
    writer.write(part[8:])  # a later packet
    await writer.drain()
    try:
        head, body = await asyncio.wait_for(_answer(reader), timeout=30)
    finally:
        writer.close()
    assert head.startswith(b"HTTP/1.1 422"), head
    assert b'"invalid_request"' in body and b"body: not complete after 0.2 s" in body, body
    assert hall.server.service.last_seq == 0
    assert await _issued(hall, kiosk) == 201


async def test_the_kiosk_s_own_page_times_a_body_out_as_the_server_does(
    start_hall: StartHall, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(bodies, "BODY_TIMEOUT", 0.2)
    hall = await start_hall()
    token = await hall.device("kiosk-1", "kiosk")
    async with running_kiosk(hall.url, token, tmp_path) as kiosk:
        reader, writer = await _connect(kiosk.url)
        writer.write(_head("", "Content-Length: 100", "/local/issue") + b'{"serv')
        await writer.drain()
        try:
            head, body = await asyncio.wait_for(_answer(reader), timeout=30)
        finally:
            writer.close()
        printed = kiosk.printed()
    assert head.startswith(b"HTTP/1.1 422"), head
    assert b"body: not complete after 0.2 s" in body, body
    assert hall.server.service.last_seq == 0 and printed == []


async def test_headers_trickled_a_byte_at_a_time_do_not_hold_the_connection(
    start_hall: StartHall, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "IDLE_CONNECTION_SECONDS", 0.5)
    hall = await start_hall()
    kiosk = await hall.device("kiosk-1", "kiosk")
    reader, writer = await _connect(hall.url)
    head = _head(kiosk, "Content-Length: 2")

    async def trickle() -> None:
        for byte in head:
            writer.write(bytes([byte]))
            await asyncio.sleep(0.05)

    sending = asyncio.create_task(trickle())
    try:
        # The server closes the connection long before the headers are all sent.
        assert await asyncio.wait_for(reader.read(), timeout=30) == b""
        assert not sending.done()
    finally:
        sending.cancel()
        writer.close()
    assert hall.server.service.last_seq == 0
    assert await _issued(hall, kiosk) == 201
