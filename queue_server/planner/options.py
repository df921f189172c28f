"""What `hallq plan` and `hallq simulate` share on the command line: where the demand comes
from (a profile or the hall's database), checked numbers, and how a refusal is printed."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import math
import sys
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from queue_server.config import ConfigError
from queue_server.domain.hall import HallConfig
from queue_server.planner.demand import Demand, demand_from_profile
from queue_server.planner.errors import PlannerError
from queue_server.planner.journal import demand_from_database
from queue_server.planner.profile import ProfileError, load_profile
from queue_server.store.errors import StoreError

HISTORY_DAYS = 28  # --from-db without dates: the last four weeks, each weekday four times

Refusal = ConfigError | PlannerError | StoreError


class UsageError(PlannerError):
    """Options that do not go together."""


# -- argparse types: a bad number is argparse's one-line usage error, exit status 2 --------


def count(text: str) -> int:
    """A whole number of 1 or more (simulated days, trials)."""
    number = _whole(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {text}")
    return number


def seed(text: str) -> int:
    number = _whole(text)
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {text}")
    return number


def positive(text: str) -> float:
    """A finite number above 0 (minutes, a demand factor)."""
    number = _number(text)
    if not number > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
    return number


def share(text: str) -> float:
    """A share of citizens: above 0, at most 1 (0.9 is 90%)."""
    number = _number(text)
    if not 0 < number <= 1:
        raise argparse.ArgumentTypeError(f"must be above 0 and at most 1 (0.9 is 90%), not {text}")
    return number


def date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date like 2026-11-23: {text!r}") from exc


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from exc


def _number(text: str) -> float:
    try:
        number = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc
    if not math.isfinite(number):
        raise argparse.ArgumentTypeError(f"not a number: {text!r}")
    return number


# -- the demand ------------------------------------------------------------------------------


def add_demand_options(parser: argparse.ArgumentParser, db: str) -> None:
    """--profile, or --from-db (--db, default `db`) or --journal DB with --from/--to; --scale.
    --journal DB is --from-db --db DB: the same code reads both."""
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--profile", metavar="NAME|FILE", help="a workload profile: county, city or a file"
    )
    source.add_argument(
        "--from-db",
        action="store_true",
        help=f"the hall's own history, read from its database (--db); by default the last "
        f"{HISTORY_DAYS} whole days before today",
    )
    source.add_argument("--journal", metavar="DB", help="the same as --from-db --db DB")
    parser.add_argument(
        "--db", metavar="FILE", help=f"with --from-db: the hall's database (default: {db})"
    )
    parser.set_defaults(default_db=db)
    parser.add_argument(
        "--from",
        dest="first",
        type=date,
        metavar="DATE",
        help="with --from-db: the first day (default: 4 weeks before --to)",
    )
    parser.add_argument(
        "--to",
        dest="last",
        type=date,
        metavar="DATE",
        help="with --from-db: the last day (default: yesterday)",
    )
    parser.add_argument(
        "--scale", type=positive, default=1.0, help="demand factor (Monday: 1.3; default 1)"
    )


def load_demand(args: argparse.Namespace, hall: HallConfig) -> Demand:
    """The demand the options name, scaled; UsageError for options that do not go together."""
    if args.db is not None and not args.from_db:
        raise UsageError(
            "--db goes with --from-db"
            + ("; --journal names the database itself" if args.journal else "")
        )
    if args.profile:
        if args.first is not None or args.last is not None:
            raise UsageError("--from and --to go with --from-db or --journal, not with --profile")
        return demand_from_profile(load_profile(args.profile), hall).scaled(args.scale)
    path = Path(args.journal or args.db or args.default_db)
    option = "--journal" if args.journal else "--db"
    first, last = history_days(args.first, args.last, local_today(hall))
    if not path.is_file():
        raise PlannerError(f"{path}: no such database (check {option})")
    return asyncio.run(demand_from_database(path, hall, first, last)).scaled(args.scale)


def local_today(hall: HallConfig) -> dt.date:
    return dt.datetime.now(ZoneInfo(hall.timezone)).date()


def history_days(
    first: dt.date | None, last: dt.date | None, today: dt.date
) -> tuple[dt.date, dt.date]:
    """The days to read: --from and --to, each by default from the last HISTORY_DAYS whole
    days before `today` (today is not over: its half-done tickets would lower the average)."""
    end = last or today - dt.timedelta(days=1)
    start = first or end - dt.timedelta(days=HISTORY_DAYS - 1)
    if start > end:
        until = f"--to {end}" if last else f"{end}, the last whole day"
        raise UsageError(f"the dates are reversed: --from {start} is after {until}")
    return start, end


# -- output ----------------------------------------------------------------------------------


def progress(label: str) -> Callable[[int, int], None]:
    """A progress line on stderr, so that `--json > file` stays clean."""

    def show(done: int, total: int) -> None:
        print(f"\r{label}: {done}/{total}", end="", file=sys.stderr, flush=True)

    return show


def refuse(command: str, subject: str, exc: Refusal) -> int:
    """Exit status 2, with every problem of `exc` on stderr, each on its own line; `subject`
    names what has a problem that is neither the config's nor the profile's ("the plan")."""
    if isinstance(exc, UsageError):
        print(f"hallq {command}: error: {exc}", file=sys.stderr)
        return 2
    if isinstance(exc, ConfigError):
        what, problems = "the hall config", exc.problems
    elif isinstance(exc, ProfileError):
        what, problems = "the workload profile", exc.problems
    else:
        what, problems = subject, [str(exc)]
    print(f"hallq {command}: {what} has {len(problems)} problem(s):", file=sys.stderr)
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    return 2
