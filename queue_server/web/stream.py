"""GET /ws: the event stream, with a snapshot or a replay first, then every change in order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
from collections.abc import Callable

from aiohttp import WSCloseCode, WSMsgType, web

from queue_server import wire
from queue_server.accounts import hash_token
from queue_server.hub import Subscriber
from queue_server.web import requests as rq
from queue_server.web.auth import (
    STAFF_STREAM,
    Unauthenticated,
    bearer_token,
    optional_principal,
    require_role,
)
from queue_server.web.context import Context, context

log = logging.getLogger(__name__)

SEND_TIMEOUT = 5.0
# Below this many bytes waiting in a client's socket buffer the client keeps up, and the
# hub may write to it directly.
DIRECT_WRITE_LIMIT = 16 * 1024
TOO_SLOW = 4008  # an application close code: "you fell behind; resume with after_seq"
REVOKED = 4001  # "your token was revoked or your session ended": reconnecting gets a 401

routes = web.RouteTableDef()


@routes.get("/ws")
async def stream(request: web.Request) -> web.StreamResponse:
    ctx = context(request)
    principal = await optional_principal(request, ctx.accounts, allow_query=True)
    topics = frozenset(rq.query_list(request.query, "topics", sorted(wire.ALL_TOPICS), wire.BOARD))
    if wire.CONSOLE in topics:
        if principal is None:
            raise Unauthenticated("the console topic needs a token")
        require_role(principal, STAFF_STREAM)
    after_seq = rq.query_int(request.query, "after_seq")
    # No permessage-deflate: it would compress every message once per client, which for a
    # call shown on a thousand boards costs far more CPU than the LAN saves in bytes.
    ws = web.WebSocketResponse(heartbeat=10, max_msg_size=4096, compress=False)
    await ws.prepare(request)
    # The stream remembers its token's hash, so that revoking the token closes it.
    token = bearer_token(request, allow_query=True) if principal is not None else None
    credential = None if token is None else hash_token(token)
    async with ctx.service.consistent() as hall:
        subscriber, first = ctx.hub.attach(
            topics,
            after_seq,
            lambda: wire.board_state(hall, ctx.service.recent_calls, staff=wire.CONSOLE in topics),
            credential=credential,
        )
    # A token revoked while this stream was being set up was not yet in the hub to close.
    if token is not None and await ctx.accounts.authenticate(token) is None:
        ctx.hub.end_streams(hash_token(token))
    if request.transport is not None:
        subscriber.write, subscriber.ready = _direct(request.transport, ws)
    sender = asyncio.create_task(_send(ws, ctx, subscriber, first))
    try:
        async for message in ws:  # the reader handles pings and close frames
            if message.type is WSMsgType.ERROR:
                break
    finally:
        ctx.hub.detach(subscriber)
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sender
    return ws


def _direct(
    transport: asyncio.Transport, ws: web.WebSocketResponse
) -> tuple[Callable[[bytes], None], Callable[[], bool]]:
    """Writing a text frame straight to the socket, and whether that is safe now.

    A server's text frame is a two-to-ten-byte header and the unmasked payload (RFC 6455,
    5.2). Writing it to the transport ourselves spares a coroutine per board per message;
    aiohttp's writer still sends everything else (snapshots, queued messages, pings,
    close). It is safe while the socket buffer is nearly empty (asyncio pauses writing at
    64 KiB, so nothing is waiting to be written) and the connection is not closing.
    The transport is asyncio's or uvloop's (which does not derive from asyncio's classes).
    """

    def write(payload: bytes) -> None:
        transport.write(_text_frame(payload))

    def ready() -> bool:
        return (
            not ws.closed
            and not transport.is_closing()
            and transport.get_write_buffer_size() < DIRECT_WRITE_LIMIT
        )

    return write, ready


def _text_frame(payload: bytes) -> bytes:
    size = len(payload)
    if size < 126:
        return bytes((0x81, size)) + payload
    if size < 1 << 16:
        return struct.pack("!BBH", 0x81, 126, size) + payload
    return struct.pack("!BBQ", 0x81, 127, size) + payload


async def _send(
    ws: web.WebSocketResponse, ctx: Context, sub: Subscriber, first: list[bytes]
) -> None:
    """The client's own sender: its first messages, then whatever the hub had to queue."""
    # asyncio.timeout, not wait_for: on Python 3.11 wait_for wraps every send in a new task.
    try:
        for frame in first:
            async with asyncio.timeout(SEND_TIMEOUT):
                await ws.send_frame(frame, WSMsgType.TEXT)
        while True:
            sub.busy = False
            queued = await sub.queue.get()
            sub.busy = True
            if queued is None:
                break
            async with asyncio.timeout(SEND_TIMEOUT):
                await ws.send_frame(queued, WSMsgType.TEXT)
        if sub.revoked:
            await ws.close(code=REVOKED, message=b"token revoked or session ended")
        else:
            await ws.close(code=TOO_SLOW, message=b"too slow; reconnect with after_seq")
    except (TimeoutError, ConnectionError) as failure:
        log.info("stream client dropped: %r", failure)
        ctx.hub.cut_off(sub)
        with contextlib.suppress(Exception):
            await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"send timed out")
