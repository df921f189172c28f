"""The station's local HTTP API on 127.0.0.1: the touch rating pad page, its state and ratings."""

from __future__ import annotations

import contextlib
import importlib.resources
import json
import re
from pathlib import Path

import aiohttp
from aiohttp import web

from kiosk.agent.link_errors import IssueRefused, ServerUnavailable
from kiosk.local_page import PROXY, dumps, local_app
from kiosk.station.runtime import Station, levels

STATIC = Path(str(importlib.resources.files("display") / "static"))
SILHOUETTE = STATIC / "pad-silhouette.svg"
STATION = web.AppKey("station", Station)
STAFF_NO = re.compile(r"[A-Za-z0-9_-]{1,32}")
TAG = re.compile(r"[0-9]{3}")
RATE_FIELDS = frozenset({"level", "tags", "comment"})


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response(
        {"error": {"code": code, "message": message}}, status=status, dumps=dumps
    )


def _rate_body(raw: bytes) -> tuple[int, list[str], str | None] | web.Response:
    """{level, tags?, comment?} checked, or the 422 the page shows."""
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        return _error(422, "invalid_request", "body: not valid JSON")
    if not isinstance(data, dict) or not set(data) <= RATE_FIELDS:
        return _error(422, "invalid_request", "body: give level, tags and comment only")
    level, tags, comment = data.get("level"), data.get("tags", []), data.get("comment")
    if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= 5:
        return _error(422, "invalid_request", "level: must be 1 to 5")
    if not isinstance(tags, list) or len(tags) > 8:
        return _error(422, "invalid_request", "tags: at most 8")
    if not all(isinstance(t, str) and TAG.fullmatch(t) for t in tags):
        return _error(422, "invalid_request", "tags: national codes such as 115")
    if comment is not None and (not isinstance(comment, str) or len(comment) > 500):
        return _error(422, "invalid_request", "comment: at most 500 characters")
    return level, tags, (comment or "").strip() or None


async def rate(request: web.Request) -> web.Response:
    station = request.app[STATION]
    body = _rate_body(await request.read())
    if isinstance(body, web.Response):
        return body
    try:
        answer = await station.rate(*body)
    except IssueRefused as exc:
        return _error(exc.status, exc.code, exc.message)
    except ServerUnavailable:
        return _error(503, "server_unavailable", "网络中断，请稍后再试或联系工作人员")
    return web.json_response(answer, status=201, dumps=dumps)


async def rating_levels(request: web.Request) -> web.Response:
    """The five levels and the national tags of each (queue_server.domain.ratings)."""
    return web.json_response({"levels": levels()}, dumps=dumps)


async def photo(request: web.Request) -> web.StreamResponse:
    """The clerk's photo from the server; a neutral silhouette when there is none."""
    station = request.app[STATION]
    staff_no = request.query.get("staff_no", "")
    if STAFF_NO.fullmatch(staff_no):
        url = f"{station.server_url}/api/v1/staff/{staff_no}/photo"
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with request.app[PROXY].get(url) as upstream:
                if upstream.status == 200 and upstream.content_type.startswith("image/"):
                    return web.Response(
                        body=await upstream.read(),
                        content_type=upstream.content_type,
                        headers={"Cache-Control": "max-age=300"},
                    )
    return web.FileResponse(SILHOUETTE)


def make_app(station: Station, photo_token: str | None) -> web.Application:
    """The pad page's app; `photo_token` (pad or station) fetches the clerk's photo."""
    auth = {"Authorization": f"Bearer {photo_token}"} if photo_token else {}
    app = local_app(
        station,
        agent="station",
        server_url=station.server_url,
        static=STATIC,
        page="pad.html",
        proxy_headers=auth,
    )
    app[STATION] = station
    app.router.add_get("/local/levels", rating_levels)
    app.router.add_post("/local/rate", rate)
    app.router.add_get("/local/photo", photo)
    return app
