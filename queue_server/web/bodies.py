"""Request bodies read whole before their handler runs, with a time limit.

A kiosk on a flaky network may send half a body and vanish, or a broken client may stop
sending mid-body. Read in the handler, the first left an error with a traceback and a 500 in
the access log; the second held the handler until the client went away. Read here, both are
a 422 naming the body, and the handler's own `request.read()` returns the same bytes (aiohttp
keeps a body once read).
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from queue_server.web.replies import Handler
from queue_server.web.requests import InvalidRequest

# A body of at most 64 KiB on a hall's LAN arrives in well under a second.
BODY_TIMEOUT = 15.0


@web.middleware
async def whole_body(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Put last among the middlewares: a request refused early is refused unread."""
    # Most bodies came in the packets of their headers: nothing to wait for.
    if request.can_read_body and not request.content.is_eof():
        try:
            async with asyncio.timeout(BODY_TIMEOUT):
                await request.read()
        except TimeoutError:
            raise InvalidRequest("body", f"not complete after {BODY_TIMEOUT:g} s") from None
        except ConnectionResetError:  # the client left; the answer is for the access log
            raise InvalidRequest("body", "the client left before sending all of it") from None
    return await handler(request)
