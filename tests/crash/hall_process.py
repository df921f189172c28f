"""A real `hallq serve` process on a free port that a test can SIGKILL, starve of disk space
and restart on its db."""

from __future__ import annotations

import asyncio
import contextlib
import resource
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

HALLQ = Path(sys.executable).with_name("hallq")
PY_SPY = Path(sys.executable).with_name("py-spy")
PROFILE_RATE = 100  # samples a second
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
    what all the generations of the server said. The server writes its log into a pipe that
    the test copies to that file: a limit on the size of the files the server may write (a
    full disk) then never silences its log.
    """

    def __init__(self, workdir: Path, config: Path, *, profile_dir: Path | None = None) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        self.config = config
        self.db = workdir / "hall.db"
        self.log_path = workdir / "server.log"
        self.port = free_port()
        self.starts = 0
        self.process: asyncio.subprocess.Process | None = None
        self._log_copier: asyncio.Task[None] | None = None
        # With a folder: py-spy samples every generation of the server into a file of its own.
        self.profile_dir = profile_dir
        self._profiler: asyncio.subprocess.Process | None = None
        # (soft, hard) limits on open files the server starts with; None: this process's.
        self.open_files: tuple[int, int] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None, "the server is not running"
        return self.process.pid

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
            self._note(f"start {self.starts} on port {self.port}")
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
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
                preexec_fn=self._limit_open_files,
            )
            assert self.process.stdout is not None
            self._log_copier = asyncio.create_task(self._copy_log(self.process.stdout))
            if await self._wait_healthy():
                await self._profile()
                return
            await self._log_copied()
            if "address already in use" not in self.log_tail(5).lower():
                break
            self.port = free_port()  # someone took the port meanwhile: try another one
        raise ServerGone(f"hallq serve did not become healthy\n{self.log_tail()}")

    async def _profile(self) -> None:
        """Attach py-spy to this generation; it writes its samples when the server ends."""
        if self.profile_dir is None:
            return
        self.profile_dir.mkdir(parents=True, exist_ok=True)
        self._profiler = await asyncio.create_subprocess_exec(
            str(PY_SPY),
            "record",
            "--pid",
            str(self.pid),
            "--rate",
            str(PROFILE_RATE),
            "--format",
            "raw",
            "--function",  # one entry per function, not per line: easier to sum up
            "--nonblocking",  # never pause the server: the soak's timing stays its own
            "--gil",  # only samples holding the GIL: Python at work, not threads waiting
            "--output",
            str(self.profile_dir / f"server-{self.starts}.txt"),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    async def _profile_written(self) -> None:
        profiler, self._profiler = self._profiler, None
        if profiler is not None:
            await profiler.wait()

    async def _copy_log(self, output: asyncio.StreamReader) -> None:
        with self.log_path.open("ab") as log:
            while chunk := await output.read(1 << 16):
                log.write(chunk)
                log.flush()

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
        await self._log_copied()
        await self._profile_written()
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
        await self._log_copied()
        await self._profile_written()
        self._note(f"stopped (exit {process.returncode})")
        if process.returncode != 0:
            raise ServerGone(f"hallq serve exited {process.returncode}\n{self.log_tail()}")

    async def _log_copied(self) -> None:
        copier, self._log_copier = self._log_copier, None
        if copier is not None:
            await copier

    def _limit_open_files(self) -> None:
        if self.open_files is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, self.open_files)

    def limit_file_size(self, size: int | None) -> None:
        """A full disk, as the server sees it: writing a file beyond `size` bytes fails with
        EFBIG (Python ignores SIGXFSZ, so the server is told rather than killed); None
        gives the space back."""
        # Only the soft limit: raising a hard limit again would take privileges.
        _, hard = resource.prlimit(self.pid, resource.RLIMIT_FSIZE)
        soft = hard if size is None else size
        resource.prlimit(self.pid, resource.RLIMIT_FSIZE, (soft, hard))

    def _note(self, what: str) -> None:
        with self.log_path.open("a", encoding="utf-8") as log:
            log.write(f"=== {what} ===\n")

    async def add_device(self, name: str, role: str, window: str | None = None) -> str:
        """Create a device with `hallq device add`; returns its token (the last line)."""
        args = ["device", "add", name, "--role", role]
        if window is not None:
            args += ["--window", window]
        return (await self._cli(args)).strip().splitlines()[-1]

    async def add_user(self, name: str, role: str, password: str) -> None:
        """Create a person with `hallq user add`, the password typed on stdin."""
        await self._cli(["user", "add", name, "--role", role, "--password-stdin"], password)

    async def _cli(self, args: list[str], typed: str | None = None) -> str:
        args = [*args, "--db", str(self.db), "--config", str(self.config)]
        cli = await asyncio.create_subprocess_exec(
            str(HALLQ),
            *args,
            stdin=subprocess.DEVNULL if typed is None else subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=self.workdir,
        )
        out, err = await cli.communicate(None if typed is None else f"{typed}\n".encode())
        assert cli.returncode == 0, f"hallq {' '.join(args)}: exit {cli.returncode}\n{err!r}"
        return out.decode()
