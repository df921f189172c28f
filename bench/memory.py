"""Server memory (RSS) with 1,000 board subscribers, against the same server idle."""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.common import (
    CALL_WINDOW,
    Result,
    bench_main,
    hall_with_a_queue,
    post_json,
    ratio,
    rss_bytes,
)
from bench.subscribers import subscribed

SETTLE = 1.0  # seconds to wait before reading RSS, for buffers and the heartbeat to settle
TARGET_MB = 150
MB = 2**20


@dataclass(frozen=True)
class Sizes:
    subscribers: int = 1000
    processes: int = 2
    calls: int = 50  # messages broadcast to every subscriber before the last reading


SMOKE = Sizes(subscribers=10, processes=1, calls=3)

METHOD = f"""\
The server's VmRSS from `/proc/PID/status`: idle (after {Sizes.calls} tickets issued and a
window opened, {SETTLE:g} s to settle; the baseline), then with {Sizes.subscribers:,} board
subscribers connected ({Sizes.processes} client processes), then after {Sizes.calls} calls
broadcast to all of them. The larger of the last two is the measured value."""


async def run(*, smoke: bool = False) -> Result:
    return await measure(SMOKE if smoke else Sizes())


async def measure(sizes: Sizes) -> Result:
    with tempfile.TemporaryDirectory(prefix="hallq-bench-") as tmp:
        workdir = Path(tmp)
        async with hall_with_a_queue(workdir, tickets=sizes.calls, key_prefix="memory") as hall:
            server, http = hall.server, hall.http
            await asyncio.sleep(SETTLE)
            idle = rss_bytes(server.pid)
            url = f"{server.ws_url}/ws?topics=board"
            async with subscribed(url, sizes.subscribers, sizes.processes) as pool:
                await asyncio.sleep(SETTLE)
                connected = rss_bytes(server.pid)
                for _ in range(sizes.calls):
                    answer = await post_json(
                        http, f"{server.url}/api/v1/windows/{CALL_WINDOW}/call-next", hall.station
                    )
                    ticket = answer["ticket"]
                    assert isinstance(ticket, dict)
                    await pool.delivered(str(ticket["id"]))
                await asyncio.sleep(SETTLE)
                after_calls = rss_bytes(server.pid)
                await pool.collect()
    peak = max(connected, after_calls)
    return Result(
        name="Server memory with subscribers",
        metric=f"MB RSS with {sizes.subscribers:,} subscribers",
        value=peak / MB,
        baseline="the same server idle",
        baseline_value=idle / MB,
        ratio=ratio(peak, idle),
        target=f"< {TARGET_MB} MB",
        met=peak < TARGET_MB * MB,
        details={
            "subscribers": sizes.subscribers,
            "idle RSS (MB)": idle / MB,
            "RSS with subscribers connected (MB)": connected / MB,
            f"RSS after {sizes.calls} calls broadcast (MB)": after_calls / MB,
            "per subscriber (KB)": (peak - idle) / sizes.subscribers / 1024,
        },
    )


def main() -> None:
    bench_main(__doc__, run)


if __name__ == "__main__":
    main()
