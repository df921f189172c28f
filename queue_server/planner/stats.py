"""What the simulator found: waits per service, hour and pool, and how busy the windows were."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

HOURS = 48  # hour buckets: a day and its overtime past midnight


@dataclass(frozen=True)
class WaitStats:
    """Waits in minutes, from entering a queue to being called; `within` is the share called
    within the target (an unserved ticket never is)."""

    count: float  # per simulated day
    mean: float
    p90: float
    max: float
    within: float

    @classmethod
    def of(cls, waits: list[float], target: float, days: int) -> WaitStats:
        if not waits:
            return cls(0.0, 0.0, 0.0, 0.0, 1.0)
        ordered = sorted(waits)
        p90 = ordered[min(len(ordered) - 1, max(0, -(-9 * len(ordered) // 10) - 1))]
        within = sum(1 for w in ordered if w <= target) / len(ordered)
        return cls(len(ordered) / days, sum(ordered) / len(ordered), p90, ordered[-1], within)

    def to_dict(self) -> dict[str, float]:
        return {
            "count": round(self.count, 2),
            "mean": round(self.mean, 2),
            "p90": round(self.p90, 2),
            "max": round(self.max, 2),
            "within": round(self.within, 4),
        }


@dataclass
class Tally:
    """Every wait of every replication, and the windows' busy, paused and open minutes."""

    home: Mapping[str, str]  # service -> pool answerable for its waits
    waits: list[tuple[str, int, float]] = field(default_factory=list)  # service, hour, wait
    unserved: int = 0
    turned_away: int = 0
    issued: int = 0
    overtime: list[float] = field(default_factory=list)
    busy: dict[str, list[float]] = field(default_factory=dict)  # pool -> minutes per hour
    open: dict[str, list[float]] = field(default_factory=dict)
    paused: dict[str, list[float]] = field(default_factory=dict)

    def add_time(self, kind: dict[str, list[float]], pool: str, start: float, end: float) -> None:
        hours = kind.get(pool)
        if hours is None:
            hours = kind[pool] = [0.0] * HOURS
        while start < end:
            hour = min(int(start // 60), HOURS - 1)
            stop = min(end, (hour + 1) * 60) if hour < HOURS - 1 else end
            hours[hour] += stop - start
            start = stop


@dataclass(frozen=True)
class SimulationResult:
    replications: int
    seed: int
    target_minutes: float
    overall: WaitStats
    by_service: Mapping[str, WaitStats]
    by_hour: Mapping[int, WaitStats]
    by_cell: Mapping[tuple[int, str], WaitStats]  # (hour, pool) -> waits of its home services
    utilisation: Mapping[str, float]  # pool -> busy share of its open, unpaused time
    utilisation_by_hour: Mapping[tuple[int, str], float]
    issued_per_day: float
    unserved_per_day: float  # still waiting at the last clearing (or when the day ended)
    turned_away_per_day: float  # came while the hall was not issuing
    overtime_minutes: float  # mean minutes served past the last session's end

    def to_dict(self) -> dict[str, Any]:
        return {
            "replications": self.replications,
            "seed": self.seed,
            "target_minutes": self.target_minutes,
            "overall": self.overall.to_dict(),
            "by_service": {k: v.to_dict() for k, v in self.by_service.items()},
            "by_hour": {f"{h:02d}": v.to_dict() for h, v in sorted(self.by_hour.items())},
            "by_pool_hour": [
                {"hour": h, "pool": p, **v.to_dict()} for (h, p), v in sorted(self.by_cell.items())
            ],
            "utilisation": {k: round(v, 4) for k, v in self.utilisation.items()},
            "issued_per_day": round(self.issued_per_day, 2),
            "unserved_per_day": round(self.unserved_per_day, 2),
            "turned_away_per_day": round(self.turned_away_per_day, 2),
            "overtime_minutes": round(self.overtime_minutes, 1),
        }


def summarise(tally: Tally, *, replications: int, seed: int, target: float) -> SimulationResult:
    by_service: dict[str, list[float]] = {}
    by_hour: dict[int, list[float]] = {}
    by_cell: dict[tuple[int, str], list[float]] = {}
    for service, hour, wait in tally.waits:
        by_service.setdefault(service, []).append(wait)
        by_hour.setdefault(hour, []).append(wait)
        pool = tally.home.get(service)
        if pool is not None:
            by_cell.setdefault((hour, pool), []).append(wait)

    def stats(groups: Mapping[Any, list[float]]) -> dict[Any, WaitStats]:
        return {k: WaitStats.of(v, target, replications) for k, v in sorted(groups.items())}

    utilisation = {
        pool: _share(tally.busy.get(pool, ()), hours, tally.paused.get(pool, ()))
        for pool, hours in tally.open.items()
    }
    by_hour_pool = {
        (hour, pool): _share(
            tally.busy.get(pool, [0.0] * HOURS)[hour : hour + 1],
            hours[hour : hour + 1],
            tally.paused.get(pool, [0.0] * HOURS)[hour : hour + 1],
        )
        for pool, hours in tally.open.items()
        for hour in range(HOURS)
        if hours[hour] > 0
    }
    return SimulationResult(
        replications=replications,
        seed=seed,
        target_minutes=target,
        overall=WaitStats.of([w for _, _, w in tally.waits], target, replications),
        by_service=stats(by_service),
        by_hour=stats(by_hour),
        by_cell=stats(by_cell),
        utilisation=utilisation,
        utilisation_by_hour=by_hour_pool,
        issued_per_day=tally.issued / replications,
        unserved_per_day=tally.unserved / replications,
        turned_away_per_day=tally.turned_away / replications,
        overtime_minutes=sum(tally.overtime) / max(1, len(tally.overtime)),
    )


def _share(busy: Iterable[float], open_: Iterable[float], paused: Iterable[float]) -> float:
    working = sum(open_) - sum(paused)
    return sum(busy) / working if working > 0 else 0.0
