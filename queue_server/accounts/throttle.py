"""Login throttling and lock-out: failed logins slow down guessing, then lock the account.

Failures are counted per username and per client address in the `login_failures` table, so
the count survives a restart. The numbers are the hall's security policy (docs/security.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aiosqlite


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failures, within what window, lead to what."""

    window: timedelta = timedelta(hours=1)  # failures older than this are forgotten
    user_backoff_after: int = 5  # failures of one username before each try must wait
    client_backoff_after: int = 20  # failures from one address (many usernames)
    lock_after: int = 10  # failures of one username that lock the account
    lock_time: timedelta = timedelta(hours=1)  # or until an admin unlocks it
    first_backoff: timedelta = timedelta(seconds=30)  # doubled with every further failure
    max_backoff: timedelta = timedelta(minutes=15)


DEFAULT_POLICY = ThrottlePolicy()


class LoginRefused(Exception):
    """Too many failed logins: try again after `retry_after` seconds (429)."""

    def __init__(self, retry_after: int, *, locked: bool) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after
        self.locked = locked


def user_subject(username: str) -> str:
    """Usernames are told apart without regard to case: 'Wang' and 'wang' share failures."""
    return f"user:{username.lower()}"


def client_subject(client: str) -> str:
    return f"client:{client}"


_COUNT = """
    INSERT INTO login_failures (subject, failures, first_at) VALUES (:subject, 1, :now)
    ON CONFLICT (subject) DO UPDATE SET
        failures = CASE WHEN first_at <= :forget THEN 1 ELSE failures + 1 END,
        first_at = CASE WHEN first_at <= :forget THEN :now ELSE first_at END
    RETURNING failures
"""


class LoginThrottle:
    """Tells whether a login may be tried now, and counts the failures.

    Usernames nobody has are counted and locked exactly like real ones, so neither the
    answers nor their timing tell which usernames exist.
    """

    def __init__(
        self,
        conn: aiosqlite.Connection,
        *,
        clock: Callable[[], datetime],
        policy: ThrottlePolicy = DEFAULT_POLICY,
    ) -> None:
        self._conn = conn
        self._clock = clock
        self.policy = policy

    async def check(self, username: str, client: str) -> None:
        """Raise LoginRefused while either the username or the address must wait."""
        now = _iso(self._clock())
        async with self._conn.execute(
            "SELECT MAX(blocked_until) FROM login_failures"
            " WHERE subject IN (?, ?) AND blocked_until > ?",
            (user_subject(username), client_subject(client), now),
        ) as cur:
            row = await cur.fetchone()
        if row is not None and row[0] is not None:
            raise LoginRefused(self._seconds_until(row[0]), locked=False)

    async def lock_remaining(self, username: str) -> int | None:
        """Seconds until the account unlocks by itself, or None when it is not locked."""
        async with self._conn.execute(
            "SELECT locked_until FROM login_failures WHERE subject = ? AND locked_until > ?",
            (user_subject(username), _iso(self._clock())),
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else self._seconds_until(row[0])

    async def failed(self, username: str, client: str) -> bool:
        """Count one failure; returns True when this failure locked the account."""
        policy = self.policy
        locked = False
        for subject, backoff_after in (
            (user_subject(username), policy.user_backoff_after),
            (client_subject(client), policy.client_backoff_after),
        ):
            failures = await self._count(subject)
            if failures >= backoff_after:
                await self._block(subject, failures - backoff_after)
            if subject == user_subject(username) and failures == policy.lock_after:
                until = _iso(self._clock() + policy.lock_time)
                await self._conn.execute(
                    "UPDATE login_failures SET locked_until = ? WHERE subject = ?",
                    (until, subject),
                )
                locked = True
        return locked

    async def forget(self, username: str) -> None:
        """Forget the username's failures and lock-out: after a good login, or an unlock.

        The address's failures decay on their own, so that one valid account cannot be used
        to keep guessing others from the same place.
        """
        await self._conn.execute(
            "DELETE FROM login_failures WHERE subject = ?", (user_subject(username),)
        )

    async def _count(self, subject: str) -> int:
        now = self._clock()
        params = {"subject": subject, "now": _iso(now), "forget": _iso(now - self.policy.window)}
        async with self._conn.execute(_COUNT, params) as cur:
            row = await cur.fetchone()
        assert row is not None
        return int(row[0])

    async def _block(self, subject: str, extra_failures: int) -> None:
        policy = self.policy
        backoff = min(policy.first_backoff * (2 ** min(extra_failures, 16)), policy.max_backoff)
        await self._conn.execute(
            "UPDATE login_failures SET blocked_until = ? WHERE subject = ?",
            (_iso(self._clock() + backoff), subject),
        )

    def _seconds_until(self, stored: str) -> int:
        left = datetime.fromisoformat(stored) - self._clock()
        return max(1, math.ceil(left.total_seconds()))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
