"""The REST API of API.md: sessions, tickets, window actions, ratings and the hall view."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from aiohttp import web

from queue_server import wire, wire_records
from queue_server.accounts import LoginRefused, Principal, Role
from queue_server.domain import commands as c
from queue_server.domain.errors import NotFound
from queue_server.domain.model import Priority
from queue_server.domain.state import Hall, Outcome
from queue_server.web import requests as rq
from queue_server.web.auth import (
    ISSUERS,
    PEOPLE,
    STAFF_STREAM,
    SUPERVISORS,
    Forbidden,
    actor,
    bearer_token,
    check_window_action,
    optional_principal,
    require_principal,
    require_role,
)
from queue_server.web.context import context
from queue_server.web.ratings import with_rating_key
from queue_server.web.replies import reply

routes = web.RouteTableDef()


def ticket_answer(hall: Hall, outcome: Outcome, now: dt.datetime) -> dict[str, Any]:
    assert outcome.ticket_id is not None
    return wire.ticket_view(hall, hall.tickets[outcome.ticket_id], now)


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    if not context(request).service.running:
        return reply({"status": "down", "reason": "the hall's writer has stopped"}, status=503)
    return reply({"status": "ok"})


class BadCredentials(Exception):
    """Wrong username or password (401 bad_credentials)."""


@routes.post("/api/v1/session")
async def login(request: web.Request) -> web.Response:
    """Failed logins are throttled per username and per client address; see docs/security.md."""
    body = rq.LOGIN.parse(await request.read())
    accounts = context(request).accounts
    try:
        found = await accounts.login(body["username"], body["password"], client=_client(request))
    except LoginRefused as refused:
        message = (
            "登录失败次数过多, 账户已锁定; 请稍后再试或联系管理员解锁"
            if refused.locked
            else "登录失败次数过多, 请稍后再试"
        )
        answer = reply({"error": {"code": "too_many_attempts", "message": message}}, status=429)
        answer.headers["Retry-After"] = str(refused.retry_after)
        return answer
    if found is None:
        raise BadCredentials()
    token, principal = found
    return reply(
        {
            "token": token,
            "user": {
                "username": principal.name,
                "role": str(principal.role),
                "display_name": principal.display_name,
                "staff_no": principal.staff_no,
            },
        }
    )


@routes.delete("/api/v1/session")
async def logout(request: web.Request) -> web.Response:
    ctx = context(request)
    principal = await require_principal(request, ctx.accounts)
    require_role(principal, PEOPLE)
    token = bearer_token(request)
    assert token is not None
    ctx.hub.end_streams(await ctx.accounts.logout(token, client=_client(request)))
    return reply({"status": "logged_out"})


def _client(request: web.Request) -> str:
    """The address a login came from (behind a reverse proxy: the proxy's)."""
    return request.remote or "unknown"


@routes.get("/api/v1/session")
async def whoami(request: web.Request) -> web.Response:
    ctx = context(request)
    principal = await require_principal(request, ctx.accounts)
    async with ctx.service.consistent() as hall:
        window = hall.window_of_clerk(principal.name) if principal.role in PEOPLE else None
    return reply(
        {
            "kind": principal.kind,
            "name": principal.name,
            "role": str(principal.role),
            "window": principal.window or window,
            "display_name": principal.display_name,
            "staff_no": principal.staff_no,
        }
    )


@routes.get("/api/v1/hall")
async def hall_view(request: web.Request) -> web.Response:
    """Public; a staff token adds the staff fields (who is signed in where)."""
    ctx = context(request)
    principal = await optional_principal(request, ctx.accounts)
    staff = principal is not None and principal.role in STAFF_STREAM
    async with ctx.service.consistent() as hall:
        return reply(wire.hall_info(hall, ctx.service.clock(), staff=staff))


@routes.post("/api/v1/tickets")
async def issue_ticket(request: web.Request) -> web.Response:
    ctx = context(request)
    principal = await require_principal(request, ctx.accounts)
    require_role(principal, ISSUERS)
    body = rq.ISSUE.parse(await request.read())
    id_hash = None
    if "id_number" in body:
        id_hash = hmac.new(
            ctx.id_secret, body["id_number"].upper().encode(), hashlib.sha256
        ).hexdigest()
    command = c.IssueTicket(
        ticket_id=ctx.service.new_ticket_id(),
        service=body["service"],
        priority=Priority(body.get("priority", "normal")),
        device=actor(principal),
        idempotency_key=body.get("idempotency_key"),
        id_hash=id_hash,
    )
    answer = await ctx.service.execute(command, ticket_answer)
    return reply(with_rating_key(ctx, answer), status=201)


@routes.get("/api/v1/tickets/{ticket}")
async def get_ticket(request: web.Request) -> web.Response:
    """Public; a token sent along is still judged (a revoked device learns it here too)."""
    ctx = context(request)
    await optional_principal(request, ctx.accounts)
    async with ctx.service.consistent() as hall:
        ticket = hall.tickets.get(request.match_info["ticket"])
        if ticket is None:
            raise NotFound("unknown_ticket", "没有这个号")
        return reply(wire.ticket_view(hall, ticket, ctx.service.clock()))


@routes.post("/api/v1/tickets/{ticket}/pin")
async def pin_ticket(request: web.Request) -> web.Response:
    ctx = context(request)
    principal = await require_principal(request, ctx.accounts)
    require_role(principal, SUPERVISORS)
    rq.EMPTY.parse(await request.read())
    command = c.PinTicket(request.match_info["ticket"], by=principal.name)
    return reply(await ctx.service.execute(command, ticket_answer))


@routes.post("/api/v1/tickets/{ticket}/cancel")
async def cancel_ticket(request: web.Request) -> web.Response:
    """A manager voids a ticket; a kiosk voids one it issued and could not print."""
    ctx = context(request)
    principal = await require_principal(request, ctx.accounts)
    require_role(principal, SUPERVISORS | {Role.KIOSK})
    ticket_id = request.match_info["ticket"]
    if principal.role is Role.KIOSK:
        async with ctx.service.consistent() as hall:
            ticket = hall.tickets.get(ticket_id)
            if ticket is not None and ticket.device != actor(principal):
                raise Forbidden("a kiosk may void only the tickets it issued")
    body = rq.CANCEL.parse(await request.read())
    command = c.CancelTicket(ticket_id, reason=body["reason"], by=actor(principal))
    return reply(await ctx.service.execute(command, ticket_answer))


def _window_answer(window_id: str) -> Callable[[Hall, Outcome, dt.datetime], dict[str, Any]]:
    def render(hall: Hall, outcome: Outcome, now: dt.datetime) -> dict[str, Any]:
        ticket = hall.tickets.get(outcome.ticket_id) if outcome.ticket_id else None
        return {
            "ticket": wire.ticket(hall, ticket) if ticket else None,
            "window": wire.window(hall, window_id, staff=True),
        }

    return render


def _hand_over(window: str, body: dict[str, Any], principal: Principal) -> c.HandOver:
    return c.HandOver(
        window,
        clerk=principal.name,
        clerk_name=principal.display_name,
        staff_no=principal.staff_no,
        reason=body["reason"],
    )


def _open_window(window: str, principal: Principal) -> c.OpenWindow:
    if principal.kind != "user":  # a station opens its window with nobody signed in
        return c.OpenWindow(window)
    return c.OpenWindow(
        window,
        clerk=principal.name,
        clerk_name=principal.display_name,
        staff_no=principal.staff_no,
    )


WindowAction = Callable[[str, dict[str, Any], Principal], c.Command]

_WINDOW_ACTIONS: dict[str, tuple[rq.Shape, WindowAction]] = {
    "open": (rq.EMPTY, lambda w, b, p: _open_window(w, p)),
    "call-next": (rq.FINISH, lambda w, b, p: c.CallNext(w, case_no=b.get("case_no"))),
    "recall": (rq.EMPTY, lambda w, b, p: c.Recall(w)),
    "start": (rq.EMPTY, lambda w, b, p: c.StartService(w)),
    "finish": (rq.FINISH, lambda w, b, p: c.FinishService(w, case_no=b.get("case_no"))),
    "no-show": (rq.NO_SHOW, lambda w, b, p: c.MarkNoShow(w, reason=b.get("reason"))),
    "transfer": (
        rq.TRANSFER,
        lambda w, b, p: c.Transfer(w, to_service=b.get("service"), to_window=b.get("window")),
    ),
    "hold": (rq.EMPTY, lambda w, b, p: c.HoldTicket(w)),
    "resume-held": (rq.TICKET_REF, lambda w, b, p: c.ResumeHeld(w, b["ticket"])),
    "call-back": (
        rq.CALL_BACK,
        lambda w, b, p: c.CallBack(w, b["ticket"], case_no=b.get("case_no")),
    ),
    "pause": (rq.PAUSE, lambda w, b, p: c.PauseWindow(w, reason=b["reason"])),
    "resume": (rq.EMPTY, lambda w, b, p: c.ResumeWindow(w)),
    "close": (rq.EMPTY, lambda w, b, p: c.CloseWindow(w)),
    "ask-rating": (rq.EMPTY, lambda w, b, p: c.AskRating(w)),
    "hand-over": (rq.HAND_OVER, _hand_over),
}


@routes.post("/api/v1/windows/{window}/{action}")
async def window_action(request: web.Request) -> web.Response:
    ctx = context(request)
    window_id, action = request.match_info["window"], request.match_info["action"]
    if action not in _WINDOW_ACTIONS:
        raise web.HTTPNotFound()
    principal = await require_principal(request, ctx.accounts)
    async with ctx.service.consistent() as hall:
        # Signing in and taking over (替岗) are how a clerk comes to a window.
        check_window_action(principal, window_id, hall, opening=action in ("open", "hand-over"))
    if action == "hand-over" and principal.kind != "user":
        raise Forbidden("替岗 is done by the clerk who takes over, signed in as themselves")
    body_shape, make = _WINDOW_ACTIONS[action]
    body = body_shape.parse(await request.read())
    if action == "transfer" and ("service" in body) == ("window" in body):
        raise rq.InvalidRequest("service", "give exactly one of service or window")
    command = make(window_id, body, principal)
    return reply(await ctx.service.execute(command, _window_answer(window_id)))


@routes.get("/api/v1/windows/{window}")
async def window_detail(request: web.Request) -> web.Response:
    """What a clerk's console shows: the window, its held and recently missed tickets, and
    (for the clerk signed in there) their figures for the day."""
    ctx = context(request)
    principal = await require_principal(request, ctx.accounts)
    window_id = request.match_info["window"]
    async with ctx.service.consistent() as hall:
        if principal.role is not Role.CLERK and principal.role not in SUPERVISORS:
            check_window_action(principal, window_id, hall, opening=False)
        if window_id not in hall.windows:
            raise NotFound("unknown_window", f"没有{window_id}号窗口")
        status = hall.windows[window_id]
        config = hall.window_config[window_id]
        return reply(
            {
                "window": wire.window(hall, window_id, staff=True),
                "held": [wire.ticket(hall, hall.tickets[t]) for t in status.held],
                "missed": [wire.ticket(hall, hall.tickets[t]) for t in status.missed],
                "waiting": {s: hall.waiting_count(s) for s in (*config.services, *config.overflow)},
                "today": _clerk_today(hall, status.clerk, principal),
            }
        )


def _clerk_today(hall: Hall, clerk: str | None, principal: Principal) -> dict[str, Any] | None:
    """The figures of the clerk at the window, for that clerk, the window's station and
    supervisors: a clerk may look at any window, but not at a colleague's 差评 count."""
    if principal.role is Role.CLERK and principal.name != clerk:
        return None
    return wire_records.clerk_today(hall, clerk)
