"""`hallq plan`: the hourly staffing recommendation, and a what-if against another hall."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from queue_server.config import ConfigError, load_hall
from queue_server.domain.hall import HallConfig
from queue_server.planner.compare import compare
from queue_server.planner.demand import Demand, demand_from_profile
from queue_server.planner.errors import PlannerError
from queue_server.planner.journal import demand_from_journal
from queue_server.planner.profile import ProfileError, load_profile
from queue_server.planner.recommend import Target, recommend
from queue_server.planner.report import comparison_text, demand_text, recommendation_text
from queue_server.store.errors import StoreError
from queue_server.store.sqlite_log import SqliteEventLog


def add_parser(commands: Any) -> None:
    """Add `hallq plan` to the `hallq` subcommands."""
    plan = commands.add_parser(
        "plan", help="staffing: windows to open hour by hour for a waiting target; what-if"
    )
    plan.add_argument("--config", required=True, metavar="FILE", help="the hall config (TOML)")
    source = plan.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--profile", metavar="NAME|FILE", help="a workload profile: county, city or a file"
    )
    source.add_argument("--journal", metavar="DB", help="the hall's database (var/hall.db)")
    plan.add_argument("--from", dest="first", type=_date, metavar="DATE", help="with --journal")
    plan.add_argument("--to", dest="last", type=_date, metavar="DATE", help="with --journal")
    plan.add_argument("--scale", type=float, default=1.0, help="demand factor (Monday: 1.3)")
    plan.add_argument("--target-minutes", type=float, default=15.0)
    plan.add_argument("--target-share", type=float, default=0.9)
    plan.add_argument("--replications", type=int, default=10, help="simulated days per trial")
    plan.add_argument("--seed", type=int, default=0)
    plan.add_argument("--max-simulations", type=int, default=60, metavar="N")
    plan.add_argument(
        "--compare", metavar="FILE", help="another hall config: both, every window open"
    )
    plan.add_argument("--json", action="store_true", help="print JSON (for the console)")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date like 2026-11-23: {text!r}") from exc


def _progress(label: str) -> Any:
    def show(done: int, total: int) -> None:
        print(f"\r{label}: {done}/{total}", end="", file=sys.stderr, flush=True)

    return show


def run(args: argparse.Namespace) -> int:
    """0 with the answer on stdout; 2 with every problem on stderr."""
    try:
        hall = load_hall(args.config)
        demand = _demand(args, hall).scaled(args.scale)
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
                progress=_progress("simulating both halls"),
            )
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
                progress=_progress("simulations"),
            )
            answer["recommendation"] = advice.to_dict()
            text += ["", recommendation_text(advice)]
    except ConfigError as exc:
        return _fail("the hall config", exc.problems)
    except ProfileError as exc:
        return _fail("the workload profile", exc.problems)
    except (PlannerError, StoreError) as exc:
        return _fail("the plan", [str(exc)])
    print(file=sys.stderr)  # ends the progress line
    if args.json:
        answer["notes"] = list(demand.notes)
        print(json.dumps(answer, ensure_ascii=False, indent=1))
    else:
        print("\n".join(text))
    return 0


def _demand(args: argparse.Namespace, hall: HallConfig) -> Demand:
    if args.profile:
        return demand_from_profile(load_profile(args.profile), hall)
    if args.first is None or args.last is None:
        raise PlannerError("--journal needs --from and --to")
    if not Path(args.journal).is_file():
        raise PlannerError(f"{args.journal}: no such database")
    return asyncio.run(_read_journal(Path(args.journal), hall, args.first, args.last))


async def _read_journal(path: Path, hall: HallConfig, first: dt.date, last: dt.date) -> Demand:
    journal = SqliteEventLog(path)
    await journal.open()
    try:
        return await demand_from_journal(journal, hall, first, last)
    finally:
        await journal.close()


def _fail(what: str, problems: list[str]) -> int:
    print(f"hallq plan: {what} has {len(problems)} problem(s):", file=sys.stderr)
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    return 2
