"""SIGKILL the real server under load, restart it, and find everything it acknowledged."""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest

from .hall_process import HallProcess

pytestmark = pytest.mark.slow

SEED = 20261123
KILLS = 6
GRACEFUL_AFTER = 3  # one SIGTERM restart too, so later rounds start from a snapshot
KILL_AFTER = (0.3, 1.5)  # seconds into the load
KIOSKS = ("kiosk-1", "kiosk-2", "kiosk-3", "kiosk-4")
WINDOWS = ("1", "2", "7", "8")
# Windows 1-2 take the first two, 7-8 the last two; none of them has a route, so a finished
# ticket is done for good and each ticket is called exactly once.
SERVICES = ("social-insurance", "medical-insurance", "tax", "housing-fund")
TEST_SECONDS = 90

# What a request in flight at the kill ends with; it was not acknowledged.
LOST = (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError)


@dataclass
class Known:
    """A ticket as the clients were told about it, and how far they were told it got."""

    id: str
    number: str
    service: str
    day: str  # the hall's business day it was issued on: numbering restarts each day
    window: str | None = None
    progress: str = "issued"
    superseded: bool = False  # a later call at its window was acknowledged

    def allowed_states(self) -> set[str]:
        if self.progress == "finished" or self.superseded:
            return {"done"}
        return {
            "issued": {"waiting", "called", "serving", "done"},
            "called": {"called", "serving", "done"},
            "started": {"serving", "done"},
        }[self.progress]


@dataclass
class Ledger:
    """Everything acknowledged (a 2xx answer with its whole body), across all generations."""

    tickets: dict[str, Known] = field(default_factory=dict)
    numbers: dict[tuple[str, str, str], str] = field(default_factory=dict)
    keys: dict[tuple[str, str], str] = field(default_factory=dict)
    unresolved: list[tuple[str, str, str]] = field(default_factory=list)
    last_call: dict[str, str] = field(default_factory=dict)
    opening: set[str] = field(default_factory=set)  # asked to open, maybe not answered
    opened: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    issued_acks: int = 0
    call_acks: int = 0
    finish_acks: int = 0
    lost_requests: int = 0

    def saw(self, ticket: dict[str, Any]) -> Known:
        """Record a ticket from any answer: one id per (service, day, number), ever."""
        ticket_id, number, service = ticket["id"], ticket["number"], ticket["service"]
        day = ticket["issued_at"][:10]  # local date: times carry the hall's offset
        holder = self.numbers.setdefault((service, day, number), ticket_id)
        if holder != ticket_id:
            self.problems.append(f"{service} {number} was given to {holder} and to {ticket_id}")
        known = self.tickets.setdefault(ticket_id, Known(ticket_id, number, service, day))
        if (known.number, known.service) != (number, service):
            self.problems.append(
                f"ticket {ticket_id} was {known.service} {known.number}, now {service} {number}"
            )
        return known

    def issued(self, kiosk: str, key: str, service: str, ticket: dict[str, Any]) -> Known:
        known = self.saw(ticket)
        if known.service != service:
            self.problems.append(f"asked {service} with key {key}, got {known.service}")
        holder = self.keys.setdefault((kiosk, key), known.id)
        if holder != known.id:
            self.problems.append(f"key {kiosk}/{key} gave {holder} and later {known.id}")
        return known

    def called(self, window: str, ticket: dict[str, Any]) -> None:
        known = self.saw(ticket)
        if known.window is not None:
            self.problems.append(
                f"{known.number} called at {window} though already called at {known.window} "
                f"(acknowledged {known.progress})"
            )
        if ticket["state"] != "called" or ticket["window"] != window:
            self.problems.append(f"call-next at {window} answered {ticket}")
        previous = self.last_call.get(window)
        if previous is not None:
            # Calling the next ticket finishes the current one: the earlier one must be done.
            self.tickets[previous].superseded = True
        self.last_call[window] = known.id
        known.window, known.progress = window, "called"
        self.call_acks += 1

    def advanced(self, window: str, action: str, answer: dict[str, Any]) -> None:
        ticket = answer["ticket"]
        expected = {"started": "serving", "finished": "done"}[action]
        current = self.last_call.get(window)
        if (
            current is None
            or ticket is None
            or ticket["id"] != current
            or ticket["state"] != expected
        ):
            self.problems.append(f"{action} at {window} (current {current}) answered {answer}")
            return
        self.tickets[current].progress = action
        self.finish_acks += action == "finished"


class Client:
    """JSON over one aiohttp session; a lost connection is raised, never retried."""

    def __init__(self, http: aiohttp.ClientSession, url: str) -> None:
        self.http = http
        self.url = url

    async def call(
        self, method: str, path: str, token: str | None = None, body: Any = None
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.http.request(
            method, f"{self.url}{path}", headers=headers, json=body
        ) as response:
            text = await response.text()
        try:
            return response.status, json.loads(text)
        except ValueError:
            return response.status, text


@dataclass
class Load:
    """Kiosks issuing and stations calling, starting and finishing until the server dies."""

    tokens: dict[str, str]
    ledger: Ledger
    rng: random.Random
    counters: Counter[str]

    async def kiosk(self, client: Client, name: str) -> None:
        while True:
            self.counters[name] += 1
            key = f"{name}-{self.counters[name]}"
            service = self.rng.choice(SERVICES)
            body = {"service": service, "idempotency_key": key}
            try:
                status, answer = await client.call(
                    "POST", "/api/v1/tickets", self.tokens[name], body
                )
            except LOST:
                self.ledger.unresolved.append((name, key, service))
                self.ledger.lost_requests += 1
                return
            if status != 201:
                self.ledger.problems.append(f"{name} issue {body}: {status} {answer}")
                return
            self.ledger.issued(name, key, service, answer["ticket"])
            self.ledger.issued_acks += 1
            await asyncio.sleep(self.rng.uniform(0.002, 0.02))

    async def station(self, client: Client, window: str) -> None:
        token = self.tokens[f"station-{window}"]
        base = f"/api/v1/windows/{window}"
        try:
            self.ledger.opening.add(window)
            status, answer = await client.call("POST", f"{base}/open", token)
            if status != 200:
                self.ledger.problems.append(f"open {window}: {status} {answer}")
                return
            self.ledger.opened.add(window)
            while True:
                status, answer = await client.call("POST", f"{base}/call-next", token)
                if status == 404 and answer["error"]["code"] == "queue_empty":
                    await asyncio.sleep(0.01)
                    continue
                if status != 200:
                    self.ledger.problems.append(f"call-next at {window}: {status} {answer}")
                    return
                self.ledger.called(window, answer["ticket"])
                # Sometimes skip a step: call-next then finishes the ticket by itself.
                for action, path in (("started", "start"), ("finished", "finish")):
                    if self.rng.random() < 0.2:
                        continue
                    status, answer = await client.call("POST", f"{base}/{path}", token)
                    if status != 200:
                        self.ledger.problems.append(f"{path} at {window}: {status} {answer}")
                        return
                    self.ledger.advanced(window, action, answer)
        except LOST:
            self.ledger.lost_requests += 1


async def load_then_kill(server: HallProcess, load: Load, seconds: float) -> None:
    """Run the load over real HTTP and SIGKILL the server `seconds` into it."""
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        client = Client(http, server.url)
        tasks = [asyncio.create_task(load.kiosk(client, name)) for name in KIOSKS]
        tasks += [asyncio.create_task(load.station(client, window)) for window in WINDOWS]
        await asyncio.sleep(seconds)
        await server.kill()
        done, pending = await asyncio.wait(tasks, timeout=30)
        for task in pending:
            task.cancel()
        assert not pending, f"{len(pending)} clients still busy 30 s after the kill"
        for task in done:
            task.result()


async def check_after_restart(server: HallProcess, load: Load, label: str) -> None:
    """Everything acknowledged is there, nothing is there twice, numbering goes on."""
    ledger, rng = load.ledger, load.rng
    max_before = numbers_by_day(ledger)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        client = Client(http, server.url)

        # Requests in flight at the kill: the same key gives one ticket, old or new, never two.
        for kiosk, key, service in ledger.unresolved:
            body = {"service": service, "idempotency_key": key}
            answers = [
                await client.call("POST", "/api/v1/tickets", load.tokens[kiosk], body)
                for _ in range(2)
            ]
            ids = {a[1]["ticket"]["id"] for a in answers if a[0] == 201}
            if [a[0] for a in answers] != [201, 201] or len(ids) != 1:
                ledger.problems.append(f"{label}: retrying key {key} answered {answers}")
                continue
            ledger.issued(kiosk, key, service, answers[0][1]["ticket"])
        ledger.unresolved.clear()

        # Acknowledged keys still give their own ticket.
        for kiosk, key in rng.sample(sorted(ledger.keys), min(20, len(ledger.keys))):
            service = ledger.tickets[ledger.keys[kiosk, key]].service
            body = {"service": service, "idempotency_key": key}
            status, answer = await client.call("POST", "/api/v1/tickets", load.tokens[kiosk], body)
            if status != 201 or answer["ticket"]["id"] != ledger.keys[kiosk, key]:
                ledger.problems.append(f"{label}: acknowledged key {key} now gives {answer}")

        states = await fetch_tickets(client, ledger, label)
        _, hall = await client.call("GET", "/api/v1/hall")
        check_hall_view(hall, states, ledger, label)
        await check_stream_snapshot(http, server.url, hall, ledger, label)

        # Numbers are gap-free each day (a ticket nobody knows about would leave a gap), and
        # go on after the restart (from 001 only if the hall's day changed meanwhile).
        known = numbers_by_day(ledger)
        for (service, day), numbers in sorted(known.items()):
            if numbers != list(range(1, len(numbers) + 1)):
                missing = sorted(set(range(1, max(numbers, default=0) + 1)) - set(numbers))
                twice = [n for n, c in Counter(numbers).items() if c > 1]
                ledger.problems.append(
                    f"{label}: {service} numbers of {day} not 1..{len(numbers)}: missing "
                    f"{missing[:10]}, twice {twice[:10]}"
                )
        for service in SERVICES:
            key = f"probe-{label}-{service}"
            body = {"service": service, "idempotency_key": key}
            status, answer = await client.call(
                "POST", "/api/v1/tickets", load.tokens[KIOSKS[0]], body
            )
            if status != 201:
                ledger.problems.append(f"{label}: probe issue {service}: {status} {answer}")
                continue
            probe = ledger.issued(KIOSKS[0], key, service, answer["ticket"])
            before = max(max_before.get((service, probe.day), [0]), default=0)
            that_day = known.get((service, probe.day), [])
            if int(probe.number[1:]) <= before or int(probe.number[1:]) != len(that_day) + 1:
                ledger.problems.append(
                    f"{label}: next {service} number on {probe.day} is {probe.number}; "
                    f"acknowledged before the restart up to {before}, known now {len(that_day)}"
                )


def numbers_by_day(ledger: Ledger) -> dict[tuple[str, str], list[int]]:
    """The numbers acknowledged per (service, business day), sorted."""
    found: dict[tuple[str, str], list[int]] = {}
    for k in ledger.tickets.values():
        found.setdefault((k.service, k.day), []).append(int(k.number[1:]))
    return {group: sorted(numbers) for group, numbers in found.items()}


async def fetch_tickets(client: Client, ledger: Ledger, label: str) -> dict[str, dict[str, Any]]:
    """GET every ticket ever acknowledged; check it against what the clients were told."""
    limit = asyncio.Semaphore(16)

    async def one(known: Known) -> tuple[Known, int, Any]:
        async with limit:
            status, answer = await client.call("GET", f"/api/v1/tickets/{known.id}")
        return known, status, answer

    states: dict[str, dict[str, Any]] = {}
    for known, status, answer in await asyncio.gather(*map(one, list(ledger.tickets.values()))):
        if status != 200:
            ledger.problems.append(
                f"{label}: acknowledged {known.service} {known.number} ({known.id}, "
                f"{known.progress}) is gone: {status} {answer}"
            )
            continue
        ticket = answer["ticket"]
        states[known.id] = ticket
        ledger.saw(ticket)
        if ticket["state"] not in known.allowed_states():
            ledger.problems.append(
                f"{label}: {known.number} was acknowledged {known.progress}"
                f"{' and superseded' if known.superseded else ''} at {known.window}, "
                f"but is {ticket['state']}"
            )
        if known.window is not None and ticket["window"] != known.window:
            ledger.problems.append(
                f"{label}: {known.number} was called at {known.window}, "
                f"now shows {ticket['window']}"
            )
        if ticket["state"] != "waiting" and ticket["window"] not in WINDOWS:
            ledger.problems.append(f"{label}: {known.number} is {ticket['state']} at {ticket}")
    return states


def check_hall_view(
    hall: dict[str, Any], states: dict[str, dict[str, Any]], ledger: Ledger, label: str
) -> None:
    """Windows hold exactly the called tickets; waiting counts are the known waiting tickets."""
    windows = {w["id"]: w for w in hall["windows"]}
    for window_id, window in windows.items():
        current = window["ticket"]["id"] if window["ticket"] else None
        if window_id not in ledger.opened:
            # An open in flight at the kill may or may not have happened; nothing else did.
            states_possible = {"closed", "idle"} if window_id in ledger.opening else {"closed"}
            if window["state"] not in states_possible or current is not None:
                ledger.problems.append(f"{label}: window {window_id} nobody opened is {window}")
            continue
        if window["state"] == "closed":
            ledger.problems.append(f"{label}: window {window_id} was opened, now closed")
        if current is not None and current not in states:
            ledger.problems.append(f"{label}: window {window_id} holds unknown {window['ticket']}")
    for ticket_id, ticket in states.items():
        if ticket["state"] in ("called", "serving"):
            holder = windows[ticket["window"]]["ticket"]
            if holder is None or holder["id"] != ticket_id:
                ledger.problems.append(
                    f"{label}: {ticket['number']} is {ticket['state']} at {ticket['window']}, "
                    f"which holds {holder}"
                )
    known_waiting = Counter(t["service"] for t in states.values() if t["state"] == "waiting")
    for service in hall["services"]:
        if service["waiting"] != known_waiting[service["id"]]:
            ledger.problems.append(
                f"{label}: {service['id']} has {service['waiting']} waiting, the clients know "
                f"of {known_waiting[service['id']]}"
            )


async def check_stream_snapshot(
    http: aiohttp.ClientSession, url: str, hall: dict[str, Any], ledger: Ledger, label: str
) -> None:
    """A board connecting now draws the same hall as the API shows."""
    async with http.ws_connect(f"{url}/ws?topics=board") as ws:
        message = await ws.receive(timeout=10)
    assert message.type is aiohttp.WSMsgType.TEXT, message
    snapshot = json.loads(message.data)
    state = snapshot["state"]
    seen = [(w["id"], w["state"], (w["ticket"] or {}).get("id")) for w in state["windows"]]
    shown = [(w["id"], w["state"], (w["ticket"] or {}).get("id")) for w in hall["windows"]]
    waiting = {s["id"]: s["waiting"] for s in hall["services"]}
    if snapshot["type"] != "snapshot" or seen != shown or state["waiting"] != waiting:
        ledger.problems.append(f"{label}: the board snapshot differs from /api/v1/hall")


def report(ledger: Ledger, server: HallProcess) -> str:
    shown = "\n".join(ledger.problems[:30])
    return f"{len(ledger.problems)} problem(s):\n{shown}\n{server.log_tail()}"


async def test_sigkill_under_load_loses_and_repeats_nothing(
    hall_process: Callable[..., Awaitable[HallProcess]],
) -> None:
    async with asyncio.timeout(TEST_SECONDS):
        server = await hall_process(start=False)
        tokens = {name: await server.add_device(name, "kiosk") for name in KIOSKS}
        for window in WINDOWS:
            tokens[f"station-{window}"] = await server.add_device(
                f"station-{window}", "station", window
            )
        await server.start()
        rng = random.Random(SEED)
        ledger = Ledger()
        load = Load(tokens, ledger, rng, Counter())
        for round_no in range(1, KILLS + 1):
            await load_then_kill(server, load, rng.uniform(*KILL_AFTER))
            assert not ledger.problems, report(ledger, server)
            await server.start()
            await check_after_restart(server, load, f"after kill {round_no}")
            assert not ledger.problems, report(ledger, server)
            if round_no == GRACEFUL_AFTER:
                await server.stop()
                await server.start()
                await check_after_restart(server, load, "after a graceful restart")
                assert not ledger.problems, report(ledger, server)

    assert ledger.lost_requests > 0, "no request failed at a kill: was there any load?"
    assert ledger.call_acks >= KILLS and ledger.finish_acks > 0, (
        f"{ledger.call_acks} calls, {ledger.finish_acks} finishes: the stations did not work"
    )
    assert len(ledger.tickets) > 100, f"only {len(ledger.tickets)} tickets: too little load"
