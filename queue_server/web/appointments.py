"""Appointments (预约): booked by the hall's booking system, checked in at a kiosk."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web

from queue_server import wire
from queue_server.domain import commands as c
from queue_server.domain.errors import NotFound
from queue_server.domain.records import Appointment
from queue_server.domain.state import Hall, Outcome
from queue_server.web import requests as rq
from queue_server.web.api import ticket_answer
from queue_server.web.auth import ISSUERS, SUPERVISORS, actor, require_principal, require_role
from queue_server.web.context import context
from queue_server.web.ratings import with_rating_key
from queue_server.web.replies import reply

routes = web.RouteTableDef()


def _appointment(hall: Hall, booking: Appointment) -> dict[str, Any]:
    ticket = hall.appointment_ticket(booking)
    return {
        "code": booking.code,
        "service": booking.service,
        "slot_start": wire.when(booking.slot_start, hall),
        "slot_end": wire.when(booking.slot_end, hall),
        "checked_in": booking.ticket_id is not None and not hall.voided(booking.ticket_id),
        "ticket": wire.ticket(hall, ticket) if ticket else None,
    }


def _code(request: web.Request) -> str:
    code = request.match_info["code"]
    if not rq.matches(rq.APPOINTMENT_CODE, code):
        raise NotFound("unknown_appointment", "没有找到这个预约, 请核对预约码")
    return code


@routes.post("/api/v1/appointments")
async def book(request: web.Request) -> web.Response:
    """The booking system (or a manager) records an appointment made ahead."""
    ctx = context(request)
    principal = await require_principal(request, ctx.accounts)
    require_role(principal, SUPERVISORS)
    body = rq.BOOK.parse(await request.read())
    command = c.BookAppointment(
        code=body["code"],
        service=body["service"],
        slot_start=rq.moment(body, "slot_start"),
        slot_end=rq.moment(body, "slot_end"),
        by=actor(principal),
    )

    def answer(hall: Hall, outcome: Outcome, now: dt.datetime) -> dict[str, Any]:
        return {"appointment": _appointment(hall, hall.appointments[command.code])}

    return reply(await ctx.service.execute(command, answer), status=201)


@routes.get("/api/v1/appointments/{code}")
async def look_up(request: web.Request) -> web.Response:
    """What a kiosk shows before check-in: the service and the slot."""
    ctx = context(request)
    principal = await require_principal(request, ctx.accounts)
    require_role(principal, ISSUERS)
    code = _code(request)
    async with ctx.service.consistent() as hall:
        booking = hall.appointments.get(code)
        if booking is None:
            raise NotFound("unknown_appointment", "没有找到这个预约, 请核对预约码")
        return reply({"appointment": _appointment(hall, booking)})


@routes.post("/api/v1/appointments/{code}/check-in")
async def check_in(request: web.Request) -> web.Response:
    """The holder arrives: a ticket with appointment priority, answered like POST /tickets."""
    ctx = context(request)
    principal = await require_principal(request, ctx.accounts)
    require_role(principal, ISSUERS)
    body = rq.CHECK_IN.parse(await request.read())  # the body's shape before the hall's state
    code = _code(request)
    command = c.CheckIn(
        code=code,
        ticket_id=ctx.service.new_ticket_id(),
        device=actor(principal),
        idempotency_key=body.get("idempotency_key"),
    )
    answer = await ctx.service.execute(command, ticket_answer)
    return reply(with_rating_key(ctx, answer), status=201)
