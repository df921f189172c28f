"""Requests refused early, before a body is read: a body declared larger than the server
takes, and floods from one client beyond the hall's `[limits]`."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from aiohttp import web

from queue_server.domain.hall import RequestLimits
from queue_server.web.auth import bearer_token
from queue_server.web.context import CONTEXT
from queue_server.web.replies import reply
from queue_server.web.requests import InvalidRequest

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MAX_CLIENTS = 10_000  # buckets kept; the least recently seen client is forgotten first
# The HTTP layer refuses a longer URL or header line with a plain 400 and closes the
# connection, before any handler runs (aiohttp's own limits, made the hall's here).
MAX_URL_BYTES = 8190
MAX_HEADER_BYTES = 8190
# A connection that has not sent a whole request this long after it opened, or after its
# last answer, is closed. aiohttp has no timeout on reading headers and keeps an idle
# connection an hour by default: a client trickling a header byte every few seconds held its
# socket for as long as it liked. hallq's own clients let a connection go after 15 s idle
# (aiohttp's client default), browsers reconnect; streams and requests being answered are
# not idle.
IDLE_CONNECTION_SECONDS = 30.0


class RateLimiter:
    """A bucket per client holding up to `burst` requests, refilled at `rate` a second."""

    def __init__(
        self,
        rate: float,
        burst: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = MAX_CLIENTS,
    ) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self.max_clients = max_clients
        # client -> (requests left in its bucket, when that was counted)
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, client: str) -> float:
        """0 when `client` may make this request now, else how many seconds until it may."""
        now = self.clock()
        left, then = self._buckets.pop(client, (self.burst, now))
        left = min(self.burst, left + (now - then) * self.rate)
        if left >= 1:
            left -= 1
            wait = 0.0
        else:
            wait = (1 - left) / self.rate
        self._buckets[client] = (left, now)
        if len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)  # forgotten: it starts again with a full bucket
        return wait


LIMITER = web.AppKey("limiter", RateLimiter)
MAX_BODY = web.AppKey("max_body", int)


def limiter_for(limits: RequestLimits) -> RateLimiter | None:
    rate = limits.requests_per_second
    if rate is None:
        return None
    return RateLimiter(rate, limits.burst or rate)


async def client_of(request: web.Request) -> str:
    """Whom a bucket belongs to: the token the request carries if the server accepts it,
    else its address. Keyed by any token sent, a flood with a new made-up token on every
    request would get a full bucket each time and never be refused. A token seen lately
    is told from the cache, without the database; the handler then finds it there too."""
    token = bearer_token(request, allow_query=True)
    if token and await request.app[CONTEXT].accounts.authenticate(token) is not None:
        return f"token {token}"
    return f"address {request.remote}"


@web.middleware
async def refuse_early(request: web.Request, handler: Handler) -> web.StreamResponse:
    limiter = request.app.get(LIMITER)
    if limiter is not None:
        wait = limiter.take(await client_of(request))
        if wait:
            answer = reply(
                {
                    "error": {
                        "code": "too_many_requests",
                        "message": "请求过于频繁, 请稍后再试 (too many requests from this device)",
                    }
                },
                status=429,
            )
            answer.headers["Retry-After"] = str(math.ceil(wait))
            return answer
    max_body = request.app[MAX_BODY]
    if (request.content_length or 0) > max_body:
        raise InvalidRequest("body", f"larger than {max_body} bytes")
    return await handler(request)


def setup(app: web.Application, max_body: int) -> None:
    """Refuse early in `app`: bodies over `max_body` bytes, and floods per the hall's limits."""
    app[MAX_BODY] = max_body
    limiter = limiter_for(app[CONTEXT].service.config.limits)
    if limiter is not None:
        app[LIMITER] = limiter
    app.middlewares.append(refuse_early)
