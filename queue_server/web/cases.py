"""差评 follow-up cases and the supervisor's alerts on the wire."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from aiohttp import web

from queue_server import wire_records
from queue_server.accounts import Principal, Role
from queue_server.domain import commands as c
from queue_server.domain.cases import CASE_STEPS
from queue_server.domain.deciding_base import Outcome
from queue_server.domain.errors import NotFound
from queue_server.domain.ratings import Channel, Level
from queue_server.domain.state import Hall
from queue_server.web import requests as rq
from queue_server.web.auth import SUPERVISORS, Forbidden, actor, require_principal, require_role
from queue_server.web.context import context
from queue_server.web.ratings import rating_answer
from queue_server.web.replies import reply

routes = web.RouteTableDef()

CASE_LISTS = ("open", "overdue", "closed", "all")
CASE_READERS = SUPERVISORS | {Role.CLERK}
# A clerk may appeal a 差评 of their own; every other step is a supervisor's.
_CLERK_STEPS = frozenset({"appeal"})


def _case_answer(case_id: str) -> Any:
    def render(hall: Hall, outcome: Outcome, now: dt.datetime) -> dict[str, Any]:
        return {"case": wire_records.case_view(hall, hall.book.cases[case_id])}

    return render


@routes.get("/api/v1/cases")
async def list_cases(request: web.Request) -> web.Response:
    ctx = context(request)
    principal = await require_principal(request, ctx.accounts)
    require_role(principal, SUPERVISORS)
    which = request.query.get("state", "open")
    if which not in CASE_LISTS:
        raise rq.InvalidRequest("state", f"must be one of {', '.join(CASE_LISTS)}")
    async with ctx.service.consistent() as hall:
        cases = sorted(hall.book.cases.values(), key=lambda case: case.opened_at, reverse=True)
        chosen = [
            case
            for case in cases
            if which == "all"
            or (which == "open" and not case.is_final)
            or (which == "closed" and case.is_final)
            or (which == "overdue" and not case.is_final and case.overdue)
        ]
        return reply({"cases": [wire_records.case_view(hall, case) for case in chosen]})


@routes.get("/api/v1/cases/{case}")
async def get_case(request: web.Request) -> web.Response:
    ctx = context(request)
    principal = await require_principal(request, ctx.accounts)
    require_role(principal, CASE_READERS)
    async with ctx.service.consistent() as hall:
        case = hall.book.cases.get(request.match_info["case"])
        if case is None:
            raise NotFound("unknown_case", "没有这个工单")
        _check_case_reader(principal, hall.book.records[case.rating_id].served.clerk)
        return reply({"case": wire_records.case_view(hall, case)})


def _check_case_reader(principal: Principal, clerk: str | None, *, action: str = "") -> None:
    if principal.role in SUPERVISORS:
        return
    own = principal.role is Role.CLERK and principal.name == clerk
    if own and (not action or action in _CLERK_STEPS):
        return
    raise Forbidden("only a supervisor, or for an appeal the clerk rated, may do this")


async def advance_case(request: web.Request) -> web.Response:
    ctx = context(request)
    principal = await require_principal(request, ctx.accounts)
    require_role(principal, CASE_READERS)
    case_id = request.match_info["case"]
    action = request.path.rsplit("/", 1)[1]
    async with ctx.service.consistent() as hall:
        case = hall.book.cases.get(case_id)
        if case is not None:
            served = hall.book.records[case.rating_id].served
            _check_case_reader(principal, served.clerk, action=action)
    body = rq.CASE_STEP.parse(await request.read())  # a bad body is 422 before an unknown case
    if case is None:
        raise NotFound("unknown_case", "没有这个工单")
    command = c.AdvanceCase(case_id, action, by=actor(principal), note=body["note"])
    return reply(await ctx.service.execute(command, _case_answer(case_id)))


for _action in CASE_STEPS:
    routes.post(f"/api/v1/cases/{{case}}/{_action}")(advance_case)


@routes.post("/api/v1/cases/{case}/follow-up")
async def follow_up(request: web.Request) -> web.Response:
    """追评 taken down by a supervisor when calling the citizen back (channel 6, phone)."""
    ctx = context(request)
    principal = await require_principal(request, ctx.accounts)
    require_role(principal, SUPERVISORS)
    case_id = request.match_info["case"]
    body = rq.FOLLOW_UP.parse(await request.read())
    async with ctx.service.consistent() as hall:
        case = hall.book.cases.get(case_id)
        if case is None:
            raise NotFound("unknown_case", "没有这个工单")
        served = hall.book.records[case.rating_id].served
    command = c.RecordRating(
        ticket_id=served.ticket_id,
        window=served.window,
        level=Level(body["level"]),
        rating_id=uuid.uuid4().hex,
        tags=tuple(body.get("tags", ())),
        comment=body.get("comment"),
        channel=Channel(body.get("channel", int(Channel.PHONE))),
        device=actor(principal),
        follow_up=True,
        idempotency_key=body.get("idempotency_key"),
    )
    return reply(await ctx.service.execute(command, rating_answer), status=201)


@routes.get("/api/v1/alerts")
async def list_alerts(request: web.Request) -> web.Response:
    ctx = context(request)
    principal = await require_principal(request, ctx.accounts)
    require_role(principal, SUPERVISORS)
    only_open = request.query.get("open", "0") not in ("0", "false", "")
    async with ctx.service.consistent() as hall:
        alerts = sorted(hall.book.alerts.values(), key=lambda a: a.raised_at, reverse=True)
        return reply(
            {
                "alerts": [
                    wire_records.alert_view(hall, a)
                    for a in alerts
                    if not only_open or a.acknowledged_at is None
                ]
            }
        )


@routes.post("/api/v1/alerts/{alert}/ack")
async def acknowledge_alert(request: web.Request) -> web.Response:
    ctx = context(request)
    principal = await require_principal(request, ctx.accounts)
    require_role(principal, SUPERVISORS)
    rq.EMPTY.parse(await request.read())
    alert_id = request.match_info["alert"]
    command = c.AcknowledgeAlert(alert_id, by=actor(principal))

    def render(hall: Hall, outcome: Outcome, now: dt.datetime) -> dict[str, Any]:
        return {"alert": wire_records.alert_view(hall, hall.book.alerts[alert_id])}

    return reply(await ctx.service.execute(command, render))
