"""Cross-site request refusal: a browser page from another site may not change the hall.

The consoles send their token in the Authorization header and the server never sets a
cookie, so a forged cross-site request carries no credentials anyway. As defence in depth,
every request that changes state, and every WebSocket upgrade, whose browser-set `Origin`
header names another site than this server is refused with 403 `cross_origin`. Requests
without an Origin header (the kiosk, pad and display agents, curl, integrations) pass.
Sites that may call the server from their own pages are listed, space- or comma-separated,
in the HALLQ_ALLOWED_ORIGINS environment variable (e.g. "https://hall.example.gov.cn").
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import hdrs, web

from queue_server.web.replies import reply

ALLOWED_ORIGINS_VARIABLE = "HALLQ_ALLOWED_ORIGINS"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ALLOWED = web.AppKey("allowed_origins", frozenset[str])


def allowed_origins() -> frozenset[str]:
    """The origins the hall's administrator allows besides the server's own."""
    listed = os.environ.get(ALLOWED_ORIGINS_VARIABLE, "").replace(",", " ").split()
    return frozenset(filter(None, (_normal(origin) for origin in listed)))


def same_site(origin: str, request: web.Request) -> bool:
    """Whether `origin` is the site the request was sent to (scheme, host and port).

    Behind a TLS reverse proxy the proxy's X-Forwarded-Proto gives the scheme the browser saw.
    """
    mine = _normal(f"{request.scheme}://{request.host}")
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip()
    theirs = _normal(origin)
    if theirs is None:
        return False
    return theirs in {mine, _normal(f"{forwarded}://{request.host}") if forwarded else None}


def _normal(origin: str) -> str | None:
    """scheme://host:port, lower case with the port spelled out; None if not an origin."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return f"{scheme}://{parts.hostname.lower()}:{port or _DEFAULT_PORTS[scheme]}"


def is_upgrade(request: web.Request) -> bool:
    return request.headers.get(hdrs.UPGRADE, "").lower() == "websocket"


@web.middleware
async def same_origin_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    """403 cross_origin for a write or a WebSocket upgrade sent from another site's page."""
    origin = request.headers.get(hdrs.ORIGIN)
    if (
        origin is not None
        and (request.method in WRITES or is_upgrade(request))
        and not same_site(origin, request)
        and _normal(origin) not in request.app[ALLOWED]
    ):
        message = f"requests from {origin} are not accepted; add it to {ALLOWED_ORIGINS_VARIABLE}"
        return reply({"error": {"code": "cross_origin", "message": message}}, status=403)
    return await handler(request)
