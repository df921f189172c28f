"""Simulated hall-days per second: the Jiangbei hall on the city profile, every call decided
by the real domain core, against the same arrivals drawn and ordered without the hall."""

from __future__ import annotations

import heapq
import math
import random
import time
from dataclasses import dataclass

from bench.common import HALL_CONFIG, Result, bench_main, ratio
from queue_server.config import load_hall
from queue_server.planner.demand import SLOT_MINUTES, Demand, demand_from_profile
from queue_server.planner.profile import load_profile
from queue_server.planner.simulate import simulate

TARGET_SECONDS = 1.0  # one simulated day of the Jiangbei hall in under a second


@dataclass(frozen=True)
class Sizes:
    days: int = 20


SMOKE = Sizes(days=1)

METHOD = f"""\
In the bench process, `simulate` runs {Sizes.days} days (replications) of the city profile
(config/workloads/city.toml, about 5,000 tickets a day) in the Jiangbei example hall (32
windows in 8 pools, every window open in every session hour): arrivals, calls, missed calls,
pauses, services, route steps and the 18:00 clearing, each decided by `Hall.execute`. The hall
cannot serve that many (its windows work all day; the clearing closes out the rest), which is
the heaviest day it can have. Value: simulated hall-days per second. Baseline, in the same
run: the same arrivals (Poisson per service and half hour) and lognormal service times drawn,
sorted and pushed through a heap in a plain Python loop, with no hall behind them. The ratio
is the share of the baseline's speed the simulator keeps. Target: a simulated day in under
{TARGET_SECONDS:g} s."""


def baseline_days_per_second(demand: Demand, days: int) -> float:
    started = time.perf_counter()
    for day in range(days):
        rng = random.Random(day)
        heap: list[tuple[float, int, str]] = []
        for sd in demand.services:
            sigma = math.sqrt(math.log(1 + sd.cv * sd.cv))
            mu = math.log(sd.mean_minutes) - sigma * sigma / 2
            for slot, expected in enumerate(sd.arrivals):
                if expected <= 0:
                    continue
                start = slot * SLOT_MINUTES
                minute = start + rng.expovariate(expected / SLOT_MINUTES)
                while minute < start + SLOT_MINUTES:
                    heapq.heappush(heap, (minute, len(heap), sd.service))
                    heapq.heappush(heap, (minute + rng.lognormvariate(mu, sigma), -1, ""))
                    minute += rng.expovariate(expected / SLOT_MINUTES)
        while heap:
            heapq.heappop(heap)
    return days / (time.perf_counter() - started)


async def run(*, smoke: bool = False) -> Result:
    return measure(SMOKE if smoke else Sizes())


def measure(sizes: Sizes) -> Result:
    hall = load_hall(HALL_CONFIG)
    demand = demand_from_profile(load_profile("city"), hall)
    simulate(hall, demand, replications=1, seed=99)  # warm-up: imports, caches
    started = time.perf_counter()
    result = simulate(hall, demand, replications=sizes.days, seed=1)
    seconds = time.perf_counter() - started
    value = sizes.days / seconds
    baseline = baseline_days_per_second(demand, sizes.days)
    return Result(
        name="Planner simulation",
        metric="simulated hall-days per second (Jiangbei hall, city profile)",
        value=value,
        baseline="the same arrivals drawn and ordered without the hall",
        baseline_value=baseline,
        ratio=ratio(value, baseline),
        target=f"< {TARGET_SECONDS:g} s per simulated day",
        met=seconds / sizes.days < TARGET_SECONDS,
        details={
            "days": sizes.days,
            "seconds per simulated day": seconds / sizes.days,
            "tickets issued per day": result.issued_per_day,
            "calls per day (route steps included)": result.overall.count - result.unserved_per_day,
            "unserved at the clearing per day": result.unserved_per_day,
            "county profile (800 a day): seconds per simulated day": _county_seconds(sizes),
            "windows": len(hall.windows),
        },
    )


def _county_seconds(sizes: Sizes) -> float:
    hall = load_hall(HALL_CONFIG)
    demand = demand_from_profile(load_profile("county"), hall)
    started = time.perf_counter()
    simulate(hall, demand, replications=sizes.days, seed=1)
    return (time.perf_counter() - started) / sizes.days


def main() -> None:
    bench_main(__doc__, run)


if __name__ == "__main__":
    main()
