"""30 windows calling and 8 kiosks issuing at once never double-call and never duplicate."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from helpers import SHANGHAI, RunningHall

from queue_server.config import load_hall

from .hall_process import JIANGBEI

pytestmark = pytest.mark.slow

SEED = 20261124
TICKETS = 1500
KIOSKS = 8
WINDOWS = tuple(str(n) for n in range(1, 31))  # 31 and 32 stay closed
# Weighted so that every window has work: 11-21 and 23-30 get theirs mostly as overflow.
# The routed services send their tickets on to tax and pickup, so those are called again.
WEIGHTS = {
    "social-insurance": 2,
    "medical-insurance": 2,
    "household": 1,
    "exit-entry": 1,
    "pickup": 1,
    "consult": 2,
    "tax": 6,
    "housing-fund": 6,
    "company-registration": 1,
    "company-change": 1,
    "food-licence": 1,
    "road-transport": 1,
    "vehicle-permit": 1,
    "real-estate": 3,
    "other-matters": 3,
    "construction-permit": 1,
    "completion-filing": 1,
}
DRAIN_SECONDS = 45
STREAM_SECONDS = 15
TOO_SLOW = 4008  # the stream's close code for a client that fell behind


@dataclass(frozen=True)
class Layout:
    """What the tests need of the hall, as GET /api/v1/hall shows it."""

    route: dict[str, list[str]]
    prefix: dict[str, str]
    serves: dict[str, set[str]]

    @classmethod
    def of(cls, info: dict[str, Any]) -> Layout:
        return cls(
            route={s["id"]: s["route"] for s in info["services"]},
            prefix={s["id"]: s["prefix"] for s in info["services"]},
            serves={w["id"]: {*w["services"], *w["overflow"]} for w in info["windows"]},
        )

    def steps(self, service: str) -> list[str]:
        """The services a ticket of `service` is called for, in order."""
        return [service, *self.route[service]]


@dataclass
class Run:
    """What the clients were answered, in the order the answers arrived."""

    plan: list[str]
    steps_total: int
    issued: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, str, str]] = field(default_factory=list)  # ticket, window, service
    finished: int = 0
    problems: list[str] = field(default_factory=list)


async def post(
    http: aiohttp.ClientSession, url: str, token: str, body: Any = None
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    async with http.post(url, headers=headers, json=body) as response:
        return response.status, json.loads(await response.text())


class StreamWatcher:
    """A board on /ws?topics=board; when cut off for being slow it resumes with after_seq."""

    def __init__(self, http: aiohttp.ClientSession, url: str) -> None:
        self.http = http
        self.url = url
        self.first_seq: int | None = None
        self.last_seq = -1
        self.messages: list[dict[str, Any]] = []
        self.resumes = 0
        self.closes: list[object] = []
        self.progress = asyncio.Event()
        self.connected = asyncio.Event()

    async def run(self) -> None:
        while True:
            query = "" if self.first_seq is None else f"&after_seq={self.last_seq}"
            async with self.http.ws_connect(f"{self.url}/ws?topics=board{query}") as ws:
                self.connected.set()
                async for message in ws:
                    if message.type is not aiohttp.WSMsgType.TEXT:
                        break
                    self.take(json.loads(message.data))
                self.closes.append(ws.close_code)
                if ws.close_code != TOO_SLOW:
                    return
            self.resumes += 1

    def take(self, data: dict[str, Any]) -> None:
        if data["type"] == "snapshot":
            assert self.first_seq is None, f"a second snapshot at seq {data['seq']}"
            self.first_seq = self.last_seq = data["seq"]
        else:
            self.messages.append(data)
            self.last_seq = data["seq"]
        self.progress.set()

    async def wait_for(self, seq: int) -> None:
        try:
            async with asyncio.timeout(STREAM_SECONDS):
                while self.last_seq < seq:
                    self.progress.clear()
                    await self.progress.wait()
        except TimeoutError:
            pytest.fail(
                f"the board stream stopped at seq {self.last_seq}, the hall is at {seq}; "
                f"closes {self.closes}, resumed {self.resumes} times"
            )


async def test_thirty_windows_and_eight_kiosks_never_double_call_or_duplicate(
    start_hall: Callable[..., Awaitable[RunningHall]],
) -> None:
    # Real time, but at midday: numbering restarts with the hall's day, and the test counts
    # numbers from 001.
    began = time.monotonic()
    noon = dt.datetime.now(SHANGHAI).replace(hour=12, minute=0, second=0, microsecond=0)
    hall = await start_hall(
        load_hall(JIANGBEI, open_all_hours=True),
        clock=lambda: noon + dt.timedelta(seconds=time.monotonic() - began),
    )
    _, info = await hall.call("GET", "/api/v1/hall")
    layout = Layout.of(info)
    assert set(WEIGHTS) == set(layout.route), "the example hall's services changed"
    plan = random.Random(SEED).choices(list(WEIGHTS), weights=list(WEIGHTS.values()), k=TICKETS)
    run = Run(plan, sum(len(layout.steps(s)) for s in plan))
    kiosks = [await hall.device(f"kiosk-{n}", "kiosk") for n in range(KIOSKS)]
    stations = {w: await hall.device(f"station-{w}", "station", window=w) for w in WINDOWS}

    watcher = StreamWatcher(hall.http, hall.url)
    watching = asyncio.create_task(watcher.run())
    try:
        await asyncio.wait_for(watcher.connected.wait(), STREAM_SECONDS)
        for window, token in stations.items():
            status, answer = await post(
                hall.http, f"{hall.url}/api/v1/windows/{window}/open", token
            )
            assert status == 200, answer
        await drive(hall, run, kiosks, stations)
        check_issued(run, layout)
        check_calls(run, layout)
        await check_drained(hall, run, layout)
        await check_stream(hall, watcher, run, layout)
    finally:
        watching.cancel()
        await asyncio.gather(watching, return_exceptions=True)


async def drive(hall: RunningHall, run: Run, kiosks: list[str], stations: dict[str, str]) -> None:
    """8 kiosks issue the plan while 30 stations call and finish until every step is done."""
    http, url = hall.http, hall.url

    async def kiosk(n: int) -> None:
        for index in range(n, TICKETS, KIOSKS):
            body = {"service": run.plan[index], "idempotency_key": f"k{n}-{index}"}
            status, answer = await post(http, f"{url}/api/v1/tickets", kiosks[n], body)
            if status != 201:
                run.problems.append(f"kiosk {n} issue {body}: {status} {answer}")
                return
            run.issued[answer["ticket"]["id"]] = answer["ticket"]

    async def station(window: str) -> None:
        base = f"{url}/api/v1/windows/{window}"
        while run.finished < run.steps_total and not run.problems:
            status, answer = await post(http, f"{base}/call-next", stations[window])
            if status == 404 and answer["error"]["code"] == "queue_empty":
                await asyncio.sleep(0.005)
                continue
            ticket = answer.get("ticket") if status == 200 else None
            if ticket is None or ticket["state"] != "called" or ticket["window"] != window:
                run.problems.append(f"call-next at {window}: {status} {answer}")
                return
            run.calls.append((ticket["id"], window, ticket["service"]))
            status, answer = await post(http, f"{base}/finish", stations[window])
            if status != 200 or answer["ticket"]["id"] != ticket["id"]:
                run.problems.append(f"finish at {window} after {ticket}: {status} {answer}")
                return
            run.finished += 1

    clients = [kiosk(n) for n in range(KIOSKS)] + [station(w) for w in WINDOWS]
    try:
        await asyncio.wait_for(asyncio.gather(*clients), DRAIN_SECONDS)
    except TimeoutError:
        pytest.fail(
            f"not drained in {DRAIN_SECONDS} s: {len(run.issued)} issued, {len(run.calls)} "
            f"calls, {run.finished} of {run.steps_total} steps finished; {run.problems[:5]}"
        )
    assert not run.problems, "\n".join(run.problems[:20])


def check_issued(run: Run, layout: Layout) -> None:
    """Every ticket once; numbers per service distinct and gap-free from 001."""
    assert len(run.issued) == TICKETS
    numbers: defaultdict[str, list[str]] = defaultdict(list)
    for ticket in run.issued.values():
        numbers[ticket["service"]].append(ticket["number"])
    assert Counter({s: len(n) for s, n in numbers.items()}) == Counter(run.plan)
    for service, given in numbers.items():
        expected = [f"{layout.prefix[service]}{n:03d}" for n in range(1, len(given) + 1)]
        twice = sorted(n for n, c in Counter(given).items() if c > 1)
        missing = sorted(set(expected) - set(given))
        assert sorted(given) == expected, f"{service}: twice {twice}, missing {missing}"


def check_calls(run: Run, layout: Layout) -> None:
    """Each ticket called once per step of its route (once, without a route), never twice
    for one step, always by a window that serves that step; every window had work."""
    called: defaultdict[str, list[tuple[str, str]]] = defaultdict(list)
    for ticket_id, window, service in run.calls:
        assert ticket_id in run.issued, f"called {ticket_id}, which no kiosk was given"
        assert service in layout.serves[window], f"window {window} called {service}"
        called[ticket_id].append((service, window))
    for ticket_id, ticket in run.issued.items():
        got = Counter(service for service, _ in called[ticket_id])
        expected = Counter(layout.steps(ticket["service"]))
        assert got == expected, f"{ticket['number']} called {called[ticket_id]}"
    assert len(run.calls) == run.finished == run.steps_total
    idle = set(WINDOWS) - {window for _, window, _ in run.calls}
    assert not idle, f"windows {sorted(idle)} never had work"


async def check_drained(hall: RunningHall, run: Run, layout: Layout) -> None:
    """Every ticket is done at the window of its last step; the hall view agrees."""
    last_window = {ticket_id: window for ticket_id, window, _ in run.calls}  # in answer order
    limit = asyncio.Semaphore(16)

    async def fetch(ticket_id: str) -> dict[str, Any]:
        async with limit:
            status, answer = await hall.call("GET", f"/api/v1/tickets/{ticket_id}")
        assert status == 200, answer
        ticket: dict[str, Any] = answer["ticket"]
        return ticket

    for final in await asyncio.gather(*map(fetch, run.issued)):
        issued = run.issued[final["id"]]
        expected = ("done", layout.steps(issued["service"])[-1], issued["number"])
        assert (final["state"], final["service"], final["number"]) == expected, final
        assert final["window"] == last_window[final["id"]], final
    _, info = await hall.call("GET", "/api/v1/hall")
    assert {s["id"]: s["waiting"] for s in info["services"]} == dict.fromkeys(layout.route, 0)
    for window in info["windows"]:
        state = "idle" if window["id"] in WINDOWS else "closed"
        assert (window["state"], window["ticket"]) == (state, None), window


STAFF_ONLY = ("rating.", "case.", "alert.", "device.", "appointment.")


async def check_stream(hall: RunningHall, watcher: StreamWatcher, run: Run, layout: Layout) -> None:
    """The board saw every change once, in seq order, without gaps: the API's calls."""
    async with hall.http.ws_connect(f"{hall.url}/ws?topics=board") as ws:
        snapshot = json.loads((await ws.receive(timeout=STREAM_SECONDS)).data)
    assert snapshot["type"] == "snapshot"
    assert watcher.first_seq is not None
    # Ratings opened by each finish are staff business: the board topic skips their seqs.
    journal = await hall.server.journal.read(watcher.first_seq)
    expected_seqs = [
        e.seq for e in journal if e.seq <= snapshot["seq"] and not e.type.startswith(STAFF_ONLY)
    ]
    await watcher.wait_for(expected_seqs[-1])
    seqs = [m["seq"] for m in watcher.messages]
    assert seqs == expected_seqs, (
        f"stream from seq {watcher.first_seq} to {snapshot['seq']}: missing "
        f"{sorted(set(expected_seqs) - set(seqs))[:10]}, twice "
        f"{sorted(q for q, c in Counter(seqs).items() if c > 1)[:10]}, in order "
        f"{seqs == sorted(seqs)}; resumed {watcher.resumes} times, closes {watcher.closes}"
    )
    kinds = Counter(m["type"] for m in watcher.messages)
    assert kinds == Counter(
        {
            "window.changed": len(WINDOWS),
            "ticket.issued": TICKETS,
            "ticket.called": run.steps_total,
            "ticket.finished": run.steps_total,
        }
    ), kinds
    issued = {
        m["ticket"]["id"]: m["ticket"]["number"]
        for m in watcher.messages
        if m["type"] == "ticket.issued"
    }
    assert issued == {t: run.issued[t]["number"] for t in run.issued}
    streamed = [
        (m["ticket"]["id"], m["window"]["id"], m["ticket"]["service"])
        for m in watcher.messages
        if m["type"] == "ticket.called"
    ]
    assert Counter(streamed) == Counter(run.calls)
    in_order: defaultdict[str, list[str]] = defaultdict(list)
    for ticket_id, _, service in streamed:
        in_order[ticket_id].append(service)
    for ticket_id, ticket in run.issued.items():
        assert in_order[ticket_id] == layout.steps(ticket["service"]), ticket["number"]
