"""People, devices and their tokens, kept in the hall's SQLite database."""

from __future__ import annotations

import asyncio
import re
import secrets
import sqlite3
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aiosqlite

from queue_server.accounts.audit import AuditTrail
from queue_server.accounts.passwords import (
    PasswordHasher,
    check_new_password,
    hash_token,
    new_token,
)
from queue_server.accounts.principal import (
    DEVICE_ROLES,
    PERSON_ROLES,
    WINDOW_BOUND_ROLES,
    AccountError,
    Principal,
    Role,
)
from queue_server.accounts.throttle import (
    DEFAULT_POLICY,
    LoginRefused,
    LoginThrottle,
    ThrottlePolicy,
)

DEFAULT_SESSION_TTL = timedelta(hours=12)
# How long a session that ended stays in the table: a running server looks for sessions
# ended by `hallq user disable` or `user password` (another process) to close their streams.
ENDED_SESSIONS_KEPT = timedelta(minutes=10)
DEFAULT_CACHE_TTL = timedelta(seconds=2)
DEFAULT_HASHER = PasswordHasher()

_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}", re.ASCII)
# The access log's actor for a failed login under a name nobody has (never a username).
UNKNOWN_USER = "(unknown user)"
_CACHE_SIZE = 1024
# Far longer than the tokens we hand out (43 characters): anything longer is refused unhashed.
_MAX_TOKEN_LENGTH = 256

# One round trip for either kind of token; a live session of an enabled user, or a device
# that is not revoked.
_LOOKUP = """
    SELECT 'user', u.username, u.role, NULL, u.display_name, u.staff_no, s.expires_at
    FROM sessions AS s JOIN users AS u ON u.username = s.username
    WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled = 0
    UNION ALL
    SELECT 'device', name, role, window, NULL, NULL, NULL
    FROM devices WHERE token_hash = ? AND revoked_at IS NULL
"""


@dataclass(frozen=True)
class UserInfo:
    username: str
    role: Role
    display_name: str | None
    staff_no: str | None
    created_at: datetime
    disabled: bool


@dataclass(frozen=True)
class DeviceInfo:
    name: str
    role: Role
    window: str | None
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class _Cached:
    principal: Principal
    since: datetime
    until: datetime


class AccountStore:
    """Creates people and devices, logs people in and tells who holds a bearer token.

    Every write is a single statement on the autocommit connection, so it is its own durable
    transaction and the store never leaves one open on a connection it may share.
    """

    def __init__(
        self,
        conn: aiosqlite.Connection,
        *,
        clock: Callable[[], datetime],
        session_ttl: timedelta = DEFAULT_SESSION_TTL,
        cache_ttl: timedelta = DEFAULT_CACHE_TTL,
        hasher: PasswordHasher = DEFAULT_HASHER,
        throttle: ThrottlePolicy = DEFAULT_POLICY,
    ) -> None:
        self._conn = conn
        self._clock = clock
        self._session_ttl = session_ttl
        self._cache_ttl = cache_ttl
        self._hasher = hasher
        self._cache: dict[str, _Cached] = {}
        self.throttle = LoginThrottle(conn, clock=self._now, policy=throttle)
        self.audit = AuditTrail(conn, clock=self._now)
        # One login at a time per username and per address: parallel guesses cannot outrun the
        # counters.
        self._login_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    async def add_user(
        self,
        username: str,
        role: Role | str,
        password: str,
        *,
        display_name: str | None = None,
        staff_no: str | None = None,
    ) -> None:
        person_role = _role(role, PERSON_ROLES, "a person")
        _check_name(username, "username")
        existing = await self.stored_username(username)
        if existing is not None:
            spelt = "" if existing == username else f" as {existing!r}"
            raise AccountError(f"user {username!r} already exists{spelt}")
        check_new_password(password, username)
        encoded = await asyncio.to_thread(self._hasher.hash, password)
        try:
            await self._conn.execute(
                "INSERT INTO users (username, role, password_hash, display_name, staff_no,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (username, person_role, encoded, display_name, staff_no, _iso(self._now())),
            )
        except sqlite3.IntegrityError as exc:
            raise AccountError(f"user {username!r} already exists") from exc
        await self.audit.record("user.added", "cli", subject=f"user:{username}")

    async def add_device(self, name: str, role: Role | str, *, window: str | None = None) -> str:
        """Create a device and return its token: the only time the token is ever seen.

        The name of a revoked device may be given again: the device gets a new token.
        """
        device_role = _role(role, DEVICE_ROLES, "a device")
        _check_name(name, "device name")
        if device_role in WINDOW_BOUND_ROLES and not window:
            raise AccountError(f"a {device_role} device belongs to one window: give its window")
        if device_role not in WINDOW_BOUND_ROLES and window is not None:
            raise AccountError(f"a {device_role} device serves the whole hall and has no window")
        token = new_token()
        async with self._conn.execute(
            "INSERT INTO devices (name, role, window, token_hash, created_at)"
            " VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET role = excluded.role, window = excluded.window,"
            " token_hash = excluded.token_hash, created_at = excluded.created_at,"
            " revoked_at = NULL WHERE devices.revoked_at IS NOT NULL",
            (name, device_role, window, hash_token(token), _iso(self._now())),
        ) as cur:
            if cur.rowcount == 0:
                raise AccountError(
                    f"device {name!r} already exists; revoke it first to issue a new token"
                )
        await self.audit.record("device.added", "cli", subject=f"device:{name}")
        return token

    async def revoke_device(self, name: str, *, by: str = "cli") -> str:
        """Refuse the device's token from now on; returns the token's hash.

        A server that did not revoke it itself learns of it by `revoked_since`.
        """
        async with self._conn.execute(
            "UPDATE devices SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL"
            " RETURNING token_hash",
            (_iso(self._now()), name),
        ) as cur:
            row = await cur.fetchone()
        if row is not None:
            self.forget(row[0])
            await self.audit.record("device.revoked", by, subject=f"device:{name}")
            return str(row[0])
        # Revoked before (the trail has it once), or no such device.
        async with self._conn.execute(
            "SELECT token_hash FROM devices WHERE name = ?", (name,)
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            raise AccountError(f"no device named {name!r}")
        return str(row[0])

    async def revoked_since(self, mark: str) -> tuple[list[str], str]:
        """Token hashes of devices revoked after `mark` (a stored time, "" for all), and the
        mark to ask with next time."""
        async with self._conn.execute(
            "SELECT token_hash, revoked_at FROM devices WHERE revoked_at > ? ORDER BY revoked_at",
            (mark,),
        ) as cur:
            rows = list(await cur.fetchall())
        return [str(r[0]) for r in rows], str(rows[-1][1]) if rows else mark

    def forget(self, token_hash: str) -> None:
        """Drop a token from the cache, so that its next request asks the database."""
        self._cache.pop(token_hash, None)

    async def stored_username(self, username: str) -> str | None:
        """The username as it was added, found whatever its case ('Wang' finds 'wang'): one
        person, one name, however a clerk types it. None if nobody has it."""
        async with self._conn.execute(
            "SELECT username FROM users WHERE username = ? COLLATE NOCASE", (username,)
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else str(row[0])

    async def _existing_username(self, username: str) -> str:
        stored = await self.stored_username(username)
        if stored is None:
            raise AccountError(f"no user named {username!r}")
        return stored

    async def unlock_user(self, username: str, *, by: str = "cli") -> None:
        """Forget a person's failed logins and lock-out."""
        stored = await self._existing_username(username)
        await self.throttle.forget(stored)
        await self.audit.record("user.unlocked", by, subject=f"user:{stored}")

    async def set_password(self, username: str, password: str, *, by: str = "cli") -> list[str]:
        """Give a person a new password (the rules of add_user) and end all their sessions;
        returns the ended sessions' token hashes, whose streams are to be closed."""
        stored = await self._existing_username(username)
        check_new_password(password, stored)
        encoded = await asyncio.to_thread(self._hasher.hash, password)
        await self._conn.execute(
            "UPDATE users SET password_hash = ? WHERE username = ?", (encoded, stored)
        )
        ended = await self._end_sessions(stored)
        await self.audit.record("user.password_set", by, subject=f"user:{stored}")
        return ended

    async def disable_user(self, username: str, *, by: str = "cli") -> list[str]:
        """Refuse the person's logins and end their sessions; returns the ended sessions'
        token hashes. The last enabled admin is refused: nobody could manage the hall."""
        stored = await self._existing_username(username)
        # One statement, so that two admins disabled at once cannot both pass the check.
        async with self._conn.execute(
            "UPDATE users SET disabled = 1 WHERE username = ? AND disabled = 0"
            " AND (role != ? OR EXISTS (SELECT 1 FROM users AS other WHERE other.role = ?"
            " AND other.disabled = 0 AND other.username != users.username))"
            " RETURNING username",
            (stored, Role.ADMIN, Role.ADMIN),
        ) as cur:
            changed = await cur.fetchone() is not None
        if not changed and not await self._disabled(stored):
            raise AccountError(
                f"{stored!r} is the last enabled admin: add or enable another admin first"
            )
        ended = await self._end_sessions(stored)
        if changed:  # else disabled before, and the access log has it already
            await self.audit.record("user.disabled", by, subject=f"user:{stored}")
        return ended

    async def enable_user(self, username: str, *, by: str = "cli") -> None:
        """Let a disabled person log in again (their old sessions stay ended)."""
        stored = await self._existing_username(username)
        async with self._conn.execute(
            "UPDATE users SET disabled = 0 WHERE username = ? AND disabled = 1", (stored,)
        ) as cur:
            if cur.rowcount == 0:
                return
        await self.audit.record("user.enabled", by, subject=f"user:{stored}")

    async def _disabled(self, username: str) -> bool:
        async with self._conn.execute(
            "SELECT disabled FROM users WHERE username = ?", (username,)
        ) as cur:
            row = await cur.fetchone()
        return row is not None and bool(row[0])

    async def _end_sessions(self, username: str) -> list[str]:
        """End the person's sessions now. They are kept ended, not deleted, for a while, so
        that a server in another process finds them (sessions_ended_since) and closes their
        streams."""
        now = _iso(self._now())
        async with self._conn.execute(
            "UPDATE sessions SET expires_at = ? WHERE username = ? AND expires_at > ?"
            " RETURNING token_hash",
            (now, username, now),
        ) as cur:
            ended = [str(row[0]) for row in await cur.fetchall()]
        for key in ended:
            self.forget(key)
        return ended

    async def sessions_ended_since(self, mark: str) -> tuple[list[str], str]:
        """Token hashes of sessions that ended after `mark` (a stored time, "" for all):
        ended by disable_user or set_password, or run out; and the mark to ask with next."""
        async with self._conn.execute(
            "SELECT token_hash, expires_at FROM sessions WHERE expires_at > ? AND expires_at <= ?"
            " ORDER BY expires_at",
            (mark, _iso(self._now())),
        ) as cur:
            rows = list(await cur.fetchall())
        return [str(r[0]) for r in rows], str(rows[-1][1]) if rows else mark

    async def login(
        self, username: str, password: str, *, client: str = "local"
    ) -> tuple[str, Principal] | None:
        """Open a session: its token and the person, or None for any bad credentials.

        Raises LoginRefused while the username or the client must wait, or the account is
        locked; a locked account's right password is refused like a wrong one, after the
        same work.
        """
        # One check at a time per username and per address (in that order, always): tried
        # side by side, guesses all passed the check before the first was counted, so a
        # burst of them, at one name or spread over many, escaped both limits.
        by_client = self._login_locks.setdefault(f"address {client}", asyncio.Lock())
        by_name = self._login_locks.setdefault(f"user {username.lower()}", asyncio.Lock())
        async with by_client, by_name:
            await self.throttle.check(username, client)
            found = await self._check_password(username, password)
            locked_for = await self.throttle.lock_remaining(username)
            if locked_for is not None:
                await self.audit.record("login.refused", await self._named(username), client=client)
                raise LoginRefused(locked_for, locked=True)
            if found is None:
                locked = await self.throttle.failed(username, client)
                kind = "login.locked" if locked else "login.failed"
                await self.audit.record(kind, await self._named(username), client=client)
                return None
            principal, encoded = found
            token = await self._open_session(principal.name, encoded)
            if token is None:  # a new password, or a disable, came while this one was checked
                await self.audit.record("login.failed", principal.name, client=client)
                return None
            await self.throttle.forget(principal.name)
            await self.audit.record("login.succeeded", principal.name, client=client)
            return token, principal

    async def _named(self, username: str) -> str:
        """Whom the access log names for a refused login: the account as it was added, or
        UNKNOWN_USER for a name nobody has. Such a name is often a password typed into the
        username box, and the access log keeps every entry for good."""
        return await self.stored_username(username) or UNKNOWN_USER

    async def _check_password(self, username: str, password: str) -> tuple[Principal, str] | None:
        """The person whose password this is, and the password hash now stored for them."""
        async with self._conn.execute(
            "SELECT username, role, password_hash, display_name, staff_no, disabled FROM users"
            " WHERE username = ? COLLATE NOCASE",
            (username,),
        ) as cur:
            row = await cur.fetchone()
        # An unknown username still pays for one hash, so timing does not tell which
        # usernames exist.
        encoded = self._hasher.dummy_hash if row is None else row[2]
        matched = await asyncio.to_thread(self._hasher.verify, password, encoded)
        if row is None or not matched or row[5]:
            return None
        username = row[0]  # as it was added
        if self._hasher.needs_rehash(encoded):
            # The hall raised the KDF cost since this password was set: upgrade it now,
            # the one moment the plain password is at hand.
            upgraded = await asyncio.to_thread(self._hasher.hash, password)
            # Only over the hash just checked: a new password set meanwhile is kept.
            async with self._conn.execute(
                "UPDATE users SET password_hash = ? WHERE username = ? AND password_hash = ?",
                (upgraded, username, encoded),
            ) as cur:
                if cur.rowcount == 1:
                    encoded = upgraded
        return Principal("user", username, Role(row[1]), None, row[3], row[4]), encoded

    async def _open_session(self, username: str, checked_hash: str) -> str | None:
        """A new session's token, or None if the person's password changed or they were
        disabled since `checked_hash` was checked (by another process, e.g. the CLI): their
        sessions were ended then, and this one must not outlive it."""
        now = self._now()
        token = new_token()
        await self._conn.execute(
            "DELETE FROM sessions WHERE expires_at <= ?", (_iso(now - ENDED_SESSIONS_KEPT),)
        )
        async with self._conn.execute(
            "INSERT INTO sessions (token_hash, username, created_at, expires_at)"
            " SELECT ?, username, ?, ? FROM users"
            " WHERE username = ? AND password_hash = ? AND disabled = 0",
            (hash_token(token), _iso(now), _iso(now + self._session_ttl), username, checked_hash),
        ) as cur:
            opened = cur.rowcount == 1
        return token if opened else None

    async def logout(self, token: str, *, client: str | None = None) -> str:
        """End a session; returns its token's hash (its open streams are closed by it)."""
        key = hash_token(token)
        async with self._conn.execute(
            "DELETE FROM sessions WHERE token_hash = ? RETURNING username", (key,)
        ) as cur:
            row = await cur.fetchone()
        self.forget(key)
        if row is not None:
            await self.audit.record("logout", str(row[0]), client=client)
        return key

    async def authenticate(self, token: str) -> Principal | None:
        """Who holds this session or device token, or None if nobody (any more)."""
        if not token or len(token) > _MAX_TOKEN_LENGTH:
            return None
        key = hash_token(token)
        now = self._now()
        cached = self._cache.get(key)
        # `since` guards against the wall clock stepping back, which would stretch the TTL.
        if cached is not None and cached.since <= now < cached.until:
            return cached.principal
        async with self._conn.execute(_LOOKUP, (key, _iso(now), key)) as cur:
            row = await cur.fetchone()
        if row is None:
            self._cache.pop(key, None)
            return None
        kind, name, role, window, display_name, staff_no, expires_at = row
        principal = Principal(kind, name, Role(role), window, display_name, staff_no)
        until = now + self._cache_ttl
        if expires_at is not None:
            until = min(until, datetime.fromisoformat(expires_at))
        self._remember(key, _Cached(principal, now, until))
        return principal

    async def has_admin(self) -> bool:
        async with self._conn.execute(
            "SELECT EXISTS (SELECT 1 FROM users WHERE role = ? AND disabled = 0)", (Role.ADMIN,)
        ) as cur:
            row = await cur.fetchone()
        return row is not None and bool(row[0])

    async def list_users(self) -> list[UserInfo]:
        async with self._conn.execute(
            "SELECT username, role, display_name, staff_no, created_at, disabled FROM users"
            " ORDER BY username"
        ) as cur:
            rows = await cur.fetchall()
        return [
            UserInfo(name, Role(role), display, staff, datetime.fromisoformat(created), bool(off))
            for name, role, display, staff, created, off in rows
        ]

    async def list_devices(self) -> list[DeviceInfo]:
        async with self._conn.execute(
            "SELECT name, role, window, created_at, revoked_at FROM devices ORDER BY name"
        ) as cur:
            rows = await cur.fetchall()
        return [
            DeviceInfo(
                name,
                Role(role),
                window,
                datetime.fromisoformat(created),
                None if revoked is None else datetime.fromisoformat(revoked),
            )
            for name, role, window, created, revoked in rows
        ]

    async def secret(self, name: str, size: int = 32) -> bytes:
        """The server secret called `name`, made of `size` random bytes the first time."""
        value = await self._fetch_secret(name)
        if value is None:
            # Two processes may race here: the first insert wins and both read back its value.
            await self._conn.execute(
                "INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                (name, secrets.token_bytes(size)),
            )
            value = await self._fetch_secret(name)
        if value is None or len(value) != size:
            raise AccountError(f"server secret {name!r} is missing or not {size} bytes long")
        return value

    async def _fetch_secret(self, name: str) -> bytes | None:
        async with self._conn.execute("SELECT value FROM secrets WHERE name = ?", (name,)) as cur:
            row = await cur.fetchone()
        return None if row is None else bytes(row[0])

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the clock must give timezone-aware datetimes")
        return now

    def _remember(self, key: str, entry: _Cached) -> None:
        if key not in self._cache and len(self._cache) >= _CACHE_SIZE:
            self._cache = {k: e for k, e in self._cache.items() if e.since <= entry.since < e.until}
            if len(self._cache) >= _CACHE_SIZE:
                del self._cache[next(iter(self._cache))]
        self._cache[key] = entry


def _role(value: Role | str, allowed: frozenset[Role], what: str) -> Role:
    if value not in allowed:
        raise AccountError(
            f"{value!r} is not a role for {what}; use one of {', '.join(sorted(allowed))}"
        )
    return Role(value)


def _check_name(name: str, what: str) -> None:
    if not _NAME.fullmatch(name):
        raise AccountError(
            f"{what} {name!r} must be 1 to 64 letters, digits, dots, dashes or underscores"
        )


def _iso(moment: datetime) -> str:
    # Always UTC with microseconds, so that stored times compare correctly as strings in SQL.
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
