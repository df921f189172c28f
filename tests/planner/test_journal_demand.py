"""Demand read back from a journal written by driving a real Hall over two days."""

from __future__ import annotations

import datetime as dt

import pytest
from planner_halls import hall, service, window

from queue_server.domain import commands as c
from queue_server.domain.model import Priority
from queue_server.domain.state import Hall
from queue_server.planner.journal import demand_from_journal
from queue_server.store.eventlog import NewEvent
from queue_server.store.memory_log import MemoryEventLog

TZ = dt.timezone(dt.timedelta(hours=8))
DAYS = (dt.date(2026, 11, 23), dt.date(2026, 11, 24))


async def _drive(journal: MemoryEventLog) -> dict[str, list[float]]:
    config = hall(
        (service("social", "A"), service("tax", "B")),
        (window("1", ("social", "tax")),),
        ((dt.time(8, 30), dt.time(12, 0)),),
        open_all_hours=True,
    )
    state = Hall(config)
    lengths: dict[str, list[float]] = {"social": [], "tax": []}

    async def run(command: c.Command, at: dt.datetime) -> None:
        outcome = state.execute(command, at)
        events = [NewEvent(ev.type, ev.to_data()) for ev in outcome.events]
        await journal.append(events, recorded_at=at.astimezone(dt.UTC).isoformat())

    for day in DAYS:
        start = dt.datetime.combine(day, dt.time(9, 0), TZ)
        await run(c.OpenWindow("1"), start)
        # Day one: 3 social at 09:xx, 1 tax at 10:xx (green); day two: 1 social at 09:xx.
        plan = [("social", 5), ("social", 10), ("social", 20), ("tax", 70)]
        if day == DAYS[1]:
            plan = [("social", 15)]
        for n, (svc, minute) in enumerate(plan):
            at = start + dt.timedelta(minutes=minute)
            priority = Priority.GREEN if svc == "tax" else Priority.NORMAL
            await run(c.IssueTicket(f"{day}-{n}", svc, priority=priority), at)
            await run(c.CallNext("1"), at)
            await run(c.StartService("1"), at + dt.timedelta(minutes=1))
            length = 2.0 + n
            await run(c.FinishService("1"), at + dt.timedelta(minutes=1 + length))
            lengths[svc].append(length)
    return lengths


async def test_demand_from_the_journal_matches_what_was_driven() -> None:
    journal = MemoryEventLog()
    await journal.open()
    lengths = await _drive(journal)
    config = hall(
        (service("social", "A"), service("tax", "B")),
        (window("1", ("social", "tax")),),
        ((dt.time(8, 30), dt.time(12, 0)),),
    )
    demand = await demand_from_journal(journal, config, DAYS[0], DAYS[1])
    assert demand.days == 2
    social, tax = demand.service("social"), demand.service("tax")
    assert social is not None and tax is not None
    assert social.in_hour(9) == pytest.approx(2.0)  # 3 + 1 over two days
    assert social.per_day == pytest.approx(2.0)
    assert tax.in_hour(10) == pytest.approx(0.5)
    assert sorted(social.samples) == sorted(lengths["social"])
    assert list(tax.samples) == lengths["tax"]
    assert social.mean_minutes == pytest.approx(sum(lengths["social"]) / 4)
    assert demand.behaviour.green_share == pytest.approx(1 / 5)
    assert demand.behaviour.walk_minutes == pytest.approx(1.0)
    # A day range with no tickets is an error, not an empty plan.
    with pytest.raises(Exception, match="no tickets"):
        await demand_from_journal(journal, config, dt.date(2026, 1, 1), dt.date(2026, 1, 2))


async def test_service_times_from_the_journal_leave_out_the_time_tickets_were_held() -> None:
    journal = MemoryEventLog()
    await journal.open()
    config = hall(
        (service("social", "A"),),
        (window("1", ("social",)),),
        ((dt.time(8, 30), dt.time(12, 0)),),
    )
    state = Hall(config)
    start = dt.datetime.combine(DAYS[0], dt.time(9, 0), TZ)

    async def run(command: c.Command, minute: int) -> None:
        at = start + dt.timedelta(minutes=minute)
        events = [NewEvent(ev.type, ev.to_data()) for ev in state.execute(command, at).events]
        await journal.append(events, recorded_at=at.astimezone(dt.UTC).isoformat())

    await run(c.OpenWindow("1"), 0)
    await run(c.IssueTicket("held-once", "social"), 0)
    await run(c.IssueTicket("held-twice", "social"), 0)
    # Started a minute after its call, held 30 minutes: 1 + 3 minutes served.
    for command, minute in (
        (c.CallNext("1"), 0),
        (c.StartService("1"), 1),
        (c.HoldTicket("1"), 2),
        (c.ResumeHeld("1", "held-once"), 32),
        (c.FinishService("1"), 35),
    ):
        await run(command, minute)
    # Never started, held twice (10 and 20 minutes): 1 + 2 + 3 minutes from its call.
    for command, minute in (
        (c.CallNext("1"), 40),
        (c.HoldTicket("1"), 41),
        (c.ResumeHeld("1", "held-twice"), 51),
        (c.HoldTicket("1"), 53),
        (c.ResumeHeld("1", "held-twice"), 73),
        (c.FinishService("1"), 76),
    ):
        await run(command, minute)

    demand = await demand_from_journal(journal, config, DAYS[0], DAYS[0])
    social = demand.service("social")
    assert social is not None
    assert list(social.samples) == [pytest.approx(4.0), pytest.approx(6.0)]
