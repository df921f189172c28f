"""The station's local HTTP API on 127.0.0.1: the touch rating pad page, its state and ratings."""

from __future__ import annotations

import contextlib
import importlib.resources
import re
from pathlib import Path

import aiohttp
from aiohttp import web

from kiosk.agent.link_errors import IssueRefused, ServerUnavailable
from kiosk.local_page import PROXY, dumps, local_app
from kiosk.station.runtime import Station, levels
from queue_server.web import requests as rq
from queue_server.web.replies import error

STATIC = Path(str(importlib.resources.files("display") / "static"))
SILHOUETTE = STATIC / "pad-silhouette.svg"
STATION = web.AppKey("station", Station)
STAFF_NO = re.compile(r"[A-Za-z0-9_-]{1,32}")

# POST /api/v1/ratings' own fields, less what the station adds (the ticket, the channel):
# the pad page is refused exactly as the server would refuse it.
RATE = rq.shape(
    {"level": rq.RATING.required["level"]},
    tags=rq.RATING.optional["tags"],
    comment=rq.RATING.optional["comment"],
    # The ticket the pad asked about: a rating opened for the next citizen meanwhile must
    # not take this one's answer.
    ticket=rq.RATING.required["ticket"],
)


async def rate(request: web.Request) -> web.Response:
    station = request.app[STATION]
    body = RATE.parse(await request.read())  # a malformed one: 422 (local_checks.errors)
    comment = (body.get("comment") or "").strip() or None
    try:
        answer = await station.rate(
            body["level"], body.get("tags", []), comment, ticket=body.get("ticket")
        )
    except IssueRefused as exc:
        return error(exc.status, exc.code, exc.message)
    except ServerUnavailable:
        return error(503, "server_unavailable", "网络中断，请稍后再试或联系工作人员")
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
