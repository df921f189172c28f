"""The `hallq station` command line, kept apart so `hallq` starts without the device packages."""

from __future__ import annotations

from typing import Any

from queue_server.arguments import port


def add_parser(commands: Any) -> None:
    """Add `hallq station` to the `hallq` subcommands."""
    station = commands.add_parser(
        "station",
        help="run a window station: caller keypad, rating key pad and the touch rating pad page",
    )
    station.add_argument(
        "--config", metavar="FILE", required=True, help="the station's device config (TOML)"
    )
    station.add_argument("--server", metavar="URL", help="the hall server (overrides the config)")
    station.add_argument("--port", type=port, help="local pad page port (overrides the config)")
    station.add_argument(
        "--fake-devices",
        metavar="DIR",
        help="use fake devices steered through files in DIR: each word appended to "
        "DIR/keypad.in or DIR/key_pad.in (KEY_KP3, KEY_KPENTER, ...) is one key press",
    )
