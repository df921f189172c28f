"""Tuning the hall on the wire: window services, quotas, issuing paused, windows opened and
closed, tickets pinned; the audit; undo; the waiting tickets a manager may pin."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from aiohttp import web

from queue_server import wire, wire_records
from queue_server.domain import commands as c
from queue_server.domain.deciding_base import Outcome
from queue_server.domain.events import TuningChanged
from queue_server.domain.state import Hall
from queue_server.web import requests as rq
from queue_server.web.auth import SUPERVISORS, actor, require_principal, require_role
from queue_server.web.context import context
from queue_server.web.replies import reply

routes = web.RouteTableDef()

# The body fields each kind takes, besides `kind`; the first is the target.
_FIELDS = {
    "window_services": ("window", "services", "overflow"),
    "quota": ("service", "daily_quota", "session_quota"),
    "issuing": ("service", "paused", "reason"),
    "window_open": ("window", "open"),
    "pin": ("ticket", "pinned"),
}
_REQUIRED = {
    "window_services": ("window", "services"),
    "quota": ("service",),
    "issuing": ("service", "paused"),
    "window_open": ("window", "open"),
    "pin": ("ticket", "pinned"),
}
# The ticket lists GET /api/v1/tickets gives; only the waiting one so far (the pin list).
TICKET_LISTS = ("waiting",)


def _change_answer(hall: Hall, outcome: Outcome, now: dt.datetime) -> dict[str, Any]:
    change = next((ev for ev in outcome.events if isinstance(ev, TuningChanged)), None)
    return {
        "change": wire_records.change_view(hall, hall.changes[change.change_id]) if change else None
    }


@routes.post("/api/v1/tuning")
async def tune(request: web.Request) -> web.Response:
    ctx = context(request)
    principal = await require_principal(request, ctx.accounts)
    require_role(principal, SUPERVISORS)
    body = rq.TUNING.parse(await request.read())
    kind = body["kind"]
    fields = _FIELDS[kind]
    for name in body:
        if name != "kind" and name not in fields:
            raise rq.InvalidRequest(name, f"not used by a {kind} change")
    for name in _REQUIRED[kind]:
        if name not in body:
            raise rq.InvalidRequest(name, f"is required for a {kind} change")
    target = body[fields[0]]
    values = {name: body.get(name) for name in fields[1:]}
    command = c.Tune(uuid.uuid4().hex, kind, target, values, by=actor(principal))
    answer = await ctx.service.execute(command, _change_answer)
    return reply(answer, status=201 if answer["change"] else 200)


@routes.post("/api/v1/tuning/{change}/undo")
async def undo(request: web.Request) -> web.Response:
    ctx = context(request)
    principal = await require_principal(request, ctx.accounts)
    require_role(principal, SUPERVISORS)
    rq.EMPTY.parse(await request.read())
    command = c.UndoChange(uuid.uuid4().hex, request.match_info["change"], by=actor(principal))
    return reply(await ctx.service.execute(command, _change_answer), status=201)


@routes.get("/api/v1/tuning")
async def changes(request: web.Request) -> web.Response:
    ctx = context(request)
    principal = await require_principal(request, ctx.accounts)
    require_role(principal, SUPERVISORS)
    async with ctx.service.consistent() as hall:
        # In the journal's order: two changes in the same second (a change and its undo)
        # are listed as they were made.
        newest = reversed(hall.changes.values())
        return reply({"changes": [wire_records.change_view(hall, change) for change in newest]})


@routes.get("/api/v1/hall/today")
async def today(request: web.Request) -> web.Response:
    """The manager's headline figures: issued, served and waiting today, longest waits."""
    ctx = context(request)
    principal = await require_principal(request, ctx.accounts)
    require_role(principal, SUPERVISORS)
    async with ctx.service.consistent() as hall:
        now = ctx.service.clock().astimezone(hall.tz)
        longest: dict[str, float] = {}
        for ticket in hall.waiting_tickets():
            waited = round((now - ticket.in_line_since).total_seconds() / 60, 1)
            longest[ticket.service] = max(longest.get(ticket.service, 0.0), waited)
        return reply(
            {
                "issued": sum(hall.issued_today.values()),
                "served": sum(
                    1
                    for r in hall.book.rateable.values()
                    if r.served.served_at.astimezone(hall.tz).date() == now.date()
                ),
                "waiting": sum(1 for _ in hall.waiting_tickets()),
                "longest_wait": longest,
            }
        )


@routes.get("/api/v1/tickets")
async def tickets(request: web.Request) -> web.Response:
    """The waiting tickets in the order the hall calls them, for the manager's pin list."""
    ctx = context(request)
    principal = await require_principal(request, ctx.accounts)
    require_role(principal, SUPERVISORS)
    which = request.query.get("state", "waiting")
    if which not in TICKET_LISTS:
        raise rq.InvalidRequest("state", f"must be one of {', '.join(TICKET_LISTS)}")
    async with ctx.service.consistent() as hall:
        now = ctx.service.clock()
        return reply(
            {"tickets": [wire.waiting_ticket(hall, t, now) for t in hall.waiting_in_order(now)]}
        )
