"""`hallq backup` and `hallq restore`: the command line of queue_server.ops.backup."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from queue_server.ops.backup import BackupError, backup, restore


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser], db: str) -> None:
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


def run(args: argparse.Namespace) -> int:
    try:
        if args.command == "backup":
            taken = backup(Path(args.db), Path(args.to))
            print(
                f"hallq: backup {args.to} ok: journal at seq {taken.last_seq}, "
                f"schema version {taken.schema_version}"
            )
            return 0
        done = restore(Path(args.backup), Path(args.db), force=args.force, now=dt.datetime.now())
    except BackupError as failure:
        print(f"hallq: {failure}", file=sys.stderr)
        return 1
    aside = f"; the replaced database is kept as {done.kept_aside}" if done.kept_aside else ""
    last = done.contents.last_recorded_at
    # A backup taken before the first start holds people and devices but no change yet.
    changed = f"last change {last}" if last else "no change recorded yet"
    print(
        f"hallq: restored {args.backup} into {args.db} (journal at seq "
        f"{done.contents.last_seq}, {changed}){aside}"
    )
    return 0
