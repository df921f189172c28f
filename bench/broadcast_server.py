"""The call-latency baseline: a minimal aiohttp server that broadcasts one message per trigger.

`GET /ws` holds a client and greets it with one message; every `POST /trigger` sends one
`ticket.called`-shaped message, padded to `--message-bytes`, to every client in turn and then
answers `{"ticket": {"id": KEY}}`.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field

from aiohttp import web

from bench.common import HOST


@dataclass
class Broadcast:
    message_bytes: int
    clients: set[web.WebSocketResponse] = field(default_factory=set)
    sent: int = 0


BROADCAST = web.AppKey("broadcast", Broadcast)

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


@routes.get("/ws")
async def stream(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    await ws.send_str(json.dumps({"type": "hello"}))
    broadcast = request.app[BROADCAST]
    broadcast.clients.add(ws)
    try:
        async for _ in ws:
            pass
    finally:
        broadcast.clients.discard(ws)
    return ws


@routes.post("/trigger")
async def trigger(request: web.Request) -> web.Response:
    broadcast = request.app[BROADCAST]
    broadcast.sent += 1
    key = f"call-{broadcast.sent}"
    message = {"type": "ticket.called", "seq": broadcast.sent, "ticket": {"id": key}, "pad": ""}
    padding = broadcast.message_bytes - len(json.dumps(message))
    text = json.dumps({**message, "pad": "x" * max(padding, 0)})
    for ws in list(broadcast.clients):
        await ws.send_str(text)
    return web.json_response({"ticket": {"id": key}})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--message-bytes", type=int, default=1000)
    args = parser.parse_args()
    app = web.Application()
    app[BROADCAST] = Broadcast(args.message_bytes)
    app.add_routes(routes)
    web.run_app(app, host=HOST, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
