"""The local apps judge requests as the server does: body size, error shape, other sites.

The page's endpoints answer like the server's (API.md), so they refuse with the server's own
code: bodies are read by `queue_server.web.requests`, sites told apart by
`queue_server.web.origin`, and every refusal leaves as {"error": {"code", "message"}}.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from aiohttp import hdrs, web

from queue_server.web.origin import WRITES, is_upgrade, same_site
from queue_server.web.replies import HTTP_CODES, MAX_BODY, Handler, error, unreadable_body
from queue_server.web.requests import InvalidRequest


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A malformed request is 422 invalid_request, aiohttp's refusals too, as on the server."""
    try:
        if (request.content_length or 0) > MAX_BODY:  # refused before it is read
            raise InvalidRequest("body", f"larger than {MAX_BODY} bytes")
        return await handler(request)
    except InvalidRequest as exc:
        return error(422, "invalid_request", exc.message)
    except web.RequestPayloadError as exc:  # e.g. a Content-Encoding the body is not in
        return unreadable_body(exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        if exc.status == 413:  # sent without a length, and longer than the limit
            return error(422, "invalid_request", f"body: larger than {MAX_BODY} bytes")
        if exc.status == 400:  # e.g. /local/ws without an Upgrade header
            return error(422, "invalid_request", f"request: {exc.text or exc.reason}")
        return error(exc.status, HTTP_CODES.get(exc.status, "http_error"), exc.reason)


@web.middleware
async def own_page_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    """403 cross_origin for a write or a WebSocket upgrade sent from any page but the agent's.

    As on the server, a request without an Origin header (curl, local tools) passes. Unlike
    the server, no other site can be allowed, and the page must be at a loopback address: a
    site whose name was rebound to 127.0.0.1 looks same-origin, but is not the agent's page.
    """
    origin = request.headers.get(hdrs.ORIGIN)
    if (
        origin is not None
        and (request.method in WRITES or is_upgrade(request))
        and not (same_site(origin, request) and _loopback(origin))
    ):
        message = f"requests from {origin} are not accepted; only this device's own page may"
        return error(403, "cross_origin", message)
    return await handler(request)


def _loopback(origin: str) -> bool:
    host = urlsplit(origin.strip()).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
