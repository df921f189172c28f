"""Erlang C: waits in an M/M/c queue, the planner's first estimate and the simulator's check."""

from __future__ import annotations

import math


def offered_load(arrivals_per_minute: float, mean_service_minutes: float) -> float:
    """The load in erlangs: how many windows the arrivals would keep busy all the time."""
    return arrivals_per_minute * mean_service_minutes


def probability_of_waiting(servers: int, load: float) -> float:
    """Erlang C: the chance an arrival finds every window busy (1.0 when overloaded)."""
    if load <= 0:
        return 0.0
    if servers <= load:
        return 1.0
    # Erlang B by its recurrence (no factorials, no overflow), then turned into Erlang C.
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = load * blocking / (k + load * blocking)
    rho = load / servers
    return blocking / (1 - rho + rho * blocking)


def mean_wait(servers: int, arrivals_per_minute: float, mean_service_minutes: float) -> float:
    """Mean wait in minutes before a window calls (infinite when overloaded)."""
    load = offered_load(arrivals_per_minute, mean_service_minutes)
    if load <= 0:
        return 0.0
    if servers <= load:
        return math.inf
    waiting = probability_of_waiting(servers, load)
    return waiting * mean_service_minutes / (servers - load)


def share_within(
    servers: int, arrivals_per_minute: float, mean_service_minutes: float, minutes: float
) -> float:
    """P(wait <= minutes): the share of arrivals called within `minutes`."""
    load = offered_load(arrivals_per_minute, mean_service_minutes)
    if load <= 0:
        return 1.0
    if servers <= load:
        return 0.0
    waiting = probability_of_waiting(servers, load)
    return 1 - waiting * math.exp(-(servers - load) * minutes / mean_service_minutes)


def fewest_servers(
    arrivals_per_minute: float,
    mean_service_minutes: float,
    *,
    target_minutes: float,
    target_share: float,
    limit: int,
) -> int:
    """The fewest windows (at most `limit`) whose share within `target_minutes` reaches
    `target_share`; `limit` when even that many do not; 0 when nobody comes."""
    load = offered_load(arrivals_per_minute, mean_service_minutes)
    if load <= 0:
        return 0
    for servers in range(max(1, math.floor(load) + 1), limit + 1):
        if (
            share_within(servers, arrivals_per_minute, mean_service_minutes, target_minutes)
            >= target_share
        ):
            return servers
    return limit
