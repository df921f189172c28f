"""`hallq doctor`: checks a server or device install and says what to fix, one line a check."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path


class Status(StrEnum):
    OK = "OK"
    WARN = "WARN"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Finding:
    check: str
    status: Status
    message: str
    fix: str = ""


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _run(command: Sequence[str]) -> str | None:
    """A command's output, or None when it is missing, fails or hangs."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


@dataclass
class Install:
    """What the checks look at; the system commands are swappable for tests."""

    device: str  # "server", "kiosk", "station" or "display"
    config: Path | None = None
    db: Path = Path("var") / "hall.db"
    server: str | None = None
    port: int = 8080
    voice_pack: Path = Path("var") / "voice" / "default"
    fake_devices: Path | None = None
    run: Callable[[Sequence[str]], str | None] = _run
    which: Callable[[str], str | None] = shutil.which
    now: Callable[[], dt.datetime] = _utc_now
    sysfs: Path = Path("/sys")
    notes: dict[str, object] = field(default_factory=dict)  # shared between checks


Check = Callable[[Install], Finding | None]  # None: the check does not apply here


def registry() -> list[tuple[frozenset[str], Check]]:
    """Every check with the devices it applies to, in the order they are shown."""
    from queue_server.ops import checks, device_checks

    everywhere = frozenset({"server", "kiosk", "station", "display"})
    server = frozenset({"server"})
    screens = frozenset({"kiosk", "display", "station"})
    return [
        (everywhere, checks.python_version),
        (server, checks.hall_config),
        (server, checks.timezone_data),
        (server, checks.holiday_calendar),
        (server, checks.database),
        (server, checks.database_integrity),
        (server, checks.journal_mode),
        (server, checks.file_permissions),
        (server, checks.disk_space),
        (server, checks.backups),
        (server, checks.metrics_setting),
        (everywhere, checks.server_answers),
        (server, checks.port),
        (frozenset({"server", "display"}), device_checks.voice_pack),
        (frozenset({"server", "kiosk", "display"}), device_checks.cjk_font),
        (server, device_checks.second_language_font),
        (frozenset({"kiosk"}), device_checks.printer),
        (screens, device_checks.chromium),
        (everywhere, checks.time_sync),
    ]


def examine(
    install: Install, checks: Sequence[tuple[frozenset[str], Check]] | None = None
) -> list[Finding]:
    findings = []
    for devices, check in registry() if checks is None else checks:
        if install.device in devices:
            try:
                found = check(install)
            except Exception as exc:  # a check that breaks is one FAIL, the others still run
                found = Finding(
                    getattr(check, "__name__", "check"),
                    Status.FAIL,
                    f"the check itself failed: {exc!r}",
                    "report this to hallq's developers with the line above",
                )
            if found is not None:
                findings.append(found)
    return findings


def exit_code(findings: Sequence[Finding]) -> int:
    return 1 if any(f.status is Status.FAIL for f in findings) else 0


def render(findings: Sequence[Finding]) -> str:
    lines = []
    for f in findings:
        fix = f"  -> {f.fix}" if f.fix and f.status is not Status.OK else ""
        lines.append(f"{f.status.value:<4} {f.check}: {f.message}{fix}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    install = Install(
        device=args.device,
        config=Path(args.config) if args.config else None,
        db=Path(args.db),
        server=args.server,
        port=args.port,
        voice_pack=Path(args.voice_pack),
        fake_devices=Path(args.fake_devices) if args.fake_devices else None,
    )
    findings = examine(install)
    if args.json:
        print(json.dumps([asdict(f) for f in findings], ensure_ascii=False, indent=1))
    else:
        print(render(findings))
    return exit_code(findings)
