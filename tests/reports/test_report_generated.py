"""A generated busy day in a journal: every figure equals a count made from the script."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

import pytest
from helpers import SHANGHAI, journal_of, small_hall

from queue_server.domain import events as e
from queue_server.domain.model import Priority
from queue_server.reports import (
    assessment_sheet,
    build_report,
    hourly_load,
    period_of,
    read_facts,
)

DAY = dt.date(2026, 11, 23)
SERVICES = ("social", "estate", "tax")
CLERKS = {"1": "chen", "2": "liu", "3": "yang", "4": "zhao"}


def at(hour: int, minute: float) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(hour), SHANGHAI) + dt.timedelta(minutes=minute)


@dataclass
class Ticket:
    id: str
    service: str
    issued: dt.datetime
    window: str = ""
    called: dt.datetime | None = None
    outcome: str = ""  # served, missed, held, transferred
    began: dt.datetime | None = None
    ended: dt.datetime | None = None
    level: int | None = None


@dataclass
class Script:
    tickets: list[Ticket]
    pauses: list[tuple[str, dt.datetime, dt.datetime]]  # window, from, to
    events: list[e.Event]


def generate(seed: int, count: int = 180) -> Script:
    """Tickets served first come first served by four windows (08:30-17:30), one pause each."""
    rng = random.Random(seed)
    tickets = sorted(
        (
            Ticket(f"t{n}", rng.choice(SERVICES), at(8, 30 + rng.uniform(0, 480)))
            for n in range(count)
        ),
        key=lambda t: t.issued,
    )
    events: list[e.Event] = []
    for n, t in enumerate(tickets):
        events.append(
            e.TicketIssued(t.issued, t.id, f"A{n:03d}", t.service, Priority.NORMAL, DAY, 1, (0, n))
        )
    free = dict.fromkeys(CLERKS, at(8, 30))
    pause_at = {w: at(9, rng.uniform(0, 420)) for w in CLERKS}
    pauses: list[tuple[str, dt.datetime, dt.datetime]] = []
    for window, clerk in CLERKS.items():
        events.append(e.WindowOpened(at(8, 30), window, clerk, clerk.title(), f"10{window}"))
    for t in tickets:
        window = min(free, key=lambda w: (max(free[w], t.issued), w))
        now = max(free[window], t.issued)
        if window in pause_at and pause_at[window] <= now:
            resume = now + dt.timedelta(minutes=rng.uniform(5, 25))
            events.append(e.WindowPaused(now, window, "临时离开"))
            events.append(e.WindowResumed(resume, window))
            pauses.append((window, now, resume))
            del pause_at[window]
            now = resume
        t.window, t.called = window, now
        events.append(e.TicketCalled(now, t.id, window))
        roll = rng.random()
        if roll < 0.08:
            t.outcome, now = "missed", now + dt.timedelta(minutes=1)
            events.append(e.TicketMissed(now, t.id, window, "无人应答"))
        elif roll < 0.12:
            t.outcome, now = "held", now + dt.timedelta(minutes=2)
            events.append(e.TicketHeld(now, t.id, window))
        elif roll < 0.16:
            t.outcome, now = "transferred", now + dt.timedelta(minutes=3)
            events.append(e.TicketTransferred(now, t.id, window, "pickup", None, (1, 0)))
        else:
            t.outcome, t.began = "served", now
            if rng.random() < 0.5:
                t.began = now + dt.timedelta(minutes=1)
                events.append(e.TicketStarted(t.began, t.id, window))
            now = t.began + dt.timedelta(minutes=rng.lognormvariate(2, 0.7))
            t.ended = now
            events.append(
                e.TicketFinished(now, t.id, window, service=t.service, clerk=CLERKS[window])
            )
            if rng.random() < 0.8:
                t.level = rng.choices((5, 4, 3, 2, 1), (90, 5, 3, 1, 1))[0]
                events.append(
                    e.RatingRecorded(
                        now, t.id, window, t.service, CLERKS[window], t.level,
                        served_at=now, rating_id=f"r{t.id}",
                    )
                )  # fmt: skip
        free[window] = now
    assert max(free.values()) < at(23, 0), "a day's script must end on its day"
    for window in CLERKS:
        events.append(e.WindowClosed(max(at(17, 30), free[window]), window))
    events.sort(key=lambda ev: ev.at)  # stable: an issue stays before a call at its moment
    return Script(tickets, pauses, events)


def nearest_rank_p90(values: list[float]) -> float:
    """The least value that at least nine in ten of `values` do not exceed."""
    return min(v for v in values if 10 * sum(x <= v for x in values) >= 9 * len(values))


def expected(tickets: list[Ticket], pauses: list[Any], window: str) -> tuple[Any, ...]:
    mine = [t for t in tickets if t.window == window]
    waits = [(t.called - t.issued).total_seconds() / 60 for t in mine if t.called]
    served = [t for t in mine if t.outcome == "served"]
    handling = [(t.ended - t.began).total_seconds() / 60 for t in served if t.ended and t.began]
    levels = [t.level for t in served if t.level is not None]
    return (
        len(waits),
        len(served),
        *(sum(t.outcome == kind for t in mine) for kind in ("missed", "held", "transferred")),
        round(sum(waits) / len(waits), 2),
        round(nearest_rank_p90(waits), 2),
        round(max(waits), 2),
        round(sum(handling) / len(handling), 2),
        round(sum((b - a).total_seconds() / 60 for w, a, b in pauses if w == window), 2),
        len(levels),
        sum(level >= 3 for level in levels),
        sum(level <= 2 for level in levels),
    )


def actual(row: Any) -> tuple[Any, ...]:
    return (
        row.called,
        row.served,
        row.missed,
        row.held,
        row.transferred,
        row.wait_mean,
        row.wait_p90,
        row.wait_max,
        row.handling_mean,
        row.pause_minutes,
        row.ratings.ratings,
        row.ratings.good,
        row.ratings.bad,
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_a_generated_day_per_window_clerk_service_and_hour(seed: int) -> None:
    script = generate(seed)
    period = period_of("day", DAY)
    facts = await read_facts(await journal_of(script.events), period, tz=SHANGHAI)
    by_window = build_report(facts, period, "window", tz=SHANGHAI)
    by_clerk = build_report(facts, period, "clerk", tz=SHANGHAI)
    assert [row.key for row in by_window.rows] == list(CLERKS)
    assert [row.key for row in by_clerk.rows] == sorted(CLERKS.values())
    for row in by_window.rows:
        assert actual(row) == expected(script.tickets, script.pauses, row.key), row.key
        clerk = next(r for r in by_clerk.rows if r.key == CLERKS[row.key])
        assert actual(clerk) == actual(row)
        assert clerk.label == f"{CLERKS[row.key].title()}（10{row.key}）"

    by_service = build_report(facts, period, "service", tz=SHANGHAI)
    for row in by_service.rows:
        mine = [t for t in script.tickets if t.service == row.key]
        assert row.issued == len(mine)
        assert row.served == sum(t.outcome == "served" for t in mine)
        assert row.transferred == sum(t.outcome == "transferred" for t in mine)
    assert by_service.total.issued == len(script.tickets)

    by_hour = build_report(facts, period, "hour", tz=SHANGHAI)
    load = hourly_load(facts, period, tz=SHANGHAI)
    loads = {hour.hour: hour for hour in load.rows}
    assert sum(hour.issued for hour in load.rows) == len(script.tickets)
    for row in by_hour.rows:
        h = int(row.key)
        issued = [t for t in script.tickets if t.issued.hour == h]
        assert row.issued == len(issued) == loads[h].issued
        assert row.called == len(issued)  # every ticket of the script is called
        assert loads[h].served == sum(1 for t in script.tickets if t.ended and t.ended.hour == h)
    for hour in load.rows:
        start = at(hour.hour, 0)
        end = start + dt.timedelta(hours=1)
        closing = {ev.window: ev.at for ev in script.events if isinstance(ev, e.WindowClosed)}
        open_minutes = sum((
            max(dt.timedelta(0), min(end, closing[w]) - max(start, at(8, 30)))
            for w in CLERKS
        ), dt.timedelta(0)) / dt.timedelta(minutes=1)  # fmt: skip
        assert hour.open_windows == round(open_minutes / 60, 2), hour.hour

    sheet = assessment_sheet(facts, period, tz=SHANGHAI, hours=small_hall().hours)
    assert [(r.clerk, r.days_present, r.served) for r in sheet.rows] == [
        (clerk, 1, sum(t.outcome == "served" for t in script.tickets if t.window == window))
        for window, clerk in CLERKS.items()
    ]


async def test_a_follow_up_weeks_after_the_service_counts_with_the_service() -> None:
    # A 差评 on the day; 整改 took three weeks, and the citizen rated again (追评) after it,
    # long after the seven days a phone rating may come: it counts with the day's service.
    rectified, called_back, rated_again = (
        dt.datetime.combine(DAY + dt.timedelta(days=n), dt.time(10), SHANGHAI) for n in (20, 21, 22)
    )
    script = Script([], [], [
        e.TicketFinished(at(9, 0), "t1", "1", service="social", clerk="chen"),
        e.RatingRecorded(at(9, 5), "t1", "1", "social", "chen", 1, tags=("115",),
                         served_at=at(9, 0), rating_id="r1"),
        e.CaseOpened(at(9, 5), "c1", "r1", rectified, rectified),
        e.CaseAdvanced(rectified, "c1", "rectify", "rectified", "zhou", "已整改"),
        e.CaseAdvanced(called_back, "c1", "call-back", "called_back", "zhou", "已回访"),
        e.RatingRecorded(rated_again, "t1", "1", "social", "chen", 5, served_at=at(9, 0),
                         rating_id="r2", follow_up=True),
        e.CaseAdvanced(rated_again, "c1", "close", "closed", "zhou", "办结"),  # that instant
    ])  # fmt: skip
    period = period_of("day", DAY)
    facts = await read_facts(await journal_of(script.events), period, tz=SHANGHAI, grace_days=7)
    counts = build_report(facts, period, "clerk", tz=SHANGHAI).total.ratings
    assert (counts.ratings, counts.bad, counts.follow_ups) == (1, 1, 1)
