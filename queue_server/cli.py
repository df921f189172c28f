"""The `hallq` command: serve a hall, manage people and devices, check a config."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import logging
import os
import signal
import sqlite3
import sys
from pathlib import Path

from kiosk.agent import command as kiosk_command
from kiosk.station import command as station_command
from queue_server import logs, open_files, sd_notify
from queue_server.arguments import port
from queue_server.config import ConfigError, check_config_main, load_builtin_hall, load_hall
from queue_server.domain.hall import HallConfig
from queue_server.ops.parsers import add_backup_parsers, add_doctor_parser
from queue_server.planner.parsers import add_plan_parser, add_simulate_parser
from queue_server.server import HallServer
from queue_server.store.errors import StoreError, refused_writing

DEFAULT_DB = Path("var") / "hall.db"
DEFAULT_VOICE = Path("var") / "voice" / "default"
_INTERRUPTED = 128 + signal.SIGINT  # what a shell reports for a command ended by Ctrl-C

log = logging.getLogger("hallq")


def _hall(config: str | None, *, open_all_hours: bool = False) -> HallConfig:
    if config is None:
        return load_builtin_hall()
    return load_hall(config, open_all_hours=open_all_hours)


async def _serve(args: argparse.Namespace) -> int:
    hall = _hall(args.config, open_all_hours=args.open_all_hours)
    open_files.raise_and_report()
    server = HallServer(
        hall,
        args.db,
        host=args.host,
        port=args.port,
        voice_pack=args.voice_pack,
        # Only the default folder is filled by the builder; a hall's own pack is never touched.
        build_voice_pack=Path(args.voice_pack) == DEFAULT_VOICE,
    )
    # `systemctl status` shows it: the first start after an upgrade may replay a long journal.
    sd_notify.status("rebuilding the hall from its journal")
    try:
        await server.start()
    except BaseException as failure:
        # Whatever stopped the start (a refused database, Ctrl-C, a bug), the database
        # threads end with it: left open, they kept the process alive for ever.
        await server.stop()
        if not isinstance(failure, (StoreError, OSError, sqlite3.Error)):
            raise
        advice = _start_advice(failure, Path(args.db), args.port)
        print(f"hallq: cannot start: {failure}{advice}", file=sys.stderr)
        return 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    watchdog = asyncio.create_task(sd_notify.run_watchdog(server.healthy))
    try:
        _notice(f"hallq: {hall.name} is open at {server.url}/")
        if not await server.accounts.has_admin():
            db = f" --db {args.db}" if Path(args.db) != DEFAULT_DB else ""
            _notice(
                "hallq: nobody can sign in yet. Create the first administrator with:\n"
                f"  {_this_hallq()} user add admin --role admin --password-stdin{db}\n"
                "  (type a password of 8 or more characters of two kinds: letters, digits,"
                " signs; then press Enter and Ctrl-D)"
            )
        sd_notify.status(f"{hall.name} is open at {server.url}/")
        sd_notify.ready()
        await stop.wait()
    finally:
        sd_notify.stopping()
        watchdog.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watchdog
        await server.stop()
    return 0


def _start_advice(failure: BaseException, db: Path, port: int) -> str:
    """What to do, where SQLite's or the system's own words do not say it."""
    if isinstance(failure, OSError) and failure.errno == errno.EADDRINUSE:
        return (
            f"; port {port} is in use by another program (another hallq serve?): stop it, or"
            " choose another port with --port"
        )
    if refused_writing(failure):
        return (
            "; the user the server runs as may not write the database: give it the database"
            f" and its folder, e.g. chown -R hallq:hallq {db.absolute().parent}"
        )
    return ""


def _this_hallq() -> str:
    """The hallq to run for the first administrator, as this one was called: under systemd
    the journal shows /opt/hallq/.venv/bin/hallq, where `.venv/bin/hallq` names nothing."""
    called = Path(sys.argv[0])
    return str(called) if called.name == "hallq" else ".venv/bin/hallq"


def _notice(text: str) -> None:
    """A line for whoever started the server; when nobody reads its output any more (a pipe
    closed, `| head -1`), the hall keeps serving: the notices are a courtesy, not the log."""
    with contextlib.suppress(OSError):
        print(text, flush=True)


def _run_server(args: argparse.Namespace) -> int:
    """The server runs on uvloop where it is installed (64-bit PCs and Pis): libuv's loop
    takes a third less CPU per request than asyncio's own, which the issuing benchmark shows.
    """
    try:
        import uvloop
    except ImportError:
        return asyncio.run(_serve(args))
    return uvloop.run(_serve(args))


async def _display(args: argparse.Namespace) -> int:
    try:
        from display.agent import DisplayAgent, UnknownSpeaker
    except ImportError as missing:
        return _needs_devices("display agent", missing)
    from display.voice.announcer import Announcer
    from display.voice.errors import VoiceError
    from display.voice.pack import VoicePack
    from drivers.audio.alsa import AplayAudio
    from drivers.audio.base import AudioOutput
    from drivers.audio.fake import FakeAudio

    try:
        pack = VoicePack.load(Path(args.voice_pack))
    except VoiceError as failure:
        print(
            f"hallq: cannot load the voice pack: {failure}\n"
            f"  build the default one with: python -m display.voice.builder {args.voice_pack}",
            file=sys.stderr,
        )
        return 1
    output: AudioOutput = (
        FakeAudio() if args.audio == "fake" else AplayAudio(args.aplay_device or None)
    )
    announcer = Announcer(pack, output)
    try:
        agent = DisplayAgent(args.server, announcer, floor=args.floor, speaker=args.speaker)
    except ValueError as failure:
        print(f"hallq: {failure}", file=sys.stderr)
        return 2
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, agent.stop)
    where = (
        f"speaker group {args.speaker}"
        if args.speaker
        else f"floor {args.floor}"
        if args.floor
        else "every floor"
    )
    print(
        f"hallq: speaking the calls of {where} from {args.server} "
        f"with pack {pack.name!r} on {output.name}",
        flush=True,
    )
    announcer.start()
    try:
        await agent.run()
    except UnknownSpeaker as failure:
        print(f"hallq: {failure}", file=sys.stderr)
        return 1
    finally:
        await announcer.close()
    return 0


def _needs_devices(part: str, missing: ImportError) -> int:
    print(
        f"hallq: the {part} needs the device packages ({missing}); "
        "install hallq with the devices extra: pip install 'hallq[devices]'",
        file=sys.stderr,
    )
    return 1


async def _kiosk(args: argparse.Namespace) -> int:
    try:
        from kiosk.agent.main import run
    except ImportError as missing:
        return _needs_devices("kiosk", missing)
    return await run(args)


async def _station(args: argparse.Namespace) -> int:
    try:
        from kiosk.station.main import run
    except ImportError as missing:
        return _needs_devices("station", missing)
    return await run(args)


def _people_and_devices(args: argparse.Namespace) -> int:
    """`hallq user` and `hallq device`."""
    from queue_server.accounts.cli import (
        cli_device_add,
        cli_device_revoke,
        cli_user_add,
        cli_user_disable,
        cli_user_enable,
        cli_user_password,
        cli_user_unlock,
    )

    if args.command == "user":
        if args.action == "add":
            stdin = sys.stdin.buffer.read()
            return asyncio.run(cli_user_add(args.db, args.name, args.role, stdin))
        if args.action == "password":
            stdin = sys.stdin.buffer.read()
            return asyncio.run(cli_user_password(args.db, args.name, stdin))
        change = {"unlock": cli_user_unlock, "disable": cli_user_disable, "enable": cli_user_enable}
        return asyncio.run(change[args.action](args.db, args.name))
    if args.action == "add":
        windows = _known_windows(args.config)
        return asyncio.run(
            cli_device_add(args.db, args.name, args.role, args.window, known_windows=windows)
        )
    return asyncio.run(cli_device_revoke(args.db, args.name))


def _known_windows(config: str | None) -> set[str] | None:
    """The windows of the hall config given; without one, `device add` asks the database
    (the built-in demo hall's windows would pass another hall's window 5 silently)."""
    return None if config is None else {w.id for w in load_hall(config).windows}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hallq", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the queue server")
    serve.add_argument("--config", help="hall config (TOML); default: the built-in example hall")
    serve.add_argument("--db", default=str(DEFAULT_DB), help="SQLite file (default: %(default)s)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=port, default=8080)
    serve.add_argument(
        "--voice-pack",
        default=str(DEFAULT_VOICE),
        metavar="DIR",
        help="voice pack the boards speak with (default: %(default)s, built on first start "
        "with espeak-ng and sox; without a pack the boards stay silent)",
    )
    serve.add_argument(
        "--open-all-hours", action="store_true", help="ignore opening sessions and clearing"
    )
    serve.add_argument(
        "--log-format",
        choices=logs.FORMATS,
        default=os.environ.get(logs.FORMAT_ENV, "text"),
        help="text, or json: one object a line with access and journal lines "
        f"(default: ${logs.FORMAT_ENV} or text)",
    )

    user = commands.add_parser("user", help="people who sign in").add_subparsers(
        dest="action", required=True
    )
    user_add = user.add_parser("add", help="create a person")
    user_add.add_argument("name")
    user_add.add_argument("--role", required=True, choices=["clerk", "manager", "admin"])
    user_add.add_argument("--password-stdin", action="store_true", required=True)
    user_password = user.add_parser(
        "password", help="set a forgotten password anew, ending the person's sessions"
    )
    user_password.add_argument("name")
    user_password.add_argument("--password-stdin", action="store_true", required=True)
    user_unlock = user.add_parser("unlock", help="lift a lock-out after failed logins")
    user_unlock.add_argument("name")
    user_disable = user.add_parser(
        "disable", help="refuse someone who left: no login, and their sessions end"
    )
    user_disable.add_argument("name")
    user_enable = user.add_parser("enable", help="let a disabled person log in again")
    user_enable.add_argument("name")
    for p in (user_add, user_password, user_unlock, user_disable, user_enable):
        p.add_argument("--config")
        p.add_argument("--db", default=str(DEFAULT_DB))

    device = commands.add_parser("device", help="kiosks, boards, pads, stations").add_subparsers(
        dest="action", required=True
    )
    device_add = device.add_parser("add", help="create a device and print its token once")
    device_add.add_argument("name")
    device_add.add_argument("--role", required=True, choices=["kiosk", "board", "pad", "station"])
    device_add.add_argument("--window")
    device_add.add_argument(
        "--config",
        help="the hall config, to check --window against; without it, the windows of the "
        "hall the database last served are",
    )
    device_revoke = device.add_parser("revoke", help="withdraw a device's token")
    device_revoke.add_argument("name")
    device_revoke.add_argument("--config")
    for p in (device_add, device_revoke):
        p.add_argument("--db", default=str(DEFAULT_DB))

    display = commands.add_parser(
        "display", help="speak a floor's calls on this display device (the voice agent)"
    )
    display.add_argument(
        "--server", required=True, metavar="URL", help="the hall server, e.g. http://10.0.0.2:8080"
    )
    area = display.add_mutually_exclusive_group()
    area.add_argument(
        "--speaker",
        metavar="GROUP",
        help="speak only this speaker group's calls, with its texts (the hall config's "
        "[[voice.speakers]] id; without groups configured, a floor id)",
    )
    area.add_argument("--floor", help="speak only this floor's calls (default: every floor)")
    display.add_argument(
        "--voice-pack",
        default=str(DEFAULT_VOICE),
        metavar="DIR",
        help="voice pack folder (default: %(default)s)",
    )
    display.add_argument(
        "--audio",
        choices=["aplay", "fake"],
        default="aplay",
        help="aplay plays through ALSA; fake plays nothing, for a trial without speakers "
        "(default: %(default)s)",
    )
    display.add_argument(
        "--aplay-device", metavar="D", help='ALSA device, e.g. "plughw:1,0" (default: default)'
    )

    kiosk_command.add_parser(commands)
    station_command.add_parser(commands)
    add_plan_parser(commands, str(DEFAULT_DB))
    add_simulate_parser(commands, str(DEFAULT_DB))

    check = commands.add_parser("check-config", help="check a hall config and list every problem")
    check.add_argument("file")
    add_doctor_parser(commands, str(DEFAULT_DB), str(DEFAULT_VOICE))
    add_backup_parsers(commands, str(DEFAULT_DB))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        logs.setup(getattr(args, "log_format", "text"))
    except ValueError as bad:
        print(f"hallq: {bad} (check {logs.FORMAT_ENV})", file=sys.stderr)
        return 2
    # The other commands' code is imported when they run: `hallq serve` starts without the
    # simulator, the install checks and the backup code (bench/startup.py times its start).
    try:
        if args.command == "serve":
            return _run_server(args)
        if args.command == "display":
            return asyncio.run(_display(args))
        if args.command == "kiosk":
            return asyncio.run(_kiosk(args))
        if args.command == "station":
            return asyncio.run(_station(args))
        if args.command == "plan":
            from queue_server.planner import command as plan_command

            return plan_command.run(args)
        if args.command == "simulate":
            from queue_server.planner import simulate_command

            return simulate_command.run(args)
        if args.command == "doctor":
            from queue_server.ops import doctor

            return doctor.run(args)
        if args.command in ("backup", "restore"):
            from queue_server.ops import commands as ops_commands

            return ops_commands.run(args)
        if args.command == "check-config":
            return check_config_main(args.file)
        return _people_and_devices(args)
    except ConfigError as problems:
        print(f"hallq: the hall config has {len(problems.problems)} problem(s):", file=sys.stderr)
        for problem in problems.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # Ctrl-C: every command undoes its own half-done work on the way out (a backup's
        # .part file, a database it created); the operator needs one line, not a traceback.
        print("hallq: interrupted", file=sys.stderr)
        return _INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
