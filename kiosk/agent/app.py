"""The kiosk's local HTTP API on 127.0.0.1: the touchscreen page, issuing, check-in, voice."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.resources
import json
import logging
import re
import uuid
import weakref
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import WSCloseCode, web

from kiosk.agent.errors import IssueRefused
from kiosk.agent.runtime import Kiosk

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent.parent / "static"
SERVER_STATIC = Path(str(importlib.resources.files("queue_server.web") / "static"))
SHARED = frozenset({"voice.js", "bilingual.js", "words.js"})
KIOSK = web.AppKey("kiosk", Kiosk)
PROXY = web.AppKey("proxy", aiohttp.ClientSession)
SOCKETS = web.AppKey("sockets", weakref.WeakSet[web.WebSocketResponse])

SERVICE_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")
CODE = re.compile(r"[A-Za-z0-9_-]{4,64}")
TOUCH_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
PRIORITIES = ("normal", "green")
CSP = (
    "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; "
    "connect-src 'self' ws://127.0.0.1:* ws://localhost:*; style-src 'self'; script-src 'self'"
)


def _invalid(field: str, message: str) -> web.Response:
    body = {"error": {"code": "invalid_request", "message": f"{field}: {message}", "field": field}}
    return web.json_response(body, status=422, dumps=_dumps)


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


def _refused(exc: IssueRefused) -> web.Response:
    return web.json_response(exc.body(), status=exc.status, dumps=_dumps)


async def _body(
    request: web.Request, allowed: dict[str, re.Pattern[str] | tuple[str, ...]]
) -> dict[str, str] | web.Response:
    """A small JSON object whose fields are all strings matching `allowed`, or a 422."""
    try:
        data = json.loads(await request.read() or b"{}")
    except (ValueError, UnicodeDecodeError):
        return _invalid("body", "not valid JSON")
    if not isinstance(data, dict):
        return _invalid("body", "must be a JSON object")
    for name, value in data.items():
        rule = allowed.get(name)
        if rule is None:
            return _invalid(name, "unknown field")
        if not isinstance(value, str):
            return _invalid(name, "must be a string")
        if isinstance(rule, tuple) and value not in rule:
            return _invalid(name, f"must be one of {', '.join(rule)}")
        if isinstance(rule, re.Pattern) and not rule.fullmatch(value):
            return _invalid(name, "has the wrong format")
    return data


async def issue(request: web.Request) -> web.Response:
    kiosk = request.app[KIOSK]
    body = await _body(
        request, {"service": SERVICE_ID, "priority": PRIORITIES, "touch_id": TOUCH_ID}
    )
    if isinstance(body, web.Response):
        return body
    if "service" not in body:
        return _invalid("service", "is required")
    priority = body.get("priority", "normal")
    key = body.get("touch_id") or uuid.uuid4().hex
    try:
        card = kiosk.green_card() if priority == "green" else kiosk.fresh_card()
        issued = await kiosk.desk.issue(
            body["service"], priority, key, id_number=card.id_number if card else None
        )
    except IssueRefused as exc:
        return _refused(exc)
    finally:
        kiosk.changed()
    if card is not None:
        kiosk.forget_card()  # one card, one ticket: the next citizen must not use it
    return web.json_response(issued.body(), status=201, dumps=_dumps)


async def check_in(request: web.Request) -> web.Response:
    kiosk = request.app[KIOSK]
    body = await _body(request, {"code": CODE, "touch_id": TOUCH_ID})
    if isinstance(body, web.Response):
        return body
    if "code" not in body:
        return _invalid("code", "is required")
    try:
        issued = await kiosk.desk.check_in(body["code"], body.get("touch_id") or uuid.uuid4().hex)
    except IssueRefused as exc:
        return _refused(exc)
    finally:
        kiosk.changed()
    return web.json_response(issued.body(), status=201, dumps=_dumps)


async def appointment(request: web.Request) -> web.Response:
    """A typed code looked up before check-in, like a scanned one."""
    kiosk = request.app[KIOSK]
    code = request.match_info["code"]
    if not CODE.fullmatch(code):
        return _invalid("code", "has the wrong format")
    try:
        found = await kiosk.link.request("GET", f"/api/v1/appointments/{code}", retry=False)
    except IssueRefused as exc:
        return _refused(exc)
    except Exception:
        return web.json_response(
            {"error": {"code": "server_unavailable", "message": "网络中断，请稍候再试"}},
            status=503,
            dumps=_dumps,
        )
    return web.json_response(found, dumps=_dumps)


async def state(request: web.Request) -> web.Response:
    return web.json_response(request.app[KIOSK].state(), dumps=_dumps)


async def events(request: web.Request) -> web.WebSocketResponse:
    """State on connect and on every change; scans and ID cards as they happen."""
    kiosk = request.app[KIOSK]
    ws = web.WebSocketResponse(heartbeat=10)
    await ws.prepare(request)
    request.app[SOCKETS].add(ws)
    queue = kiosk.listen()
    sender = asyncio.create_task(_send(ws, queue), name="hallq-kiosk-page")
    try:
        # The page sends nothing, but only reading notices it going away; waiting on the queue
        # alone kept a closed page's handler alive, and the agent's shutdown waited for it.
        async for _ in ws:
            pass
    finally:
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sender
        kiosk.unlisten(queue)
        request.app[SOCKETS].discard(ws)
    return ws


async def _send(ws: web.WebSocketResponse, queue: asyncio.Queue[dict[str, Any]]) -> None:
    try:
        while not ws.closed:
            await ws.send_str(_dumps(await queue.get()))
    except (ConnectionResetError, aiohttp.ClientConnectionResetError):
        pass  # the page is gone; the reader in `events` ends too


async def _close_pages(app: web.Application) -> None:
    """On shutdown: the pages reconnect to the next agent instead of holding this one up."""
    pages = app[SOCKETS]
    for ws in list(pages):
        await ws.close(code=WSCloseCode.GOING_AWAY, message=b"kiosk agent stopping")


async def voice(request: web.Request) -> web.Response:
    """The server's voice pack, for elderly-mode guidance: passed through, cached by the page."""
    kiosk = request.app[KIOSK]
    url = f"{kiosk.link.server_url}{request.path_qs}"
    try:
        async with request.app[PROXY].get(url) as upstream:
            data = await upstream.read()
            return web.Response(
                body=data,
                status=upstream.status,
                content_type=upstream.content_type,
                headers={"Cache-Control": "max-age=3600"} if upstream.status == 200 else None,
            )
    except (aiohttp.ClientError, TimeoutError):
        return web.Response(status=503)


async def shared(request: web.Request) -> web.FileResponse:
    """Modules shared with the boards: the voice queue and the second-language helpers."""
    name = request.match_info["name"]
    if name not in SHARED:
        raise web.HTTPNotFound()
    return web.FileResponse(SERVER_STATIC / name)


async def page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "kiosk.html")


@web.middleware
async def headers(request: web.Request, handler: Any) -> web.StreamResponse:
    response: web.StreamResponse = await handler(request)
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def make_app(kiosk: Kiosk) -> web.Application:
    app = web.Application(middlewares=[headers], client_max_size=16 * 1024)
    app[KIOSK] = kiosk
    app[SOCKETS] = weakref.WeakSet()
    app.on_shutdown.append(_close_pages)

    async def proxy_session(app: web.Application) -> Any:
        app[PROXY] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5))
        yield
        await app[PROXY].close()

    app.cleanup_ctx.append(proxy_session)
    app.router.add_get("/", page)
    app.router.add_get("/local/state", state)
    app.router.add_get("/local/ws", events)
    app.router.add_post("/local/issue", issue)
    app.router.add_post("/local/checkin", check_in)
    app.router.add_get("/local/appointments/{code}", appointment)
    app.router.add_get("/voice/{name}", voice)
    app.router.add_static("/static/", STATIC)
    app.router.add_get("/shared/{name}", shared)
    return app
