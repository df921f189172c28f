"""JSON answers with Chinese text kept readable (no \\u escapes)."""

from __future__ import annotations

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
