"""Window pools (windows that take the same services) and how many of each open, hour by hour."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from queue_server.domain.hall import HallConfig, Hours, WindowKind
from queue_server.planner.errors import PlannerError


@dataclass(frozen=True)
class Pool:
    """Windows of one kind that take the same services in the same order: interchangeable."""

    id: str  # kind and first window, e.g. "general-1"
    kind: WindowKind
    services: tuple[str, ...]
    overflow: tuple[str, ...]
    windows: tuple[str, ...]

    @property
    def label(self) -> str:
        first, last = self.windows[0], self.windows[-1]
        where = first if first == last else f"{first}-{last}"
        return f"{self.kind.value} {where}"


def pools_of(hall: HallConfig) -> tuple[Pool, ...]:
    found: dict[tuple[WindowKind, tuple[str, ...], tuple[str, ...]], list[str]] = {}
    for window in hall.windows:
        found.setdefault((window.kind, window.services, window.overflow), []).append(window.id)
    return tuple(
        Pool(f"{kind.value}-{windows[0]}", kind, services, overflow, tuple(windows))
        for (kind, services, overflow), windows in found.items()
    )


def home_pools(hall: HallConfig) -> dict[str, str]:
    """Service -> the pool answerable for its waits: the first taking it as a primary
    service, else the first taking it as overflow. Services no window takes are left out."""
    pools = pools_of(hall)
    home: dict[str, str] = {}
    for service in hall.services:
        primary = next((p.id for p in pools if service.id in p.services), None)
        overflow = next((p.id for p in pools if service.id in p.overflow), None)
        if primary or overflow:
            home[service.id] = primary or overflow or ""
    return home


def session_minutes(hours: Hours) -> tuple[tuple[int, int], ...]:
    return tuple(
        (s.start.hour * 60 + s.start.minute, s.end.hour * 60 + s.end.minute) for s in hours.sessions
    )


def session_hours(hours: Hours) -> tuple[int, ...]:
    """The clock hours some session covers part of, in order (8 for a session from 08:30)."""
    found: set[int] = set()
    for start, end in session_minutes(hours):
        found.update(range(start // 60, (end - 1) // 60 + 1))
    return tuple(sorted(found))


@dataclass(frozen=True)
class Schedule:
    """How many windows of each pool are open in each clock hour (the first ones of the pool
    in config order); a pool missing from an hour has none open."""

    counts: Mapping[int, Mapping[str, int]]

    @classmethod
    def full(cls, hall: HallConfig) -> Schedule:
        """Every window open in every session hour."""
        pools = pools_of(hall)
        return cls({h: {p.id: len(p.windows) for p in pools} for h in session_hours(hall.hours)})

    def count(self, hour: int, pool: str) -> int:
        return self.counts.get(hour, {}).get(pool, 0)

    def with_count(self, hour: int, pool: str, count: int) -> Schedule:
        counts = {h: dict(c) for h, c in self.counts.items()}
        counts.setdefault(hour, {})[pool] = count
        return Schedule(counts)

    def window_hours(self) -> int:
        return sum(sum(c.values()) for c in self.counts.values())

    def open_windows(self, hour: int, pools: tuple[Pool, ...]) -> frozenset[str]:
        return frozenset(w for p in pools for w in p.windows[: max(0, self.count(hour, p.id))])

    def check(self, hall: HallConfig) -> None:
        """PlannerError when the schedule names a pool the hall lacks or opens too many."""
        sizes = {p.id: len(p.windows) for p in pools_of(hall)}
        for hour, counts in self.counts.items():
            for pool, count in counts.items():
                if pool not in sizes:
                    raise PlannerError(f"hour {hour}: no window pool {pool!r} in this hall")
                if not 0 <= count <= sizes[pool]:
                    raise PlannerError(
                        f"hour {hour}: {count} windows of {pool}, which has {sizes[pool]}"
                    )

    def to_dict(self) -> dict[str, dict[str, int]]:
        return {f"{h:02d}": dict(c) for h, c in sorted(self.counts.items())}
