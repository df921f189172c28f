"""GET /ws: the event stream, with a snapshot or a replay first, then every change in order."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import WSCloseCode, WSMsgType, web

from queue_server import wire
from queue_server.hub import Subscriber
from queue_server.web import requests as rq
from queue_server.web.auth import STAFF_STREAM, Unauthenticated, optional_principal, require_role
from queue_server.web.context import Context, context

log = logging.getLogger(__name__)

SEND_TIMEOUT = 5.0
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
    ws = web.WebSocketResponse(heartbeat=10, max_msg_size=4096)
    await ws.prepare(request)
    async with ctx.service.consistent() as hall:
        subscriber, first = ctx.hub.attach(
            topics,
            after_seq,
            lambda: wire.board_state(hall, ctx.service.recent_calls, staff=wire.CONSOLE in topics),
        )
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


async def _send(ws: web.WebSocketResponse, ctx: Context, sub: Subscriber, first: list[str]) -> None:
    # asyncio.timeout, not wait_for: on Python 3.11 wait_for wraps every send in a new task,
    # which for a call shown on 1,000 boards is thousands of tasks per call.
    try:
        for text in first:
            async with asyncio.timeout(SEND_TIMEOUT):
                await ws.send_str(text)
        while (queued := await sub.queue.get()) is not None:
            async with asyncio.timeout(SEND_TIMEOUT):
                await ws.send_str(queued)
        await ws.close(code=TOO_SLOW, message=b"too slow; reconnect with after_seq")
    except (TimeoutError, ConnectionError) as failure:
        log.info("stream client dropped: %r", failure)
        ctx.hub.cut_off(sub)
        with contextlib.suppress(Exception):
            await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"send timed out")
