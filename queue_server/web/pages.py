"""Pages the server serves itself: the start page, the clerk console, the phone page."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC = Path(__file__).parent / "static"

routes = web.RouteTableDef()


def _page(name: str) -> web.FileResponse:
    return web.FileResponse(STATIC / name, headers={"Content-Type": "text/html; charset=utf-8"})


@routes.get("/")
async def start_page(request: web.Request) -> web.FileResponse:
    return _page("index.html")


@routes.get("/console")
async def console_page(request: web.Request) -> web.FileResponse:
    return _page("console.html")


@routes.get("/t/{ticket}")
async def ticket_page(request: web.Request) -> web.FileResponse:
    return _page("ticket.html")
