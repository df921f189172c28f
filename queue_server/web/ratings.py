"""好差评 on the wire: pads and the phone page rate; supervisors list, count and export."""

from __future__ import annotations

import base64
import datetime as dt
import hmac
import uuid
from pathlib import Path
from typing import Any

from aiohttp import web

from queue_server import wire, wire_records
from queue_server.accounts import Role
from queue_server.domain import commands as c
from queue_server.domain.deciding_base import Outcome
from queue_server.domain.errors import Conflict, NotFound
from queue_server.domain.ratings import LEVEL_NAMES, TAGS, Channel, Level, ServedService
from queue_server.domain.state import Hall
from queue_server.ratings.export import ratings_csv
from queue_server.ratings.figures import By, parse_month, rating_figures
from queue_server.ratings.history import read_history
from queue_server.web import requests as rq
from queue_server.web.auth import (
    STAFF_STREAM,
    SUPERVISORS,
    Forbidden,
    actor,
    require_principal,
    require_role,
)
from queue_server.web.context import Context, context
from queue_server.web.replies import reply

routes = web.RouteTableDef()

PAD_CHANNELS = (int(Channel.HALL_TABLET), int(Channel.HALL_TERMINAL))
PHONE = "phone"  # the device every citizen's phone rates as
# Longest span one listing or export may cover: a year of a city hall's ratings.
MAX_REPORT_DAYS = 366
_PHOTO_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


def rating_key(ctx: Context, ticket_id: str) -> str:
    """The key printed in the ticket's QR that lets its holder rate on the phone.

    Ticket ids travel on the public board stream; the key does not, so only the citizen
    holding the printed ticket can rate its service.
    """
    digest = hmac.digest(ctx.rating_secret, ticket_id.encode(), "sha256")
    return base64.urlsafe_b64encode(digest[:12]).decode("ascii")


def with_rating_key(ctx: Context, answer: dict[str, Any]) -> dict[str, Any]:
    """A ticket answer for its issuer, with the key its QR carries."""
    ticket = answer.get("ticket")
    if isinstance(ticket, dict) and isinstance(ticket.get("id"), str):
        answer = {**answer, "rating_key": rating_key(ctx, ticket["id"])}
    return answer


def rating_answer(hall: Hall, outcome: Outcome, now: dt.datetime) -> dict[str, Any]:
    """The rating recorded, or recorded before under the same idempotency key (a retry gets
    the first answer again, with the ticket as it is now)."""
    rating = outcome.rating
    assert rating is not None, "a rating command's outcome names its rating"
    record = hall.book.records.get(rating.id, rating)  # a 差评 as it stands, struck or not
    answer: dict[str, Any] = {"rating": wire_records.rating_view(hall, record)}
    ticket = hall.tickets.get(record.served.ticket_id)
    if ticket is not None:
        answer["ticket"] = wire.ticket(hall, ticket)
    case_id = hall.book.case_of_rating.get(record.id)
    if case_id is not None and not record.follow_up:
        answer["case"] = case_id
    return answer


@routes.post("/api/v1/ratings")
async def rate_at_pad(request: web.Request) -> web.Response:
    ctx = context(request)
    principal = await require_principal(request, ctx.accounts)
    require_role(principal, frozenset({Role.PAD}))
    assert principal.window is not None  # pads are always bound to a window
    raw = await request.read()
    # Permission comes before the body's shape (API.md), and it depends on the ticket named.
    named = _named_ticket(raw)
    if named is not None:
        async with ctx.service.consistent() as hall:
            _check_served_here(hall, named, principal.window)
    body = rq.RATING.parse(raw)
    channel = body.get("channel", int(Channel.HALL_TABLET))
    if channel not in PAD_CHANNELS:
        raise rq.InvalidRequest("channel", "a pad rates as 4 (touch pad) or 5 (key pad)")
    command = c.RecordRating(
        ticket_id=body["ticket"],
        window=principal.window,
        level=Level(body["level"]),
        rating_id=uuid.uuid4().hex,
        tags=tuple(body.get("tags", ())),
        comment=body.get("comment"),
        channel=Channel(channel),
        device=actor(principal),
        rater=ctx.raters.seal(body["rater"]) if body.get("rater") else None,
        idempotency_key=body.get("idempotency_key"),
    )
    return reply(await ctx.service.execute(command, rating_answer), status=201)


def _named_ticket(raw: bytes) -> str | None:
    """The ticket a rating's body names, if it names one; its shape is judged after."""
    try:
        data = rq.load_json(raw)
    except rq.InvalidRequest:
        return None
    ticket = data.get("ticket") if isinstance(data, dict) else None
    return ticket if isinstance(ticket, str) else None


def _check_served_here(hall: Hall, ticket_id: str, window: str) -> None:
    """A pad rates only what its own window serves: a ticket that was at other windows and
    never at this one is another window's to rate (403). One at no window yet is left to the
    hall's rules (409 not_served), as is a ticket nobody issued (404)."""
    ticket = hall.tickets.get(ticket_id)
    if ticket is None:
        return
    windows = {served.rpartition("@")[2] for served in ticket.served}
    if ticket.window is not None:
        windows.add(ticket.window)
    if windows and window not in windows:
        # For the hall's IT person (a pad set up with another window's token): the pad
        # tells the citizen to ask the staff instead.
        raise Forbidden(f"this pad belongs to window {window}; {ticket.number} was not served here")


def _phone_target(
    hall: Hall, ticket_id: str, idempotency_key: str | None = None
) -> tuple[ServedService | None, bool]:
    """The service the phone page rates now, and whether that is a 追评.

    A 追评 is found through its case: it comes after 整改, often weeks after the service,
    when the service is no longer among those kept for rating. A retry (a rating sent again
    with its idempotency key) rates what its first attempt rated, rated since.
    """
    earlier = hall.book.keyed.find(PHONE, Channel.QR_CODE, ticket_id, idempotency_key)
    if earlier is not None:
        return earlier.served, earlier.follow_up
    unrated = [r.served for r in hall.book.of_ticket(ticket_id) if r.rating_id is None]
    if unrated:
        return max(unrated, key=lambda served: served.served_at), False
    case = hall.book.follow_up_case(ticket_id)
    if case is not None:
        return hall.book.records[case.rating_id].served, True
    return None, False


def _check_key(ctx: Context, ticket_id: str, key: str | None) -> None:
    # compared as bytes: compare_digest refuses str with non-ASCII characters (a forged key)
    if key is None or not hmac.compare_digest(key.encode(), rating_key(ctx, ticket_id).encode()):
        raise Forbidden(
            "评价链接不完整, 请扫描号票上的二维码 (this ticket's rating needs the key printed "
            "in its QR code)"
        )


@routes.get("/api/v1/tickets/{ticket}/rating")
async def phone_rating_form(request: web.Request) -> web.Response:
    """What the ticket's phone page offers: a rating, a 追评, or nothing (and why)."""
    ctx = context(request)
    ticket_id = request.match_info["ticket"]
    _check_key(ctx, ticket_id, request.query.get("key"))
    async with ctx.service.consistent() as hall:
        served, follow_up = _phone_target(hall, ticket_id)
        ticket = hall.tickets.get(ticket_id)
        if served is None and ticket is None:
            raise NotFound("unknown_ticket", "没有这个号")
        reason = None if served else "这个号还没有办结, 或已经评价过了"
        return reply(
            {
                "ticket": ticket_id,
                "number": served.ticket_number if served else ticket.number if ticket else None,
                "open": served is not None,
                "follow_up": follow_up,
                "reason": reason,
                "window": served.window if served else None,
                "service": served.service if served else None,
                "clerk": wire_records.clerk_card(served.clerk_name, served.staff_no)
                if served
                else None,
                "levels": [
                    {"level": int(level), "name": name} for level, name in LEVEL_NAMES.items()
                ],
                "tags": {str(int(level)): dict(tags) for level, tags in TAGS.items()},
            }
        )


@routes.post("/api/v1/tickets/{ticket}/rating")
async def rate_on_phone(request: web.Request) -> web.Response:
    ctx = context(request)
    ticket_id = request.match_info["ticket"]
    body = rq.PHONE_RATING.parse(await request.read())
    _check_key(ctx, ticket_id, body["key"])
    async with ctx.service.consistent() as hall:
        target, follow_up = _phone_target(hall, ticket_id, body.get("idempotency_key"))
    if target is None:
        async with ctx.service.consistent() as hall:
            known = ticket_id in hall.tickets
        if not known:
            raise NotFound("unknown_ticket", "没有这个号")
        raise Conflict("rating_closed", "这个号还没有办结, 或已经评价过了")
    command = c.RecordRating(
        ticket_id=ticket_id,
        window=target.window,
        level=Level(body["level"]),
        rating_id=uuid.uuid4().hex,
        tags=tuple(body.get("tags", ())),
        comment=body.get("comment"),
        channel=Channel.QR_CODE,
        device=PHONE,
        follow_up=follow_up,
        # The phone rates the service it offered, also when the window served an earlier
        # step of the route too.
        service=target.service,
        idempotency_key=body.get("idempotency_key"),
    )
    return reply(await ctx.service.execute(command, rating_answer), status=201)


def _date_range(query: Any) -> tuple[dt.date, dt.date]:
    first = rq.calendar_day(query.get("from", ""), "from")
    last = rq.calendar_day(query.get("to", query["from"]), "to")
    if last < first:
        raise rq.InvalidRequest("to", "must not be before from")
    if (last - first).days >= MAX_REPORT_DAYS:
        raise rq.InvalidRequest("to", f"at most {MAX_REPORT_DAYS} days at once")
    return first, last


async def _ratings_between(request: web.Request) -> tuple[Hall, list[Any]]:
    ctx = context(request)
    principal = await require_principal(request, ctx.accounts)
    require_role(principal, SUPERVISORS)
    first, last = _date_range(request.query)
    async with ctx.service.consistent() as hall:
        history = await read_history(ctx.journal, hall, first, last)
    return hall, history.ratings


@routes.get("/api/v1/ratings")
async def list_ratings(request: web.Request) -> web.Response:
    hall, ratings = await _ratings_between(request)
    return reply({"ratings": [wire_records.rating_view(hall, r) for r in ratings]})


@routes.get("/api/v1/ratings.csv")
async def export_ratings(request: web.Request) -> web.Response:
    hall, ratings = await _ratings_between(request)
    name = f"ratings-{request.query['from']}.csv"
    return web.Response(
        body=ratings_csv(ratings, tz=hall.tz).encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@routes.get("/api/v1/ratings/figures")
async def figures(request: web.Request) -> web.Response:
    ctx = context(request)
    principal = await require_principal(request, ctx.accounts)
    require_role(principal, SUPERVISORS)
    month = request.query.get("month", "")
    try:
        year, number = parse_month(month)
    except ValueError:
        raise rq.InvalidRequest("month", "must be YYYY-MM") from None
    first = rq.calendar_day(f"{year:04d}-{number:02d}-01", "month")
    by_name = request.query.get("by", "window")
    if by_name not in {b.value for b in By}:
        raise rq.InvalidRequest("by", "must be window, clerk or service")
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    async with ctx.service.consistent() as hall:
        grace = hall.config.ratings.keep_days
        history = await read_history(
            ctx.journal, hall, first, last, grace_days=grace, follow_ups_late=True
        )
        labels = (
            {w.id: w.label for w in hall.config.windows}
            if by_name == By.WINDOW
            else {s.id: s.name for s in hall.config.services}
            if by_name == By.SERVICE
            else None
        )
    result = rating_figures(
        history.ratings, history.served, month=month, by=by_name, tz=hall.tz, labels=labels
    )
    return reply(result.to_dict())


@routes.get("/api/v1/staff/{staff_no}/photo")
async def staff_photo(request: web.Request) -> web.StreamResponse:
    """A clerk's photo for the pad facing the citizen (亮身份), from the hall's photo folder."""
    ctx = context(request)
    principal = await require_principal(request, ctx.accounts)
    require_role(principal, STAFF_STREAM)
    staff_no = request.match_info["staff_no"]
    folder = ctx.service.config.staff_photos
    if folder is None or not rq.matches(rq.ID, staff_no):
        raise NotFound("no_photo", "没有这位工作人员的照片")
    for suffix, media in _PHOTO_TYPES.items():
        path = Path(folder) / f"{staff_no}{suffix}"
        if path.is_file():
            return web.FileResponse(path, headers={"Content-Type": media})
    raise NotFound("no_photo", "没有这位工作人员的照片")
