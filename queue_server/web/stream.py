"""GET /ws: the event stream, with a snapshot or a replay first, then every change in order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import struct
from collections.abc import Callable
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from queue_server import wire
from queue_server.accounts import AccountStore, Principal, hash_token
from queue_server.hub import Subscriber
from queue_server.web import requests as rq
from queue_server.web.auth import (
    STAFF_STREAM,
    SUPERVISORS,
    Unauthenticated,
    bearer_token,
    require_role,
)
from queue_server.web.context import CONTEXT, Context, context

log = logging.getLogger(__name__)

SEND_TIMEOUT = 5.0
# Below this many bytes waiting in a client's socket buffer the client keeps up, and the
# hub may write to it directly.
DIRECT_WRITE_LIMIT = 16 * 1024
TOO_SLOW = 4008  # an application close code: "you fell behind; resume with after_seq"
REVOKED = 4001  # "your token was revoked or your session ended": reconnecting gets a 401
# How often a stream opened with a token asks whether the token still holds: a session
# that expires ends no stream by itself, as a logout or a revocation does.
TOKEN_CHECK_SECONDS = 60.0
# nginx's status for a client that left before its answer; seen only in the access log.
CLIENT_LEFT = 499

routes = web.RouteTableDef()


def setup(app: web.Application) -> None:
    """The route, and the end of every stream (1001, going away) as the server stops.

    aiohttp's shutdown waits for each request still being handled, and a stream is one until
    its client leaves: left open, the streams held every stop up for the runner's shutdown
    timeout, then as long again once cancelled, with the hall's socket already closed, and
    their clients learnt of the stop only from a dropped connection.
    """

    async def end_every_stream(app: web.Application) -> None:
        app[CONTEXT].hub.close()

    app.on_shutdown.append(end_every_stream)
    app.add_routes(routes)


@routes.get("/ws")
async def stream(request: web.Request) -> web.StreamResponse:
    ctx = context(request)
    askers = await _askers(request, ctx.accounts)
    given = request.query.getall("topics", [wire.BOARD])
    # Who asks is judged before what is asked for: the console topic among unknown ones, or
    # in a repeated parameter, still needs a token that may have it, and so does each token
    # of a repeated one (401, 403 before 422).
    console = any(wire.CONSOLE in value.split(",") for value in given)
    if console:
        if not askers:
            raise Unauthenticated("the console topic needs a token")
        for asker in askers:
            require_role(asker, STAFF_STREAM)
    for name in ("topics", "after_seq", "token"):
        if len(request.query.getall(name, ())) > 1:
            raise rq.InvalidRequest(name, "given more than once")
    principal = next(iter(askers), None)
    topics = frozenset(rq.query_list(request.query, "topics", sorted(wire.ALL_TOPICS), wire.BOARD))
    if console and principal is not None and principal.role in SUPERVISORS:
        topics |= {wire.SUPERVISION}
    after_seq = rq.query_int(request.query, "after_seq")
    # No permessage-deflate: it would compress every message once per client, which for a
    # call shown on a thousand boards costs far more CPU than the LAN saves in bytes.
    ws = web.WebSocketResponse(heartbeat=10, max_msg_size=4096, compress=False)
    try:
        await ws.prepare(request)
    except ConnectionError:
        # The client left mid-handshake: aiohttp takes an answer it cannot send for the
        # client's disconnection, where an exception would be logged as a server error.
        return web.Response(status=CLIENT_LEFT, reason="Client Closed Request")
    # The stream remembers its token's hash, so that revoking the token closes it.
    token = bearer_token(request, allow_query=True) if principal is not None else None
    credential = None if token is None else hash_token(token)
    async with ctx.service.consistent() as hall:
        subscriber, first = ctx.hub.attach(
            topics,
            after_seq,
            lambda: wire.board_state(hall, ctx.service.recent_calls, staff=wire.CONSOLE in topics),
            credential=credential,
            own_window=_own_window(ctx, principal),
        )
    transport = request.transport
    if transport is not None:
        subscriber.write, subscriber.ready = _direct(transport, ws)
    sender = asyncio.create_task(_send(ws, ctx, subscriber, first))
    reader = asyncio.create_task(_read(ws))
    checker = None if token is None else asyncio.create_task(_end_when_refused(ctx, token))
    try:
        await asyncio.wait((sender, reader), return_when=asyncio.FIRST_COMPLETED)
    finally:
        ctx.hub.detach(subscriber)
        for task in (checker, reader, sender):
            if task is not None:
                await _cancelled(task)
        ending = _ending(sender)
        if ending is not None:
            # The server ends the stream (revoked, stopping, too slow): its close frame, then
            # the client's answer, read here with the reader stopped. Closed while a reader
            # waited, aiohttp would drop the connection at once, the answer unread, and the
            # client could lose the close frame and with it the reason.
            _drop_soon(transport)  # a client that reads nothing more cannot take even that
            await ws.close(code=ending[0], message=ending[1])
        _drop_soon(transport)
    return ws


async def _read(ws: web.WebSocketResponse) -> None:
    """Until the client closes or is gone; aiohttp answers its pings and close frames."""
    try:
        async for message in ws:
            if message.type is WSMsgType.ERROR:
                return
    except ConnectionError:  # gone while the reader was answering a ping
        pass


async def _cancelled(task: asyncio.Task[Any]) -> None:
    if not task.done():
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def _ending(sender: asyncio.Task[tuple[int, bytes] | None]) -> tuple[int, bytes] | None:
    """The close code and reason the sender ended the stream with, if it did."""
    if sender.cancelled() or sender.exception() is not None:
        return None
    return sender.result()


async def _askers(request: web.Request, accounts: AccountStore) -> list[Principal]:
    """Whom the client's tokens stand for: the one in its Authorization header, else each
    `token` in its query (browsers cannot set headers on a WebSocket). Each is judged, an
    unknown or expired one refused (401), so that a token given twice is refused as such
    (422) only once each was, in API.md's order of checks."""
    header = bearer_token(request)
    tokens = [header] if header is not None else request.query.getall("token", [])
    askers = []
    for token in tokens:
        if not token:  # `?token=`: none given
            continue
        principal = await accounts.authenticate(token)
        if principal is None:
            raise Unauthenticated("unknown or expired token")
        askers.append(principal)
    return askers


def _own_window(ctx: Context, principal: Principal | None) -> Callable[[], str | None] | None:
    """The window whose own changes (its ratings) the stream carries, or None for all:
    supervisors'. A station or pad works for the window its token is bound to; a clerk for
    the window signed in to at the moment, as clerks sign in and out while their console
    stays connected. Other clients have no window."""
    if principal is None or principal.role in SUPERVISORS:
        return None
    bound = principal.window
    if bound is not None:
        return lambda: bound
    return lambda: ctx.service.hall.window_of_clerk(principal.name)


async def _end_when_refused(ctx: Context, token: str) -> None:
    """Close the token's streams with REVOKED once it is refused: revoked while this stream
    was being set up (before the hub knew of it), or a session that expired."""
    while True:
        try:
            refused = await ctx.accounts.authenticate(token) is None
        except sqlite3.Error as failure:
            # The people table failing for a moment ends no stream, nor the checking: the
            # next round asks again (an expired session would otherwise stay connected).
            log.warning("could not check a stream's token, trying again: %s", failure)
            refused = False
        if refused:
            ctx.hub.end_streams(hash_token(token))
            return
        await asyncio.sleep(TOKEN_CHECK_SECONDS)


def _drop_soon(transport: asyncio.Transport | None) -> None:
    """Drop the connection if it is still there in SEND_TIMEOUT seconds.

    A stream that ended may still hold frames, its close frame last, for a client that reads
    nothing more; closing the socket would wait for them as long as that client likes, and
    keep its buffers meanwhile. Dropping a connection already closed does nothing.
    """
    if transport is not None:
        asyncio.get_running_loop().call_later(SEND_TIMEOUT, transport.abort)


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
        transport.write(_LAST_FRAME.of(payload))

    def ready() -> bool:
        return (
            not ws.closed
            and not transport.is_closing()
            and transport.get_write_buffer_size() < DIRECT_WRITE_LIMIT
        )

    return write, ready


class _LastFrame:
    """The frame of the message written last: the hub writes one message to every board in
    turn, so its frame is built once, not once per board."""

    __slots__ = ("frame", "payload")

    def __init__(self) -> None:
        self.payload: bytes | None = None
        self.frame = b""

    def of(self, payload: bytes) -> bytes:
        if payload is not self.payload:
            self.payload, self.frame = payload, _text_frame(payload)
        return self.frame


_LAST_FRAME = _LastFrame()


def _text_frame(payload: bytes) -> bytes:
    size = len(payload)
    if size < 126:
        return bytes((0x81, size)) + payload
    if size < 1 << 16:
        return struct.pack("!BBH", 0x81, 126, size) + payload
    return struct.pack("!BBQ", 0x81, 127, size) + payload


async def _send(
    ws: web.WebSocketResponse,
    ctx: Context,
    sub: Subscriber,
    first: list[bytes],
) -> tuple[int, bytes] | None:
    """The client's own sender: its first messages, then whatever the hub had to queue;
    returns the close code and reason when the server ends the stream, None when the client
    is gone."""
    # asyncio.timeout, not wait_for: on Python 3.11 wait_for wraps every send in a new task.
    try:
        for frame in first:
            if sub.cut_off:  # revoked, or too slow, while its replay was being sent
                break
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
            code, reason = REVOKED, b"token revoked or session ended"
        elif sub.shut_down:
            code, reason = WSCloseCode.GOING_AWAY, b"server stopping; reconnect with after_seq"
        else:
            code, reason = TOO_SLOW, b"too slow; reconnect with after_seq"
    except TimeoutError:
        log.info("stream client dropped: a send timed out")
        ctx.hub.cut_off(sub)
        code, reason = WSCloseCode.POLICY_VIOLATION, b"send timed out"
    except ConnectionError as failure:
        # Gone (reset, or closed while a replay was being sent): nobody to tell, and no
        # client too slow either, which is all that hub.cut_offs is to count.
        log.info("stream client gone while sending: %r", failure)
        ctx.hub.detach(sub)
        return None
    return code, reason
