"""The kiosk's local HTTP API on 127.0.0.1: the touchscreen page, issuing and check-in."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

from aiohttp import web

from kiosk.agent.link_errors import IssueRefused
from kiosk.agent.runtime import Kiosk, unknown_appointment
from kiosk.local_page import dumps, local_app
from queue_server.web import requests as rq
from queue_server.web.replies import error

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent.parent / "static"
KIOSK = web.AppKey("kiosk", Kiosk)

# The page's touch, which the desk sends as the server's idempotency_key.
TOUCH_ID = rq.Text(max_length=64, min_length=8, pattern=r"[A-Za-z0-9_-]+")
# POST /api/v1/tickets' own fields, so the page is refused exactly as the server would refuse
# it; the ID number comes from the card reader, never from the page.
ISSUE = rq.shape(
    {"service": rq.ISSUE.required["service"]},
    priority=rq.ISSUE.optional["priority"],
    touch_id=TOUCH_ID,
)
CHECK_IN = rq.shape({"code": rq.APPOINTMENT_CODE}, touch_id=TOUCH_ID)


def _refused(exc: IssueRefused) -> web.Response:
    return web.json_response(exc.body(), status=exc.status, dumps=dumps)


async def issue(request: web.Request) -> web.Response:
    kiosk = request.app[KIOSK]
    body = ISSUE.parse(await request.read())  # a malformed one: 422 (local_checks.errors)
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
    return web.json_response(issued.body(), status=201, dumps=dumps)


async def check_in(request: web.Request) -> web.Response:
    kiosk = request.app[KIOSK]
    body = CHECK_IN.parse(await request.read())
    try:
        issued = await kiosk.desk.check_in(body["code"], body.get("touch_id") or uuid.uuid4().hex)
    except IssueRefused as exc:
        return _refused(exc)
    finally:
        kiosk.changed()
    return web.json_response(issued.body(), status=201, dumps=dumps)


async def appointment(request: web.Request) -> web.Response:
    """A typed code looked up before check-in, like a scanned one."""
    kiosk = request.app[KIOSK]
    code = request.match_info["code"]
    if not rq.matches(rq.APPOINTMENT_CODE, code):  # as the server answers such a code
        return _refused(unknown_appointment())
    try:
        found = await kiosk.link.request("GET", f"/api/v1/appointments/{code}", retry=False)
    except IssueRefused as exc:
        return _refused(exc)
    except Exception:
        return error(503, "server_unavailable", "网络中断，请稍候再试")
    return web.json_response(found, dumps=dumps)


def make_app(kiosk: Kiosk) -> web.Application:
    app = local_app(
        kiosk, agent="kiosk", server_url=kiosk.link.server_url, static=STATIC, page="kiosk.html"
    )
    app[KIOSK] = kiosk
    app.router.add_post("/local/issue", issue)
    app.router.add_post("/local/checkin", check_in)
    app.router.add_get("/local/appointments/{code}", appointment)
    return app
