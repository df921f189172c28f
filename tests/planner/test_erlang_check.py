"""The simulator against Erlang C: one queue, c windows, Poisson arrivals, exponential service."""

from __future__ import annotations

import datetime as dt
import math

from planner_halls import demand, hall, service, steady, window

from queue_server.planner import erlang
from queue_server.planner.profile import Distribution
from queue_server.planner.simulate import simulate


def test_erlang_c_known_values() -> None:
    # M/M/1 at 50%: P(wait) = rho, mean wait = rho / (mu - lambda).
    assert math.isclose(erlang.probability_of_waiting(1, 0.5), 0.5)
    assert math.isclose(erlang.mean_wait(1, 0.5, 1.0), 1.0)
    # M/M/2 with a = 1: C = 1/3; Wq = C / (c*mu - lambda) = 1/3.
    assert math.isclose(erlang.probability_of_waiting(2, 1.0), 1 / 3)
    assert math.isclose(erlang.mean_wait(2, 1.0, 1.0), 1 / 3)
    assert erlang.mean_wait(2, 2.0, 1.0) == math.inf
    assert erlang.share_within(3, 2.0, 1.0, 0) == 1 - erlang.probability_of_waiting(3, 2.0)
    assert erlang.fewest_servers(2.0, 1.0, target_minutes=0.5, target_share=0.8, limit=10) == 4
    assert erlang.fewest_servers(0.0, 1.0, target_minutes=1, target_share=0.9, limit=5) == 0


def test_simulated_mean_wait_agrees_with_erlang_c_within_3_percent() -> None:
    # Half busy and short services: many customers and short runs of correlated waits,
    # which the 3% needs (about 200,000 customers; the seed is fixed, so is the answer).
    servers, per_minute, mean = 2, 10.0, 0.1
    day = hall(
        (service("only", "A", mean),),
        tuple(window(str(n), ("only",)) for n in range(1, servers + 1)),
        ((dt.time(0, 0), dt.time(23, 59)),),
        open_all_hours=True,
    )
    arrivals = steady(
        "only", per_minute * 30, mean, range(1, 47), distribution=Distribution.EXPONENTIAL
    )
    result = simulate(day, demand(arrivals), replications=14, seed=0, target_minutes=0.1)
    expected = erlang.mean_wait(servers, per_minute, mean)
    assert abs(result.overall.mean - expected) / expected < 0.03, (result.overall, expected)
    within = erlang.share_within(servers, per_minute, mean, 0.1)
    assert abs(result.overall.within - within) < 0.01, (result.overall, within)
