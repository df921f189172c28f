"""The recommendation: the fewest windows of each pool, hour by hour, that meet a waiting target;
Erlang C first, then the simulator adds where the target is missed and takes back the spare."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from queue_server.domain.hall import HallConfig
from queue_server.planner import erlang
from queue_server.planner.demand import Demand
from queue_server.planner.schedule import (
    Pool,
    Schedule,
    home_pools,
    pools_of,
    session_hours,
    session_minutes,
)
from queue_server.planner.simulate import simulate
from queue_server.planner.stats import SimulationResult, WaitStats
from queue_server.planner.target import Target

Steps = Callable[[int, int], None]  # (simulations run, most it may run)
Cell = tuple[int, str]  # (hour, pool)


def failing_cells(result: SimulationResult, hours: tuple[int, ...], target: Target) -> list[Cell]:
    """The (hour, pool) cells whose citizens miss the target; a wait of an hour with no
    session (queueing before opening) counts for the next session hour."""
    failing: set[Cell] = set()
    for (hour, pool), stats in result.by_cell.items():
        if stats.within < target.share:
            session_hour = next((h for h in hours if h >= hour), hours[-1] if hours else hour)
            failing.add((session_hour, pool))
    return sorted(failing)


def erlang_schedule(hall: HallConfig, demand: Demand, target: Target) -> Schedule:
    """Erlang C per hour and pool: each service's tickets go to its home pool; tickets taken
    before a session are served in its first hour; clerks' overheads lengthen the service."""
    pools = {p.id: p for p in pools_of(hall)}
    home = home_pools(hall)
    hours = session_hours(hall.hours)
    open_minutes = _open_minutes(hall)
    b = demand.behaviour
    counts: dict[int, dict[str, int]] = {h: {} for h in hours}
    arrivals: dict[Cell, float] = {}
    work: dict[Cell, float] = {}
    for sd in demand.services:
        pool = home.get(sd.service)
        if pool is None:
            continue
        handling = (1 - b.missed_share) * (b.walk_minutes + sd.mean_minutes)
        handling += b.missed_share * b.no_show_minutes
        for hour in range(24):
            tickets = sd.in_hour(hour)
            if tickets <= 0 or not hours:
                continue
            served_in = next((h for h in hours if h >= hour), hours[-1])
            cell = (served_in, pool)
            arrivals[cell] = arrivals.get(cell, 0.0) + tickets
            work[cell] = work.get(cell, 0.0) + tickets * handling
    for (hour, pool), tickets in arrivals.items():
        per_minute = tickets / open_minutes[hour]
        mean = work[(hour, pool)] / tickets / (1 - b.pause_share)
        counts[hour][pool] = erlang.fewest_servers(
            per_minute,
            mean,
            target_minutes=target.minutes,
            target_share=target.share,
            limit=len(pools[pool].windows),
        )
    # An hour with no new tickets of a pool still has the queue the hour before left: it
    # keeps that hour's windows (the simulator takes back what is spare).
    for before, hour in itertools.pairwise(hours):
        for pool in pools:
            if (hour, pool) not in arrivals and hour * 60 < _session_end(hall, before):
                counts[hour][pool] = counts[before].get(pool, 0)
    return Schedule(counts)


def _session_end(hall: HallConfig, hour: int) -> int:
    """The end (minutes) of the session open in `hour`."""
    return next(
        (
            end
            for start, end in session_minutes(hall.hours)
            if start < hour * 60 + 60 and hour * 60 < end
        ),
        0,
    )


def _open_minutes(hall: HallConfig) -> dict[int, float]:
    minutes: dict[int, float] = {}
    for start, end in session_minutes(hall.hours):
        for hour in range(start // 60, (end - 1) // 60 + 1):
            minutes[hour] = (
                minutes.get(hour, 0.0) + min(end, hour * 60 + 60) - max(start, hour * 60)
            )
    return minutes


@dataclass(frozen=True)
class Recommendation:
    pools: tuple[Pool, ...]
    target: Target
    schedule: Schedule  # what to open
    first_estimate: Schedule  # Erlang C's
    result: SimulationResult  # the simulated day with `schedule`
    unmet: tuple[Cell, ...]  # cells short even with every window of the pool open
    simulations: int

    def hour_rows(self) -> list[dict[str, Any]]:
        """Per session hour: windows per pool and the simulated waits of that hour."""
        rows = []
        for hour in sorted(self.schedule.counts):
            waits = self.result.by_hour.get(hour, WaitStats.of([], self.target.minutes, 1))
            rows.append(
                {
                    "hour": hour,
                    "windows": {p.id: self.schedule.count(hour, p.id) for p in self.pools},
                    "erlang": {p.id: self.first_estimate.count(hour, p.id) for p in self.pools},
                    "waits": waits.to_dict(),
                    "met": not any(h == hour for h, _ in self.unmet)
                    and waits.within >= self.target.share,
                }
            )
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": {"minutes": self.target.minutes, "share": self.target.share},
            "pools": [
                {
                    "id": p.id,
                    "label": p.label,
                    "kind": p.kind.value,
                    "windows": list(p.windows),
                    "services": list(p.services),
                    "overflow": list(p.overflow),
                }
                for p in self.pools
            ],
            "hours": self.hour_rows(),
            "window_hours": self.schedule.window_hours(),
            "erlang_window_hours": self.first_estimate.window_hours(),
            "unmet": [{"hour": h, "pool": p} for h, p in self.unmet],
            "simulations": self.simulations,
            "result": self.result.to_dict(),
        }


def recommend(
    hall: HallConfig,
    demand: Demand,
    *,
    target: Target | None = None,
    replications: int = 10,
    seed: int = 0,
    max_simulations: int = 60,
    progress: Steps | None = None,
) -> Recommendation:
    """The fewest windows per pool and hour meeting `target`: Erlang C's estimate, then
    simulated days (the same seed throughout, so trials differ only by the windows) add a
    window where the target is missed and take back those it can spare."""
    target = target or Target()
    pools = pools_of(hall)
    sizes = {p.id: len(p.windows) for p in pools}
    hours = session_hours(hall.hours)
    runs = 0

    def run(schedule: Schedule) -> SimulationResult:
        nonlocal runs
        runs += 1
        if progress is not None:
            progress(runs, max_simulations)
        return simulate(
            hall,
            demand,
            schedule,
            replications=replications,
            seed=seed,
            target_minutes=target.minutes,
        )

    first = erlang_schedule(hall, demand, target)
    schedule, result = first, run(first)
    unmet: set[Cell] = set()
    while runs < max_simulations:
        failing = [c for c in failing_cells(result, hours, target) if c not in unmet]
        if not failing:
            break
        changed = hopeless = False
        for pool in sorted({p for _, p in failing}):
            hour = min(h for h, p in failing if p == pool)
            # Short in this hour: one more window now, else in the next hour of the same
            # session (its queue is still being served then), else an hour earlier.
            later = [h for h in hours if h > hour and h * 60 < _session_end(hall, hour)][:1]
            earlier = [h for h in reversed(hours) if h < hour]
            spare = [h for h in [hour, *later, *earlier] if schedule.count(h, pool) < sizes[pool]]
            if not spare:
                unmet.add((hour, pool))
                hopeless = True
                continue
            add_at = spare[0]
            schedule = schedule.with_count(add_at, pool, schedule.count(add_at, pool) + 1)
            changed = True
        if changed:
            result = run(schedule)
        elif not hopeless:
            break
        # Only hours short even with every window open this round: the same result still
        # shows the pools' later hours, which more windows may yet put right.

    def meets(trial: SimulationResult) -> bool:
        return all(c in unmet for c in failing_cells(trial, hours, target))

    if meets(result):
        schedule, result = _trim(
            schedule,
            result,
            hours,
            _untouchable(hall, hours, unmet),
            run,
            meets,
            lambda: runs < max_simulations,
        )
    return Recommendation(
        pools=pools,
        target=target,
        schedule=schedule,
        first_estimate=first,
        result=result,
        unmet=tuple(sorted(c for c in unmet if c in set(failing_cells(result, hours, target)))),
        simulations=runs,
    )


def _untouchable(hall: HallConfig, hours: tuple[int, ...], unmet: set[Cell]) -> set[Cell]:
    """The cells no window may be taken from: for a pool short in some hour even with every
    window open, the hours with no clearing between them and it (before it they shorten its
    queue, after it they serve that queue). The target cannot see these harms: the short
    hour's waits are counted as missed already, however much longer they grow."""
    clearings = [t.hour * 60 + t.minute for t in hall.hours.clearing_times]
    kept: set[Cell] = set()
    for short, pool in unmet:
        for hour in hours:
            first, last = sorted((hour, short))
            if not any((first + 1) * 60 <= m <= last * 60 for m in clearings):
                kept.add((hour, pool))
    return kept


def _trim(
    schedule: Schedule,
    result: SimulationResult,
    hours: tuple[int, ...],
    untouchable: set[Cell],
    run: Callable[[Schedule], SimulationResult],
    meets: Callable[[SimulationResult], bool],
    budget: Callable[[], bool],
) -> tuple[Schedule, SimulationResult]:
    """Take back one window at a time while the target still holds, the cells with the most
    room first; never an `untouchable` one."""

    def room(cell: Cell) -> float:
        stats = result.by_cell.get(cell)
        return stats.within if stats is not None else 1.0

    cells = sorted(
        ((h, p) for h in hours for p, n in schedule.counts.get(h, {}).items() if n > 0),
        key=lambda cell: (-room(cell), -cell[0], cell[1]),
    )
    for hour, pool in cells:
        if (hour, pool) in untouchable:
            continue
        while schedule.count(hour, pool) > 0 and budget():
            trial = schedule.with_count(hour, pool, schedule.count(hour, pool) - 1)
            trial_result = run(trial)
            if not meets(trial_result):
                break
            schedule, result = trial, trial_result
    return schedule, result


def totals(schedule: Schedule) -> Mapping[str, int]:
    """Window-hours per pool."""
    found: dict[str, int] = {}
    for counts in schedule.counts.values():
        for pool, n in counts.items():
            found[pool] = found.get(pool, 0) + n
    return found
