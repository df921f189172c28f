"""Pages the server serves itself: the start page, the clerk console, the manager console, the
phone page, the lobby board and the window screens."""

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


@routes.get("/board")
async def board_page(request: web.Request) -> web.FileResponse:
    """The lobby board (综合屏); `?floor=2F`, `?layout=portrait` and `?notice=` are read by
    the page itself."""
    return _page("board.html")


@routes.get("/window/{window}")
async def window_screen_page(request: web.Request) -> web.FileResponse:
    """The screen above one window (窗口屏); `?mode=led&cols=8|12` is read by the page."""
    return _page("window-screen.html")


@routes.get("/manager")
async def manager_page(request: web.Request) -> web.FileResponse:
    """The manager console (大厅管理): live hall, tuning, alerts, cases, reports, planner."""
    return _page("manager.html")
