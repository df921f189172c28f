"""Shared benchmark helpers: server processes, devices, percentiles, results and reports."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import math
import os
import platform
import resource
import socket
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypedDict

import aiohttp

from queue_server.accounts import AccountStore
from queue_server.store.database import open_database

REPO = Path(__file__).resolve().parents[1]
HALL_CONFIG = REPO / "config" / "hall.example.toml"
HALLQ = Path(sys.executable).with_name("hallq")
HOST = "127.0.0.1"  # benchmarks never leave the loopback interface

READY_TIMEOUT = 60.0  # seconds a server process may take to answer /healthz
STOP_TIMEOUT = 15.0
POLL_SECONDS = 0.005  # the resolution of start-up times


class BenchError(Exception):
    """A benchmark could not produce a trustworthy number (the server failed, a check broke)."""


Detail = float | int | str


class Result(TypedDict):
    """One benchmark's outcome; `ratio` is `value / baseline_value`."""

    name: str
    metric: str  # what `value` measures, with its unit
    value: float
    baseline: str  # what the baseline is
    baseline_value: float
    ratio: float
    target: str
    met: bool
    details: dict[str, Detail]


class Benchmark(Protocol):
    """A benchmark's entry point: full sizes, or tiny ones that only check the code path."""

    def __call__(self, *, smoke: bool = False) -> Coroutine[Any, Any, Result]: ...


# -- processes ----------------------------------------------------------------------------


def raise_fd_limit() -> None:
    """Raise the soft limit on open files to the hard limit (1,000 sockets need more than 1024)."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class ServerProcess:
    """A server under test, running as its own process and answering /healthz."""

    process: asyncio.subprocess.Process
    url: str
    log_path: Path
    ready_seconds: float  # from spawning the process to the first 200 from /healthz

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    @property
    def ws_url(self) -> str:
        return "ws" + self.url.removeprefix("http")

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextlib.asynccontextmanager
async def serving(argv: Sequence[str], port: int, log_path: Path) -> AsyncIterator[ServerProcess]:
    """Run `argv` (a server listening on `port`) until the block ends, then SIGTERM it."""
    url = f"http://{HOST}:{port}"
    with log_path.open("wb") as log:
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
            cwd=REPO,
            preexec_fn=raise_fd_limit,
        )
        try:
            ready = await _wait_healthy(url, process, started, log_path)
            yield ServerProcess(process, url, log_path, ready)
        finally:
            await stop_process(process)


async def stop_process(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):  # it may have just ended by itself
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
        except TimeoutError:
            process.kill()
            await process.wait()


async def _wait_healthy(
    url: str, process: asyncio.subprocess.Process, started: float, log_path: Path
) -> float:
    async with aiohttp.ClientSession() as http:
        while time.perf_counter() - started < READY_TIMEOUT:
            if process.returncode is not None:
                raise BenchError(f"the server exited with {process.returncode}; see {log_path}")
            with contextlib.suppress(aiohttp.ClientConnectionError):
                async with http.get(f"{url}/healthz") as response:
                    if response.status == 200:
                        return time.perf_counter() - started
            await asyncio.sleep(POLL_SECONDS)
    raise BenchError(f"the server did not answer /healthz within {READY_TIMEOUT} s")


@contextlib.asynccontextmanager
async def hallq_server(db: Path, workdir: Path) -> AsyncIterator[ServerProcess]:
    """`hallq serve` on the Jiangbei hall, open at all hours, on a free port."""
    port = free_port()
    argv = [
        str(HALLQ),
        "serve",
        "--config",
        str(HALL_CONFIG),
        "--db",
        str(db),
        "--host",
        HOST,
        "--port",
        str(port),
        "--open-all-hours",
    ]
    async with serving(argv, port, workdir / f"hallq-{port}.log") as server:
        yield server


def python_module(module: str, *args: str) -> list[str]:
    """The command line that runs one of the bench modules with the same interpreter."""
    return [sys.executable, "-m", module, *args]


async def add_devices(db: Path, devices: Sequence[tuple[str, str, str | None]]) -> list[str]:
    """Create (name, role, window) devices in the hall database; returns their tokens."""
    conn = await open_database(db)
    try:
        store = AccountStore(conn, clock=lambda: dt.datetime.now(dt.UTC))
        return [await store.add_device(name, role, window=window) for name, role, window in devices]
    finally:
        await conn.close()


def rss_bytes(pid: int) -> int:
    """Resident set size of a process, from /proc/PID/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise BenchError(f"no VmRSS for process {pid}")


async def post_json(
    http: aiohttp.ClientSession, url: str, token: str | None = None, body: object = None
) -> dict[str, object]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with http.post(url, json=body, headers=headers) as response:
        answer = await response.json()
        if response.status >= 300:
            raise BenchError(f"POST {url} answered {response.status}: {answer}")
        if not isinstance(answer, dict):
            raise BenchError(f"POST {url} answered {answer!r}")
        return answer


# The window the call and memory benchmarks drive, and a service it serves (Jiangbei hall).
CALL_WINDOW = "1"
CALL_SERVICE = "social-insurance"


@dataclass(frozen=True)
class QueuedHall:
    """A running hallq with tickets waiting and window CALL_WINDOW open for its station."""

    server: ServerProcess
    http: aiohttp.ClientSession
    station: str  # the station's token


@contextlib.asynccontextmanager
async def hall_with_a_queue(
    workdir: Path, *, tickets: int, key_prefix: str
) -> AsyncIterator[QueuedHall]:
    db = workdir / "hall.db"
    kiosk, station = await add_devices(
        db, [("bench-kiosk", "kiosk", None), ("bench-station", "station", CALL_WINDOW)]
    )
    async with hallq_server(db, workdir) as server, aiohttp.ClientSession() as http:
        for n in range(tickets):
            body = {"service": CALL_SERVICE, "idempotency_key": f"{key_prefix}-{n}"}
            await post_json(http, f"{server.url}/api/v1/tickets", kiosk, body)
        await post_json(http, f"{server.url}/api/v1/windows/{CALL_WINDOW}/open", station)
        yield QueuedHall(server, http, station)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- numbers ------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), interpolating linearly between the nearest ranks."""
    if not values:
        raise BenchError("no samples")
    ordered = sorted(values)
    rank = q / 100 * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


def ratio(value: float, baseline: float) -> float:
    if baseline <= 0:
        raise BenchError(f"baseline {baseline} is not positive")
    return value / baseline


def fmt(value: Detail) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) or abs(value) >= 100:
        return f"{value:,.0f}"
    # Three significant digits, trailing zeros kept (1.00, 0.595); 99.96 gives "100." first.
    return f"{value:#.3g}".rstrip(".")


def fmt_ratio(value: float) -> str:
    return f"{value:.2f}x"


def machine_facts() -> dict[str, str]:
    return {
        "cores": str(os.cpu_count()),
        "cpu": _cpu_model(),
        "memory": f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GiB",
        "kernel": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "aiohttp": aiohttp.__version__,
    }


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.machine()


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


# -- command line -------------------------------------------------------------------------


def summary(result: Result) -> str:
    verdict = "met" if result["met"] else "NOT MET"
    lines = [
        f"{result['name']}: {fmt(result['value'])} {result['metric']}",
        f"  baseline ({result['baseline']}): {fmt(result['baseline_value'])}",
        f"  ratio {fmt_ratio(result['ratio'])}; target {result['target']}: {verdict}",
    ]
    lines += [f"  {key}: {fmt(value)}" for key, value in result["details"].items()]
    return "\n".join(lines)


def bench_main(doc: str | None, run: Benchmark) -> None:
    """A benchmark module's command line: `--smoke` for tiny sizes, `--json` for machines."""
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, to check the code")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON line")
    args = parser.parse_args()
    result = asyncio.run(run(smoke=args.smoke))
    print(json.dumps(result, ensure_ascii=False) if args.json else summary(result))
