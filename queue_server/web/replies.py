"""JSON answers with Chinese text kept readable (no \\u escapes), and the error shape every
answer of the server and the devices' local pages shares."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from queue_server import json_codec


def reply(data: Any, status: int = 200) -> web.Response:
    return web.Response(
        body=json_codec.encode(data),
        status=status,
        content_type="application/json",
        charset="utf-8",
    )


# The largest request body taken: the server's and the device agents' local pages alike.
MAX_BODY = 64 * 1024

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# aiohttp's own refusals, under codes of the error shape.
HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}


def error(status: int, code: str, message: str) -> web.Response:
    return reply({"error": {"code": code, "message": message}}, status=status)


def unreadable_body(refused: web.RequestPayloadError) -> web.Response:
    """422 for a body that is not in its declared encoding (Content-Encoding: gzip, and not
    gzip), in one line: aiohttp words it "400, message: Can not decode ..."."""
    detail = " ".join(str(refused).split()).removeprefix("400, message: ")
    return error(422, "invalid_request", f"body: cannot be read ({detail})")
