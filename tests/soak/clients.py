"""The hall's working clients: kiosks issuing, stations serving and pads rating, a manager
tuning. Each recovers by itself when the server is gone or refuses for a moment."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from .ledger import Ledger
from .workload import Citizen, ServiceTimes

RETRY_SECONDS = 0.15
IDLE_SECONDS = 0.3  # a station finding nobody waiting looks again after this
NO_SHOW_SHARE = 0.06
TRANSFER_SHARE = 0.04
RECALL_SHARE = 0.05
START_SHARE = 0.9  # the rest go straight from the call to the finish
RATED_SHARE = 0.85
# Ratings the citizens give, and the national tags a 差评 carries.
LEVELS = (5, 5, 5, 5, 5, 4, 4, 4, 3, 2, 1)
BAD_TAGS = {1: ["115"], 2: ["214"]}
TRANSFER_TO = ("social-insurance", "tax", "consult", "pickup")
# What a request that reached no server ends with; it was not acknowledged.
LOST = (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, TimeoutError)


class Unanswered(Exception):
    """The server did not answer (gone, or 503 unavailable): nothing was acknowledged."""


@dataclass
class Hall:
    """What every client shares: the server's address, tokens, the ledger and the tallies."""

    url: Callable[[], str]
    http: aiohttp.ClientSession
    tokens: dict[str, str]
    ledger: Ledger
    rng: random.Random
    outages: list[float] = field(default_factory=list)  # seconds a client waited for the server
    requests: int = 0

    async def call(
        self, method: str, path: str, token: str | None = None, body: Any = None
    ) -> tuple[int, Any]:
        """One request; Unanswered when the server is gone or says it is unavailable."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.requests += 1
        try:
            async with self.http.request(
                method, f"{self.url()}{path}", headers=headers, json=body
            ) as response:
                text = await response.text()
        except LOST as failure:
            raise Unanswered(repr(failure)) from None
        answer = json.loads(text) if text.startswith("{") else text
        if response.status == 503:
            raise Unanswered(text)
        return response.status, answer

    async def insist(
        self, method: str, path: str, token: str | None = None, body: Any = None
    ) -> tuple[int, Any]:
        """Ask again until answered, as a client left alone does; the wait is noted."""
        since: float | None = None
        while True:
            try:
                answer = await self.call(method, path, token, body)
            except Unanswered:
                since = since or time.monotonic()
                await asyncio.sleep(RETRY_SECONDS)
                continue
            if since is not None:
                self.outages.append(time.monotonic() - since)
            return answer

    def problem(self, text: str) -> None:
        self.ledger.problems.append(text)


async def kiosk(hall: Hall, name: str, arrivals: list[Citizen], started: float) -> None:
    """Issue a ticket for each citizen when they come; the same key again after any failure."""
    token = hall.tokens[name]
    for n, citizen in enumerate(arrivals, start=1):
        await asyncio.sleep(max(0.0, started + citizen.at - time.monotonic()))
        key = f"{name}-{n}"
        body: dict[str, Any] = {"service": citizen.service, "idempotency_key": key}
        if citizen.id_number is not None:
            body["id_number"] = citizen.id_number
        if citizen.green:
            body["priority"] = "green"
        status, answer = await hall.insist("POST", "/api/v1/tickets", token, body)
        if status == 201:
            hall.ledger.issued(key, citizen.service, answer["ticket"])
        elif status == 409 and answer["error"]["code"] == "service_paused":
            hall.ledger.counts["refused_paused"] += 1  # the kiosk tells the citizen why
        else:
            hall.problem(f"{name} issuing {body}: {status} {answer}")


@dataclass
class Station:
    """A window's caller and its rating pad, serving until the hall has nobody left."""

    hall: Hall
    window: str
    times: ServiceTimes
    drained: asyncio.Event
    current: dict[str, Any] | None = None

    @property
    def base(self) -> str:
        return f"/api/v1/windows/{self.window}"

    async def act(self, action: str, body: Any = None) -> tuple[int, Any] | None:
        """A station action; None when it was lost (the station then reads its window back)."""
        try:
            return await self.hall.call(
                "POST", f"{self.base}/{action}", self.hall.tokens[f"station-{self.window}"], body
            )
        except Unanswered:
            self.hall.ledger.lost(self.window)
            await self.read_back()
            return None

    async def read_back(self) -> None:
        token = self.hall.tokens[f"station-{self.window}"]
        status, answer = await self.hall.insist("GET", self.base, token)
        if status != 200:
            self.hall.problem(f"reading window {self.window} back: {status} {answer}")
            return
        window = answer["window"]
        if window["state"] == "closed":
            await self.open()
        self.current = window["ticket"]
        self.hall.ledger.adopt(self.window, self.current)

    async def open(self) -> None:
        token = self.hall.tokens[f"station-{self.window}"]
        status, answer = await self.hall.insist("POST", f"{self.base}/open", token)
        if status != 200:
            self.hall.problem(f"open {self.window}: {status} {answer}")

    async def run(self) -> None:
        await self.open()
        while True:
            if self.current is None and not await self.call_next():
                if self.drained.is_set():
                    return
                await asyncio.sleep(IDLE_SECONDS * self.hall.rng.uniform(0.5, 1.5))
                continue
            await self.serve()

    async def call_next(self) -> bool:
        answered = await self.act("call-next")
        if answered is None:
            return self.current is not None
        status, answer = answered
        if status == 404 and answer["error"]["code"] == "queue_empty":
            return False
        if status != 200:
            self.hall.problem(f"call-next at {self.window}: {status} {answer}")
            return False
        self.hall.ledger.called(self.window, answer["ticket"])
        self.current = answer["ticket"]
        return True

    async def serve(self) -> None:
        assert self.current is not None
        rng = self.hall.rng
        roll = rng.random()
        if roll < NO_SHOW_SHARE and self.current["state"] == "called":
            await self.release("no-show", {"reason": "过号未到"})
            return
        if roll < NO_SHOW_SHARE + TRANSFER_SHARE:
            targets = [s for s in TRANSFER_TO if s != self.current["service"]]
            await self.release("transfer", {"service": rng.choice(targets)})
            return
        if roll < NO_SHOW_SHARE + TRANSFER_SHARE + RECALL_SHARE:
            answered = await self.act("recall")
            if answered is None or answered[0] == 409:  # lost, or past the recall cap
                return
            if answered[0] != 200:
                self.hall.problem(f"recall at {self.window}: {answered}")
        if self.current["state"] == "called" and rng.random() < START_SHARE:
            answered = await self.act("start")
            if answered is None:
                return
            if answered[0] != 200:
                self.hall.problem(f"start at {self.window}: {answered}")
                return
            self.current = answered[1]["ticket"]
        await asyncio.sleep(self.times.draw(rng, self.current["service"]))
        served = self.current
        if await self.release("finish") and rng.random() < RATED_SHARE:
            await self.rate(served)

    async def release(self, action: str, body: Any = None) -> bool:
        """Finish, miss or transfer the current ticket; True when acknowledged."""
        answered = await self.act(action, body)
        if answered is None:
            return False
        status, answer = answered
        if status != 200:
            self.hall.problem(f"{action} at {self.window}: {status} {answer}")
            await self.read_back()
            return False
        self.hall.ledger.released(self.window, action, answer)
        self.current = None
        return True

    async def rate(self, served: dict[str, Any]) -> None:
        """The citizen presses the pad facing them; a lost press is pressed again."""
        level = self.hall.rng.choice(LEVELS)
        body: dict[str, Any] = {"ticket": served["id"], "level": level}
        if level in BAD_TAGS:
            body["tags"] = BAD_TAGS[level]
        pad = self.hall.tokens[f"pad-{self.window}"]
        retried = False
        while True:
            try:
                status, answer = await self.hall.call("POST", "/api/v1/ratings", pad, body)
                break
            except Unanswered:
                retried = True
                await asyncio.sleep(RETRY_SECONDS)
        if status == 201:
            self.hall.ledger.counts["rated"] += 1
        elif not (retried and status == 409 and answer["error"]["code"] == "already_rated"):
            self.hall.problem(f"rating {body} at {self.window}: {status} {answer}")


async def manager(hall: Hall, token: str, seconds: float) -> None:
    """Tune the hall and put it back: pause issuing of consultations, then give window 6
    the pick-up service as well; each undone a little later."""
    await asyncio.sleep(0.3 * seconds)
    await tune_and_undo(
        hall, token, {"kind": "issuing", "service": "consult", "paused": True, "reason": "午休"}
    )
    await asyncio.sleep(0.1 * seconds)
    await tune_and_undo(
        hall,
        token,
        {"kind": "window_services", "window": "6", "services": ["consult", "pickup"]},
    )
    hall.ledger.counts["tuned"] += 2


async def tune_and_undo(hall: Hall, token: str, change: dict[str, Any]) -> None:
    """Make a change, wait, undo it; after a lost request find the change in the audit."""
    change_id = await _made(hall, token, change)
    await asyncio.sleep(2.0)
    status, answer = await hall.insist("POST", f"/api/v1/tuning/{change_id}/undo", token)
    if status == 201:
        return
    # An undo lost at a kill may have happened: then the change shows it was undone.
    if status == 409 and await _undone(hall, token, change_id):
        return
    hall.problem(f"undo {change}: {status} {answer}")


async def _made(hall: Hall, token: str, change: dict[str, Any]) -> str:
    before = {c["id"] for c in await _changes(hall, token)}
    try:
        status, answer = await hall.call("POST", "/api/v1/tuning", token, change)
    except Unanswered:
        made = [c for c in await _changes(hall, token) if c["id"] not in before]
        if made:
            return str(made[0]["id"])
        status, answer = await hall.insist("POST", "/api/v1/tuning", token, change)
    if status != 201:
        hall.problem(f"tuning {change}: {status} {answer}")
    return str(answer["change"]["id"])


async def _changes(hall: Hall, token: str) -> list[dict[str, Any]]:
    status, answer = await hall.insist("GET", "/api/v1/tuning", token)
    assert status == 200, answer
    return list(answer["changes"])


async def _undone(hall: Hall, token: str, change_id: str) -> bool:
    return any(c["id"] == change_id and c["undone_by"] for c in await _changes(hall, token))
