"""The app's routes as (method, template) pairs, and a concrete path for each template."""

from __future__ import annotations

from aiohttp import web

from queue_server.ratings.protect import RaterVault
from queue_server.server import HallServer
from queue_server.web.api import _WINDOW_ACTIONS
from queue_server.web.app import create_app
from queue_server.web.context import Context

WINDOW = "/api/v1/windows/{window}/"
ACTION_ROUTE = WINDOW + "{action}"


def app_of(server: HallServer) -> web.Application:
    """A fresh app over a running server's hall, to read its routes (secrets are stand-ins)."""
    ctx = Context(
        server.service,
        server.hub,
        server.accounts,
        server.journal,
        b"secret",
        b"rating secret",
        RaterVault(bytes(32)),
    )
    return create_app(ctx)


def app_routes(server: HallServer) -> set[tuple[str, str]]:
    """Every route of the app a running server serves (the window actions one by one), HEAD
    and static files left out."""
    found: set[tuple[str, str]] = set()
    for route in app_of(server).router.routes():
        if route.method == "HEAD" or isinstance(route.resource, web.StaticResource):
            continue
        assert route.resource is not None
        path = route.resource.canonical
        if path == ACTION_ROUTE:
            found |= {(route.method, WINDOW + action) for action in _WINDOW_ACTIONS}
        else:
            found.add((route.method, path))
    return found


def concrete(template: str, ticket: str = "nope") -> str:
    """A path for the template: window 1, the given ticket, ids nobody has for the rest."""
    path = template.format(
        ticket=ticket,
        window="1",
        code="NOSUCHCODE",
        case="nope",
        alert="nope",
        staff_no="7",
        change="nope",
        job="nope",
        name="nope",
        username="nope",
    )
    return "/ws?topics=board,console" if path == "/ws" else path
