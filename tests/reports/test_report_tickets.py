"""A generated busy day with voids, a clearing, routes, transfers and missed calls: every
ticket issued stands in exactly one of the columns that break down 取号数."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field

import pytest
from helpers import SHANGHAI, journal_of

from queue_server.domain import events as e
from queue_server.domain.model import Priority
from queue_server.reports import build_report, period_of, read_facts

DAY = dt.date(2026, 11, 23)
SERVICES = ("social", "estate", "company", "tax")  # estate goes on to 出件 (pickup)
WINDOWS = {"1": "chen", "2": "liu", "3": "yang", "4": "zhao", "5": "sun"}
ENDS = ("done", "no_show", "cancelled", "abandoned", "open")


def at(hour: int, minute: float = 0) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(hour), SHANGHAI) + dt.timedelta(minutes=minute)


CLEARING = at(17, 30)
SECOND = dt.timedelta(seconds=1)


@dataclass
class Ticket:
    id: str
    service: str
    issued: dt.datetime
    changes: list[tuple[dt.datetime, str]] = field(default_factory=list)  # (when, state)

    def state_at(self, moment: dt.datetime) -> str:
        """Where the script left it just before `moment`: an end, or still open."""
        state = "open"
        for when, changed in self.changes:
            if when < moment:
                state = changed
        return state


@dataclass
class Step:
    """A ticket waiting for a window: for its first call, or again after a step of its
    route, a transfer or a miss that put it back in the queue."""

    ticket: Ticket
    service: str
    ready: dt.datetime
    route: tuple[str, ...] = ()
    requeued: bool = False


@dataclass
class Day:
    tickets: list[Ticket]
    events: list[e.Event]


def generate(seed: int, count: int = 300) -> Day:
    """Five windows call first come first served from 08:30 until the clearing at 17:30,
    which closes out every ticket waiting or held then; three tickets come after it (a hall
    open all hours) and are still waiting at midnight. Routes, transfers, holds, misses put
    back in the queue or called back, and tickets the kiosk voided as it could not print."""
    rng = random.Random(seed)
    tickets = sorted(
        (
            Ticket(f"t{n}", rng.choice(SERVICES), at(8, 30 + rng.uniform(0, 530)))
            for n in range(count)
        ),
        key=lambda t: t.issued,
    )
    tickets += [Ticket(f"late{n}", rng.choice(SERVICES), at(18 + 2 * n, 10)) for n in range(3)]
    events: list[e.Event] = [
        e.WindowOpened(at(8, 30), window, clerk) for window, clerk in WINDOWS.items()
    ]
    steps: list[Step] = []
    for n, t in enumerate(tickets):
        route = ("pickup",) if t.service == "estate" else ()
        events.append(
            e.TicketIssued(t.issued, t.id, f"A{n:03d}", t.service, Priority.NORMAL, DAY, 1,
                           (0, n), route)
        )  # fmt: skip
        if rng.random() < 0.03:  # the kiosk could not print it: voided at once (作废)
            events.append(e.TicketCancelled(t.issued + SECOND, t.id, "打印失败"))
            t.changes.append((t.issued + SECOND, "cancelled"))
        elif t.issued < CLEARING:
            steps.append(Step(t, t.service, t.issued, route=route))
    held_over: list[tuple[Ticket, dt.datetime]] = []
    free = dict.fromkeys(WINDOWS, at(8, 30))
    while steps:
        window = min(free, key=lambda w: (free[w], w))
        now = free[window]
        if now >= CLEARING:
            break
        ready = [s for s in steps if s.ready <= now]
        if not ready:
            free[window] = min(s.ready for s in steps)
            continue
        step = ready[0]
        steps.remove(step)
        t = step.ticket
        now += SECOND
        events.append(e.TicketCalled(now, t.id, window))
        roll = rng.random()
        if roll < 0.08:
            now += dt.timedelta(minutes=1)
            if step.requeued or rng.random() < 0.5:
                events.append(e.TicketMissed(now, t.id, window, "无人应答"))
                t.changes.append((now, "no_show"))
                if rng.random() < 0.3:  # the citizen comes back: the window calls it back
                    now += dt.timedelta(minutes=2)
                    events.append(e.TicketCalled(now, t.id, window, callback=True))
                    t.changes.append((now, "open"))
                    now += dt.timedelta(minutes=5)
                    events.append(e.TicketFinished(now, t.id, window, service=step.service))
                    t.changes.append((now, "done"))
            else:  # back in the queue, called again later
                events.append(e.TicketMissed(now, t.id, window, "无人应答", key=(0, 900)))
                steps.append(Step(t, step.service, now, route=step.route, requeued=True))
        elif roll < 0.12:
            now += dt.timedelta(minutes=2)
            events.append(e.TicketHeld(now, t.id, window))
            if rng.random() < 0.5:
                held_over.append((t, now))  # never fetched: the clearing closes it out
            else:
                now += dt.timedelta(minutes=rng.uniform(3, 10))
                events.append(e.TicketResumed(now, t.id, window))
                now += dt.timedelta(minutes=5)
                events.append(e.TicketFinished(now, t.id, window, service=step.service))
                t.changes.append((now, "done"))
        elif roll < 0.16 and step.service != "pickup":
            now += dt.timedelta(minutes=3)
            target = rng.choice([s for s in SERVICES if s != step.service])
            events.append(e.TicketTransferred(now, t.id, window, target, None, (1, 0)))
            steps.append(Step(t, target, now))
        else:
            now += dt.timedelta(minutes=rng.lognormvariate(1.8, 0.6))
            if step.route:
                nxt = step.route[0]
                events.append(
                    e.TicketFinished(now, t.id, window, nxt, (0, 9), service=step.service)
                )
                steps.append(Step(t, nxt, now, route=step.route[1:]))
            else:
                events.append(e.TicketFinished(now, t.id, window, service=step.service))
                t.changes.append((now, "done"))
        free[window] = now
    # The clearing: who waits or is held at 17:30 (a ticket being served then is not).
    closed_out = [step.ticket for step in steps if step.ready < CLEARING]
    closed_out += [t for t, held in held_over if held < CLEARING]
    events.append(e.QueueCleared(CLEARING, tuple(t.id for t in closed_out)))
    for t in closed_out:
        t.changes.append((CLEARING, "abandoned"))
    for window in WINDOWS:
        events.append(e.WindowClosed(max(CLEARING, free[window]) + SECOND, window))
    events.sort(key=lambda ev: ev.at)  # stable: each ticket's events stay in their order
    return Day(tickets, events)


def counted(tickets: list[Ticket], moment: dt.datetime) -> dict[str, int]:
    found = Counter(t.state_at(moment) for t in tickets)
    return {end: found[end] for end in ENDS}


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("now", [None, at(11), at(17, 45)])
async def test_a_busy_day_accounts_for_every_ticket_issued(
    seed: int, now: dt.datetime | None
) -> None:
    """At the day's end, and on the day while it runs (`now`)."""
    day = generate(seed)
    end = now or at(0) + dt.timedelta(days=1)
    issued = [t for t in day.tickets if t.issued < end]
    if now is None:
        assert {t.state_at(end) for t in issued} == set(ENDS), "the script gives every end"
    period = period_of("day", DAY)
    facts = await read_facts(await journal_of(day.events), period, tz=SHANGHAI, now=now)

    by_service = build_report(facts, period, "service", tz=SHANGHAI)
    for row in by_service.rows:
        mine = [t for t in issued if t.service == row.key]
        ends = row.to_dict()["issued_by_state"]
        assert ends == counted(mine, end), row.key
        assert sum(ends.values()) == row.issued == len(mine), row.key
    total = by_service.total.to_dict()["issued_by_state"]
    assert total == counted(issued, end)
    assert sum(total.values()) == by_service.total.issued == len(issued)

    by_hour = build_report(facts, period, "hour", tz=SHANGHAI)
    for row in by_hour.rows:
        mine = [t for t in issued if t.issued.hour == int(row.key)]
        assert row.to_dict()["issued_by_state"] == counted(mine, end), row.key
        assert row.issued == len(mine)
    assert by_hour.total.to_dict()["issued_by_state"] == total
