"""The `hallq user` and `hallq device` commands, as functions the argparse CLI calls."""

from __future__ import annotations

import contextlib
import difflib
import os
import sqlite3
import sys
from collections.abc import AsyncIterator, Collection
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from queue_server.accounts.principal import AccountError
from queue_server.accounts.store import AccountStore
from queue_server.store.database import Create, open_database
from queue_server.store.errors import StoreError, refused_writing

_EXIT_ERROR = 2
_clock = partial(datetime.now, UTC)
# What a command reports in one line and exits 2 for, instead of a traceback (OSError: a
# --db the system refuses to look at, e.g. a name longer than 255 bytes).
_REFUSED = (AccountError, StoreError, sqlite3.Error, OSError)


@contextlib.asynccontextmanager
async def _accounts(db_path: str | Path, create: Create) -> AsyncIterator[AccountStore]:
    """The accounts of the hall database at `db_path`, closed again after the command.

    Adding may create the database (the first people and devices come before the server's
    first start) but not its folder, so a mistyped --db fails instead of starting another
    hall's file; the other commands need the database to be there. A database this command
    created is removed again when the command fails (a weak password, a bad name, Ctrl-C):
    a refused command leaves the disk as it was, and no file owned by the wrong user.
    """
    created = _absent(Path(db_path))
    try:
        conn = await open_database(db_path, create=create)
        try:
            yield AccountStore(conn, clock=_clock)
        finally:
            await conn.close()
    except BaseException:
        if created:
            _remove_database(Path(db_path))
        raise


def _absent(db: Path) -> bool:
    return not os.path.lexists(db)  # a dangling link is somebody's: never removed


def _remove_database(db: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(OSError):
            Path(f"{db}{suffix}").unlink(missing_ok=True)


async def cli_user_add(db_path: str | Path, name: str, role: str, stdin: bytes) -> int:
    """Create a person whose password came on standard input; returns the exit code."""
    try:
        password = _one_line(stdin)
        async with _accounts(db_path, Create.FILE) as accounts:
            await accounts.add_user(name, role, password)
    except _REFUSED as exc:
        return _fail(exc)
    print(f"created {role} {name!r}")
    return 0


async def cli_device_add(
    db_path: str | Path,
    name: str,
    role: str,
    window: str | None,
    *,
    known_windows: Collection[str] | None = None,
) -> int:
    """Create a device and print its token as the last line, once; returns the exit code.

    `known_windows` are the hall config's window ids; when given, other windows are refused.
    """
    try:
        if window is not None and known_windows is not None and window not in known_windows:
            raise AccountError(_unknown_window(window, known_windows))
        async with _accounts(db_path, Create.FILE) as accounts:
            token = await accounts.add_device(name, role, window=window)
    except _REFUSED as exc:
        return _fail(exc)
    at_window = f" for window {window}" if window is not None else ""
    print(f"created {role} {name!r}{at_window}")
    print("its token is shown only this once; put it in the device's config:")
    print(token)
    return 0


async def cli_device_revoke(db_path: str | Path, name: str) -> int:
    """Withdraw a device's token; a running server refuses it and closes its streams within
    a couple of seconds."""
    try:
        async with _accounts(db_path, Create.NOTHING) as accounts:
            await accounts.revoke_device(name)
    except _REFUSED as exc:
        return _fail(exc)
    print(f"revoked device {name!r}")
    return 0


async def cli_user_unlock(db_path: str | Path, name: str) -> int:
    """Lift a person's lock-out after failed logins (the server sees it at the next login)."""
    try:
        async with _accounts(db_path, Create.NOTHING) as accounts:
            await accounts.unlock_user(name)
    except _REFUSED as exc:
        return _fail(exc)
    print(f"unlocked user {name!r}")
    return 0


def _one_line(stdin: bytes) -> str:
    """The password as a browser will send it: UTF-8, whatever the terminal's locale.

    Read as text, bytes that are not UTF-8 (a file saved in GBK) were a traceback under a
    UTF-8 locale, and under the C locale a password nobody could ever type at the login.
    """
    try:
        text = stdin.decode("utf-8-sig")  # a file saved by Notepad starts with a BOM
    except UnicodeDecodeError as exc:
        raise AccountError(
            f"the password on standard input is not UTF-8 text (byte {exc.start}): "
            "save it as UTF-8 or type it"
        ) from exc
    # `echo secret | hallq user add ...` ends the password with a newline that is not part of it.
    line = text.removesuffix("\n").removesuffix("\r")
    if "\n" in line or "\r" in line:
        raise AccountError("give the password as a single line on standard input")
    return line


def _unknown_window(window: str, known_windows: Collection[str]) -> str:
    # Window ids are short ("A3"), too short for difflib alone to catch a wrong case.
    close = [known for known in known_windows if known.casefold() == window.casefold()]
    close = close or difflib.get_close_matches(window, list(known_windows), n=1)
    if close:
        return f"the hall has no window {window!r}; did you mean {close[0]!r}?"
    known = ", ".join(sorted(known_windows)) or "none"
    return f"the hall has no window {window!r}; its windows are: {known}"


def _fail(exc: Exception) -> int:
    print(f"hallq: error: {exc}{_advice(exc)}", file=sys.stderr)
    return _EXIT_ERROR


def _advice(exc: Exception) -> str:
    """What to do, where SQLite's own words do not say it."""
    if refused_writing(exc):
        return (
            "; this user may not write the database: run hallq as the user that owns it and"
            " its folder, e.g. sudo -u hallq hallq ..."
        )
    return ""
