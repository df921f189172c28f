"""A real `hallq serve` process on a free port that a test can SIGKILL and restart on its db."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest

HALLQ = Path(sys.executable).with_name("hallq")
CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"
JIANGBEI = CONFIG_DIR / "hall.example.toml"

READY_SECONDS = 20.0
STOP_SECONDS = 10.0
POLL_SECONDS = 0.05
LOG_TAIL_LINES = 60


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerGone(Exception):
    """The server process ended, or never became healthy, before the deadline."""


class HallProcess:
    """One hall database served by a `hallq serve` process that can be killed and restarted.

    Every start appends to one log file (stdout and stderr), so a failing assertion can show
    what all the generations of the server said.
    """

    def __init__(self, workdir: Path, config: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        self.config = config
        self.db = workdir / "hall.db"
        self.log_path = workdir / "server.log"
        self.port = free_port()
        self.starts = 0
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return "(no server log)"
        tail = text.splitlines()[-lines:]
        return f"--- last {len(tail)} lines of {self.log_path} ---\n" + "\n".join(tail)

    async def start(self) -> None:
        """Start the server on the same db (and port, if still free); wait for /healthz."""
        assert not self.running, "the server is already running"
        for _ in range(3):
            self.starts += 1
            with self.log_path.open("a", encoding="utf-8") as log:
                log.write(f"=== start {self.starts} on port {self.port} ===\n")
                log.flush()
                self.process = await asyncio.create_subprocess_exec(
                    str(HALLQ),
                    "serve",
                    "--config",
                    str(self.config),
                    "--db",
                    str(self.db),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--open-all-hours",
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=self.workdir,
                )
            if await self._wait_healthy():
                return
            if "address already in use" not in self.log_tail(5).lower():
                break
            self.port = free_port()  # someone took the port meanwhile: try another one
        raise ServerGone(f"hallq serve did not become healthy\n{self.log_tail()}")

    async def _wait_healthy(self) -> bool:
        assert self.process is not None
        deadline = time.monotonic() + READY_SECONDS
        timeout = aiohttp.ClientTimeout(total=2)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            while time.monotonic() < deadline:
                if self.process.returncode is not None:
                    return False
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with http.get(f"{self.url}/healthz") as response:
                        if response.status == 200 and (await response.json()) == {"status": "ok"}:
                            return True
                await asyncio.sleep(POLL_SECONDS)
        await self.kill()
        raise ServerGone(f"no healthy answer within {READY_SECONDS} s\n{self.log_tail()}")

    async def kill(self) -> None:
        """SIGKILL: the process gets no chance to flush, snapshot or answer anything more."""
        process, self.process = self.process, None
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGKILL)
        await process.wait()
        self._note(f"killed (exit {process.returncode})")

    async def stop(self) -> None:
        """SIGTERM, as systemd stops it: the server finishes its batch and saves a snapshot."""
        process = self.process
        if process is None or process.returncode is not None:
            self.process = None
            return
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), STOP_SECONDS)
        except TimeoutError:
            await self.kill()
            raise ServerGone(f"hallq serve ignored SIGTERM\n{self.log_tail()}") from None
        self.process = None
        self._note(f"stopped (exit {process.returncode})")
        if process.returncode != 0:
            raise ServerGone(f"hallq serve exited {process.returncode}\n{self.log_tail()}")

    def _note(self, what: str) -> None:
        with self.log_path.open("a", encoding="utf-8") as log:
            log.write(f"=== {what} ===\n")

    async def add_device(self, name: str, role: str, window: str | None = None) -> str:
        """Create a device with `hallq device add`; returns its token (the last line)."""
        args = ["device", "add", name, "--role", role, "--db", str(self.db)]
        args += ["--config", str(self.config)]
        if window is not None:
            args += ["--window", window]
        cli = await asyncio.create_subprocess_exec(
            str(HALLQ),
            *args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=self.workdir,
        )
        out, err = await cli.communicate()
        assert cli.returncode == 0, f"hallq {' '.join(args)}: exit {cli.returncode}\n{err!r}"
        return out.decode().strip().splitlines()[-1]


@pytest.fixture
async def hall_process(tmp_path: Path) -> AsyncIterator[Callable[..., Awaitable[HallProcess]]]:
    """Factory: a started `hallq serve` on a free port with its db in tmp_path."""
    made: list[HallProcess] = []
    assert HALLQ.exists(), f"no hallq next to {sys.executable}: is the package installed?"
    assert os.access(HALLQ, os.X_OK), f"{HALLQ} is not executable"

    async def make(config: Path = JIANGBEI, *, start: bool = True) -> HallProcess:
        hall = HallProcess(tmp_path / f"hall{len(made)}", config)
        made.append(hall)
        if start:
            await hall.start()
        return hall

    yield make
    for hall in made:
        await hall.kill()
