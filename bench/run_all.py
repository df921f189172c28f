"""Runs every benchmark and writes the results, with the machine's facts, to docs/benchmarks.md."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import subprocess
import time
from pathlib import Path

from bench import (
    board_latency,
    call_latency,
    issue_throughput,
    memory,
    planner,
    startup,
    ticket_print,
)
from bench.common import (
    REPO,
    Benchmark,
    Result,
    fmt,
    fmt_ratio,
    machine_facts,
    markdown_table,
    summary,
)

BENCHMARKS: tuple[tuple[Benchmark, str], ...] = (
    (issue_throughput.run, issue_throughput.METHOD),
    (call_latency.run, call_latency.METHOD),
    (board_latency.run, board_latency.METHOD),
    (startup.run, startup.METHOD),
    (memory.run, memory.METHOD),
    (ticket_print.run, ticket_print.METHOD),
    (planner.run, planner.METHOD),
)
OUTPUT = REPO / "docs" / "benchmarks.md"
BUSY_LOAD = 0.5  # a 1-minute load average above this means something else is running


async def run_all(*, smoke: bool) -> list[Result]:
    results = []
    for run, _ in BENCHMARKS:
        result = await run(smoke=smoke)
        print(summary(result), flush=True)
        results.append(result)
    return results


def code_version() -> str:
    """The commit measured, and whether the server's code differed from it."""

    def git(*args: str) -> str:
        try:
            done = subprocess.run(
                ["git", *args], cwd=REPO, capture_output=True, text=True, check=False
            )
        except OSError:
            return ""
        return done.stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "an unknown commit"
    changed = git("status", "--porcelain", "--", "queue_server")
    return f"commit {head}" + (" with uncommitted changes to queue_server/" if changed else "")


def render(
    results: list[Result],
    *,
    started: dt.datetime,
    minutes: float,
    code: str,
    loads: tuple[float, float],
    smoke: bool,
) -> str:
    facts = machine_facts()
    parts = [
        "# Benchmarks",
        "",
        "Written by `.venv/bin/python -m bench.run_all` (do not edit by hand: run it again).",
        f"Run of {started.isoformat(timespec='minutes')}, {minutes:.1f} minutes, on the server"
        f" code of {code}.",
        "",
        "Every ratio compares two numbers measured in the same run on the same machine; this",
        "kind of machine is noisy, so compare ratios between runs rather than absolute numbers.",
        "Everything runs on 127.0.0.1; each server under test is its own process, the load",
        "generator is the bench process (and its client processes).",
    ]
    if smoke:
        parts += ["", "**Smoke sizes: these numbers only show that the code runs.**"]
    parts += [
        "",
        "## Machine",
        "",
        markdown_table(list(facts), [list(facts.values())]),
        "",
        f"Load average (1 min) before the run: {loads[0]:.2f}; after it: {loads[1]:.2f} (this"
        " includes the run's own processes). Other work on the machine skews the numbers.",
        "",
        "## Results",
        "",
        markdown_table(
            ["benchmark", "measured", "baseline (same run)", "ratio", "target", "met"],
            [
                [
                    r["name"],
                    f"{fmt(r['value'])} {r['metric']}",
                    f"{fmt(r['baseline_value'])} ({r['baseline']})",
                    fmt_ratio(r["ratio"]),
                    r["target"],
                    "yes" if r["met"] else "**no**",
                ]
                for r in results
            ],
        ),
        "",
        "## Details",
    ]
    for result in results:
        parts += [
            "",
            f"### {result['name']}",
            "",
            markdown_table(
                ["", ""], [[key, fmt(value)] for key, value in result["details"].items()]
            ),
        ]
    parts += ["", "## Method", ""]
    for result, (_, method) in zip(results, BENCHMARKS, strict=True):
        parts += [f"**{result['name']}.** {method}", ""]
    parts += [
        "## Running them",
        "",
        "```sh",
        ".venv/bin/python -m bench.run_all            # all seven, rewrites this file (~3 min)",
        ".venv/bin/python -m bench.issue_throughput   # or one: issue_throughput, call_latency,",
        "                                             # board_latency, startup, memory,",
        "                                             # ticket_print, planner;",
        "                                             # --json, --smoke",
        "```",
        "",
    ]
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, to check the code")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="default: %(default)s")
    args = parser.parse_args()
    started, clock, load = dt.datetime.now().astimezone(), time.perf_counter(), os.getloadavg()
    code = code_version()
    if load[0] > BUSY_LOAD:
        print(f"warning: the machine is busy (load {load[0]:.2f}); the numbers will show it")
    results = asyncio.run(run_all(smoke=args.smoke))
    minutes = (time.perf_counter() - clock) / 60
    text = render(
        results,
        started=started,
        minutes=minutes,
        code=code,
        loads=(load[0], os.getloadavg()[0]),
        smoke=args.smoke,
    )
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
