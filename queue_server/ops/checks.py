"""The doctor's checks of the machine, the hall config and the database."""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import shutil
import socket
import sqlite3
import sys
import urllib.error
import urllib.parse
import urllib.request
import zoneinfo
from dataclasses import replace
from pathlib import Path

from queue_server.config import ConfigError, load_builtin_hall, load_hall
from queue_server.config.holiday_files import missing_years_notice
from queue_server.domain.hall import HallConfig
from queue_server.ops.doctor import Finding, Install, Status
from queue_server.ops.paths import PathKind, kind, nearest_existing
from queue_server.store.schema import SCHEMA_VERSION
from queue_server.web.metrics import ALLOW_ENV, allowed_networks

FAIL_FREE_BYTES = 200 * 1024 * 1024
WARN_FREE_BYTES = 2 * 1024 * 1024 * 1024


def python_version(_: Install) -> Finding:
    """Python and its SQLite library; the server needs SQLite 3.35 (RETURNING, DROP COLUMN)."""
    found = f"Python {'.'.join(map(str, sys.version_info[:3]))}, SQLite {sqlite3.sqlite_version}"
    if sqlite3.sqlite_version_info >= (3, 35):
        return Finding("python", Status.OK, found)
    return Finding("python", Status.FAIL, found, "use a Python built with SQLite 3.35 or newer")


def hall(install: Install) -> HallConfig | None:
    """The hall config the server would run (None when it is broken); read once."""
    if "hall" not in install.notes:
        try:
            found = load_builtin_hall() if install.config is None else load_hall(install.config)
        except ConfigError as exc:
            install.notes["config_problems"] = exc.problems
            found = None
        install.notes["hall"] = found
    value = install.notes["hall"]
    return value if isinstance(value, HallConfig) else None


def hall_config(install: Install) -> Finding:
    found = hall(install)
    if install.config is None:
        return Finding(
            "config", Status.WARN, "no --config: the built-in demo hall", "pass the hall's file"
        )
    if found is None:
        problems = install.notes.get("config_problems", [])
        assert isinstance(problems, list)
        return Finding(
            "config",
            Status.FAIL,
            f"{install.config}: {len(problems)} problem(s): {'; '.join(map(str, problems[:3]))}",
            f"run `hallq check-config {install.config}` and fix every line it lists",
        )
    return Finding("config", Status.OK, f"{install.config}: {found.name}")


def timezone_data(install: Install) -> Finding | None:
    found = hall(install)
    if found is None:
        return None
    try:
        zoneinfo.ZoneInfo(found.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return Finding(
            "timezone",
            Status.FAIL,
            f"no time zone data for {found.timezone}",
            "install the tzdata package (apt install tzdata, or pip install tzdata)",
        )
    return Finding("timezone", Status.OK, f"{found.timezone} known")


def holiday_calendar(install: Install) -> Finding | None:
    """The State Council's holidays for this year, and from November the next: 差评
    deadlines are counted in working days."""
    found = hall(install)
    if found is None:
        return None
    try:
        today = install.now().astimezone(zoneinfo.ZoneInfo(found.timezone)).date()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None  # the timezone check says so
    calendar = found.ratings.calendar
    missing = calendar.missing_years(today)
    if missing:
        problem, fix = missing_years_notice(missing)
        return Finding("holidays", Status.WARN, problem, fix)
    known = ", ".join(map(str, sorted(calendar.years)))
    return Finding("holidays", Status.OK, f"holidays known for {known}")


_SQLITE_HEADER = b"SQLite format 3\x00"


def _not_sqlite(db: Path) -> bool:
    """A file with something in it that SQLite never wrote: another file given as --db
    (the hall config beside it on the command line), not a damaged database."""
    try:
        with db.open("rb") as file:
            start = file.read(len(_SQLITE_HEADER))
    except OSError:
        return False  # the database check says why it cannot be read
    return bool(start) and start != _SQLITE_HEADER[: len(start)]


def _open_read_only(install: Install) -> sqlite3.Connection | None:
    """The database for reading, or None where the database check says why it cannot be."""
    if kind(install.db) is not PathKind.FILE or not os.access(install.db, os.R_OK):
        return None
    if _not_sqlite(install.db):
        return None
    try:
        return sqlite3.connect(f"{install.db.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return None


def _foreign(conn: sqlite3.Connection) -> bool:
    """Another program's SQLite file (no hallq schema, tables of its own): the server
    refuses it, so its mode and integrity are none of the doctor's business."""
    if int(conn.execute("PRAGMA user_version").fetchone()[0]) != 0:
        return False
    return bool(conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0])


def _not_a_database_file(db: Path) -> Finding | None:
    """FAIL for a --db that is not a file this user can read."""
    found = kind(db)
    if found is PathKind.FOLDER:
        return Finding(
            "database",
            Status.FAIL,
            f"{db} is a directory, not a database file",
            f"pass the database file itself, e.g. --db {db / 'hall.db'}",
        )
    if found is PathKind.DENIED:
        return Finding(
            "database",
            Status.FAIL,
            f"{db} is out of reach: this user may not enter {nearest_existing(db)}",
            "run doctor as the service user (sudo -u hallq hallq doctor ...); see permissions",
        )
    if found is PathKind.OTHER:
        return Finding(
            "database", Status.FAIL, f"{db} is not a regular file", "pass the database file"
        )
    if found is PathKind.FILE and not os.access(db, os.R_OK):
        return Finding(
            "database",
            Status.FAIL,
            f"{db} is not readable by this user",
            f"chown it to the service user, e.g. chown hallq:hallq {db}",
        )
    return None


def database(install: Install) -> Finding:
    db = install.db
    if kind(db) is PathKind.MISSING:
        above = nearest_existing(db)
        if kind(above) is not PathKind.FOLDER:
            return Finding(
                "database", Status.FAIL, f"{db} cannot be: {above} is not a folder", "check --db"
            )
        folder = "" if above == db.parent else f", nor its folder {db.parent}"
        return Finding(
            "database",
            Status.WARN,
            f"{db} does not exist yet{folder}",
            "fine for a new install: `hallq serve` creates it; otherwise pass --db",
        )
    refused = _not_a_database_file(db)
    if refused is not None:
        return refused
    if _not_sqlite(db):
        return Finding(
            "database",
            Status.FAIL,
            f"{db} is not a SQLite database: it does not start as one",
            "check --db: it names another file, e.g. the hall config; only if it really is "
            "the hall's database (its start destroyed), restore the latest backup",
        )
    conn = _open_read_only(install)
    if conn is None:
        return Finding("database", Status.FAIL, f"{db} cannot be opened", "check --db")
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        foreign = _foreign(conn)
    except sqlite3.DatabaseError as exc:
        return Finding("database", Status.FAIL, f"{db}: {exc}", "restore the latest backup")
    finally:
        conn.close()
    if foreign:
        return Finding(
            "database",
            Status.FAIL,
            f"{db} is not a hallq database: it holds another program's tables",
            "check --db; the server refuses to start on this file",
        )
    if version == 0:
        return Finding(
            "database",
            Status.WARN,
            f"{db} is an empty database: the server creates its tables on start",
            "fine for a new install; otherwise check --db",
        )
    if version > SCHEMA_VERSION:
        return Finding(
            "database",
            Status.FAIL,
            f"schema version {version} is newer than this hallq's {SCHEMA_VERSION}",
            "upgrade hallq, or restore a backup taken by this version",
        )
    if version < SCHEMA_VERSION:
        return Finding(
            "database",
            Status.WARN,
            f"schema version {version}; the server migrates it to {SCHEMA_VERSION} on start",
            "take a backup first: hallq backup",
        )
    return Finding("database", Status.OK, f"{db} opens, schema version {version}")


def database_integrity(install: Install) -> Finding | None:
    conn = _open_read_only(install)
    if conn is None:
        return None
    try:
        if _foreign(conn):
            return None
        rows = [str(r[0]) for r in conn.execute("PRAGMA quick_check")]
    except sqlite3.DatabaseError as exc:
        rows = [str(exc)]
    finally:
        conn.close()
    if rows == ["ok"]:
        return Finding("integrity", Status.OK, "PRAGMA quick_check: ok")
    return Finding(
        "integrity",
        Status.FAIL,
        f"PRAGMA quick_check: {'; '.join(rows[:3])}",
        "stop the server and restore the latest backup (hallq restore)",
    )


def journal_mode(install: Install) -> Finding | None:
    conn = _open_read_only(install)
    if conn is None:
        return None
    try:
        if _foreign(conn):
            return None
        mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0])
    except sqlite3.DatabaseError:
        return None  # the database check says why
    finally:
        conn.close()
    if mode == "wal":
        return Finding("wal", Status.OK, "journal_mode is wal")
    return Finding(
        "wal",
        Status.WARN,
        f"journal_mode is {mode}",
        "the server switches it to WAL on start; on a network file system it cannot: "
        "keep the database on a local disk",
    )


READ_WRITE_ENTER = os.R_OK | os.W_OK | os.X_OK


def file_permissions(install: Install) -> Finding | None:
    """The database and its folder (SQLite writes its -wal and -shm files beside it), or
    the folder the server would create it in."""
    db, folder = install.db, install.db.parent
    found = kind(db)
    if found in (PathKind.FOLDER, PathKind.OTHER):
        return None  # the database check fails it
    if found is PathKind.DENIED:
        closed = nearest_existing(db)
        return Finding(
            "permissions",
            Status.FAIL,
            f"this user may not enter {closed}, so it cannot reach {db}",
            "run doctor as the service user; the database belongs in a folder it may enter "
            "all the way down, e.g. /var/lib/hallq",
        )
    if kind(folder) is PathKind.FOLDER:
        needed = [(folder, READ_WRITE_ENTER)]
        if found is PathKind.FILE:
            needed.append((db, os.R_OK | os.W_OK))
        refused = [str(path) for path, mode in needed if not os.access(path, mode)]
        if refused:
            return Finding(
                "permissions",
                Status.FAIL,
                f"not readable and writable by this user: {', '.join(refused)}",
                f"chown them to the service user, e.g. chown -R hallq:hallq {folder}",
            )
        if found is PathKind.FILE:
            return Finding("permissions", Status.OK, f"{db} and its folder are writable")
        return Finding(
            "permissions", Status.OK, f"{folder} is writable: the server can create {db.name}"
        )
    # The folder is not there: the server creates it, and its parents, at its first start.
    above = nearest_existing(db)
    if kind(above) is not PathKind.FOLDER:
        return None  # a file in the way: the database check fails it
    if os.access(above, os.W_OK | os.X_OK):
        return Finding(
            "permissions",
            Status.OK,
            f"the folder {folder} does not exist; this user can create it in {above} "
            "(the server does at its first start)",
        )
    return Finding(
        "permissions",
        Status.FAIL,
        f"the folder {folder} does not exist, and this user cannot create it in {above}",
        f"create it for the service user: install -d -o hallq -g hallq {folder}",
    )


def disk_space(install: Install) -> Finding:
    free = shutil.disk_usage(nearest_existing(install.db)).free
    text = f"{free / 2**30:.1f} GiB free for {install.db}"
    if free < FAIL_FREE_BYTES:
        return Finding("disk", Status.FAIL, text, "free space now: the journal stops when full")
    if free < WARN_FREE_BYTES:
        return Finding("disk", Status.WARN, text, "free space: old backups, logs (journalctl)")
    return Finding("disk", Status.OK, text)


# The nightly backup unit's folder and names (systemd/hallq-backup.service): beside the
# database, `backups/hall-<date>T<time>.db`; the unit rotates the same names, and a copy
# named otherwise by hand (hall-before-upgrade.db) is neither counted nor rotated.
BACKUP_FOLDER = "backups"
BACKUP_PATTERN = "hall-[0-9]*T[0-9]*.db"
STALE_BACKUP = dt.timedelta(hours=36)  # a night missed, with a few hours to spare


def backups(install: Install) -> Finding:
    """The newest nightly backup: a backup unit that fails says so only in its own journal,
    which nobody reads until the day the disk dies."""
    folder = install.db.parent / BACKUP_FOLDER
    timer = "systemctl enable --now hallq-backup.timer (docs/operations.md, section 5)"
    taken = sorted(folder.glob(BACKUP_PATTERN), key=lambda f: f.stat().st_mtime)
    if not taken:
        return Finding("backups", Status.WARN, f"no backup in {folder}", timer)
    newest = taken[-1]
    when = dt.datetime.fromtimestamp(newest.stat().st_mtime, dt.UTC)
    hours = max(0.0, (install.now() - when).total_seconds() / 3600)
    text = f"the newest, {newest.name}, is {hours:.0f} h old ({len(taken)} in {folder})"
    if install.now() - when > STALE_BACKUP:
        return Finding(
            "backups",
            Status.WARN,
            text,
            "see why the nightly backup stopped: journalctl -u hallq-backup; " + timer,
        )
    return Finding("backups", Status.OK, text)


def metrics_setting(_: Install) -> Finding:
    setting = os.environ.get(ALLOW_ENV)
    try:
        networks = allowed_networks(setting)
    except ValueError as exc:
        return Finding("metrics", Status.FAIL, str(exc), f"fix {ALLOW_ENV}; nobody can read now")
    if networks is None:
        return Finding(
            "metrics",
            Status.WARN,
            "/metrics is open to every client that reaches the port",
            f"set {ALLOW_ENV} to the monitoring networks, e.g. 127.0.0.0/8,10.0.0.0/8",
        )
    return Finding("metrics", Status.OK, f"/metrics open to {', '.join(map(str, networks))}")


def _json_object(raw: bytes) -> dict[str, object] | None:
    try:
        found = json.loads(raw)
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def _not_a_server_url(server: str) -> str | None:
    """Why `server` is no http(s)://host:port address, or None when it is one.

    urllib's own words for these ("unknown url type: 127.0.0.1", a ValueError for
    "http://[::1") read as a server that is down, or as a bug in the doctor.
    """
    try:
        parts = urllib.parse.urlsplit(server)
        parts.port  # noqa: B018 - raises ValueError for a port past 65535 or not a number
    except ValueError as exc:
        return str(exc)
    if parts.scheme not in ("http", "https"):
        return "it does not start with http:// or https://"
    if not parts.hostname:
        return "it names no host"
    return None


def server_answers(install: Install) -> Finding | None:
    if install.server is None:
        return None
    malformed = _not_a_server_url(install.server)
    if malformed is not None:
        return Finding(
            "server",
            Status.FAIL,
            f"--server {install.server!r} is not a server address: {malformed}",
            "write it as http://HOST:PORT, e.g. http://127.0.0.1:8080",
        )
    url = install.server.rstrip("/") + "/healthz"
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            status, raw = f"{answer.status} {answer.reason}", answer.read()
    except urllib.error.HTTPError as exc:  # an answer all the same: whose, the body tells
        status, raw = f"{exc.code} {exc.reason}", b""
        with contextlib.suppress(OSError, http.client.HTTPException):
            raw = exc.read()
        exc.close()
    except (urllib.error.URLError, OSError) as exc:
        return Finding(
            "server",
            Status.FAIL,
            f"{url}: {getattr(exc, 'reason', exc)}",
            "start it (systemctl start hallq-server), check the address and the firewall",
        )
    except http.client.HTTPException as exc:
        return _not_hallq(install.server, f"no HTTP answer: {exc!r}")
    body = _json_object(raw)
    # A hallq server answers /healthz with {"status": ...}: "ok", or why it is not.
    if body is None or "status" not in body:
        return _not_hallq(install.server, f"{url} answers {status}")
    if status.startswith("200 ") and body == {"status": "ok"}:
        return Finding("server", Status.OK, f"{url} answers ok")
    return Finding(
        "server", Status.FAIL, f"{url} answers {status} {body}", "journalctl -u hallq-server"
    )


def _not_hallq(server: str, seen: str) -> Finding:
    return Finding(
        "server",
        Status.FAIL,
        f"something other than a hallq server answers at {server} ({seen})",
        "check the address and port of --server (hallq serves on 8080 unless told "
        "otherwise); `ss -ltnp` on that machine shows which program listens there",
    )


def port(install: Install) -> Finding | None:
    """With no --server: is the server's port free, or is it a hallq server that holds it?"""
    if install.server is not None:
        return None
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("0.0.0.0", install.port))
        except OSError:
            pass
        else:
            return Finding("port", Status.OK, f"port {install.port} is free for the server")
    found = server_answers(replace(install, server=f"http://127.0.0.1:{install.port}"))
    if found is not None and found.status is Status.OK:
        return Finding("port", Status.OK, f"a hallq server answers on port {install.port}")
    return Finding(
        "port",
        Status.FAIL,
        f"port {install.port} is taken by a program that is not a hallq server",
        f"find it with `ss -ltnp 'sport = :{install.port}'`, or serve on another --port",
    )


def time_sync(install: Install) -> Finding:
    answer = install.run(["timedatectl", "show", "-p", "NTPSynchronized", "--value"])
    if answer is not None and answer.strip() == "yes":
        return Finding("time", Status.OK, "the clock is synchronised (timedatectl)")
    tracking = install.run(["chronyc", "tracking"])
    if tracking is not None and "Leap status     : Normal" in tracking:
        return Finding("time", Status.OK, "the clock is synchronised (chronyc)")
    state = "not synchronised" if answer is not None else "unknown"
    return Finding(
        "time",
        Status.WARN,
        f"clock synchronisation {state}",
        "enable NTP: timedatectl set-ntp true (or install chrony) with the hall's time server",
    )
