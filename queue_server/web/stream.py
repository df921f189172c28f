"""GET /ws: the event stream, with a snapshot or a replay first, then every change in order."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable

from aiohttp import WSCloseCode, WSMsgType, web

from queue_server import wire
from queue_server.hub import Subscriber
from queue_server.web import requests as rq
from queue_server.web.auth import STAFF_STREAM, Unauthenticated, optional_principal, require_role
from queue_server.web.context import Context, context

log = logging.getLogger(__name__)

SEND_TIMEOUT = 5.0
# Below this many bytes waiting in a client's socket buffer, a write cannot block (asyncio
# pauses writing at 64 KiB), so the hub may write to it directly.
DIRECT_WRITE_LIMIT = 16 * 1024
TOO_SLOW = 4008  # an application close code: "you fell behind; resume with after_seq"

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
    async with ctx.service.consistent() as hall:
        subscriber, first = ctx.hub.attach(
            topics,
            after_seq,
            lambda: wire.board_state(hall, ctx.service.recent_calls, staff=wire.CONSOLE in topics),
        )
    subscriber.send = functools.partial(ws.send_frame, opcode=WSMsgType.TEXT)
    subscriber.ready = _keeping_up(request, ws)
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


def _keeping_up(request: web.Request, ws: web.WebSocketResponse) -> Callable[[], bool]:
    """True while a write to this client cannot wait: its socket buffer is nearly empty."""
    transport = request.transport

    def ready() -> bool:
        return (
            transport is not None
            and not transport.is_closing()
            and not ws.closed
            and transport.get_write_buffer_size() < DIRECT_WRITE_LIMIT
        )

    return ready


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
        await ws.close(code=TOO_SLOW, message=b"too slow; reconnect with after_seq")
    except (TimeoutError, ConnectionError) as failure:
        log.info("stream client dropped: %r", failure)
        ctx.hub.cut_off(sub)
        with contextlib.suppress(Exception):
            await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"send timed out")
