"""Builds a busy hall day in a journal, driving the real HallService with a fake clock.

Every tick each open window calls its next ticket (which finishes the one before), starts
the ticket it called (now and then after a recall, sometimes marking it a no-show instead),
and kiosks issue tickets wherever a queue runs short, so all 32 windows stay busy. After the
last ticket the windows serve what is left and close. The process then ends with
`os._exit`, as a power cut would end the server: no final snapshot, no WAL checkpoint.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import inspect
import json
import os
import random
import sys
import time
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.common import HALL_CONFIG, BenchError
from queue_server.config import load_hall
from queue_server.domain import commands as c
from queue_server.domain.errors import NotFound
from queue_server.domain.hall import HallConfig
from queue_server.domain.model import TicketState
from queue_server.domain.state import Hall, Outcome
from queue_server.server import HallServer
from queue_server.service import HallService
from queue_server.store.sqlite_log import SqliteEventLog

# What `hallq serve` runs with.
SERVE_SNAPSHOT_EVERY: int = inspect.signature(HallServer).parameters["snapshot_every"].default
OPENING = dt.datetime(2026, 11, 23, 8, 30, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Monday
DAY = dt.timedelta(hours=9)
TICKETS_PER_TICK = 12  # about what the kiosks manage to issue per tick, to spread them over DAY
MAX_STEP = dt.timedelta(minutes=1)
KIOSKS = 8
NO_SHOW = 0.03  # share of called tickets whose citizen never comes
RECALL = 0.05  # share announced a second time before they come
QUEUE_DEPTH = 2  # kiosks keep each service's queue this many tickets deep per window


class SteppingClock:
    """The hall's time, moved on by the driver only."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


def _ignore(hall: Hall, outcome: Outcome, now: dt.datetime) -> None:
    return None


class BusyDay:
    """Drives one day through `HallService.execute`, one tick (one journal batch) at a time."""

    def __init__(self, service: HallService, config: HallConfig, clock: SteppingClock) -> None:
        self.service = service
        self.windows = [w.id for w in config.windows]
        self.clock = clock
        self.random = random.Random(20261123)
        self.routes = {s.id: s.route for s in config.services}
        serving = collections.Counter(s for w in config.windows for s in {*w.services, *w.overflow})
        self.room = {s.id: QUEUE_DEPTH * serving[s.id] for s in config.services}
        self.primary = {w.id: w.services for w in config.windows}
        self.issued = 0
        self.ticks = 0

    async def run(self, tickets: int) -> None:
        await self._batch([c.OpenWindow(w) for w in self.windows])
        step = min(MAX_STEP, DAY / max(1.0, tickets / TICKETS_PER_TICK))
        limit = 10 * tickets + 1000  # ticks; far more than any day needs
        while self.issued < tickets or self._busy():
            if self.ticks >= limit:
                raise BenchError(f"the day did not end within {limit} ticks")
            self.clock.now += step
            await self._tick(tickets - self.issued)
        await self._batch([c.CloseWindow(w) for w in self.windows])
        if self.clock.now.date() != OPENING.date():
            # A new day would renumber tickets and drop the day before from the hall's state.
            raise BenchError(f"the day ran on past midnight, to {self.clock.now}")

    def _busy(self) -> bool:
        hall = self.service.hall
        waiting = any(hall.waiting_count(s) for s in self.routes)
        return waiting or any(hall.windows[w].ticket_id for w in self.windows)

    async def _tick(self, still_to_issue: int) -> None:
        self.ticks += 1
        hall = self.service.hall
        commands: list[c.Command] = []
        for w in self.windows:
            current = hall.current_ticket(w)
            if current is None:
                continue
            if current.state is TicketState.CALLED:
                luck = self.random.random()
                if luck < NO_SHOW:
                    commands.append(c.MarkNoShow(w, reason="未到场"))
                    continue
                if luck < NO_SHOW + RECALL:
                    commands.append(c.Recall(w))
                commands.append(c.StartService(w))
            elif not still_to_issue:  # the last tickets: nobody else will come to call-next
                commands.append(c.FinishService(w))
        commands += self._issues(still_to_issue)
        commands += [c.CallNext(w) for w in self.windows]
        await self._batch(commands)

    def _issues(self, still_to_issue: int) -> list[c.Command]:
        hall = self.service.hall
        planned: collections.Counter[str] = collections.Counter()

        def short(service: str) -> bool:
            return hall.waiting_count(service) + planned[service] < self.room[service]

        issues: list[c.Command] = []
        for w in self.random.sample(self.windows, len(self.windows)):
            if len(issues) == still_to_issue:
                break
            choices = [s for s in self.primary[w] if all(map(short, (s, *self.routes[s])))]
            if not choices:
                continue
            service = self.random.choice(choices)
            planned[service] += 1
            self.issued += 1
            issues.append(
                c.IssueTicket(
                    ticket_id=uuid.uuid4().hex,
                    service=service,
                    device=f"device:kiosk-{self.issued % KIOSKS}",
                    idempotency_key=str(self.issued),
                )
            )
        return issues

    async def _batch(self, commands: list[c.Command]) -> None:
        # Queued together, so the writer takes them as one batch: one commit per tick.
        answers = await asyncio.gather(
            *(self.service.execute(command, _ignore) for command in commands),
            return_exceptions=True,
        )
        for command, answer in zip(commands, answers, strict=True):
            if isinstance(answer, NotFound) and answer.code == "queue_empty":
                continue
            if isinstance(answer, BaseException):
                raise BenchError(f"{command} failed: {answer!r}") from answer


async def build_day(db: Path, tickets: int, snapshot_every: int) -> dict[str, float]:
    """Journal a day of `tickets` tickets into `db`; returns what was built."""
    config = load_hall(HALL_CONFIG, open_all_hours=True)
    journal = SqliteEventLog(db)
    await journal.open()
    clock = SteppingClock(OPENING)
    service = HallService(config, journal, clock=clock, snapshot_every=snapshot_every)
    await service.start()
    started = time.perf_counter()
    day = BusyDay(service, config, clock)
    await day.run(tickets)
    done = sum(t.state is TicketState.DONE for t in service.hall.tickets.values())
    return {
        "tickets": day.issued,
        "served": done,
        "events": service.last_seq,
        "ticks": day.ticks,
        "seconds": time.perf_counter() - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("db", type=Path, help="SQLite file to create")
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument(
        "--snapshot-every",
        type=int,
        default=SERVE_SNAPSHOT_EVERY,
        help="events between snapshots (default: as hallq serve, %(default)s)",
    )
    args = parser.parse_args()
    asyncio.run(_build_then_cut_power(args.db, args.tickets, args.snapshot_every))


async def _build_then_cut_power(db: Path, tickets: int, snapshot_every: int) -> None:
    facts = await build_day(db, tickets, snapshot_every)
    sys.stdout.write(json.dumps(facts) + "\n")
    sys.stdout.flush()
    os._exit(0)  # with the service still running: nothing is stopped, saved or checkpointed


if __name__ == "__main__":
    main()
