"""The long soak, run by hand or by a nightly job from the project's root:

    .venv/bin/python -m tests.soak.run --minutes 20 [--tickets 5000] [--seed 7] [--profile]

A whole Jiangbei day (5,000 tickets by default) through a real `hallq serve`, with kills,
full disks and a frozen console tab spread over the run. Exits 0 when every invariant held,
1 with the problems listed otherwise; the server's database and log stay in the work folder.
With --profile, py-spy samples the server all along, and what its CPU went to is printed
and kept in the work folder (profile.txt, and samples.txt for speedscope or flamegraph.pl).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

# The test tree's own modules are imported as pytest imports them: from the tests folder.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crash.hall_process import JIANGBEI, HallProcess

from soak.hall_day import Plan, soak
from soak.profile import write_profile

# A few minutes at the end of the run serve out the last tickets.
ARRIVING_SHARE = 0.8


def plan_for(minutes: float, tickets: int, seed: int) -> Plan:
    """Faults in proportion to the length: a kill every 2 minutes, a full disk every 5."""
    return Plan(
        tickets=tickets,
        seconds=minutes * 60 * ARRIVING_SHARE,
        seed=seed,
        kills=max(3, round(minutes / 2)),
        disk_full=max(1, round(minutes / 5)),
    )


async def run(plan: Plan, workdir: Path, *, profile: bool = False) -> int:
    profiles = workdir / "profile" if profile else None
    server = HallProcess(workdir, Path(JIANGBEI), profile_dir=profiles)
    try:
        outcome = await soak(server, plan)
    finally:
        await server.kill()
    if profiles is not None:
        print(write_profile(profiles))
    print(outcome.summary())
    for problem in outcome.problems:
        print(f"PROBLEM: {problem}")
    print(f"database and server log in {workdir}")
    return 1 if outcome.problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.soak.run", description=__doc__)
    parser.add_argument("--minutes", type=float, default=20.0, help="length of the run")
    parser.add_argument("--tickets", type=int, default=5000, help="citizens in the day")
    parser.add_argument("--seed", type=int, default=20261123, help="the day's random seed")
    parser.add_argument("--workdir", type=Path, help="where the database and log go")
    parser.add_argument("--profile", action="store_true", help="sample the server with py-spy")
    args = parser.parse_args(argv)
    if args.minutes < 1 or args.tickets < 100:
        parser.error("a soak takes at least 1 minute and 100 tickets")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="hallq-soak-"))
    plan = plan_for(args.minutes, args.tickets, args.seed)
    return asyncio.run(run(plan, workdir, profile=args.profile))


if __name__ == "__main__":
    sys.exit(main())
