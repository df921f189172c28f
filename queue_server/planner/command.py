"""`hallq plan`: the hourly staffing recommendation, and a what-if against another hall."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from queue_server.config import ConfigError, load_hall
from queue_server.planner.compare import compare
from queue_server.planner.errors import PlannerError
from queue_server.planner.options import (
    add_demand_options,
    count,
    load_demand,
    positive,
    progress,
    refuse,
    seed,
    share,
)
from queue_server.planner.recommend import Recommendation, Target, recommend
from queue_server.planner.report import comparison_text, demand_text, recommendation_text
from queue_server.store.errors import StoreError


def add_parser(commands: Any, db: str) -> None:
    """Add `hallq plan` to the `hallq` subcommands; `db` is the default --db."""
    plan = commands.add_parser(
        "plan", help="staffing: windows to open hour by hour for a waiting target; what-if"
    )
    plan.add_argument("--config", required=True, metavar="FILE", help="the hall config (TOML)")
    add_demand_options(plan, db)
    plan.add_argument("--target-minutes", type=positive, default=15.0)
    plan.add_argument("--target-share", type=share, default=0.9)
    plan.add_argument("--replications", type=count, default=10, help="simulated days per trial")
    plan.add_argument("--seed", type=seed, default=0)
    plan.add_argument("--max-simulations", type=count, default=60, metavar="N")
    plan.add_argument(
        "--compare", metavar="FILE", help="another hall config: both, every window open"
    )
    plan.add_argument("--json", action="store_true", help="print JSON (for the console)")


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
