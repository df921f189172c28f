"""The command lines of `hallq plan` and `hallq simulate`. `hallq` builds them on every
start, `hallq serve` too, so they are kept apart from the commands: the simulator is
loaded only when a plan or a simulation runs."""

from __future__ import annotations

from typing import Any

from queue_server.planner.options import add_demand_options, count, positive, seed, share

DEFAULT_DAYS = 20  # four working weeks


def add_plan_parser(commands: Any, db: str) -> None:
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


def add_simulate_parser(commands: Any, db: str) -> None:
    """Add `hallq simulate` to the `hallq` subcommands; `db` is the default --db."""
    sim = commands.add_parser(
        "simulate", help="simulate hall days on a workload, every window open: the waits"
    )
    sim.add_argument("--config", required=True, metavar="FILE", help="the hall config (TOML)")
    add_demand_options(sim, db)
    sim.add_argument(
        "--days", type=count, default=DEFAULT_DAYS, help="simulated days (default: %(default)s)"
    )
    sim.add_argument(
        "--seed", type=seed, default=0, help="the same seed gives the same answer (default: 0)"
    )
    sim.add_argument(
        "--target-minutes",
        type=positive,
        default=15.0,
        help="count the share called within this wait (default: %(default)s)",
    )
    sim.add_argument("--json", action="store_true", help="print JSON")
