"""sd_notify against a real AF_UNIX datagram socket standing in for systemd."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from queue_server import sd_notify

WAIT = 5.0  # upper bound for anything awaited; never an expected duration


@dataclass
class FakeSystemd:
    """The receiving end of $NOTIFY_SOCKET."""

    sock: socket.socket

    def received(self) -> list[bytes]:
        """Every datagram waiting in the socket, without blocking."""
        messages = []
        while True:
            try:
                messages.append(self.sock.recv(4096))
            except BlockingIOError:
                return messages

    async def next(self) -> bytes:
        loop = asyncio.get_running_loop()
        return await asyncio.wait_for(loop.sock_recv(self.sock, 4096), WAIT)


MakeSystemd = Callable[..., FakeSystemd]


@pytest.fixture
def fake_systemd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MakeSystemd]:
    """Factory: bind a datagram socket (a path, or abstract) and point $NOTIFY_SOCKET at it."""
    sockets: list[socket.socket] = []

    def make(*, abstract: bool = False) -> FakeSystemd:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sockets.append(sock)
        sock.setblocking(False)
        if abstract:
            name = f"hallq-test-{os.getpid()}-{uuid.uuid4().hex}"
            sock.bind("\0" + name)
            monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
        else:
            path = tmp_path / "notify.sock"
            sock.bind(str(path))
            monkeypatch.setenv("NOTIFY_SOCKET", str(path))
        return FakeSystemd(sock)

    yield make
    for sock in sockets:
        sock.close()


@pytest.fixture(autouse=True)
def no_systemd_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests may run under systemd themselves: start each one outside it."""
    for name in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"):
        monkeypatch.delenv(name, raising=False)


def test_without_notify_socket_every_call_is_a_noop() -> None:
    assert sd_notify.notify("READY=1") is False
    assert sd_notify.ready() is False
    assert sd_notify.stopping() is False
    assert sd_notify.watchdog_ping() is False
    assert sd_notify.status("ok") is False


def test_ready_reaches_a_path_socket(fake_systemd: MakeSystemd) -> None:
    systemd = fake_systemd()

    assert sd_notify.ready() is True

    assert systemd.received() == [b"READY=1"]


def test_ready_reaches_an_abstract_socket(fake_systemd: MakeSystemd) -> None:
    systemd = fake_systemd(abstract=True)

    assert sd_notify.ready() is True

    assert systemd.received() == [b"READY=1"]


def test_helpers_send_one_datagram_each(fake_systemd: MakeSystemd) -> None:
    systemd = fake_systemd()

    sd_notify.stopping()
    sd_notify.watchdog_ping()
    sd_notify.status("等候 12 人\n窗口 3 暂停")

    assert systemd.received() == [
        b"STOPPING=1",
        b"WATCHDOG=1",
        "STATUS=等候 12 人 窗口 3 暂停".encode(),
    ]


def test_a_vanished_socket_is_logged_not_raised(
    fake_systemd: MakeSystemd, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake_systemd().sock.close()
    (tmp_path / "notify.sock").unlink()

    with caplog.at_level(logging.WARNING, logger="queue_server.sd_notify"):
        assert sd_notify.ready() is False

    assert "READY=1" in caplog.text


@pytest.mark.parametrize(
    ("usec", "pid", "expected"),
    [
        ("30000000", None, 15.0),
        ("30000000", "self", 15.0),
        ("30000000", "other", None),
        ("0", None, None),
        ("soon", None, None),
        (None, None, None),
    ],
)
def test_watchdog_interval_is_half_of_watchdog_usec(
    monkeypatch: pytest.MonkeyPatch, usec: str | None, pid: str | None, expected: float | None
) -> None:
    if usec is not None:
        monkeypatch.setenv("WATCHDOG_USEC", usec)
    if pid is not None:
        monkeypatch.setenv("WATCHDOG_PID", str(os.getpid() + (0 if pid == "self" else 1)))

    assert sd_notify.watchdog_interval() == expected


async def always_healthy() -> bool:
    return True


async def test_watchdog_returns_at_once_without_watchdog_usec(
    fake_systemd: MakeSystemd,
) -> None:
    systemd = fake_systemd()

    await asyncio.wait_for(sd_notify.run_watchdog(always_healthy), WAIT)

    assert systemd.received() == []


async def test_watchdog_returns_at_once_without_notify_socket() -> None:
    await asyncio.wait_for(sd_notify.run_watchdog(always_healthy, interval=0.01), WAIT)


async def test_watchdog_pings_at_the_pace_of_watchdog_usec(
    fake_systemd: MakeSystemd, monkeypatch: pytest.MonkeyPatch
) -> None:
    systemd = fake_systemd()
    monkeypatch.setenv("WATCHDOG_USEC", "20000")  # a ping every 10 ms

    task = asyncio.create_task(sd_notify.run_watchdog(always_healthy))
    try:
        assert [await systemd.next() for _ in range(3)] == [b"WATCHDOG=1"] * 3
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


class ScriptedHealth:
    """Answers health checks from a script, then False; counts the checks."""

    def __init__(self, answers: list[bool | Exception], *, then_calls: int) -> None:
        self.answers = answers
        self.calls = 0
        self.enough = asyncio.Event()
        self.target = len(answers) + then_calls

    async def __call__(self) -> bool:
        self.calls += 1
        if self.calls >= self.target:
            self.enough.set()
        if not self.answers:
            return False
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


async def run_until_enough_checks(health: ScriptedHealth) -> None:
    task = asyncio.create_task(sd_notify.run_watchdog(health, interval=0.005))
    try:
        await asyncio.wait_for(health.enough.wait(), WAIT)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_watchdog_pings_stop_when_the_server_turns_unhealthy(
    fake_systemd: MakeSystemd, caplog: pytest.LogCaptureFixture
) -> None:
    systemd = fake_systemd()
    health = ScriptedHealth([True, True, True], then_calls=5)

    with caplog.at_level(logging.WARNING, logger="queue_server.sd_notify"):
        await run_until_enough_checks(health)

    assert systemd.received() == [b"WATCHDOG=1"] * 3
    assert "withholding watchdog ping" in caplog.text


async def test_a_failing_health_check_withholds_the_ping_and_pings_resume(
    fake_systemd: MakeSystemd, caplog: pytest.LogCaptureFixture
) -> None:
    systemd = fake_systemd()
    health = ScriptedHealth([True, RuntimeError("database is locked"), False, True], then_calls=2)

    with caplog.at_level(logging.WARNING, logger="queue_server.sd_notify"):
        await run_until_enough_checks(health)

    assert systemd.received() == [b"WATCHDOG=1"] * 2
    assert "database is locked" in caplog.text


async def test_a_health_check_that_hangs_withholds_the_ping(fake_systemd: MakeSystemd) -> None:
    systemd = fake_systemd()
    checks = 0
    three_checks = asyncio.Event()

    async def hangs() -> bool:
        nonlocal checks
        checks += 1
        if checks >= 3:
            three_checks.set()
        await asyncio.Event().wait()
        return True

    task = asyncio.create_task(sd_notify.run_watchdog(hangs, interval=0.005))
    try:
        await asyncio.wait_for(three_checks.wait(), WAIT)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    assert systemd.received() == []


async def test_the_server_tells_systemd_it_is_ready_alive_and_stopping(
    tmp_path: Path, fake_systemd: MakeSystemd
) -> None:
    """`hallq serve` as the unit runs it: Type=notify with a watchdog."""
    systemd = fake_systemd()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = await asyncio.create_subprocess_exec(
        Path(sys.executable).parent / "hallq",
        "serve",
        "--port",
        str(port),
        cwd=tmp_path,
        env={**os.environ, "WATCHDOG_USEC": "400000"},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    loop = asyncio.get_running_loop()

    async def next_datagram() -> bytes:  # a start may be slow on a busy machine
        return await asyncio.wait_for(loop.sock_recv(systemd.sock, 4096), 60)

    try:
        said = [await next_datagram()]
        while said[-1] != b"WATCHDOG=1":
            said.append(await next_datagram())
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
    said += systemd.received()
    assert said[:4] == [
        b"STATUS=rebuilding the hall from its journal",
        f"STATUS=重庆市江北区政务服务中心 is open at http://127.0.0.1:{port}/".encode(),
        b"READY=1",
        b"WATCHDOG=1",
    ]
    assert said[-1] == b"STOPPING=1"
