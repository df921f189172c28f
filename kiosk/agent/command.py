"""The `hallq kiosk` command line, kept apart so `hallq` starts without the device packages."""

from __future__ import annotations

from typing import Any

from queue_server.arguments import port

DEFAULT_PORT = 8090


def add_parser(commands: Any) -> None:
    """Add `hallq kiosk` to the `hallq` subcommands."""
    kiosk = commands.add_parser(
        "kiosk", help="run a ticket kiosk: touchscreen page, printer, scanner, ID card reader"
    )
    kiosk.add_argument("--server", metavar="URL", help="the hall server, e.g. http://10.0.0.2:8080")
    token = kiosk.add_mutually_exclusive_group()
    token.add_argument(
        "--token", help="the kiosk's device token (hallq device add ... --role kiosk)"
    )
    token.add_argument("--token-file", metavar="FILE", help="read the token from FILE")
    kiosk.add_argument("--port", type=port, help=f"local page port (default {DEFAULT_PORT})")
    kiosk.add_argument("--config", metavar="FILE", help="the kiosk's device config (TOML)")
    kiosk.add_argument(
        "--fake-devices",
        metavar="DIR",
        help="use fake devices steered through files in DIR (print-N.bin, printer.state, "
        "scanner.in, idcard.in): runs on any computer",
    )
