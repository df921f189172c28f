"""`hallq simulate`: hall days on a workload, every window open, run by the real dispatch."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from queue_server.config import ConfigError, load_hall
from queue_server.domain.hall import HallConfig
from queue_server.planner.demand import Demand
from queue_server.planner.errors import PlannerError
from queue_server.planner.options import load_demand, progress, refuse
from queue_server.planner.report import demand_text, table
from queue_server.planner.simulate import simulate
from queue_server.planner.stats import SimulationResult
from queue_server.store.errors import StoreError


def run(args: argparse.Namespace) -> int:
    """0 with the answer on stdout; 2 with every problem on stderr."""
    try:
        hall = load_hall(args.config)
        demand = load_demand(args, hall)
        result = simulate(
            hall,
            demand,
            replications=args.days,
            seed=args.seed,
            target_minutes=args.target_minutes,
            progress=progress("simulated days"),
        )
    except (ConfigError, PlannerError, StoreError) as exc:
        return refuse("simulate", "the simulation", exc)
    print(file=sys.stderr)  # ends the progress line
    answer = summary(hall, demand, result)
    if args.json:
        print(json.dumps(answer, ensure_ascii=False, indent=1))
    else:
        print(summary_text(demand, answer))
    return 0


def summary(hall: HallConfig, demand: Demand, result: SimulationResult) -> dict[str, Any]:
    """API.md's answer: tickets are totals over every simulated day; a wait is from taking
    the ticket (or the doors opening) to the call, one for each step of a ticket's route."""
    days = result.replications

    def total(per_day: float) -> int:
        return round(per_day * days)

    issued, unserved = total(result.issued_per_day), total(result.unserved_per_day)
    overall = result.overall
    return {
        "hall": hall.name,
        "demand": demand.source,
        "days": days,
        "seed": result.seed,
        "served": issued - unserved,
        "wait_mean_minutes": round(overall.mean, 2),
        "wait_p90_minutes": round(overall.p90, 2),
        "wait_max_minutes": round(overall.max, 2),
        "target_minutes": result.target_minutes,
        "within_target": round(overall.within, 4),
        "issued": issued,
        "unserved": unserved,
        "turned_away": total(result.turned_away_per_day),
        "per_day": {
            "issued": round(result.issued_per_day, 2),
            "served": round((issued - unserved) / days, 2),
            "unserved": round(result.unserved_per_day, 2),
            "turned_away": round(result.turned_away_per_day, 2),
            "waits": round(overall.count, 2),
        },
        "overtime_minutes": round(result.overtime_minutes, 1),
        "by_service": {k: v.to_dict() for k, v in result.by_service.items()},
        "utilisation": {k: round(v, 4) for k, v in result.utilisation.items()},
        "notes": list(demand.notes),
    }


def summary_text(demand: Demand, answer: dict[str, Any]) -> str:
    target = f"<={answer['target_minutes']:g}m"
    rows = [
        [
            service,
            f"{waits['count']:.1f}",
            f"{waits['mean']:.1f}",
            f"{waits['p90']:.1f}",
            f"{waits['max']:.1f}",
            f"{waits['within']:.0%}",
        ]
        for service, waits in answer["by_service"].items()
    ]
    days = answer["days"]
    return "\n".join(
        [
            demand_text(demand),
            "",
            f"{answer['hall']}: {days} simulated day{'s' if days != 1 else ''}, every window "
            f"open, seed {answer['seed']}.",
            f"Tickets: {answer['issued']} issued, {answer['served']} served, "
            f"{answer['unserved']} unserved, {answer['turned_away']} turned away "
            "(unserved: still waiting when the day was cleared;",
            "  turned away: came while the hall was not issuing tickets).",
            f"Waits: mean {answer['wait_mean_minutes']:.1f} min, p90 "
            f"{answer['wait_p90_minutes']:.1f}, max {answer['wait_max_minutes']:.1f}; "
            f"{answer['within_target']:.0%} called within {answer['target_minutes']:g} min. "
            f"The last citizen is served {answer['overtime_minutes']:.0f} min after closing "
            "(mean over the days).",
            "",
            "Waits by service, in minutes (waits a day, mean, p90, max, share within target):",
            table(["service", "a day", "mean", "p90", "max", target], rows),
        ]
    )
