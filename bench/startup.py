"""Start-up of `hallq serve` after a day of 20,000 tickets, against an empty database."""

from __future__ import annotations

import asyncio
import compileall
import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.common import (
    POLL_SECONDS,
    REPO,
    BenchError,
    Result,
    bench_main,
    hallq_server,
    median,
    python_module,
    ratio,
)
from bench.day_builder import NO_SHOW, QUEUE_DEPTH, RECALL, SERVE_SNAPSHOT_EVERY
from queue_server.store.database import open_database

_REBUILT = re.compile(r"rebuilt at seq \d+ \((\d+) events replayed\)")
NO_SNAPSHOTS = 10**12  # a snapshot interval no day reaches
TARGET_SECONDS = 1.0
SOURCES = ("queue_server", "kiosk", "display", "drivers")


@dataclass(frozen=True)
class Sizes:
    tickets: int = 20_000
    runs: int = 5  # starts per database; the median counts


SMOKE = Sizes(tickets=150, runs=1)

METHOD = f"""\
`bench/day_builder.py` drives the real `HallService` on the Jiangbei hall with a stepping
clock: each tick every one of the 32 windows calls next and starts the ticket it called
({RECALL:.0%} after a recall; {NO_SHOW:.0%} are marked no-show instead), and kiosks keep every
queue about {QUEUE_DEPTH} tickets deep per window, until {Sizes.tickets:,} tickets are issued
and every one is served or missed; then the windows close. It ends with `os._exit`, as a
power cut would: periodic snapshots (every {SERVE_SNAPSHOT_EVERY:,} events, as `hallq serve`
takes them) but no final one. Databases started: empty (schema only; the baseline); after a
normal stop (the day after one start and SIGTERM of `hallq serve`, which saves a snapshot);
after a power cut (the day as built); without snapshots (the same day built with a
snapshot interval no day reaches, so the whole journal is replayed). Each start is `hallq
serve` on a fresh copy of the file (and its WAL), timed from spawning the process to the
first 200 from `/healthz` (polled every {POLL_SECONDS * 1000:g} ms), page cache warm,
hallq's sources compiled to bytecode first (as `pip install` and the test setup leave
them); the databases take turns, {Sizes.runs} starts each, and the median counts. Events
replayed come from the server's "rebuilt at seq N (M events replayed)" log line. The
estimated worst power cut adds the replay of one snapshot interval less one event, at the
per-event cost of the start without snapshots, to the start after a normal stop."""


@dataclass(frozen=True)
class _Start:
    seconds: float
    replayed: int


async def run(*, smoke: bool = False) -> Result:
    return await measure(SMOKE if smoke else Sizes())


async def measure(sizes: Sizes) -> Result:
    _compile_sources()
    with tempfile.TemporaryDirectory(prefix="hallq-bench-") as tmp:
        workdir = Path(tmp)
        dbs = {name: workdir / f"{name}.db" for name in ("empty", "stop", "cut", "bare")}
        conn = await open_database(dbs["empty"])  # the schema, and nothing in it
        await conn.close()
        day = await _build(dbs["cut"], sizes.tickets, SERVE_SNAPSHOT_EVERY)
        await _build(dbs["bare"], sizes.tickets, NO_SNAPSHOTS)
        _copy(dbs["cut"], dbs["stop"])
        async with hallq_server(dbs["stop"], workdir):
            pass  # a normal stop saves a snapshot of the whole day
        day_mb = _mebibytes(dbs["cut"])
        starts: dict[str, list[_Start]] = {name: [] for name in dbs}
        for n in range(sizes.runs):  # round robin, so that drifts in the machine hit all alike
            for name, db in dbs.items():
                starts[name].append(await _start(db, workdir / f"run-{n}-{name}.db", workdir))
    seconds = {name: median([s.seconds for s in runs]) for name, runs in starts.items()}
    replayed = {name: runs[0].replayed for name, runs in starts.items()}
    worst = max(seconds["stop"], seconds["cut"])
    per_event = (seconds["bare"] - seconds["empty"]) / replayed["bare"]
    return Result(
        name="Start-up after a day",
        metric=f"s to /healthz after {sizes.tickets:,} tickets (worst of stop and power cut)",
        value=worst,
        baseline="start-up on an empty database",
        baseline_value=seconds["empty"],
        ratio=ratio(worst, seconds["empty"]),
        target=f"< {TARGET_SECONDS:g} s",
        met=worst < TARGET_SECONDS,
        details={
            "tickets in the day": int(day["tickets"]),
            "events in the journal": int(day["events"]),
            "database with its WAL (MiB)": day_mb,
            "runs per database (median taken)": sizes.runs,
            "empty database (s)": seconds["empty"],
            "after a normal stop (s)": seconds["stop"],
            "after a normal stop: events replayed": replayed["stop"],
            "after a power cut (s)": seconds["cut"],
            "after a power cut: events replayed": replayed["cut"],
            "without snapshots (s)": seconds["bare"],
            "without snapshots: events replayed": replayed["bare"],
            "replay per event (us)": per_event * 1e6,
            "worst power cut, estimated (s)": seconds["stop"]
            + (SERVE_SNAPSHOT_EVERY - 1) * per_event,
            "snapshot interval of hallq serve (events)": SERVE_SNAPSHOT_EVERY,
        },
    )


async def _build(db: Path, tickets: int, snapshot_every: int) -> dict[str, float]:
    """Run the day builder in its own process, which ends as if the power were cut."""
    builder = await asyncio.create_subprocess_exec(
        *python_module(
            "bench.day_builder",
            str(db),
            "--tickets",
            str(tickets),
            "--snapshot-every",
            str(snapshot_every),
        ),
        stdout=asyncio.subprocess.PIPE,
        cwd=REPO,
    )
    out, _ = await builder.communicate()
    if builder.returncode != 0:
        raise BenchError(f"the day builder failed with exit code {builder.returncode}")
    facts: dict[str, float] = json.loads(out)
    return facts


def _compile_sources() -> None:
    """Start as an installed hallq does: from bytecode. `pip install` compiles it; the test
    setup runs compileall; here it is done again for sources changed since."""
    for package in SOURCES:
        if not compileall.compile_dir(REPO / package, quiet=1):
            raise BenchError(f"{package} does not compile")


def _mebibytes(db: Path) -> float:
    """Size of a database file with its write-ahead log."""
    return sum(f.stat().st_size for f in db.parent.glob(db.name + "*")) / 2**20


def _remove(db: Path) -> None:
    for leftover in db.parent.glob(db.name + "*"):
        leftover.unlink()


def _copy(source: Path, target: Path) -> None:
    """Copy a database as a power cut leaves it: the file and its write-ahead log."""
    shutil.copyfile(source, target)
    wal = source.with_name(source.name + "-wal")
    if wal.exists():
        shutil.copyfile(wal, target.with_name(target.name + "-wal"))


async def _start(source: Path, copy: Path, workdir: Path) -> _Start:
    """Time `hallq serve` on a fresh copy of `source` (a start may add a snapshot)."""
    _copy(source, copy)
    async with hallq_server(copy, workdir) as server:
        seconds = server.ready_seconds
    found = _REBUILT.search(server.log_text())
    if found is None:
        raise BenchError(f"no 'rebuilt at seq' line in {server.log_path}")
    _remove(copy)
    return _Start(seconds, int(found[1]))


def main() -> None:
    bench_main(__doc__, run)


if __name__ == "__main__":
    main()
