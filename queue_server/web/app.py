"""The aiohttp application: routes, errors in the shape of API.md, and security headers."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import MutableMapping

from aiohttp import web

from queue_server.domain.errors import Conflict, DomainError, NotFound
from queue_server.domain.ratings import InvalidRating
from queue_server.service import ServiceUnavailable
from queue_server.store.errors import StoreError
from queue_server.web import (
    access,
    api,
    appointments,
    bodies,
    cases,
    devices,
    limits,
    metrics,
    openapi_routes,
    pages,
    planner_routes,
    ratings,
    reports,
    stream,
    tuning,
    voice_routes,
)
from queue_server.web.auth import Forbidden, Unauthenticated
from queue_server.web.context import CONTEXT, Context
from queue_server.web.replies import HTTP_CODES, MAX_BODY, Handler, error, unreadable_body
from queue_server.web.requests import InvalidRequest

log = logging.getLogger(__name__)


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure leaves as {"error": {"code", "message"}}; nothing leaks as a 500 page."""
    try:
        return await handler(request)
    except Unauthenticated as exc:
        return error(401, "unauthenticated", str(exc))
    except api.BadCredentials:
        return error(401, "bad_credentials", "用户名或密码错误")
    except Forbidden as exc:
        return error(403, "forbidden", str(exc))
    except InvalidRequest as exc:
        return error(422, "invalid_request", exc.message)
    except InvalidRating as exc:
        return error(422, exc.code, exc.message)
    except NotFound as exc:
        return error(404, exc.code, exc.message)
    except Conflict as exc:
        return error(409, exc.code, exc.message)
    except DomainError as exc:
        return error(409, exc.code, exc.message)
    except ServiceUnavailable as exc:
        return error(503, "unavailable", str(exc))
    except (StoreError, sqlite3.Error) as exc:
        # The people and devices tables, or a read, on a disk that failed (corrupt, gone,
        # read-only): the hall's problem, said once in the log, never a 500 for the client.
        log.error("%s %s: the database failed: %s", request.method, request.path, exc)
        return error(503, "unavailable", "数据库暂时不可用，请稍后再试 (the database failed)")
    except web.RequestPayloadError as exc:  # e.g. a Content-Encoding the body is not in
        return unreadable_body(exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        if exc.status == 413:
            return error(422, "invalid_request", f"body: larger than {MAX_BODY} bytes")
        if exc.status == 400:  # aiohttp's own refusals, e.g. /ws without an Upgrade header
            return error(422, "invalid_request", f"request: {exc.text or exc.reason}")
        return error(exc.status, HTTP_CODES.get(exc.status, "http_error"), exc.reason)


# One policy for every answer: pages load only their own scripts, styles and images, talk
# only to this server, and may not be framed; on JSON, scripts and files it is harmless, and
# it also covers HTML the static handler serves, whose type is known only when it is sent.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
    "style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)


def _harden(request: web.Request, headers: MutableMapping[str, str]) -> None:
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if request.path.startswith("/api/"):
        headers.setdefault("Cache-Control", "no-store")
    elif request.path.startswith("/static/"):
        # Pages name their scripts without versions: revalidate so an upgrade reaches them.
        headers.setdefault("Cache-Control", "no-cache")


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Browser hardening headers on every answer, errors and redirects included."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # e.g. a redirect, which `errors` lets through
        _harden(request, exc.headers)
        raise
    _harden(request, response.headers)
    return response


def create_app(ctx: Context) -> web.Application:
    app = web.Application(middlewares=[security_headers, errors], client_max_size=MAX_BODY)
    app[CONTEXT] = ctx
    limits.setup(app, MAX_BODY)  # first of the added middlewares: floods go no further
    app.add_routes(api.routes)
    app.add_routes(appointments.routes)
    app.add_routes(ratings.routes)
    app.add_routes(cases.routes)
    app.add_routes(reports.routes)
    app.add_routes(tuning.routes)
    app.add_routes(devices.routes)
    stream.setup(app)
    app.add_routes(metrics.routes)
    app.add_routes(openapi_routes.routes)
    app.add_routes(pages.routes)
    app.add_routes(voice_routes.routes)
    planner_routes.setup(app)
    access.setup(app)
    app.middlewares.append(bodies.whole_body)  # last: nothing refused early is read
    app.router.add_static("/static/", pages.STATIC, append_version=True)
    return app
