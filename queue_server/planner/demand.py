"""Demand: tickets per service per half hour and their service times, from a profile."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from queue_server.domain.hall import HallConfig
from queue_server.planner.profile import Behaviour, Distribution, Period, Profile

SLOT_MINUTES = 30
SLOTS = 24 * 60 // SLOT_MINUTES


@dataclass(frozen=True)
class ServiceDemand:
    """One service: expected tickets in each half hour of the day (local time, SLOTS of
    them) and its service time; measured `samples` (minutes) are drawn from when given."""

    service: str
    arrivals: tuple[float, ...]
    mean_minutes: float
    cv: float
    distribution: Distribution = Distribution.LOGNORMAL
    samples: tuple[float, ...] = ()

    @property
    def per_day(self) -> float:
        return sum(self.arrivals)

    def in_hour(self, hour: int) -> float:
        per_hour = 60 // SLOT_MINUTES
        return sum(self.arrivals[hour * per_hour : (hour + 1) * per_hour])


@dataclass(frozen=True)
class Demand:
    """What a hall must serve on an average day, and how its citizens and clerks behave."""

    source: str
    services: tuple[ServiceDemand, ...]
    behaviour: Behaviour
    days: int = 1  # the days averaged over (1 for a profile)
    notes: tuple[str, ...] = ()  # what the reader could not place, for the manager to see

    @property
    def per_day(self) -> float:
        return sum(s.per_day for s in self.services)

    def service(self, service_id: str) -> ServiceDemand | None:
        return next((s for s in self.services if s.service == service_id), None)

    def scaled(self, factor: float) -> Demand:
        """The same day with `factor` times the tickets (Mondays run 20-50% higher)."""
        services = tuple(
            dataclasses.replace(s, arrivals=tuple(a * factor for a in s.arrivals))
            for s in self.services
        )
        return dataclasses.replace(self, services=services)

    def with_behaviour(self, **changes: float) -> Demand:
        return dataclasses.replace(self, behaviour=dataclasses.replace(self.behaviour, **changes))


def spread(periods: Iterable[Period], total: float) -> tuple[float, ...]:
    """`total` tickets over the half-hour slots, each period's share spread evenly in it."""
    slots = [0.0] * SLOTS
    for period in periods:
        start = period.start.hour * 60 + period.start.minute
        end = (
            24 * 60
            if period.end.hour == 23 and period.end.minute == 59
            else (period.end.hour * 60 + period.end.minute)
        )
        if end <= start:
            continue
        for slot in range(start // SLOT_MINUTES, (end - 1) // SLOT_MINUTES + 1):
            low, high = slot * SLOT_MINUTES, (slot + 1) * SLOT_MINUTES
            overlap = min(end, high) - max(start, low)
            if overlap > 0:
                slots[slot] += total * period.share * overlap / (end - start)
    return tuple(slots)


def demand_from_profile(profile: Profile, hall: HallConfig) -> Demand:
    """The profile's day in this hall: each mix entry's share split evenly among the hall's
    services it names. Entries naming none of them are noted, and their tickets left out."""
    known = {s.id for s in hall.services}
    day = spread(profile.arrivals, profile.tickets_per_day)
    services: dict[str, ServiceDemand] = {}
    notes: list[str] = []
    for entry in profile.mix:
        present = [s for s in entry.services if s in known]
        if not present:
            notes.append(
                f"{entry.name}(占{entry.share:.0%}): 本大厅没有 "
                f"{'、'.join(entry.services)} 这些业务, 未计入"
            )
            continue
        weight = entry.share / len(present)
        for service in present:
            arrivals = tuple(a * weight for a in day)
            earlier = services.get(service)
            if earlier is not None:  # named by two entries: add up, keep the first's times
                arrivals = tuple(a + b for a, b in zip(earlier.arrivals, arrivals, strict=True))
                services[service] = dataclasses.replace(earlier, arrivals=arrivals)
                continue
            services[service] = ServiceDemand(
                service=service,
                arrivals=arrivals,
                mean_minutes=entry.mean_minutes,
                cv=entry.cv,
                distribution=entry.distribution,
            )
    return Demand(
        source=f"profile {profile.name}",
        services=tuple(services.values()),
        behaviour=profile.behaviour,
        notes=tuple(notes),
    )


def served_only(demand: Demand, hall: HallConfig) -> Demand:
    """The demand without the services no window of `hall` takes, each noted: no number of
    windows calls their tickets (a manager's tuning can leave a service so, a hall file
    cannot), and their endless waits would hide how every other hour does."""
    taken = {s for w in hall.windows for s in (*w.services, *w.overflow)}
    names = {s.id: s.name for s in hall.services}
    left_out = [sd.service for sd in demand.services if sd.service not in taken]
    if not left_out:
        return demand
    notes = tuple(
        f"{names.get(s, s)}({s}): 目前没有窗口办理这项业务, 它的号叫不到, 未计入" for s in left_out
    )
    return dataclasses.replace(
        demand,
        services=tuple(sd for sd in demand.services if sd.service in taken),
        notes=demand.notes + notes,
    )
