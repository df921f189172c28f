"""Who may reach the hall: enrolled devices and their revocation, locked-out people, the audit
trail, and the guards that go with them (cross-site refusal, revocations seen at once)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import sqlite3
from collections.abc import AsyncIterator
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from queue_server.accounts import AccountError, AuditQuery, DeviceInfo, Role, UserInfo
from queue_server.domain.errors import Conflict, NotFound
from queue_server.web import origin
from queue_server.web import requests as rq
from queue_server.web.auth import SUPERVISORS, actor, require_principal, require_role
from queue_server.web.context import CONTEXT, Context, context
from queue_server.web.replies import reply

log = logging.getLogger(__name__)

routes = web.RouteTableDef()

ADMINS = frozenset({Role.ADMIN})
AUDIT_LOGS = ("journal", "access")
MAX_AUDIT_PAGE = 1000
MAX_AUDIT_DAYS = 92
# How often the server looks for devices revoked by `hallq device revoke`, and for sessions
# ended by `hallq user disable` or `user password`, in another process.
REVOCATION_POLL_SECONDS = 1.0


def _device(info: DeviceInfo) -> dict[str, Any]:
    return {
        "name": info.name,
        "role": str(info.role),
        "window": info.window,
        "created_at": info.created_at.isoformat(),
        "revoked_at": info.revoked_at.isoformat() if info.revoked_at else None,
    }


async def _admin(request: web.Request) -> tuple[Context, str]:
    ctx = context(request)
    principal = await require_principal(request, ctx.accounts)
    require_role(principal, ADMINS)
    return ctx, actor(principal)


@routes.get("/api/v1/devices/enrolled")
async def enrolled_devices(request: web.Request) -> web.Response:
    """Every device that was given a token, revoked ones included (tokens are never shown)."""
    ctx, _ = await _admin(request)
    return reply({"devices": [_device(d) for d in await ctx.accounts.list_devices()]})


@routes.post("/api/v1/devices/{name}/revoke")
async def revoke_device(request: web.Request) -> web.Response:
    """Refuse the device's token from its next request on, and close its open streams now."""
    ctx, by = await _admin(request)
    rq.EMPTY.parse(await request.read())
    name = request.match_info["name"]
    try:
        credential = await ctx.accounts.revoke_device(name, by=by)
    except AccountError:
        raise NotFound("unknown_device", f"没有名为 {name} 的设备") from None
    closed = ctx.hub.end_streams(credential)
    (info,) = [d for d in await ctx.accounts.list_devices() if d.name == name]
    return reply({"device": _device(info), "streams_closed": closed})


async def _person(ctx: Context, user: UserInfo) -> dict[str, Any]:
    return {
        "username": user.username,
        "role": str(user.role),
        "display_name": user.display_name,
        "staff_no": user.staff_no,
        "disabled": user.disabled,
        "locked_seconds": await ctx.accounts.throttle.lock_remaining(user.username),
    }


@routes.get("/api/v1/users")
async def list_people(request: web.Request) -> web.Response:
    """Every person who may log in, and whether failed logins locked them out."""
    ctx, _ = await _admin(request)
    return reply({"users": [await _person(ctx, u) for u in await ctx.accounts.list_users()]})


async def _existing_person(ctx: Context, username: str) -> str:
    stored = await ctx.accounts.stored_username(username)
    if stored is None:
        raise NotFound("unknown_user", f"没有用户 {username}")
    return stored


async def _changed(ctx: Context, username: str, ended: list[str]) -> web.Response:
    """The person as they are now, their ended sessions' streams closed."""
    closed = sum(ctx.hub.end_streams(credential) for credential in ended)
    (user,) = [u for u in await ctx.accounts.list_users() if u.username == username]
    return reply({"user": await _person(ctx, user), "streams_closed": closed})


@routes.post("/api/v1/users/{username}/password")
async def set_password(request: web.Request) -> web.Response:
    """A new password for someone who forgot theirs; every session of theirs ends."""
    ctx, by = await _admin(request)
    body = rq.NEW_PASSWORD.parse(await request.read())
    username = await _existing_person(ctx, request.match_info["username"])
    try:
        ended = await ctx.accounts.set_password(username, body["password"], by=by)
    except AccountError as weak:
        raise rq.InvalidRequest("password", str(weak)) from None
    return await _changed(ctx, username, ended)


@routes.post("/api/v1/users/{username}/disable")
async def disable_person(request: web.Request) -> web.Response:
    """Refuse someone who left: no login from now on, and every session of theirs ends."""
    ctx, by = await _admin(request)
    rq.EMPTY.parse(await request.read())
    username = await _existing_person(ctx, request.match_info["username"])
    try:
        ended = await ctx.accounts.disable_user(username, by=by)
    except AccountError:
        raise Conflict("last_admin", f"{username} 是最后一位启用的管理员，不能停用") from None
    return await _changed(ctx, username, ended)


@routes.post("/api/v1/users/{username}/enable")
async def enable_person(request: web.Request) -> web.Response:
    """Let a disabled person log in again."""
    ctx, by = await _admin(request)
    rq.EMPTY.parse(await request.read())
    username = await _existing_person(ctx, request.match_info["username"])
    await ctx.accounts.enable_user(username, by=by)
    return await _changed(ctx, username, [])


@routes.post("/api/v1/users/{username}/unlock")
async def unlock_person(request: web.Request) -> web.Response:
    """Forget a person's failed logins, lifting a lock-out before its hour is up."""
    ctx, by = await _admin(request)
    rq.EMPTY.parse(await request.read())
    username = request.match_info["username"]
    try:
        await ctx.accounts.unlock_user(username, by=by)
    except AccountError:
        raise NotFound("unknown_user", f"没有用户 {username}") from None
    return reply({"username": username, "locked_seconds": None})


@routes.get("/api/v1/audit")
async def audit(request: web.Request) -> web.Response:
    """The journal's changes or the access log's entries, oldest first, a page at a time."""
    ctx = context(request)
    require_role(await require_principal(request, ctx.accounts), SUPERVISORS)
    query = request.query
    for name in query:
        if name not in ("log", "from", "to", "actor", "kind", "after_seq", "limit"):
            raise rq.InvalidRequest(name, "not a filter of the audit trail")
    which = query.get("log", "journal")
    if which not in AUDIT_LOGS:
        raise rq.InvalidRequest("log", "must be journal or access")
    limit = rq.query_int(query, "limit", minimum=1) or 100
    if limit > MAX_AUDIT_PAGE:
        raise rq.InvalidRequest("limit", f"at most {MAX_AUDIT_PAGE}")
    since, until = _bounds(query, ctx.service.config.timezone)
    for name in ("actor", "kind"):
        if len(query.get(name, "")) > 128:
            raise rq.InvalidRequest(name, "longer than 128 characters")
    filters = AuditQuery(
        after_seq=rq.query_int(query, "after_seq") or 0,
        limit=limit,
        since=since,
        until=until,
        actor=query.get("actor") or None,
        kind=query.get("kind") or None,
    )
    trail = ctx.accounts.audit
    entries = await (trail.journal(filters) if which == "journal" else trail.access(filters))
    more = entries[-1]["seq"] if len(entries) == limit else None
    return reply({"log": which, "entries": entries, "next_after_seq": more})


def _bounds(query: Any, timezone: str) -> tuple[str | None, str | None]:
    """The from/to dates (the hall's days, both included) as UTC times, `until` excluded."""
    tz = ZoneInfo(timezone)
    days: dict[str, dt.date] = {}
    for name in ("from", "to"):
        if name in query:
            days[name] = rq.calendar_day(query[name], name)
    if "from" in days and "to" in days:
        if days["to"] < days["from"]:
            raise rq.InvalidRequest("to", "must not be before from")
        if (days["to"] - days["from"]).days >= MAX_AUDIT_DAYS:
            raise rq.InvalidRequest("to", f"at most {MAX_AUDIT_DAYS} days at once")

    def start_of(day: dt.date) -> str:
        midnight = dt.datetime.combine(day, dt.time(), tz).astimezone(dt.UTC)
        return midnight.isoformat(timespec="seconds")

    since = start_of(days["from"]) if "from" in days else None
    until = start_of(days["to"] + dt.timedelta(days=1)) if "to" in days else None
    return since, until


async def _watch_revocations(app: web.Application) -> AsyncIterator[None]:
    """Devices revoked and people disabled or given a new password by the CLI (another
    process) lose their streams within a second or so; their next request asks the database
    again. A session that runs out is found here too."""
    ctx = app[CONTEXT]
    _, devices_mark = await ctx.accounts.revoked_since("")
    _, sessions_mark = await ctx.accounts.sessions_ended_since("")

    async def watch() -> None:
        nonlocal devices_mark, sessions_mark
        while True:
            await asyncio.sleep(REVOCATION_POLL_SECONDS)
            try:
                revoked, devices_next = await ctx.accounts.revoked_since(devices_mark)
                ended, sessions_next = await ctx.accounts.sessions_ended_since(sessions_mark)
            except sqlite3.Error as exc:  # e.g. the CLI holding the write lock: try again
                log.warning("cannot look for revoked devices or ended sessions: %s", exc)
                continue
            devices_mark, sessions_mark = devices_next, sessions_next
            for credential in (*revoked, *ended):
                ctx.accounts.forget(credential)
                ctx.hub.end_streams(credential)

    task = asyncio.create_task(watch(), name="revocations")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def setup(app: web.Application) -> None:
    """The access routes, the cross-site guard and the revocation watcher."""
    app[origin.ALLOWED] = origin.allowed_origins()
    app.middlewares.append(origin.same_origin_only)
    app.add_routes(routes)
    app.cleanup_ctx.append(_watch_revocations)
