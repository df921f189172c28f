"""The kiosk's local HTTP API on 127.0.0.1: the touchscreen page, issuing and check-in."""

from __future__ import annotations

import json
import logging
import re
import uuid
from pathlib import Path

from aiohttp import web

from kiosk.agent.link_errors import IssueRefused
from kiosk.agent.runtime import Kiosk
from kiosk.local_page import dumps, local_app

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent.parent / "static"
KIOSK = web.AppKey("kiosk", Kiosk)

SERVICE_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")
CODE = re.compile(r"[A-Za-z0-9_-]{4,64}")
TOUCH_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
PRIORITIES = ("normal", "green")


def _invalid(field: str, message: str) -> web.Response:
    body = {"error": {"code": "invalid_request", "message": f"{field}: {message}", "field": field}}
    return web.json_response(body, status=422, dumps=dumps)


def _refused(exc: IssueRefused) -> web.Response:
    return web.json_response(exc.body(), status=exc.status, dumps=dumps)


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
    return web.json_response(issued.body(), status=201, dumps=dumps)


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
    return web.json_response(issued.body(), status=201, dumps=dumps)


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
            dumps=dumps,
        )
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
