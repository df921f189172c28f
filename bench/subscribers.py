"""WebSocket subscribers in child processes that time each message, and the pool driving them.

A child (`python -m bench.subscribers URL COUNT`) opens COUNT sockets, waits for each one's
first message, prints `{"ready": COUNT}`, then for every message of the matched type notes
`time.perf_counter()` on arrival, keyed by its ticket id, and prints `{"done": KEY}` once all
its sockets have that key. When its standard input closes it prints `{"times": ...}` and ends.
On Linux `perf_counter` reads CLOCK_MONOTONIC, one clock for every process of the machine, so
the parent's send times and the children's receive times can be subtracted.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import sys
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp

from bench.common import REPO, BenchError, python_module, raise_fd_limit, stop_process

MATCHED_TYPE = "ticket.called"
CONNECTS_AT_ONCE = 50
CONNECT_TIMEOUT = 120.0  # seconds for a child to connect its sockets, or to report at the end
DELIVERY_TIMEOUT = 30.0  # seconds for one message to reach every socket
LINE_LIMIT = 2**26  # the final report holds every receive time


# -- the child process --------------------------------------------------------------------


def _say(message: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


class _Receiver:
    """Receive times of the matched messages, by key, over all of this process's sockets."""

    def __init__(self, sockets: int) -> None:
        self.sockets = sockets
        self.times: dict[str, list[float]] = collections.defaultdict(list)
        self.message_bytes = 0
        self.messages = 0  # every text message after the first, matched or not
        self.dropped = 0  # sockets the server closed before we did
        self.closing = False

    async def listen(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for message in ws:
            arrived = time.perf_counter()
            if message.type is not aiohttp.WSMsgType.TEXT:
                continue
            self.messages += 1
            data = json.loads(message.data)
            if data.get("type") != MATCHED_TYPE:
                continue
            seen = self.times[data["ticket"]["id"]]
            seen.append(arrived)
            if len(seen) == self.sockets:
                self.message_bytes = len(message.data.encode())
                _say({"done": data["ticket"]["id"]})
        self.dropped += not self.closing


async def _subscribe(url: str, count: int) -> None:
    raise_fd_limit()
    receiver = _Receiver(count)
    gate = asyncio.Semaphore(CONNECTS_AT_ONCE)
    connector = aiohttp.TCPConnector(limit=0)  # the default limit of 100 would queue sockets
    async with aiohttp.ClientSession(connector=connector) as http:

        async def connect() -> aiohttp.ClientWebSocketResponse:
            async with gate:
                ws = await http.ws_connect(url, max_msg_size=0)
                first = await ws.receive()
                if first.type is not aiohttp.WSMsgType.TEXT:
                    raise BenchError(f"the first message was {first.type!r}, not text")
                return ws

        async with asyncio.timeout(CONNECT_TIMEOUT):
            sockets = await asyncio.gather(*(connect() for _ in range(count)))
        listeners = [asyncio.create_task(receiver.listen(ws)) for ws in sockets]
        _say({"ready": count})
        await asyncio.to_thread(sys.stdin.read)  # until the parent closes our standard input
        receiver.closing = True
        await asyncio.gather(*(ws.close() for ws in sockets))
        await asyncio.gather(*listeners)
    _say(
        {
            "times": receiver.times,
            "message_bytes": receiver.message_bytes,
            "messages": receiver.messages,
            "dropped": receiver.dropped,
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url", help="ws://... of the stream")
    parser.add_argument("count", type=int, help="sockets to open")
    args = parser.parse_args()
    asyncio.run(_subscribe(args.url, args.count))


# -- the parent's side --------------------------------------------------------------------


@dataclass(frozen=True)
class Deliveries:
    """Every socket's receive time of every matched message, by key."""

    times: dict[str, list[float]]
    message_bytes: int
    messages: int  # text messages received over all sockets, matched or not


class SubscriberPool:
    """Child processes holding `total` sockets between them."""

    def __init__(self, children: Sequence[asyncio.subprocess.Process]) -> None:
        self._children = children

    async def delivered(self, key: str) -> None:
        """Wait until every socket has received the matched message with this key."""
        async with asyncio.timeout(DELIVERY_TIMEOUT):
            for child in self._children:
                said = await _hear(child)
                if said.get("done") != key:
                    raise BenchError(f"expected delivery of {key}, a subscriber said {said}")

    async def collect(self) -> Deliveries:
        """Close the sockets and gather every receive time."""
        times: dict[str, list[float]] = collections.defaultdict(list)
        sizes = []
        messages = 0
        for child in self._children:
            assert child.stdin is not None
            child.stdin.close()
        async with asyncio.timeout(CONNECT_TIMEOUT):
            for child in self._children:
                report = await _hear(child)
                if report.get("dropped"):
                    raise BenchError(f"the server closed {report['dropped']} subscriber sockets")
                for key, seen in report["times"].items():
                    times[key].extend(seen)
                sizes.append(int(report["message_bytes"]))
                messages += int(report["messages"])
                await child.wait()
        return Deliveries(dict(times), max(sizes), messages)


async def _hear(child: asyncio.subprocess.Process) -> dict[str, Any]:
    assert child.stdout is not None
    line = await child.stdout.readline()
    if not line:
        raise BenchError(f"subscriber process {child.pid} ended early")
    said = json.loads(line)
    if not isinstance(said, dict):
        raise BenchError(f"subscriber process {child.pid} said {said!r}")
    return said


@contextlib.asynccontextmanager
async def subscribed(url: str, total: int, processes: int) -> AsyncIterator[SubscriberPool]:
    """Spread `total` sockets on `url` over `processes` children; yields once all are in."""
    share, extra = divmod(total, processes)
    children: list[asyncio.subprocess.Process] = []
    try:
        for n in range(processes):
            count = share + (n < extra)
            children.append(
                await asyncio.create_subprocess_exec(
                    *python_module("bench.subscribers", url, str(count)),
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                    cwd=REPO,
                    limit=LINE_LIMIT,
                    preexec_fn=raise_fd_limit,
                )
            )
        async with asyncio.timeout(CONNECT_TIMEOUT):
            for child in children:
                said = await _hear(child)
                if "ready" not in said:
                    raise BenchError(f"a subscriber process said {said} instead of ready")
        yield SubscriberPool(children)
    finally:
        for child in children:
            await stop_process(child)


if __name__ == "__main__":
    main()
