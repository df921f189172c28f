"""The command lines of `hallq doctor`, `hallq backup` and `hallq restore`. `hallq` builds
them on every start, `hallq serve` too, so they are kept apart from the commands: the
checks and the backup code are loaded only when one of these commands runs."""

from __future__ import annotations

import argparse

from queue_server.arguments import port


def add_doctor_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], db: str, voice_pack: str
) -> None:
    """Add `hallq doctor`; `db` and `voice_pack` are the defaults of `hallq serve`."""
    doctor = commands.add_parser("doctor", help="check this install and say what to fix")
    doctor.add_argument(
        "--device",
        choices=["server", "kiosk", "station", "display"],
        default="server",
        help="what this machine is (default: %(default)s)",
    )
    doctor.add_argument(
        "--config", help="the hall config (server) or the device config (kiosk) to check"
    )
    doctor.add_argument("--db", default=db, help="SQLite file (default: %(default)s)")
    doctor.add_argument("--server", metavar="URL", help="check that this server answers /healthz")
    doctor.add_argument(
        "--port", type=port, default=8080, help="without --server: the port the server uses"
    )
    doctor.add_argument("--voice-pack", default=voice_pack, metavar="DIR")
    doctor.add_argument("--fake-devices", metavar="DIR", help="the kiosk's fake devices folder")
    doctor.add_argument("--json", action="store_true", help="print the findings as JSON")


def add_backup_parsers(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], db: str
) -> None:
    """Add `hallq backup` and `hallq restore`; `db` is the default --db of a backup."""
    take = commands.add_parser("backup", help="copy the database, safe while the server runs")
    take.add_argument("--db", default=db, help="SQLite file (default: %(default)s)")
    take.add_argument("--to", required=True, metavar="OUT", help="the backup file to write")
    put = commands.add_parser("restore", help="put a backup in place (the server stopped)")
    put.add_argument("backup", metavar="FILE", help="a file written by hallq backup")
    # No default: a forgotten --db restored into ./var/hall.db beside wherever the command
    # ran, said so in one line and exited 0, while the hall's own database stayed as it was.
    put.add_argument("--db", required=True, help="the SQLite file the server uses, to replace")
    put.add_argument(
        "--force",
        action="store_true",
        help="restore even though the database holds tickets issued after the backup",
    )
