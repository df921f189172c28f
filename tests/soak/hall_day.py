"""A whole hall day through a real `hallq serve`, with faults: the soak test's driver.

Kiosks issue, 30 stations call, serve and have their citizens rate, boards and phones and
the manager's console watch the event stream, the manager tunes the hall; meanwhile the
server is SIGKILLed and restarted, its disk fills up and frees again, and one console tab
freezes. At the end the day is served out and every invariant is checked (verdict.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import Counter
from dataclasses import dataclass, field

import aiohttp
from crash.hall_process import HallProcess

from queue_server.config import load_hall

from .clients import Hall, Station, kiosk, manager
from .ledger import Ledger
from .streams import StalledClient, Watcher
from .verdict import check_day
from .workload import ServiceTimes, citizens

WINDOWS = tuple(str(n) for n in range(1, 31))  # 31 and 32 stay closed
KIOSKS = 8
CLI_AT_ONCE = 4
MANAGER = ("soak-manager", "manager", "a soak test password")
DOWN_SECONDS = (0.2, 1.5)  # how long a killed server stays down
DISK_FULL_SECONDS = 2.0
STALLED_VERDICT_SECONDS = 20.0
# The frozen tab is judged this far into the day, before any kill would end its connection
# anyway: by then a day's first half has gone by, megabytes of console messages.
STALLED_SHARE = 0.55
SETTLE_SECONDS = 3.0  # screens catch up with the last changes before the comparison
DRAIN_SECONDS = 120.0  # the stations serve out the last tickets within this


@dataclass(frozen=True)
class Plan:
    """The size of the day and its faults."""

    tickets: int
    seconds: float  # the arrivals are spread over this much of the run
    seed: int = 20261123
    kills: int = 3
    disk_full: int = 1
    boards: int = 4
    phones: int = 3


@dataclass
class Outcome:
    """What happened, for the report and the assertions."""

    problems: list[str]
    counts: Counter[str] = field(default_factory=Counter)
    longest_outage: float = 0.0  # a request retried until the server answered
    longest_screen_outage: float = 0.0  # a screen cut off until it was connected again
    wall_seconds: float = 0.0

    def summary(self) -> str:
        shown = ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
        return (
            f"{shown}; longest outage: requests {self.longest_outage:.1f} s, "
            f"screens {self.longest_screen_outage:.1f} s; "
            f"{self.wall_seconds:.0f} s in all; {len(self.problems)} problem(s)"
        )


async def prepare(server: HallProcess) -> dict[str, str]:
    """Accounts made with the CLI before the server starts, as a hall's IT person does."""
    devices = [(f"kiosk-{n}", "kiosk", None) for n in range(KIOSKS)]
    devices += [(f"station-{w}", "station", w) for w in WINDOWS]
    devices += [(f"pad-{w}", "pad", w) for w in WINDOWS]
    at_once = asyncio.Semaphore(CLI_AT_ONCE)

    async def add(name: str, role: str, window: str | None) -> tuple[str, str]:
        async with at_once:
            return name, await server.add_device(name, role, window)

    tokens = dict(await asyncio.gather(*(add(*device) for device in devices)))
    await server.add_user(*MANAGER)
    return tokens


async def soak(server: HallProcess, plan: Plan) -> Outcome:
    """Run the day on a server not yet started; returns what was found."""
    began = time.monotonic()
    tokens = await prepare(server)
    await server.start()
    rng = random.Random(plan.seed)
    ledger = Ledger()
    timeout = aiohttp.ClientTimeout(total=30, sock_connect=5)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        hall = Hall(lambda: server.url, http, tokens, ledger, rng)
        status, answer = await hall.insist(
            "POST", "/api/v1/session", None, {"username": MANAGER[0], "password": MANAGER[2]}
        )
        assert status == 200, answer
        boss = answer["token"]
        counts: Counter[str] = Counter()
        watchers = await _day(server, plan, hall, boss, counts)
        problems = await check_day(server, hall, boss, ledger, watchers)
    counts.update(ledger.counts)
    counts["tickets"] = len(ledger.issued_ids)
    counts["requests"] = hall.requests
    counts["stream_messages"] = sum(w.messages for w in watchers)
    counts["stream_resumes"] = sum(w.resumes for w in watchers)
    counts["stream_snapshots"] = sum(w.snapshots for w in watchers)
    counts["stream_cuts"] = sum(w.cuts for w in watchers)
    return Outcome(
        problems=[*ledger.problems, *problems],
        counts=counts,
        longest_outage=max(hall.outages, default=0.0),
        longest_screen_outage=max((w.longest_outage for w in watchers), default=0.0),
        wall_seconds=time.monotonic() - began,
    )


async def _day(
    server: HallProcess, plan: Plan, hall: Hall, boss: str, counts: Counter[str]
) -> list[Watcher]:
    """The day from the first arrival until the last citizen is served; the screens."""
    config = load_hall(server.config)
    day = citizens(hall.rng, plan.tickets, plan.seconds, KIOSKS, {s.id for s in config.services})
    times = ServiceTimes(config, plan.tickets, plan.seconds, len(WINDOWS))
    problems = hall.ledger.problems
    watchers = [Watcher(f"board-{n}", hall.url, problems) for n in range(plan.boards)]
    watchers += [
        Watcher(f"phone-{n}", hall.url, problems, hang_up_every=plan.seconds / 10)
        for n in range(plan.phones)
    ]
    console = Watcher("console", hall.url, problems, token=boss, every_event=True)
    watchers.append(console)
    watching = [asyncio.create_task(w.run(hall.http)) for w in watchers]
    stalled = StalledClient(server.url, token=boss)
    await stalled.connect()

    drained = asyncio.Event()
    stations = [Station(hall, w, times, drained) for w in WINDOWS]
    serving = [asyncio.create_task(s.run()) for s in stations]
    started = time.monotonic()
    issuing = [
        asyncio.create_task(kiosk(hall, f"kiosk-{n}", [c for c in day if c.kiosk == n], started))
        for n in range(KIOSKS)
    ]
    tuning = asyncio.create_task(manager(hall, boss, plan.seconds))
    faults = asyncio.create_task(
        _faults(server, plan, hall.rng, stalled, console, counts, problems)
    )

    await asyncio.gather(*issuing, tuning, faults)
    await _served_out(hall)
    drained.set()
    await asyncio.gather(*serving)
    await asyncio.sleep(SETTLE_SECONDS)
    for w in watchers:
        w.stopping = True
    await asyncio.gather(*watching)
    return watchers


async def _faults(
    server: HallProcess,
    plan: Plan,
    rng: random.Random,
    stalled: StalledClient,
    console: Watcher,
    counts: Counter[str],
    problems: list[str],
) -> None:
    """The frozen tab is judged first; then kills and full disks at random moments."""
    started = time.monotonic()
    await asyncio.sleep(STALLED_SHARE * plan.seconds)
    frames, ending = await stalled.verdict(STALLED_VERDICT_SECONDS)
    counts["stalled_frames"], counts["stalled_bytes"] = frames, stalled.bytes_read
    counts["console_frames_meanwhile"] = console.messages
    # Cut off: closed as too slow (4008) or for a send that timed out (1008), or the
    # connection simply ended when the close frame itself could not get through.
    if ending not in ("closed 4008", "closed 1008", "dropped"):
        problems.append(f"the frozen console tab was not cut off: {ending} after {frames}")
    faults = ["kill"] * plan.kills + ["disk full"] * plan.disk_full
    rng.shuffle(faults)
    span = (time.monotonic() - started, 0.95 * plan.seconds)
    moments = sorted(rng.uniform(*span) for _ in faults)
    for moment, fault in zip(moments, faults, strict=True):
        await asyncio.sleep(max(0.0, started + moment - time.monotonic()))
        if fault == "kill":
            await server.kill()
            await asyncio.sleep(rng.uniform(*DOWN_SECONDS))
            await server.start()
            counts["kills"] += 1
        else:
            server.limit_file_size(0)
            await asyncio.sleep(DISK_FULL_SECONDS)
            server.limit_file_size(None)
            counts["disk_full"] += 1


async def _served_out(hall: Hall) -> None:
    """Wait until nobody waits and no window holds a ticket: the day is over."""
    waiting, holding = 0, []
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(DRAIN_SECONDS):
            while True:
                status, answer = await hall.insist("GET", "/api/v1/hall")
                assert status == 200, answer
                waiting = sum(s["waiting"] for s in answer["services"])
                holding = [w["id"] for w in answer["windows"] if w["ticket"] is not None]
                if waiting == 0 and not holding:
                    return
                await asyncio.sleep(0.5)
    hall.problem(f"the day never ended: {waiting} waiting, windows {holding} holding tickets")
