"""`hallq backup` and `hallq restore`: queue_server.ops.backup on the command line (whose
options are in parsers.py)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from queue_server.ops.backup import BackupError, backup, restore


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
    if done.revoked_again:
        print(
            "hallq: devices revoked after the backup stay revoked in the restored database: "
            + ", ".join(done.revoked_again)
        )
    if done.people_as_now:
        print(
            "hallq: passwords set and people disabled or enabled after the backup are kept as"
            " they were: " + ", ".join(done.people_as_now)
        )
    if done.not_in_backup:
        print(
            "hallq: added after the backup, so not in it: add them again with hallq device add"
            " (a new token into each device's config) and hallq user add:"
        )
        for missing in done.not_in_backup:
            at = f", window {missing.window}" if missing.window else ""
            print(f"  {missing.kind} {missing.name} ({missing.role}{at})")
    return 0
