"""The hallq command as an operator uses it: serve, user add, device add, check-config."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import io
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import aiohttp
import pytest
from helpers import small_hall

from queue_server.accounts.store import AccountStore
from queue_server.cli import build_parser, main
from queue_server.domain.hall import HallConfig
from queue_server.server import HallServer
from queue_server.store.database import open_database

HALLQ = str(Path(sys.executable).with_name("hallq"))
REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_serve_prints_the_url_and_how_to_make_an_admin_then_stops_cleanly(
    tmp_path: Path,
) -> None:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        HALLQ,
        "serve",
        "--port",
        str(port),
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    try:
        lines: list[str] = []
        while not any("--role admin" in line for line in lines):
            line = await asyncio.wait_for(process.stdout.readline(), 30)
            assert line, "".join(lines)
            lines.append(line.decode())
        text = "".join(lines)
        assert f"is open at http://127.0.0.1:{port}/" in text
        assert f"  {HALLQ} user add admin --role admin" in text  # a command that runs anywhere
        assert "重庆市江北区政务服务中心" in text
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/healthz") as response,
        ):
            assert (response.status, await response.json()) == (200, {"status": "ok"})
        assert (tmp_path / "var" / "hall.db").exists()  # the demo's SQLite file under ./var/
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0


async def test_serve_keeps_serving_when_nobody_reads_its_output_and_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    """`hallq serve | head -1`: the pipe closes before the notices are written."""
    port = free_port()
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will ever read what the server prints
    process = await asyncio.create_subprocess_exec(
        HALLQ, "serve", "--port", str(port), cwd=tmp_path, stdout=write_end, stderr=write_end
    )
    os.close(write_end)
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(300):
                with contextlib.suppress(aiohttp.ClientConnectionError):
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                        if response.status == 200:
                            break
                await asyncio.sleep(0.1)
            else:
                pytest.fail("the server never answered /healthz")
            await asyncio.sleep(0.5)  # past the notices it could not write
            async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                assert response.status == 200
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0


def test_user_and_device_add(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "hall.db")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"a long enough secret\n")))
    assert main(["user", "add", "wang", "--role", "clerk", "--password-stdin", "--db", db]) == 0
    assert main(["device", "add", "pad-7", "--role", "pad", "--window", "7", "--db", db]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert len(token) >= 40 and " " not in token
    example = ["--config", str(REPO / "config" / "hall.example.toml")]
    assert (
        main(["device", "add", "pad-x", "--role", "pad", "--window", "99", *example, "--db", db])
        == 2
    )
    assert "99" in capsys.readouterr().err
    assert main(["device", "revoke", "pad-7", "--db", db]) == 0


def _stdin(monkeypatch: pytest.MonkeyPatch, text: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text)))


async def _logs_in(db: str, name: str, password: str) -> bool:
    conn = await open_database(db)
    try:
        return await AccountStore(conn, clock=_utc_now).login(name, password) is not None
    finally:
        await conn.close()


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def test_a_forgotten_password_and_a_person_who_leaves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "hall.db")
    for name, role in (("root", "admin"), ("wang", "clerk")):
        _stdin(monkeypatch, b"a long enough secret\n")
        assert main(["user", "add", name, "--role", role, "--password-stdin", "--db", db]) == 0
    capsys.readouterr()

    _stdin(monkeypatch, b"forgot it 2026\n")
    assert main(["user", "password", "Wang", "--password-stdin", "--db", db]) == 0
    assert capsys.readouterr() == (
        "set a new password for user 'wang'; every session of theirs has ended\n",
        "",
    )
    assert not asyncio.run(_logs_in(db, "wang", "a long enough secret"))
    assert asyncio.run(_logs_in(db, "wang", "forgot it 2026"))

    assert main(["user", "disable", "wang", "--db", db]) == 0
    assert capsys.readouterr() == (
        "disabled user 'wang': they cannot log in, and every session of theirs has ended\n",
        "",
    )
    assert not asyncio.run(_logs_in(db, "wang", "forgot it 2026"))

    assert main(["user", "enable", "wang", "--db", db]) == 0
    assert capsys.readouterr() == ("enabled user 'wang': they can log in again\n", "")
    assert asyncio.run(_logs_in(db, "wang", "forgot it 2026"))


@pytest.mark.parametrize(
    ("args", "stdin", "said"),
    [
        (["disable", "root"], b"", "'root' is the last enabled admin: add or enable another"),
        (["disable", "ghost"], b"", "no user named 'ghost'"),
        (["enable", "ghost"], b"", "no user named 'ghost'"),
        (["password", "ghost", "--password-stdin"], b"forgot it 2026\n", "no user named 'ghost'"),
        (["password", "wang", "--password-stdin"], b"short1\n", "shorter than 8 characters"),
        (["password", "wang", "--password-stdin"], b"wang-2026-wang\n", "must not contain"),
    ],
)
def test_a_refused_change_of_a_person_is_one_line_and_changes_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    stdin: bytes,
    said: str,
) -> None:
    db = str(tmp_path / "hall.db")
    for name, role in (("root", "admin"), ("wang", "clerk")):
        _stdin(monkeypatch, b"a long enough secret\n")
        assert main(["user", "add", name, "--role", role, "--password-stdin", "--db", db]) == 0
    capsys.readouterr()
    _stdin(monkeypatch, stdin)

    assert main(["user", *args, "--db", db]) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"hallq: error: {err.removeprefix('hallq: error: ').rstrip()}\n"
    assert said in err
    for name in ("root", "wang"):
        assert asyncio.run(_logs_in(db, name, "a long enough secret"))


def test_a_window_is_checked_against_the_hall_the_database_served(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --config the window was checked against the built-in demo hall (windows 1 to
    32): window 5 passed silently for a hall of three windows."""
    db = str(tmp_path / "hall.db")
    demo = ["--config", str(REPO / "config" / "hall.example.toml")]

    # A database no server has served yet cannot tell: the window is taken, and that said.
    assert main(["device", "add", "pad-40", "--role", "pad", "--window", "40", "--db", db]) == 0
    out, err = capsys.readouterr()
    assert "created pad 'pad-40' for window 40" in out
    assert err == (
        "hallq: note: window '40' was not checked: the database does not say which windows"
        " its hall has (no server has kept a snapshot in it yet); give --config with the"
        " hall's config file to check it\n"
    )
    asyncio.run(_serve_once(small_hall(open_all_hours=True), db))  # windows 1, 2 and 3
    capsys.readouterr()  # what the server logged

    refused = ["device", "add", "pad-5", "--role", "pad", "--window", "5", "--db", db]
    assert main(refused) == 2
    assert capsys.readouterr().err == (
        "hallq: error: the hall this database served has no window '5'; its windows are:"
        " 1, 2, 3 (if the hall's config has window '5' since, give --config with that file)\n"
    )
    assert main(["device", "add", "pad-3", "--role", "pad", "--window", "3", "--db", db]) == 0
    assert capsys.readouterr().err == ""
    # The config, when given, is the authority (a window added to it since the last serve).
    assert main([*refused, *demo]) == 0
    assert capsys.readouterr().err == ""


async def _serve_once(hall: HallConfig, db: str) -> None:
    """Serve the hall, with one change for the snapshot it keeps as it stops."""
    server = HallServer(hall, db, port=0)
    await server.start()
    try:
        token = await server.accounts.add_device("kiosk-x", "kiosk")
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"{server.url}/api/v1/tickets",
                json={"service": hall.services[0].id},
                headers={"Authorization": f"Bearer {token}"},
            ) as answer,
        ):
            assert answer.status == 201, await answer.text()
    finally:
        await server.stop()


def test_check_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", str(REPO / "config" / "hall.example.toml")]) == 0
    assert "OK" in capsys.readouterr().out
    broken = tmp_path / "broken.toml"
    broken.write_text('[hall]\nname = "x"\nnmae = "y"\n', encoding="utf-8")
    assert main(["check-config", str(broken)]) == 1
    problems = capsys.readouterr().err
    assert "nmae" in problems and "did you mean" in problems


def test_serve_refuses_a_bad_config_listing_every_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('[hall]\nnmae = "x"\n', encoding="utf-8")
    assert main(["serve", "--config", str(broken), "--db", str(tmp_path / "h.db")]) == 2
    assert "problem" in capsys.readouterr().err
    assert not (tmp_path / "h.db").exists()


PORTED = (["serve"], ["doctor"], ["kiosk"], ["station", "--config", "station.toml"])


@pytest.mark.parametrize("command", PORTED)
@pytest.mark.parametrize("bad", ["0", "-1", "65536", "99999", "eighty"])
def test_every_port_option_takes_only_1_to_65535(
    command: list[str], bad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as refused:  # parsing only: nothing may start
        build_parser().parse_args([*command, "--port", bad])
    assert refused.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: hallq") and "Traceback" not in err
    assert f"hallq {command[0]}: error: argument --port:" in err
    assert "a port is 1 to 65535" in err or "not a port number" in err


@pytest.mark.parametrize("command", PORTED)
def test_the_ports_at_either_end_are_taken(command: list[str]) -> None:
    for port in (1, 65535):
        assert build_parser().parse_args([*command, "--port", str(port)]).port == port


def test_a_port_out_of_range_is_one_usage_line_from_the_real_command(tmp_path: Path) -> None:
    # serve --port 99999 listened on 99999 % 65536 while printing 99999; doctor's was a
    # traceback: both now stop at the command line, before anything starts.
    for command in (["serve"], ["doctor"]):
        done = subprocess.run(
            [HALLQ, *command, "--port", "99999"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr.splitlines()[-1] == (
            f"hallq {command[0]}: error: argument --port: a port is 1 to 65535, not 99999"
        )
    assert not (tmp_path / "var").exists()  # no database was made


def test_simulate_is_a_hallq_command() -> None:
    args = build_parser().parse_args(
        ["simulate", "--config", "hall.toml", "--profile", "county", "--json"]
    )
    assert (args.command, args.days, args.seed, args.json) == ("simulate", 20, 0, True)


def test_ctrl_c_is_one_line_and_the_shell_s_exit_code(tmp_path: Path) -> None:
    """Ctrl-C while `user add` waits for the password: no traceback, and nothing created."""
    db = tmp_path / "hall.db"
    with subprocess.Popen(
        [HALLQ, "user", "add", "wang", "--role", "clerk", "--password-stdin", "--db", str(db)],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as waiting:
        assert waiting.stdin is not None and waiting.stderr is not None
        waiting.stdin.write("a-long-pass")  # typed, no Enter yet
        waiting.stdin.flush()
        time.sleep(2)  # past the start-up, into the read of standard input
        waiting.send_signal(signal.SIGINT)
        assert waiting.wait(30) == 130
        assert waiting.stderr.read() == "hallq: interrupted\n"
    assert list(tmp_path.iterdir()) == []


def test_a_server_that_cannot_start_says_why_in_one_line_and_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A database the server may not write (made by `sudo hallq user add`, owned by root)
    fails at its first write during the start. That was a traceback, and the database's
    threads, never closed, kept the process alive: under systemd, never READY and never gone.
    """

    async def read_only(*_: object) -> str:
        refused = sqlite3.OperationalError("attempt to write a readonly database")
        refused.sqlite_errorcode = sqlite3.SQLITE_READONLY
        raise refused

    monkeypatch.setattr(AccountStore, "secret", read_only)
    db = tmp_path / "hall.db"
    argv = ["serve", "--db", str(db), "--port", str(free_port()), "--voice-pack", "none"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    said = [line for line in err.splitlines() if line.startswith("hallq:")]  # not the log
    assert "Traceback" not in err
    assert len(said) == 1 and said[0].startswith("hallq: cannot start: attempt to write")
    assert f"chown -R hallq:hallq {tmp_path}" in said[0]
    left = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    assert left == [], "the database connections were not closed"


def test_a_port_in_use_says_so_and_how_to_choose_another(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        argv = ["serve", "--db", str(tmp_path / "hall.db"), "--host", "127.0.0.1"]
        assert main([*argv, "--port", str(port), "--voice-pack", "none"]) == 1
    said = [line for line in capsys.readouterr().err.splitlines() if line.startswith("hallq:")]
    assert len(said) == 1 and said[0].startswith("hallq: cannot start:"), said
    assert f"port {port} is in use" in said[0] and "--port" in said[0], said


# What only other commands, or a later request, need; `hallq serve` must start without it.
NOT_FOR_SERVE = (
    "queue_server.planner.simulate",  # the simulator: only in the child that runs a plan
    "queue_server.planner.recommend",
    "queue_server.planner.compare",
    "queue_server.web.openapi",  # the API reference: on its first request
    "queue_server.ops.doctor",
    "queue_server.ops.backup",
    "queue_server.accounts.cli",
)

SERVE_AND_LIST = """
import asyncio, json, sys
from queue_server.cli import build_parser
from queue_server.config import load_builtin_hall
from queue_server.server import HallServer

async def start_and_stop(db):
    server = HallServer(load_builtin_hall(), db, port=0)
    await server.start()
    await server.stop()

build_parser().parse_args(["serve"])
asyncio.run(start_and_stop(sys.argv[1]))
print(json.dumps(sorted(m for m in sys.argv[2:] if m in sys.modules)))
"""


def test_serve_starts_without_the_code_of_other_commands(tmp_path: Path) -> None:
    """Each module loaded lengthens every start of the hall (bench/startup.py times it):
    these are loaded when their command runs, or their request comes."""
    done = subprocess.run(
        [sys.executable, "-c", SERVE_AND_LIST, str(tmp_path / "hall.db"), *NOT_FOR_SERVE],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.splitlines()[-1] == "[]"
