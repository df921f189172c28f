"""Device health: kiosks, boards, pads and stations report their parts; managers read it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web

from queue_server import wire
from queue_server.accounts import Role
from queue_server.domain import commands as c
from queue_server.domain.records import DeviceHealth
from queue_server.domain.state import Hall, Outcome
from queue_server.web import requests as rq
from queue_server.web.auth import SUPERVISORS, actor, require_principal, require_role
from queue_server.web.context import context
from queue_server.web.replies import reply

routes = web.RouteTableDef()

DEVICES = frozenset({Role.KIOSK, Role.BOARD, Role.PAD, Role.STATION})


def health(hall: Hall, record: DeviceHealth) -> dict[str, Any]:
    return {
        "device": record.device,
        "component": record.component,
        "condition": record.condition,
        "detail": record.detail,
        "since": wire.when(record.since, hall),
    }


@routes.post("/api/v1/devices/self/status")
async def report(request: web.Request) -> web.Response:
    """A device reports one part's condition; only changes reach the journal and the console."""
    ctx = context(request)
    principal = await require_principal(request, ctx.accounts)
    require_role(principal, DEVICES)
    body = rq.DEVICE_REPORT.parse(await request.read())
    command = c.ReportDevice(
        device=actor(principal),
        component=body["component"],
        condition=body["condition"],
        detail=body.get("detail") or None,
    )

    def answer(hall: Hall, outcome: Outcome, now: dt.datetime) -> dict[str, Any]:
        return {"device": health(hall, hall.devices[(command.device, command.component)])}

    return reply(await ctx.service.execute(command, answer))


@routes.get("/api/v1/devices")
async def list_health(request: web.Request) -> web.Response:
    """Every part any device has reported, worst news first."""
    ctx = context(request)
    principal = await require_principal(request, ctx.accounts)
    require_role(principal, SUPERVISORS)
    async with ctx.service.consistent() as hall:
        records = sorted(hall.devices.values(), key=lambda r: (r.healthy, r.device, r.component))
        return reply({"devices": [health(hall, r) for r in records]})
