"""The recommendation against a brute-force search over every window count on a small hall."""

from __future__ import annotations

import datetime as dt
import itertools

from planner_halls import demand, hall, service, steady, window

from queue_server.domain.hall import HallConfig, WindowKind
from queue_server.planner.demand import Demand
from queue_server.planner.recommend import erlang_schedule, failing_cells, recommend
from queue_server.planner.schedule import Schedule
from queue_server.planner.simulate import simulate
from queue_server.planner.target import Target

REPLICATIONS, SEED = 6, 3
TARGET = Target(minutes=15, share=0.8)


def _small() -> tuple[HallConfig, Demand]:
    config = hall(
        (service("social", "A", 6), service("tax", "B", 9), service("company", "C", 10)),
        (
            window("1", ("social", "tax")),
            window("2", ("social", "tax")),
            window("3", ("social", "tax")),
            window("4", ("company",), kind=WindowKind.DOMAIN, overflow=("social",)),
            window("5", ("company",), kind=WindowKind.DOMAIN, overflow=("social",)),
        ),
        ((dt.time(9, 0), dt.time(11, 0)),),
        issue_opens_before_minutes=0,
        issue_cutoff_minutes=0,
    )
    day = demand(
        steady("social", 5, 6, range(18, 20)),  # 09:00-10:00 busy, then quiet
        steady("social", 2, 6, range(20, 22)),
        steady("tax", 2, 9, range(18, 22)),
        steady("company", 2, 10, range(18, 22)),
    )
    return config, day


def test_recommendation_is_never_worse_than_the_optimum_and_at_most_one_window_more() -> None:
    config, day = _small()
    hours = (9, 10)
    best: int | None = None
    for general_9, domain_9, general_10, domain_10 in itertools.product(
        range(4), range(3), range(4), range(3)
    ):
        schedule = Schedule(
            {
                9: {"general-1": general_9, "domain-4": domain_9},
                10: {"general-1": general_10, "domain-4": domain_10},
            }
        )
        if best is not None and schedule.window_hours() >= best:
            continue
        result = simulate(
            config,
            day,
            schedule,
            replications=REPLICATIONS,
            seed=SEED,
            target_minutes=TARGET.minutes,
        )
        if not failing_cells(result, hours, TARGET):
            best = schedule.window_hours()
    assert best is not None
    advice = recommend(
        config,
        day,
        target=TARGET,
        replications=REPLICATIONS,
        seed=SEED,
    )
    assert not advice.unmet
    assert not failing_cells(advice.result, hours, TARGET)
    assert best <= advice.schedule.window_hours() <= best + 1
    rows = advice.hour_rows()
    assert [r["hour"] for r in rows] == [9, 10] and all(r["met"] for r in rows)
    assert advice.to_dict()["window_hours"] == advice.schedule.window_hours()


def test_erlang_first_estimate_grows_with_demand() -> None:
    config, day = _small()
    light = erlang_schedule(config, day, TARGET)
    heavy = erlang_schedule(config, day.scaled(2), TARGET)
    assert 0 < light.window_hours() < heavy.window_hours()


def _swamped_morning() -> HallConfig:
    """Four windows for one service, 09:00-11:00 and 14:00-16:00, cleared at 12:00 and 17:00:
    the hall of a morning (SWAMPED) that four windows can never keep up with."""
    return hall(
        (service("social", "A", 6),),
        tuple(window(str(n), ("social",)) for n in (1, 2, 3, 4)),
        ((dt.time(9, 0), dt.time(11, 0)), (dt.time(14, 0), dt.time(16, 0))),
        issue_opens_before_minutes=30,
        issue_cutoff_minutes=0,
        clearing_times=(dt.time(12, 0), dt.time(17, 0)),
    )


SWAMPED = steady("social", 60, 6, range(18, 20))  # 09:00-10:00: 12 erlangs on 4 windows


def test_an_hour_short_with_every_window_open_does_not_end_the_search() -> None:
    # The 14:00 crowd (queueing from 13:30) needs all four windows, Erlang C says three:
    # the search must still get there after finding 09:00 beyond help.
    day = demand(
        SWAMPED, steady("social", 12, 6, range(27, 28)), steady("social", 6, 6, range(28, 32))
    )
    config = _swamped_morning()
    advice = recommend(config, day, target=TARGET, replications=REPLICATIONS, seed=1)
    hours = (9, 10, 14, 15)
    assert advice.first_estimate.count(14, "general-1") < 4
    assert advice.unmet == ((9, "general-1"),)
    assert failing_cells(advice.result, hours, TARGET) == [(9, "general-1")]
    assert advice.schedule.count(14, "general-1") == 4
    assert [r["met"] for r in advice.hour_rows()] == [False, True, True, True]


def test_the_queue_of_an_hour_beyond_help_keeps_its_windows_and_every_such_hour_is_named() -> None:
    day = demand(
        SWAMPED, steady("social", 60, 6, range(20, 21)), steady("social", 2, 6, range(28, 32))
    )
    advice = recommend(_swamped_morning(), day, target=TARGET, replications=REPLICATIONS, seed=1)
    # 09:00 and 10:00 miss the target whatever is open: both are named, and the windows
    # serving their queue until the 12:00 clearing are never taken back, though the waits
    # counted against the target would not show the harm (they are missed already).
    assert advice.unmet == ((9, "general-1"), (10, "general-1"))
    assert advice.schedule.count(9, "general-1") == 4
    assert advice.schedule.count(10, "general-1") == 4
    # After the clearing the quiet afternoon needs only a window or two.
    assert 0 < advice.schedule.count(14, "general-1") < 4
