"""What every agent's local page app on 127.0.0.1 has: headers, the page socket, voice, statics."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.resources
import json
import os
import weakref
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import WSCloseCode, web

from kiosk import local_checks
from kiosk.page_feed import PageFeed
from queue_server.web.bodies import whole_body
from queue_server.web.replies import MAX_BODY, error

SERVER_STATIC = Path(str(importlib.resources.files("queue_server.web") / "static"))
SHARED = frozenset({"voice.js", "bilingual.js", "words.js"})
CSP = (
    "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; "
    "connect-src 'self' ws://127.0.0.1:* ws://localhost:*; style-src 'self'; script-src 'self'"
)
FEED = web.AppKey("feed", PageFeed)
PROXY = web.AppKey("proxy", aiohttp.ClientSession)
SOCKETS = web.AppKey("sockets", weakref.WeakSet[web.WebSocketResponse])
SERVER_URL = web.AppKey("server_url", str)
PAGE = web.AppKey("page", Path)
AGENT = web.AppKey("agent", str)


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


def local_app(
    feed: PageFeed,
    *,
    agent: str,
    server_url: str,
    static: Path,
    page: str,
    proxy_headers: dict[str, str] | None = None,
) -> web.Application:
    """The app with `/`, `/local/state`, `/local/ws`, `/voice/`, `/static/` and `/shared/`.

    `agent` names it in task names and in the close message; `proxy_headers` go with every
    request the app passes on to the server. The agent adds its own routes. Requests are
    judged as the server judges them (local_checks): a body the routes read with
    `queue_server.web.requests` and find malformed is 422, a write from another site's page 403.
    """
    app = web.Application(
        middlewares=[headers, local_checks.errors, local_checks.own_page_only, whole_body],
        client_max_size=MAX_BODY,
    )
    app[FEED] = feed
    app[AGENT] = agent
    app[SERVER_URL] = server_url
    app[PAGE] = static / page
    app[SOCKETS] = weakref.WeakSet()
    app.on_shutdown.append(_close_pages)
    app.cleanup_ctx.append(_proxy_session(proxy_headers or {}))
    app.router.add_get("/", _page)
    app.router.add_get("/local/state", _state)
    app.router.add_get("/local/ws", _events)
    app.router.add_get("/voice/{name}", _voice)
    app.router.add_static("/static/", static)
    app.router.add_get("/shared/{name}", _shared)
    return app


class PortUnavailable(Exception):
    """The page's port cannot be had; the message says which and how to choose another."""


async def serve(app: web.Application, port: int, *, page: str, port_setting: str) -> web.AppRunner:
    """Serve `app` on 127.0.0.1 only: the page is for this device's own screen.

    When the port cannot be had, the half-started app lets go of what it opened (its proxy
    session) and PortUnavailable names the `page`, the address and `port_setting`, where
    another port is chosen.
    """
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", port).start()
    except OSError as exc:
        await runner.cleanup()
        why = os.strerror(exc.errno) if exc.errno else str(exc)
        raise PortUnavailable(
            f"the {page} cannot use 127.0.0.1:{port} ({why}): is another {app[AGENT]} agent "
            f"running? Choose another with {port_setting}"
        ) from exc
    return runner


@web.middleware
async def headers(request: web.Request, handler: Any) -> web.StreamResponse:
    response: web.StreamResponse = await handler(request)
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _proxy_session(
    auth: dict[str, str],
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def proxy_session(app: web.Application) -> AsyncIterator[None]:
        app[PROXY] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5), headers=auth)
        yield
        await app[PROXY].close()

    return proxy_session


async def _page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(request.app[PAGE])


async def _state(request: web.Request) -> web.Response:
    return web.json_response(request.app[FEED].state(), dumps=dumps)


async def _events(request: web.Request) -> web.WebSocketResponse:
    """State on connect, then every message the agent pushes, as it happens."""
    feed = request.app[FEED]
    ws = web.WebSocketResponse(heartbeat=10)
    await ws.prepare(request)
    request.app[SOCKETS].add(ws)
    queue = feed.listen()
    sender = asyncio.create_task(_send(ws, feed, queue), name=f"hallq-{request.app[AGENT]}-page")
    try:
        # The page sends nothing, but only reading notices it going away; waiting on the queue
        # alone kept a closed page's handler alive, and the agent's shutdown waited for it.
        async for _ in ws:
            pass
    finally:
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sender
        feed.unlisten(queue)
        request.app[SOCKETS].discard(ws)
    return ws


async def _send(
    ws: web.WebSocketResponse, feed: PageFeed, queue: asyncio.Queue[dict[str, Any]]
) -> None:
    try:
        while not ws.closed:
            message = await queue.get()
            if not feed.listening(queue):
                # The page fell behind and is no longer fed: what it would be sent is stale,
                # and nothing would follow. Closed, it reconnects and gets the state as it is.
                await ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"fell behind")
                return
            await ws.send_str(dumps(message))
    except (ConnectionResetError, aiohttp.ClientConnectionResetError):
        pass  # the page is gone; the reader in `_events` ends too


async def _close_pages(app: web.Application) -> None:
    """On shutdown: the pages reconnect to the next agent instead of holding this one up."""
    pages, message = app[SOCKETS], f"{app[AGENT]} agent stopping".encode()
    for ws in list(pages):
        await ws.close(code=WSCloseCode.GOING_AWAY, message=message)


async def _voice(request: web.Request) -> web.Response:
    """The server's voice pack, passed through; the page caches it."""
    url = f"{request.app[SERVER_URL]}{request.path_qs}"
    try:
        async with request.app[PROXY].get(url) as upstream:
            return web.Response(
                body=await upstream.read(),
                status=upstream.status,
                content_type=upstream.content_type,
                headers={"Cache-Control": "max-age=3600"} if upstream.status == 200 else None,
            )
    except (aiohttp.ClientError, TimeoutError):
        return error(503, "server_unavailable", "voice: the server is not reachable")


async def _shared(request: web.Request) -> web.FileResponse:
    """Modules shared with the boards: the voice queue and the second-language helpers."""
    name = request.match_info["name"]
    if name not in SHARED:
        raise web.HTTPNotFound()
    return web.FileResponse(SERVER_STATIC / name)
