"""The HTTP ceiling of the issuing benchmark: a minimal aiohttp server that keeps nothing.

`POST /api/v1/tickets` reads the JSON body and answers 201 with a ticket-shaped body of the
size hallq answers with; it checks no token, decides nothing and writes nothing to disk. It
runs on the event loop `hallq serve` runs on (uvloop where it is installed). No Python
server can issue durably faster than this one answers.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools

from aiohttp import web

from bench.common import HOST

COUNTER = web.AppKey("counter", itertools.count)

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


@routes.post("/api/v1/tickets")
async def issue(request: web.Request) -> web.Response:
    body = await request.json()
    n = next(request.app[COUNTER])
    ticket = {
        "id": f"{n:032x}",
        "number": f"A{n % 1000:03d}",
        "service": body["service"],
        "state": "waiting",
        "priority": "normal",
        "window": None,
        "issued_at": "2026-11-23T09:00:00+08:00",
        "called_at": None,
        "finished_at": None,
    }
    return web.json_response({"ticket": ticket, "ahead": n, "eta_minutes": 12.5}, status=201)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = web.Application()
    app[COUNTER] = itertools.count(1)
    app.add_routes(routes)
    try:
        import uvloop
    except ImportError:
        loop = asyncio.new_event_loop()
    else:
        loop = uvloop.new_event_loop()
    web.run_app(app, host=HOST, port=args.port, print=None, access_log=None, loop=loop)


if __name__ == "__main__":
    main()
