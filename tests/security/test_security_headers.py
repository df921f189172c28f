"""Every answer carries the browser hardening headers: pages, static files, JSON and errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from helpers import RunningHall
from route_table import app_routes, concrete

from queue_server.web.pages import STATIC

StartHall = Callable[..., Awaitable[RunningHall]]

EVERYWHERE = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


async def test_every_answer_has_the_headers(start_hall: StartHall) -> None:
    hall = await start_hall()
    manager = await hall.person("zhao", "manager")
    _, issued = await hall.call("POST", "/api/v1/tickets", manager, {"service": "social"})
    ticket = issued["ticket"]["id"]
    paths = {concrete(t, ticket) for m, t in app_routes(hall.server) if m == "GET"}
    paths |= {f"/static/{f.name}" for f in STATIC.iterdir() if f.is_file()}
    paths |= {
        "/no/such/page",  # 404
        "/static/no-such-file.js",  # 404 from the static handler
        "/api/v1/reports?from=yesterday",  # 422
        "/api/v1/audit?limit=0",  # 422
        "/voice/phrase.wav",  # 503 without a voice pack, or 422
    }
    missing: list[str] = []
    statuses: set[int] = set()
    kinds: set[str] = set()
    for path in sorted(paths):
        for method in ("GET", "PUT"):  # PUT: 405 everywhere
            for token in (None, manager):
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                async with hall.http.request(method, hall.url + path, headers=headers) as answer:
                    statuses.add(answer.status)
                    kinds.add(answer.content_type)
                    wanted = dict(EVERYWHERE)
                    if answer.content_type == "text/html":
                        wanted["Content-Security-Policy"] = "frame-ancestors 'none'"
                    for name, value in wanted.items():
                        if value not in answer.headers.get(name, ""):
                            missing.append(f"{method} {path} {answer.status}: {name}")
    assert missing == []
    assert {200, 401, 404, 405, 422} <= statuses
    assert {"text/html", "application/json", "text/css", "application/javascript"} <= kinds


async def test_html_pages_allow_only_their_own_scripts(start_hall: StartHall) -> None:
    hall = await start_hall()
    for path in ("/", "/console", "/manager", "/board", "/window/1", "/t/x", "/static/board.html"):
        async with hall.http.get(hall.url + path) as answer:
            assert answer.content_type == "text/html", path
            policy = answer.headers["Content-Security-Policy"]
            assert "script-src 'self'" in policy and "default-src 'self'" in policy, path
            assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
