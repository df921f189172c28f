"""What-if: two hall configs on the same demand, every window open, side by side."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from queue_server.domain.hall import HallConfig
from queue_server.planner.demand import Demand
from queue_server.planner.errors import PlannerError
from queue_server.planner.simulate import Progress, simulate
from queue_server.planner.stats import SimulationResult


@dataclass(frozen=True)
class Side:
    name: str
    windows: int
    result: SimulationResult

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "windows": self.windows, "result": self.result.to_dict()}


@dataclass(frozen=True)
class Comparison:
    first: Side
    second: Side

    def rows(self) -> list[tuple[str, str, str]]:
        """(what, first, second) lines for a text table."""
        a, b = self.first.result, self.second.result
        lines = [
            ("windows", str(self.first.windows), str(self.second.windows)),
            ("tickets a day", f"{a.issued_per_day:.0f}", f"{b.issued_per_day:.0f}"),
            ("mean wait (min)", f"{a.overall.mean:.1f}", f"{b.overall.mean:.1f}"),
            ("p90 wait (min)", f"{a.overall.p90:.1f}", f"{b.overall.p90:.1f}"),
            (
                f"called within {a.target_minutes:g} min",
                f"{a.overall.within:.1%}",
                f"{b.overall.within:.1%}",
            ),
            ("unserved a day", f"{a.unserved_per_day:.1f}", f"{b.unserved_per_day:.1f}"),
            ("overtime (min)", f"{a.overtime_minutes:.0f}", f"{b.overtime_minutes:.0f}"),
        ]
        for service in sorted(a.by_service.keys() | b.by_service.keys()):
            sa, sb = a.by_service.get(service), b.by_service.get(service)
            lines.append(
                (
                    f"  {service}: mean / p90",
                    f"{sa.mean:.1f} / {sa.p90:.1f}" if sa else "-",
                    f"{sb.mean:.1f} / {sb.p90:.1f}" if sb else "-",
                )
            )
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {"first": self.first.to_dict(), "second": self.second.to_dict()}


def compare(
    first: HallConfig,
    second: HallConfig,
    demand: Demand,
    *,
    replications: int = 20,
    seed: int = 0,
    target_minutes: float = 15.0,
    progress: Progress | None = None,
) -> Comparison:
    """Both halls with every window open in every session hour, on the same demand and the
    same random numbers. PlannerError when the second hall lacks a service in demand."""
    missing = sorted({s.service for s in demand.services} - {s.id for s in second.services})
    if missing:
        raise PlannerError(f"{second.name} has no service {', '.join(missing)}")
    total = 2 * replications

    def step(offset: int) -> Progress | None:
        if progress is None:
            return None
        report = progress
        return lambda done, _: report(offset + done, total)

    sides = tuple(
        Side(
            hall.name,
            len(hall.windows),
            simulate(
                hall,
                demand,
                replications=replications,
                seed=seed,
                target_minutes=target_minutes,
                progress=step(index * replications),
            ),
        )
        for index, hall in enumerate((first, second))
    )
    return Comparison(sides[0], sides[1])
