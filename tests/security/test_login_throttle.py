"""Failed logins slow guessing down, then lock the account; nothing tells which names exist."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiosqlite
import pytest
from helpers import FakeClock, RunningHall

from queue_server.accounts import AccountStore, AuditQuery, LoginRefused, PasswordHasher
from queue_server.accounts.cli import cli_user_unlock
from queue_server.accounts.throttle import DEFAULT_POLICY
from queue_server.cli import main
from queue_server.store.database import open_database

StartHall = Callable[..., Awaitable[RunningHall]]
PASSWORD = "correct horse battery"
WRONG = "wrong password!"
T0 = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class CountingHasher(PasswordHasher):
    """A cheap hasher that counts how many passwords it verified."""

    verified: list[str] = field(default_factory=list, compare=False)

    def verify(self, password: str, encoded: str) -> bool:
        self.verified.append(password)
        return super().verify(password, encoded)


@pytest.fixture
async def conn(tmp_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    connection = await open_database(tmp_path / "hall.db")
    yield connection
    await connection.close()


@pytest.fixture
def utc_clock() -> FakeClock:
    return FakeClock(T0)


def store(conn: aiosqlite.Connection, clock: FakeClock, hasher: PasswordHasher) -> AccountStore:
    return AccountStore(conn, clock=clock, hasher=hasher)


async def attempt(accounts: AccountStore, username: str, password: str, client: str = "c") -> str:
    """What a login attempt came to: ok, bad, wait N, or locked N."""
    try:
        found = await accounts.login(username, password, client=client)
    except LoginRefused as refused:
        return f"{'locked' if refused.locked else 'wait'} {refused.retry_after}"
    return "bad" if found is None else "ok"


async def test_five_failures_make_the_next_try_wait_even_with_the_right_password(
    conn: aiosqlite.Connection, utc_clock: FakeClock
) -> None:
    accounts = store(conn, utc_clock, CountingHasher(n_log2=4, r=1))
    await accounts.add_user("wang", "clerk", PASSWORD)
    assert [await attempt(accounts, "wang", WRONG) for _ in range(5)] == ["bad"] * 5
    assert await attempt(accounts, "wang", PASSWORD) == "wait 30"
    utc_clock.advance(seconds=29)
    assert await attempt(accounts, "wang", PASSWORD) == "wait 1"
    utc_clock.advance(seconds=1)
    assert await attempt(accounts, "wang", PASSWORD) == "ok"
    # The good login forgot the failures: five more are allowed before any wait.
    assert [await attempt(accounts, "wang", WRONG) for _ in range(5)] == ["bad"] * 5


async def fail_until_locked(accounts: AccountStore, username: str, clock: FakeClock) -> list[str]:
    """Guess wrong as fast as the throttle lets one, until the account locks."""
    outcomes = []
    failures = 0
    while failures < DEFAULT_POLICY.lock_after:
        outcome = await attempt(accounts, username, WRONG, client=username)
        outcomes.append(outcome)
        if outcome.startswith("wait"):
            clock.advance(seconds=int(outcome.split()[1]))
        else:
            assert outcome == "bad"
            failures += 1
    return outcomes


async def test_ten_failures_lock_the_account_for_an_hour_and_the_right_password_fails_alike(
    conn: aiosqlite.Connection, utc_clock: FakeClock
) -> None:
    hasher = CountingHasher(n_log2=4, r=1)
    accounts = store(conn, utc_clock, hasher)
    await accounts.add_user("wang", "clerk", PASSWORD)
    waits = [o for o in await fail_until_locked(accounts, "wang", utc_clock) if o != "bad"]
    assert waits == ["wait 30", "wait 60", "wait 120", "wait 240", "wait 480"]
    locked_at = utc_clock.now
    # The tenth failure locked the account and made the next try wait the longest backoff.
    assert await attempt(accounts, "wang", PASSWORD) == "wait 900"
    utc_clock.advance(seconds=900)
    # Then the right and a wrong password are both verified, and both refused alike.
    before = len(hasher.verified)
    assert await attempt(accounts, "wang", PASSWORD) == "locked 2700"
    assert await attempt(accounts, "wang", WRONG) == "locked 2700"
    assert hasher.verified[before:] == [PASSWORD, WRONG]
    utc_clock.now = locked_at + DEFAULT_POLICY.lock_time
    assert await attempt(accounts, "wang", PASSWORD) == "ok"


async def test_guesses_in_any_case_count_against_one_username(
    conn: aiosqlite.Connection, utc_clock: FakeClock
) -> None:
    accounts = store(conn, utc_clock, PasswordHasher(n_log2=4, r=1))
    await accounts.add_user("wang", "clerk", PASSWORD)
    spellings = ["wang", "WANG", "Wang", "wAng", "waNG"]
    assert [await attempt(accounts, name, WRONG, client=name) for name in spellings] == ["bad"] * 5
    assert await attempt(accounts, "WaNg", PASSWORD, client="another") == "wait 30"


async def test_slow_guessing_never_locks(conn: aiosqlite.Connection, utc_clock: FakeClock) -> None:
    accounts = store(conn, utc_clock, PasswordHasher(n_log2=4, r=1))
    await accounts.add_user("wang", "clerk", PASSWORD)
    for _ in range(3 * DEFAULT_POLICY.lock_after):
        assert await attempt(accounts, "wang", WRONG) == "bad"
        utc_clock.advance(seconds=DEFAULT_POLICY.window.total_seconds() / 4)
    assert await attempt(accounts, "wang", PASSWORD) == "ok"


async def test_a_lock_out_survives_a_restart_and_an_admin_lifts_it(
    tmp_path: Path, utc_clock: FakeClock
) -> None:
    path = tmp_path / "hall.db"
    conn = await open_database(path)
    accounts = store(conn, utc_clock, PasswordHasher(n_log2=4, r=1))
    await accounts.add_user("wang", "clerk", PASSWORD)
    await fail_until_locked(accounts, "wang", utc_clock)
    utc_clock.advance(minutes=20)
    await conn.close()

    conn = await open_database(path)
    try:
        accounts = store(conn, utc_clock, PasswordHasher(n_log2=4, r=1))
        assert await attempt(accounts, "wang", PASSWORD) == "locked 2400"
        assert await cli_user_unlock(path, "wang") == 0
        assert await cli_user_unlock(path, "nobody") == 2
        assert await attempt(accounts, "wang", PASSWORD) == "ok"
        entries = await accounts.audit.access(AuditQuery(limit=1000))
        kinds = [e["kind"] for e in entries]
        assert kinds == [
            "user.added",
            *["login.failed"] * 9,
            "login.locked",
            "login.refused",
            "user.unlocked",
            "login.succeeded",
        ]
        assert {e["client"] for e in entries if e["kind"].startswith("login")} == {"wang", "c"}
    finally:
        await conn.close()


async def test_a_name_nobody_has_answers_exactly_like_a_real_one(
    conn: aiosqlite.Connection, utc_clock: FakeClock
) -> None:
    accounts = store(conn, utc_clock, PasswordHasher(n_log2=4, r=1))
    await accounts.add_user("wang", "clerk", PASSWORD)
    real = await fail_until_locked(accounts, "wang", utc_clock)
    ghost = await fail_until_locked(accounts, "ghost", utc_clock)
    assert real == ghost
    utc_clock.advance(seconds=900)
    assert await attempt(accounts, "wang", PASSWORD) == "locked 1770"  # locked first
    assert await attempt(accounts, "ghost", PASSWORD) == "locked 2700"


async def test_one_address_guessing_many_names_is_slowed_down(
    conn: aiosqlite.Connection, utc_clock: FakeClock
) -> None:
    accounts = store(conn, utc_clock, PasswordHasher(n_log2=4, r=1))
    await accounts.add_user("wang", "clerk", PASSWORD)
    spread = [await attempt(accounts, f"user{n}", WRONG, client="10.0.0.9") for n in range(20)]
    assert spread == ["bad"] * 20
    assert await attempt(accounts, "wang", PASSWORD, client="10.0.0.9") == "wait 30"
    assert await attempt(accounts, "wang", PASSWORD, client="10.0.0.10") == "ok"


async def test_parallel_guesses_cannot_outrun_the_count(
    conn: aiosqlite.Connection, utc_clock: FakeClock
) -> None:
    accounts = store(conn, utc_clock, PasswordHasher(n_log2=4, r=1))
    await accounts.add_user("wang", "clerk", PASSWORD)
    outcomes = await asyncio.gather(*(attempt(accounts, "wang", WRONG) for _ in range(30)))
    assert outcomes.count("bad") == DEFAULT_POLICY.user_backoff_after
    assert outcomes.count("wait 30") == 30 - DEFAULT_POLICY.user_backoff_after


async def test_parallel_guesses_at_many_names_cannot_outrun_the_address_count(
    conn: aiosqlite.Connection, utc_clock: FakeClock
) -> None:
    """Password spraying: one password tried on many names at once from one address."""
    accounts = store(conn, utc_clock, PasswordHasher(n_log2=4, r=1))
    spray = (attempt(accounts, f"user{n}", WRONG, client="10.0.0.9") for n in range(40))
    outcomes = await asyncio.gather(*spray)
    assert outcomes.count("bad") == DEFAULT_POLICY.client_backoff_after
    assert outcomes.count("wait 30") == 40 - DEFAULT_POLICY.client_backoff_after


async def test_the_server_answers_429_with_retry_after_until_an_admin_unlocks(
    start_hall: StartHall,
) -> None:
    hall = await start_hall()
    admin = await hall.person("root", "admin")
    await hall.person("wang", "clerk")
    login = f"{hall.url}/api/v1/session"
    for _ in range(5):
        async with hall.http.post(login, json={"username": "wang", "password": WRONG}) as answer:
            assert answer.status == 401
    async with hall.http.post(login, json={"username": "wang", "password": PASSWORD}) as answer:
        body = await answer.json()
        assert (answer.status, body["error"]["code"]) == (429, "too_many_attempts")
        assert 1 <= int(answer.headers["Retry-After"]) <= 30
    status, people = await hall.call("GET", "/api/v1/users", admin)
    assert status == 200 and {u["username"] for u in people["users"]} == {"root", "wang"}
    status, _ = await hall.call("POST", "/api/v1/users/wang/unlock", admin)
    assert status == 200
    assert (await hall.call("POST", "/api/v1/users/nobody/unlock", admin))[0] == 404
    async with hall.http.post(login, json={"username": "wang", "password": PASSWORD}) as answer:
        assert answer.status == 200


def test_hallq_user_unlock(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "hall.db"
    clock = FakeClock(T0)

    async def lock_then(then: Callable[[AccountStore], Awaitable[str]]) -> str:
        conn = await open_database(db)
        try:
            accounts = store(conn, clock, PasswordHasher(n_log2=4, r=1))
            if await accounts.stored_username("wang") is None:
                await accounts.add_user("wang", "clerk", PASSWORD)
                await fail_until_locked(accounts, "wang", clock)
                clock.advance(seconds=900)
            return await then(accounts)
        finally:
            await conn.close()

    assert asyncio.run(lock_then(lambda a: attempt(a, "wang", PASSWORD))).startswith("locked")
    assert main(["user", "unlock", "wang", "--db", str(db)]) == 0
    assert main(["user", "unlock", "nobody", "--db", str(db)]) == 2
    assert "no user named 'nobody'" in capsys.readouterr().err
    assert asyncio.run(lock_then(lambda a: attempt(a, "wang", PASSWORD))) == "ok"
