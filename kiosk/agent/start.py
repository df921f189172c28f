"""What `hallq kiosk` starts with, from its config, its command line and its environment:
every problem found at once, each with its key or its option."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

from kiosk.agent.errors import SettingsError
from kiosk.agent.settings import KioskSettings
from kiosk.config_checks import read_secret, server_problem
from kiosk.ticket.encode import DEFAULT_PROFILE, printable_problems

TOKEN_ENV = "HALLQ_KIOSK_TOKEN"
TOKEN_FILE_ENV = "HALLQ_KIOSK_TOKEN_FILE"
DEFAULT_STATE_DIR = Path("var/kiosk")


@dataclass(frozen=True)
class KioskStart:
    """A kiosk ready to start: its settings and what the command line adds to them."""

    settings: KioskSettings
    server: str
    token: str
    fake: Path | None  # the fake devices' folder; None: the real devices
    state_dir: Path
    port: int
    profile: str  # the printer's python-escpos profile: its paper width and cutter


def read_start(args: argparse.Namespace) -> KioskStart:
    """The kiosk's start; SettingsError lists every problem: the config's, the server and
    the token missing or wrong, no printer, a ticket the printer cannot print, a ledger
    folder that cannot be written."""
    problems: list[str] = []
    settings = _settings(args.config, problems)
    server = _server(args.server, settings, problems)
    token = _token(args, problems)
    fake = Path(args.fake_devices) if args.fake_devices else None
    if fake is not None:
        _writable_folder(fake, "--fake-devices", problems)
    profile, state_dir = DEFAULT_PROFILE, DEFAULT_STATE_DIR
    if settings is not None:
        if fake is None and settings.printer is None:
            problems.append(
                "printer: missing table: say how the printer is connected "
                "(or use --fake-devices DIR)"
            )
        if settings.printer is not None:
            profile = settings.printer.profile
        problems.extend(printable_problems(settings.layout, profile))
        state_dir = settings.state_dir or fake or DEFAULT_STATE_DIR
        _writable_folder(state_dir, "kiosk.state_dir", problems)
    if problems:
        raise SettingsError(problems)
    assert settings is not None and server is not None and token is not None
    return KioskStart(settings, server, token, fake, state_dir, args.port or settings.port, profile)


def _settings(config: str | None, problems: list[str]) -> KioskSettings | None:
    """The config's settings (the defaults without one); None when it has problems."""
    if not config:
        return KioskSettings()
    try:
        return KioskSettings.load(Path(config))
    except SettingsError as exc:
        problems.extend(exc.problems)
        return None


def _server(flag: str | None, settings: KioskSettings | None, problems: list[str]) -> str | None:
    if flag:
        if problem := server_problem(flag):
            problems.append(f"--server: {problem}")
        return flag
    if settings is not None and settings.server is None:
        problems.append("kiosk.server: missing: the hall server's URL (or give --server URL)")
    return settings.server if settings is not None else None


def _token(args: argparse.Namespace, problems: list[str]) -> str | None:
    if args.token:
        return str(args.token)
    if args.token_file:
        return read_secret(None, Path(args.token_file), "--token-file", problems)
    if path := os.environ.get(TOKEN_FILE_ENV):
        return read_secret(None, Path(path), TOKEN_FILE_ENV, problems)
    if token := os.environ.get(TOKEN_ENV):
        return token
    problems.append(
        "--token: missing: give --token TOKEN or --token-file FILE "
        "(the kiosk's token, from hallq device add NAME --role kiosk)"
    )
    return None


def _writable_folder(folder: Path, key: str, problems: list[str]) -> None:
    """Make `folder` if it is not there yet; a problem of `key` when it cannot be written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        problems.append(f"{key}: cannot make {folder} ({exc.strerror or exc})")
        return
    if not os.access(folder, os.W_OK | os.X_OK):
        problems.append(f"{key}: {folder} is not writable by this user")
