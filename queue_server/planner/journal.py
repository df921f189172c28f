"""Demand read from the hall's own journal: tickets per service per half hour, service times."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from zoneinfo import ZoneInfo

from queue_server.domain import events as e
from queue_server.domain.hall import HallConfig
from queue_server.domain.model import Priority
from queue_server.planner.demand import SLOT_MINUTES, SLOTS, Demand, ServiceDemand
from queue_server.planner.errors import PlannerError
from queue_server.planner.profile import Behaviour
from queue_server.ratings.history import day_bounds
from queue_server.store.eventlog import EventLog
from queue_server.store.sqlite_log import SqliteEventLog

KINDS = (
    e.TicketIssued.type,
    e.TicketCalled.type,
    e.TicketStarted.type,
    e.TicketFinished.type,
    e.TicketMissed.type,
    e.TicketHeld.type,
    e.TicketResumed.type,
)
DEFAULT_CV = 0.8  # for a service with fewer than two timed services


async def demand_from_journal(
    journal: EventLog, hall: HallConfig, first: dt.date, last: dt.date
) -> Demand:
    """The average day of the local days `first` to `last` (the days tickets were issued):
    arrivals per service and half hour, service times (start, or call, to finish, less the
    time the ticket was held meanwhile) as samples, and the shares of green, appointment and
    missed tickets and walk times."""
    tz = ZoneInfo(hall.timezone)
    since, until = day_bounds(first, last, tz)
    stored = await journal.read_kinds(KINDS, since, until)
    arrivals: dict[str, list[float]] = {}
    samples: dict[str, list[float]] = {}
    days: set[dt.date] = set()
    began: dict[str, dt.datetime] = {}
    called_at: dict[str, dt.datetime] = {}
    held_at: dict[str, dt.datetime] = {}
    held: dict[str, float] = {}  # minutes held (挂起) since the call: not service time
    walks: list[float] = []
    issued = green = appointment = calls = missed = 0
    for item in stored:
        event = e.decode_event(item.type, item.data)
        if isinstance(event, e.TicketIssued):
            local = event.at.astimezone(tz)
            days.add(local.date())
            slot = (local.hour * 60 + local.minute) // SLOT_MINUTES
            arrivals.setdefault(event.service, [0.0] * SLOTS)[slot] += 1
            issued += 1
            green += event.priority is Priority.GREEN
            appointment += event.priority is Priority.APPOINTMENT
        elif isinstance(event, e.TicketCalled):
            began[event.ticket_id] = called_at[event.ticket_id] = event.at
            held[event.ticket_id] = 0.0
            calls += 1
        elif isinstance(event, e.TicketStarted):
            if event.ticket_id in called_at:
                walks.append(_minutes(called_at[event.ticket_id], event.at))
            began[event.ticket_id] = event.at
        elif isinstance(event, e.TicketMissed):
            missed += 1
            began.pop(event.ticket_id, None)
        elif isinstance(event, e.TicketHeld):
            held_at[event.ticket_id] = event.at
        elif isinstance(event, e.TicketResumed) and event.ticket_id in held_at:
            parked = held_at.pop(event.ticket_id)
            held[event.ticket_id] = held.get(event.ticket_id, 0.0) + _minutes(parked, event.at)
        elif isinstance(event, e.TicketFinished) and event.ticket_id in began:
            length = _minutes(began.pop(event.ticket_id), event.at)
            length -= held.pop(event.ticket_id, 0.0)
            samples.setdefault(event.service, []).append(length)
    if not days:
        raise PlannerError(f"no tickets issued from {first} to {last} in the journal")
    count = len(days)
    known = {s.id: s for s in hall.services}
    services = []
    for service_id in sorted(arrivals.keys() | samples.keys()):
        if service_id not in known:
            continue  # a service dropped from the config since
        times = samples.get(service_id, [])
        mean, cv = _fit(times, known[service_id].mean_service_minutes)
        services.append(
            ServiceDemand(
                service=service_id,
                arrivals=tuple(n / count for n in arrivals.get(service_id, [0.0] * SLOTS)),
                mean_minutes=mean,
                cv=cv,
                samples=tuple(times),
            )
        )
    base = Behaviour()
    behaviour = Behaviour(
        green_share=green / issued,
        appointment_share=appointment / issued,
        missed_share=missed / calls if calls else base.missed_share,
        pause_share=base.pause_share,
        pause_minutes=base.pause_minutes,
        walk_minutes=sum(walks) / len(walks) if walks else base.walk_minutes,
        no_show_minutes=base.no_show_minutes,
    )
    dropped = sorted(arrivals.keys() - known.keys())
    notes = tuple(f"{s}: 历史记录中有, 但已不是本大厅的业务, 未计入" for s in dropped)
    return Demand(
        source=f"journal {first} to {last}",
        services=tuple(services),
        behaviour=behaviour,
        days=count,
        notes=notes,
    )


async def demand_from_database(
    path: Path, hall: HallConfig, first: dt.date, last: dt.date
) -> Demand:
    """`demand_from_journal` on the hall's database file, opened for reading only: planning
    from a live hall's database changes nothing in it, not its schema."""
    journal = SqliteEventLog(path, read_only=True)
    await journal.open()
    try:
        return await demand_from_journal(journal, hall, first, last)
    finally:
        await journal.close()


def _minutes(start: dt.datetime, end: dt.datetime) -> float:
    return (end - start).total_seconds() / 60


def _fit(times: list[float], fallback: float) -> tuple[float, float]:
    """Mean and coefficient of variation of measured service times."""
    if not times:
        return fallback, DEFAULT_CV
    mean = sum(times) / len(times)
    if len(times) < 2 or mean <= 0:
        return max(mean, 0.1), DEFAULT_CV
    variance = sum((t - mean) ** 2 for t in times) / (len(times) - 1)
    return mean, max(0.05, math.sqrt(variance) / mean)
