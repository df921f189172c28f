"""`hallq plan`: the hourly staffing recommendation, and a what-if against another hall."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from queue_server.config import ConfigError, load_hall
from queue_server.planner.compare import compare
from queue_server.planner.errors import PlannerError
from queue_server.planner.options import load_demand, progress, refuse
from queue_server.planner.recommend import Recommendation, recommend
from queue_server.planner.report import comparison_text, demand_text, recommendation_text
from queue_server.planner.target import Target
from queue_server.store.errors import StoreError


def run(args: argparse.Namespace) -> int:
    """0 with the answer on stdout; 2 with every problem on stderr."""
    try:
        hall = load_hall(args.config)
        demand = load_demand(args, hall)
        target = Target(args.target_minutes, args.target_share)
        answer: dict[str, Any] = {"hall": hall.name, "demand": demand.source}
        text = [demand_text(demand)]
        if args.compare:
            other = load_hall(args.compare)
            comparison = compare(
                hall,
                other,
                demand,
                replications=args.replications,
                seed=args.seed,
                target_minutes=target.minutes,
                progress=progress("simulating both halls"),
            )
            answer["hours"] = []  # a what-if recommends no windows
            answer["comparison"] = comparison.to_dict()
            text += ["", comparison_text(comparison)]
        else:
            advice = recommend(
                hall,
                demand,
                target=target,
                replications=args.replications,
                seed=args.seed,
                max_simulations=args.max_simulations,
                progress=progress("simulations"),
            )
            answer["hours"] = hours(advice)
            answer["recommendation"] = advice.to_dict()
            text += ["", recommendation_text(advice)]
    except (ConfigError, PlannerError, StoreError) as exc:
        return refuse("plan", "the plan", exc)
    print(file=sys.stderr)  # ends the progress line
    if args.json:
        answer["notes"] = list(demand.notes)
        print(json.dumps(answer, ensure_ascii=False, indent=1))
    else:
        print("\n".join(text))
    return 0


def hours(advice: Recommendation) -> list[dict[str, Any]]:
    """The recommendation hour by hour in API.md's shape: windows to open per pool (ids as
    in recommendation.pools) and the waits of the tickets taken in that hour."""
    return [
        {
            "start": f"{row['hour']:02d}:00",
            "windows": row["windows"],
            "wait_mean_minutes": row["waits"]["mean"],
            "wait_p90_minutes": row["waits"]["p90"],
            "within_target": row["waits"]["within"],
            "met": row["met"],
        }
        for row in advice.hour_rows()
    ]
