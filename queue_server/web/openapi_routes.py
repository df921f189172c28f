"""GET /api/v1/openapi.json: the reference of the HTTP API, built on its first request.

The reference's tables are large and only developers read them: loaded on the first
request instead of with the server, they no longer lengthen every start of the hall."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from aiohttp import web

from queue_server.web.replies import reply

if TYPE_CHECKING:
    from queue_server.web.openapi.schema import Json

PATH = "/api/v1/openapi.json"

routes = web.RouteTableDef()


@functools.cache
def _reference() -> Json:
    """Built once: the document comes from the code alone."""
    from queue_server.web.openapi.document import document

    return document()


@routes.get(PATH)
async def openapi_document(request: web.Request) -> web.Response:
    return reply(_reference())
