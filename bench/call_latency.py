"""Call-to-subscriber latency over 1,000 board sockets, against a minimal broadcast server."""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bench.common import (
    CALL_WINDOW,
    Result,
    bench_main,
    free_port,
    hall_with_a_queue,
    percentile,
    post_json,
    python_module,
    ratio,
    serving,
)
from bench.subscribers import SubscriberPool, subscribed

PAUSE = 0.02  # seconds between calls, so that each starts with a quiet server


@dataclass(frozen=True)
class Sizes:
    subscribers: int = 1000
    processes: int = 2  # client processes sharing the sockets
    calls: int = 100
    warmup: int = 5  # calls made first and not counted


SMOKE = Sizes(subscribers=10, processes=1, calls=3, warmup=1)

METHOD = f"""\
{Sizes.subscribers:,} WebSocket clients on `/ws?topics=board`, spread over {Sizes.processes} client
processes, each waiting for its snapshot first. A window station then calls next at
window 1 (tickets issued beforehand), one call at a time; each call waits until all
{Sizes.subscribers:,} sockets have its `ticket.called` message, matched by ticket id, then
{PAUSE * 1000:.0f} ms. The send time is taken in the bench process just before the POST, each
receive time in the client processes with `time.perf_counter()` (CLOCK_MONOTONIC, one
clock for all processes). Latency = receive minus send; p50 and p99 are over all receive
times of the {Sizes.calls} measured calls pooled ({Sizes.calls * Sizes.subscribers:,} samples),
after {Sizes.warmup} warm-up calls; the median of the per-call p99 is given too. On the board
topic hallq sends one message per call-next: the `ticket.called` carries the ticket the
window finished just before under `finished` (the details count messages per call).
Baseline: `bench/broadcast_server.py`, a minimal aiohttp server in its own process whose
`POST /trigger` sends one `ticket.called`-shaped message, padded to the size of hallq's,
to every client in a plain loop; same clients, same procedure."""


@dataclass(frozen=True)
class Latencies:
    pooled: list[float]  # every socket's latency of every measured call, in seconds
    per_call_p99: list[float]
    message_bytes: int
    messages_per_call: float  # stream messages each subscriber got per call


async def run(*, smoke: bool = False) -> Result:
    return await measure(SMOKE if smoke else Sizes())


async def measure(sizes: Sizes) -> Result:
    with tempfile.TemporaryDirectory(prefix="hallq-bench-") as tmp:
        hallq = await _hallq(Path(tmp), sizes)
        baseline = await _baseline(Path(tmp), sizes, hallq.message_bytes)
    p99, baseline_p99 = percentile(hallq.pooled, 99), percentile(baseline.pooled, 99)
    return Result(
        name="Call-to-subscriber latency",
        metric=f"ms p99 over {sizes.subscribers:,} subscribers",
        value=p99 * 1000,
        baseline="minimal aiohttp broadcast server, same clients",
        baseline_value=baseline_p99 * 1000,
        ratio=ratio(p99, baseline_p99),
        target="p99 <= 1.5x baseline p99",
        met=p99 <= 1.5 * baseline_p99,
        details={
            "subscribers": sizes.subscribers,
            "client processes": sizes.processes,
            "calls measured": sizes.calls,
            "hallq p50 (ms)": percentile(hallq.pooled, 50) * 1000,
            "hallq p99 (ms)": p99 * 1000,
            "hallq max (ms)": max(hallq.pooled) * 1000,
            "hallq median of per-call p99 (ms)": percentile(hallq.per_call_p99, 50) * 1000,
            "baseline p50 (ms)": percentile(baseline.pooled, 50) * 1000,
            "baseline p99 (ms)": baseline_p99 * 1000,
            "baseline max (ms)": max(baseline.pooled) * 1000,
            "baseline median of per-call p99 (ms)": percentile(baseline.per_call_p99, 50) * 1000,
            "p50 ratio": ratio(percentile(hallq.pooled, 50), percentile(baseline.pooled, 50)),
            "ticket.called message (bytes)": hallq.message_bytes,
            "hallq messages per call and subscriber": hallq.messages_per_call,
            "baseline messages per call and subscriber": baseline.messages_per_call,
        },
    )


async def _hallq(workdir: Path, sizes: Sizes) -> Latencies:
    queued = hall_with_a_queue(workdir, tickets=sizes.warmup + sizes.calls, key_prefix="call")
    async with queued as hall:

        async def call_next() -> str:
            url = f"{hall.server.url}/api/v1/windows/{CALL_WINDOW}/call-next"
            ticket = (await post_json(hall.http, url, hall.station))["ticket"]
            assert isinstance(ticket, dict)
            return str(ticket["id"])

        return await timed_calls(f"{hall.server.ws_url}/ws?topics=board", sizes, call_next)


async def _baseline(workdir: Path, sizes: Sizes, message_bytes: int) -> Latencies:
    port = free_port()
    argv = python_module(
        "bench.broadcast_server", "--port", str(port), "--message-bytes", str(message_bytes)
    )
    async with (
        serving(argv, port, workdir / "broadcast.log") as server,
        aiohttp.ClientSession() as http,
    ):

        async def trigger() -> str:
            ticket = (await post_json(http, f"{server.url}/trigger"))["ticket"]
            assert isinstance(ticket, dict)
            return str(ticket["id"])

        return await timed_calls(f"{server.ws_url}/ws", sizes, trigger)


async def timed_calls(url: str, sizes: Sizes, call: Callable[[], Awaitable[str]]) -> Latencies:
    """Make the calls one at a time, each once every socket has the one before."""
    async with subscribed(url, sizes.subscribers, sizes.processes) as pool:
        sent = await _drive(pool, sizes, call)
        deliveries = await pool.collect()
    per_call = {key: [at - sent[key] for at in deliveries.times[key]] for key in sent}
    return Latencies(
        pooled=[latency for latencies in per_call.values() for latency in latencies],
        per_call_p99=[percentile(latencies, 99) for latencies in per_call.values()],
        message_bytes=deliveries.message_bytes,
        messages_per_call=deliveries.messages / sizes.subscribers / (sizes.warmup + sizes.calls),
    )


async def _drive(
    pool: SubscriberPool, sizes: Sizes, call: Callable[[], Awaitable[str]]
) -> dict[str, float]:
    sent: dict[str, float] = {}
    for n in range(sizes.warmup + sizes.calls):
        started = time.perf_counter()
        key = await call()
        await pool.delivered(key)
        if n >= sizes.warmup:
            sent[key] = started
        await asyncio.sleep(PAUSE)
    return sent


def main() -> None:
    bench_main(__doc__, run)


if __name__ == "__main__":
    main()
