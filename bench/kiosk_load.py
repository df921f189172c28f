"""The issuing benchmark's kiosks: each keeps one `POST /api/v1/tickets` in flight on its own
keep-alive HTTP/1.1 connection.

A hall's kiosks are machines of their own; here they share the server's cores. So the load
is kept lean: one asyncio protocol per kiosk writes a prepared request and reads the answer
by its Content-Length, with no client library in between. An aiohttp client session costs
the bench process about as much CPU per request as a minimal aiohttp server spends answering
it, CPU the server under test then lacks (the run prints what this load generator used).
Every answer must be a 201 carrying a ticket, or the run fails.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass

from bench.common import BenchError

_HEAD_END = b"\r\n\r\n"


@dataclass(frozen=True)
class KioskLoad:
    host: str
    port: int
    tokens: Sequence[str]
    services: Sequence[str]

    async def issue(self, total: int, tag: str) -> tuple[float, list[float]]:
        """Issue `total` tickets, spread over the kiosks; returns the seconds it took and each
        request's latency. Idempotency keys start with `tag`, so runs never collide."""
        loop = asyncio.get_running_loop()
        latencies: list[float] = []
        share, extra = divmod(total, len(self.tokens))
        kiosks = [
            _Kiosk(self, n, token, share + (n < extra), f"{tag}-{n}-", latencies, loop)
            for n, token in enumerate(self.tokens)
        ]
        started = time.perf_counter()
        transports = []
        try:
            for kiosk in kiosks:
                transport, _ = await loop.create_connection(kiosk.itself, self.host, self.port)
                transports.append(transport)
            await asyncio.gather(*(kiosk.done for kiosk in kiosks))
        finally:
            for transport in transports:
                transport.close()
        return time.perf_counter() - started, latencies


class _Kiosk(asyncio.Protocol):
    def __init__(
        self,
        load: KioskLoad,
        n: int,
        token: str,
        count: int,
        tag: str,
        latencies: list[float],
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.head = (
            f"POST /api/v1/tickets HTTP/1.1\r\nHost: {load.host}:{load.port}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        ).encode()
        self.services = load.services
        self.n = n
        self.count = count
        self.tag = tag
        self.latencies = latencies
        self.done: asyncio.Future[None] = loop.create_future()
        self.sent = 0
        self.started = 0.0
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def itself(self) -> _Kiosk:
        """The protocol factory of this kiosk's one connection."""
        return self

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self._send_next()

    def _send_next(self) -> None:
        if self.sent == self.count:
            if not self.done.done():
                self.done.set_result(None)
            return
        body = json.dumps(
            {
                "service": self.services[(self.n + self.sent) % len(self.services)],
                "idempotency_key": f"{self.tag}{self.sent}",
            }
        ).encode()
        assert self.transport is not None
        self.started = time.perf_counter()
        self.transport.write(self.head + b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(_HEAD_END)
        if end < 0:
            return
        head = self.buffer[:end]
        size = _content_length(head)
        whole = end + len(_HEAD_END) + size
        if len(self.buffer) < whole:
            return
        body, self.buffer = self.buffer[end + len(_HEAD_END) : whole], self.buffer[whole:]
        if not head.startswith(b"HTTP/1.1 201 ") or b'"number"' not in body:
            status_line = head.partition(b"\r\n")[0]
            self._fail(f"issuing answered {status_line!r}: {body[:200]!r}")
            return
        self.latencies.append(time.perf_counter() - self.started)
        self.sent += 1
        self._send_next()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.sent < self.count:
            self._fail(f"the server closed kiosk {self.n}'s connection: {exc}")

    def _fail(self, why: str) -> None:
        if not self.done.done():
            self.done.set_exception(BenchError(why))
        if self.transport is not None:
            self.transport.close()


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    raise BenchError(f"an answer without Content-Length: {head[:200]!r}")
