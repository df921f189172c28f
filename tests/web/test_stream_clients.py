"""The event stream against careless and hostile clients: ones that stop reading, vanish
mid-handshake, flood pings, or repeat a query parameter. Such a client never costs the others
a message, and the server lets go of it once its stream ends."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import socket
import struct
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from helpers import RunningHall

from queue_server.hub import Hub
from queue_server.service import Published
from queue_server.web import stream
from queue_server.wire import ALL_TOPICS

StartHall = Callable[..., Awaitable[RunningHall]]
# Only a guard against a hang.
PATIENCE = 20


async def receive(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    message = await asyncio.wait_for(ws.receive(), timeout=PATIENCE)
    assert message.type is aiohttp.WSMsgType.TEXT, message
    data: dict[str, Any] = json.loads(message.data)
    return data


def publish_large(hub: Hub, count: int, kib: int = 32) -> None:
    """`count` changes of `kib` KiB each: a few hundred fill any socket's buffers."""
    for _ in range(count):
        seq = hub.last_seq + 1
        message = {"type": "ticket.issued", "seq": seq, "padding": "x" * kib * 1024}
        hub.publish([Published(seq, {topic: message for topic in ALL_TOPICS})])


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(PATIENCE):
        while not condition():  # noqa: ASYNC110 - the hub has no event to wait on
            await asyncio.sleep(0.05)


async def raw_stream(
    hall: RunningHall, query: str = "", *, abortive: bool = False
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A client socket that asked to upgrade /ws (the answer not read), with a small receive
    buffer; `abortive`: closing it resets the connection, as a crashed client's does."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    if abortive:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", hall.server.port))
    reader, writer = await asyncio.open_connection(sock=sock)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        f"GET /ws{query} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    await writer.drain()
    return reader, writer


async def test_a_client_that_never_reads_is_let_go_and_the_others_miss_nothing(
    start_hall: StartHall, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream, "SEND_TIMEOUT", 0.5)
    hall = await start_hall(supervise_every=None)
    hub = hall.server.hub
    reader, stuck = await raw_stream(hall)
    await reader.readuntil(b"\r\n\r\n")  # upgraded; from now on it reads nothing
    seqs: list[int] = []

    async def read(ws: aiohttp.ClientWebSocketResponse) -> None:
        async for message in ws:
            seqs.append(json.loads(message.data)["seq"])

    try:
        async with hall.http.ws_connect(f"{hall.url}/ws", max_msg_size=0) as healthy:
            reading = asyncio.create_task(read(healthy))
            await until(lambda: len(seqs) == 1 and hub.clients == 2)  # the snapshot
            while hub.cut_offs == 0:
                publish_large(hub, 10)
                await until(lambda: len(seqs) == hub.last_seq + 1)
            # Cut off, the stuck client cannot take even its close frame: the server drops
            # the connection rather than wait on it for as long as the client likes.
            await until(lambda: hub.clients == 1)
            publish_large(hub, 1)
            await until(lambda: len(seqs) == hub.last_seq + 1)
            reading.cancel()
    finally:
        stuck.close()
    assert seqs == [0, *range(1, hub.last_seq + 1)]


async def test_a_client_that_pauses_is_closed_4008_and_resumes_exactly_where_it_was(
    start_hall: StartHall,
) -> None:
    hall = await start_hall(supervise_every=None)
    hub = hall.server.hub
    seqs: list[int] = []
    async with hall.http.ws_connect(f"{hall.url}/ws", max_msg_size=0) as slow:
        await receive(slow)  # the snapshot; then it stops reading for a while
        await until(lambda: hub.clients == 1)
        while hub.cut_offs == 0:
            publish_large(hub, 10)
            await asyncio.sleep(0.01)
        publish_large(hub, 5)  # after the cut-off: for the resume
        async with asyncio.timeout(PATIENCE):
            async for message in slow:
                seqs.append(json.loads(message.data)["seq"])
        assert slow.close_code == stream.TOO_SLOW
    assert seqs == list(range(1, len(seqs) + 1))
    missed = hub.last_seq - seqs[-1]
    assert missed >= 5
    async with hall.http.ws_connect(
        f"{hall.url}/ws?after_seq={seqs[-1]}", max_msg_size=0
    ) as resumed:
        seqs += [(await receive(resumed))["seq"] for _ in range(missed)]
        publish_large(hub, 1)
        seqs.append((await receive(resumed))["seq"])
    assert seqs == list(range(1, hub.last_seq + 1))


async def test_a_revoked_token_gets_no_more_of_its_replay(start_hall: StartHall) -> None:
    hall = await start_hall(supervise_every=None)
    hub = hall.server.hub
    admin = await hall.person("root", "admin")
    station = await hall.device("station-1", "station", window="1")
    publish_large(hub, hub.max_replay + 1, kib=64)  # after seq 1: 32 MiB of changes to replay
    query = f"topics=board,console&after_seq=1&token={station}"
    async with hall.http.ws_connect(f"{hall.url}/ws?{query}", max_msg_size=0) as ws:
        await asyncio.sleep(0.5)  # the replay fills the buffers; the client reads none yet
        status, answer = await hall.call("POST", "/api/v1/devices/station-1/revoke", admin)
        assert (status, answer["streams_closed"]) == (200, 1)
        sent = 0
        async with asyncio.timeout(PATIENCE):
            async for _ in ws:
                sent += 1
        assert ws.close_code == stream.REVOKED
    # What was in the sockets' buffers still arrives, but not the rest of the replay.
    assert sent < hub.max_replay // 2


async def test_clients_that_vanish_mid_handshake_cause_no_server_error(
    start_hall: StartHall, caplog: pytest.LogCaptureFixture
) -> None:
    hall = await start_hall(supervise_every=None)
    manager = await hall.person("zhao", "manager")
    with caplog.at_level(logging.INFO):
        for query in ("", f"?topics=board,console&token={manager}", "?after_seq=0"):
            for _ in range(10):
                _, writer = await raw_stream(hall, query, abortive=True)
                writer.transport.abort()
        await asyncio.sleep(0.5)
        async with hall.http.ws_connect(f"{hall.url}/ws") as ws:  # the server serves on
            assert (await receive(ws))["type"] == "snapshot"
    assert hall.server.hub.clients == 0
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_client_flooding_pings_then_vanishing_causes_no_server_error(
    start_hall: StartHall, caplog: pytest.LogCaptureFixture
) -> None:
    hall = await start_hall(supervise_every=None)
    reader, writer = await raw_stream(hall, abortive=True)
    await reader.readuntil(b"\r\n\r\n")
    mask = os.urandom(4)
    ping = (
        bytes((0x89, 0x80 | 125)) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(b"p" * 125))
    )
    with caplog.at_level(logging.INFO):
        # It never reads the pongs: the server's answers pile up until its writes wait.
        try:
            async with asyncio.timeout(PATIENCE):
                while True:
                    writer.write(ping * 1000)
                    await asyncio.wait_for(writer.drain(), 1)
        except TimeoutError:
            pass
        writer.transport.abort()
        await until(lambda: hall.server.hub.clients == 0)
        await asyncio.sleep(0.1)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def refused(hall: RunningHall, query: str, token: str | None = None) -> tuple[int, Any]:
    """The answer to a WebSocket handshake the server refuses: its status and JSON body."""
    headers = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
        "Sec-WebSocket-Version": "13",
    }
    if token:
        headers["Authorization"] = f"Bearer {token}"
    async with hall.http.get(f"{hall.url}/ws?{query}", headers=headers) as answer:
        assert answer.content_type == "application/json", answer.status
        return answer.status, await answer.json()


async def test_a_parameter_given_twice_is_refused_not_half_ignored(start_hall: StartHall) -> None:
    hall = await start_hall(supervise_every=None)
    kiosk = await hall.device("kiosk-1", "kiosk")
    manager = await hall.person("zhao", "manager")
    both = "topics=board&topics=console"
    # Judged in the usual order: asking for the console topic needs a token that may have it.
    assert (await refused(hall, both))[0] == 401
    assert (await refused(hall, both, kiosk))[0] == 403
    status, answer = await refused(hall, both, manager)
    assert (status, answer["error"]["message"]) == (422, "topics: given more than once")
    status, answer = await refused(hall, "after_seq=0&after_seq=5")
    assert (status, answer["error"]["message"]) == (422, "after_seq: given more than once")


async def test_a_token_given_twice_is_refused_once_each_was_judged(start_hall: StartHall) -> None:
    hall = await start_hall(supervise_every=None)
    kiosk = await hall.device("kiosk-1", "kiosk")
    clerk = await hall.person("wang")
    manager = await hall.person("zhao", "manager")
    console = "topics=board,console"
    # Neither token may stand for the client: which one is meant is ambiguous. Who asks is
    # still judged first, every token given (401, then 403 for the console topic), as for
    # a repeated topics; then the repetition is refused (422).
    assert (await refused(hall, f"{console}&token={manager}&token=nobody"))[0] == 401
    assert (await refused(hall, f"{console}&token={manager}&token={kiosk}"))[0] == 403
    assert (await refused(hall, f"token={kiosk}&token=nobody"))[0] == 401  # board: judged too
    twice = (422, "token: given more than once")
    for query, header in (
        (f"{console}&token={manager}&token={clerk}", None),
        (f"token={kiosk}&token={kiosk}", None),
        (f"{console}&token={clerk}&token={clerk}", manager),  # the header speaks for it
    ):
        status, answer = await refused(hall, query, header)
        assert (status, answer["error"]["message"]) == twice, query
    # Without the upgrade headers, the same JSON refusal, not aiohttp's plain-text 400.
    status, answer = await hall.call("GET", f"/ws?{console}&token={manager}&token={clerk}")
    assert (status, answer) == (
        422,
        {"error": {"code": "invalid_request", "message": "token: given more than once"}},
    )
    assert hall.server.hub.clients == 0


async def test_a_console_topic_among_unknown_ones_is_judged_by_its_token_first(
    start_hall: StartHall,
) -> None:
    hall = await start_hall(supervise_every=None)
    kiosk = await hall.device("kiosk-1", "kiosk")
    manager = await hall.person("zhao", "manager")
    # API.md's order of checks: who asks (401, then 403) before what is asked for (422).
    for query in ("topics=console,boards", "topics=boards&topics=console"):
        assert (await refused(hall, query))[0] == 401
        assert (await refused(hall, query, kiosk))[0] == 403
    status, answer = await refused(hall, "topics=console,boards", manager)
    assert (status, answer["error"]["message"]) == (
        422,
        "topics: unknown value 'boards'; use board, console",
    )


async def test_a_client_that_vanishes_mid_replay_is_not_counted_as_too_slow(
    start_hall: StartHall,
) -> None:
    hall = await start_hall(supervise_every=None)
    hub = hall.server.hub
    publish_large(hub, 301)  # after seq 1: a replay that fills the socket's buffers
    for _ in range(3):
        reader, writer = await raw_stream(hall, "?after_seq=1", abortive=True)
        await reader.readuntil(b"\r\n\r\n")
        await reader.read(1000)  # its replay has begun; then it crashes
        writer.transport.abort()
        await until(lambda: hub.clients == 0)
    # The cut-offs metric counts clients that fall behind, for an operator's alert about a
    # weak network or an overloaded server; a client that left was not one.
    assert hub.cut_offs == 0


async def test_a_stream_the_server_ends_tells_its_client_why_every_time(
    start_hall: StartHall,
) -> None:
    # The server's close frame, then the client's answer to it: dropping the connection in
    # between reset it, and a client (the display agent, a kiosk) then read no close code.
    hall = await start_hall(supervise_every=None)
    admin = await hall.person("root", "admin")
    for n in range(20):
        station = await hall.device(f"station-{n}", "station", window="1")
        query = f"topics=board,console&token={station}"
        async with hall.http.ws_connect(f"{hall.url}/ws?{query}") as ws:
            assert (await receive(ws))["type"] == "snapshot"
            status, _ = await hall.call("POST", f"/api/v1/devices/station-{n}/revoke", admin)
            assert status == 200
            message = await asyncio.wait_for(ws.receive(), timeout=PATIENCE)
            assert (message.type, ws.close_code) == (aiohttp.WSMsgType.CLOSE, stream.REVOKED)
