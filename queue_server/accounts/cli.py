"""The `hallq user` and `hallq device` commands, as functions the argparse CLI calls."""

from __future__ import annotations

import contextlib
import difflib
import os
import sqlite3
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import aiosqlite

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
    """The accounts of the hall database at `db_path` (see _database)."""
    async with _database(db_path, create) as conn:
        yield AccountStore(conn, clock=_clock)


@contextlib.asynccontextmanager
async def _database(db_path: str | Path, create: Create) -> AsyncIterator[aiosqlite.Connection]:
    """The hall database at `db_path`, closed again after the command.

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
            yield conn
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

    `known_windows` are the window ids of the hall config given; without them, a window is
    checked against the hall the database last served, and taken with a note when the
    database cannot tell (no server has kept a snapshot in it yet).
    """
    try:
        async with _database(db_path, Create.FILE) as conn:
            checked = window is None or await _check_window(conn, window, known_windows)
            token = await AccountStore(conn, clock=_clock).add_device(name, role, window=window)
    except _REFUSED as exc:
        return _fail(exc)
    if not checked:
        print(
            f"hallq: note: window {window!r} was not checked: the database does not say which"
            " windows its hall has (no server has kept a snapshot in it yet); give --config"
            " with the hall's config file to check it",
            file=sys.stderr,
        )
    at_window = f" for window {window}" if window is not None else ""
    print(f"created {role} {name!r}{at_window}")
    print("its token is shown only this once; put it in the device's config:")
    print(token)
    return 0


async def _check_window(
    conn: aiosqlite.Connection, window: str, known_windows: Collection[str] | None
) -> bool:
    """Raise AccountError for a window the hall lacks; False when nothing says which
    windows it has."""
    if known_windows is not None:
        if window not in known_windows:
            raise AccountError(_unknown_window(window, known_windows))
        return True
    served = await _served_windows(conn)
    if not served:
        return False
    if window not in served:
        # The config may have gained the window since the server last stopped.
        raise AccountError(
            _unknown_window(window, served, hall="the hall this database served")
            + f" (if the hall's config has window {window!r} since, give --config with that file)"
        )
    return True


async def _served_windows(conn: aiosqlite.Connection) -> set[str]:
    """The windows in the newest snapshot of the hall's state: those of the config the
    server ran with when it kept it (empty when it has kept none)."""
    async with conn.execute(
        "SELECT json_extract(window.value, '$.id') FROM json_each("
        " (SELECT state FROM snapshots ORDER BY seq DESC LIMIT 1), '$.windows') AS window"
    ) as cur:
        return {str(row[0]) for row in await cur.fetchall()}


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
    return await _change_person(db_path, name, AccountStore.unlock_user, "unlocked user {name!r}")


async def cli_user_password(db_path: str | Path, name: str, stdin: bytes) -> int:
    """Give a person who forgot theirs a new password, read from standard input, and end
    their sessions (a running server closes their consoles within a second or two)."""
    try:
        password = _one_line(stdin)
    except AccountError as exc:
        return _fail(exc)
    return await _change_person(
        db_path,
        name,
        lambda accounts, username: accounts.set_password(username, password),
        "set a new password for user {name!r}; every session of theirs has ended",
    )


async def cli_user_disable(db_path: str | Path, name: str) -> int:
    """Refuse a person who left: no login, and their sessions end (a running server closes
    their consoles within a second or two)."""
    return await _change_person(
        db_path,
        name,
        AccountStore.disable_user,
        "disabled user {name!r}: they cannot log in, and every session of theirs has ended",
    )


async def cli_user_enable(db_path: str | Path, name: str) -> int:
    """Let a disabled person log in again."""
    return await _change_person(
        db_path, name, AccountStore.enable_user, "enabled user {name!r}: they can log in again"
    )


async def _change_person(
    db_path: str | Path,
    name: str,
    change: Callable[[AccountStore, str], Awaitable[object]],
    done: str,
) -> int:
    """Change a person in an existing database, then say `done` of them by the name they
    were added with (any case of it finds them); returns the exit code."""
    try:
        async with _accounts(db_path, Create.NOTHING) as accounts:
            await change(accounts, name)
            named = await accounts.stored_username(name)
    except _REFUSED as exc:
        return _fail(exc)
    print(done.format(name=named))
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


def _unknown_window(window: str, known_windows: Collection[str], *, hall: str = "the hall") -> str:
    # Window ids are short ("A3"), too short for difflib alone to catch a wrong case.
    close = [known for known in known_windows if known.casefold() == window.casefold()]
    close = close or difflib.get_close_matches(window, list(known_windows), n=1)
    if close:
        return f"{hall} has no window {window!r}; did you mean {close[0]!r}?"
    known = ", ".join(sorted(known_windows)) or "none"
    return f"{hall} has no window {window!r}; its windows are: {known}"


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
