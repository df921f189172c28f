"""The account store (people, devices, sessions, secrets) and the CLI helpers built on it."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import aiosqlite
import pytest

from queue_server.accounts import (
    AccountError,
    AccountStore,
    AuditQuery,
    PasswordHasher,
    Principal,
    Role,
    hash_token,
)
from queue_server.accounts.cli import cli_device_add, cli_user_add
from queue_server.store.database import open_database

FAST = PasswordHasher(n_log2=10)
PASSWORD = "correct horse"


class FakeClock(Protocol):
    """The shape of the `clock` fixture from tests/conftest.py."""

    now: datetime

    def __call__(self) -> datetime: ...

    def advance(self, **delta: float) -> object: ...


def _database_files(db_path: Path) -> bytes:
    """The raw bytes of the database and its WAL, where a stray plaintext token would show."""
    return b"".join(file.read_bytes() for file in db_path.parent.glob(db_path.name + "*"))


OpenStore = Callable[..., Awaitable[AccountStore]]
OpenConn = Callable[[], Awaitable[aiosqlite.Connection]]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "hall.db"


@pytest.fixture
async def open_conn(db_path: Path) -> AsyncIterator[OpenConn]:
    """Opens connections to the test database; each one is a process of its own, in effect."""
    conns: list[aiosqlite.Connection] = []

    async def _open() -> aiosqlite.Connection:
        conns.append(await open_database(db_path))
        return conns[-1]

    yield _open
    for conn in conns:
        await conn.close()


@pytest.fixture
def open_store(open_conn: OpenConn, clock: FakeClock) -> OpenStore:
    async def _open(**options: Any) -> AccountStore:
        options.setdefault("hasher", FAST)
        return AccountStore(await open_conn(), clock=clock, **options)

    return _open


async def test_login_gives_a_session_that_authenticates(open_store: OpenStore) -> None:
    store = await open_store()
    await store.add_user("zhang.san", Role.CLERK, PASSWORD, display_name="张三", staff_no="0427")

    result = await store.login("zhang.san", PASSWORD)

    assert result is not None
    token, principal = result
    assert principal == Principal("user", "zhang.san", Role.CLERK, None, "张三", "0427")
    assert await store.authenticate(token) == principal


async def test_wrong_password_or_unknown_user_gets_nothing(open_store: OpenStore) -> None:
    store = await open_store()
    await store.add_user("li", "manager", PASSWORD)

    assert await store.login("li", "correct horsf") is None
    assert await store.login("wang", PASSWORD) is None


async def test_disabled_user_cannot_log_in_or_use_a_session(
    open_store: OpenStore, open_conn: OpenConn, clock: FakeClock
) -> None:
    store = await open_store()
    await store.add_user("li", "clerk", PASSWORD)
    result = await store.login("li", PASSWORD)
    assert result is not None

    other = await open_conn()
    await other.execute("UPDATE users SET disabled = 1 WHERE username = 'li'")
    clock.advance(seconds=2)

    assert await store.login("li", PASSWORD) is None
    assert await store.authenticate(result[0]) is None


@dataclass(frozen=True)
class RecordingHasher(PasswordHasher):
    """Records each hash it verifies against, to show which path a login took."""

    verified: list[str] = field(default_factory=list)

    def verify(self, password: str, encoded: str) -> bool:
        self.verified.append(encoded)
        return super().verify(password, encoded)


async def test_unknown_user_pays_for_a_hash_like_a_wrong_password(
    open_store: OpenStore,
) -> None:
    hasher = RecordingHasher(n_log2=10)
    store = await open_store(hasher=hasher)
    await store.add_user("li", "clerk", PASSWORD)

    assert await store.login("li", "wrong password") is None
    assert await store.login("nobody", "wrong password") is None

    stored, dummy = hasher.verified
    assert dummy == hasher.dummy_hash
    assert dummy.split("$")[:4] == stored.split("$")[:4] == ["scrypt", "10", "8", "1"]


async def test_unknown_user_login_runs_the_real_kdf(open_store: OpenStore) -> None:
    store = await open_store(hasher=PasswordHasher())

    start = time.perf_counter()
    assert await store.login("nobody", "wrong password") is None

    # Without the dummy hash this takes well under a millisecond; scrypt at n=2**15 takes
    # tens of milliseconds on any machine. Load can only make it slower, so this is stable.
    assert time.perf_counter() - start > 0.010


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("", "empty"),
        ("short", "shorter than 8"),
        ("20261207", "two kinds"),
    ],
)
async def test_weak_passwords_create_nobody(
    open_store: OpenStore, password: str, reason: str
) -> None:
    store = await open_store()

    with pytest.raises(AccountError, match=reason):
        await store.add_user("li", "clerk", password)
    assert await store.list_users() == []


async def test_duplicate_username_is_refused(open_store: OpenStore) -> None:
    store = await open_store()
    await store.add_user("li", "clerk", PASSWORD)

    with pytest.raises(AccountError, match="'li' already exists"):
        await store.add_user("li", "admin", "another password")


async def test_a_username_in_another_case_is_the_same_person(open_store: OpenStore) -> None:
    store = await open_store()
    await store.add_user("Wang.Wu", "clerk", PASSWORD)

    with pytest.raises(AccountError, match=re.escape("'wang.wu' already exists as 'Wang.Wu'")):
        await store.add_user("wang.wu", "admin", PASSWORD)
    session = await store.login("WANG.WU", PASSWORD)
    assert session is not None
    token, person = session
    assert person.name == "Wang.Wu"  # as added, whatever the clerk typed
    assert await store.authenticate(token) == person
    assert [u.username for u in await store.list_users()] == ["Wang.Wu"]


@pytest.mark.parametrize("name", ["", "x" * 65, "li si", "张三", "li\n", "a/b"])
async def test_bad_names_are_refused(open_store: OpenStore, name: str) -> None:
    store = await open_store()

    with pytest.raises(AccountError, match="letters, digits"):
        await store.add_user(name, "clerk", PASSWORD)
    with pytest.raises(AccountError, match="letters, digits"):
        await store.add_device(name, "kiosk")


async def test_people_and_devices_keep_to_their_roles(open_store: OpenStore) -> None:
    store = await open_store()

    with pytest.raises(AccountError, match="not a role for a person"):
        await store.add_user("li", "kiosk", PASSWORD)
    with pytest.raises(AccountError, match="not a role for a device"):
        await store.add_device("k1", "admin")
    with pytest.raises(AccountError, match="not a role"):
        await store.add_user("li", "root", PASSWORD)


async def test_device_token_is_stored_only_as_its_hash(
    open_store: OpenStore, open_conn: OpenConn, db_path: Path
) -> None:
    store = await open_store()
    token = await store.add_device("kiosk-1", Role.KIOSK)

    conn = await open_conn()
    async with conn.execute("SELECT * FROM devices") as cur:
        rows = [tuple(row) for row in await cur.fetchall()]
    assert len(rows) == 1
    assert hash_token(token) in rows[0]
    assert all(token not in str(value) for value in rows[0])
    assert token.encode() not in _database_files(db_path)


async def test_devices_authenticate_with_their_window(open_store: OpenStore) -> None:
    store = await open_store()
    station = await store.add_device("st-3", Role.STATION, window="3")
    kiosk = await store.add_device("kiosk-1", Role.KIOSK)

    assert await store.authenticate(station) == Principal("device", "st-3", Role.STATION, "3")
    assert await store.authenticate(kiosk) == Principal("device", "kiosk-1", Role.KIOSK, None)


@pytest.mark.parametrize(
    ("role", "window", "reason"),
    [
        ("station", None, "give its window"),
        ("pad", "", "give its window"),
        ("kiosk", "3", "has no window"),
        ("board", "3", "has no window"),
    ],
)
async def test_window_binding_rules(
    open_store: OpenStore, role: str, window: str | None, reason: str
) -> None:
    store = await open_store()

    with pytest.raises(AccountError, match=reason):
        await store.add_device("dev", role, window=window)
    assert await store.list_devices() == []


async def test_revocation_elsewhere_takes_effect_after_the_cache_ttl(
    open_store: OpenStore, clock: FakeClock
) -> None:
    server, cli = await open_store(), await open_store()
    token = await server.add_device("pad-3", Role.PAD, window="3")
    assert await server.authenticate(token) is not None

    await cli.revoke_device("pad-3")
    clock.advance(seconds=1.9)
    assert await server.authenticate(token) is not None
    clock.advance(seconds=0.1)
    assert await server.authenticate(token) is None


async def test_revocation_in_the_same_store_is_immediate(open_store: OpenStore) -> None:
    store = await open_store()
    token = await store.add_device("board-1", Role.BOARD)
    assert await store.authenticate(token) is not None

    await store.revoke_device("board-1")

    assert await store.authenticate(token) is None
    [device] = await store.list_devices()
    assert device.revoked_at is not None


async def test_revoking_an_unknown_device_is_an_error(open_store: OpenStore) -> None:
    store = await open_store()

    with pytest.raises(AccountError, match="no device named 'ghost'"):
        await store.revoke_device("ghost")


async def test_revoked_device_name_can_get_a_new_token(open_store: OpenStore) -> None:
    store = await open_store()
    old = await store.add_device("kiosk-1", Role.KIOSK)
    with pytest.raises(AccountError, match="already exists"):
        await store.add_device("kiosk-1", Role.KIOSK)

    await store.revoke_device("kiosk-1")
    new = await store.add_device("kiosk-1", Role.KIOSK)

    assert await store.authenticate(old) is None
    assert await store.authenticate(new) == Principal("device", "kiosk-1", Role.KIOSK)
    [device] = await store.list_devices()
    assert device.revoked_at is None


async def test_session_expires(open_store: OpenStore, clock: FakeClock) -> None:
    store = await open_store(session_ttl=timedelta(hours=1))
    await store.add_user("li", "clerk", PASSWORD)
    result = await store.login("li", PASSWORD)
    assert result is not None

    clock.advance(minutes=59, seconds=59)
    assert await store.authenticate(result[0]) is not None
    clock.advance(seconds=1)
    assert await store.authenticate(result[0]) is None


async def test_cache_never_outlives_the_session(open_store: OpenStore, clock: FakeClock) -> None:
    store = await open_store(session_ttl=timedelta(seconds=1), cache_ttl=timedelta(seconds=10))
    await store.add_user("li", "clerk", PASSWORD)
    result = await store.login("li", PASSWORD)
    assert result is not None
    assert await store.authenticate(result[0]) is not None

    clock.advance(seconds=1)

    assert await store.authenticate(result[0]) is None


async def test_expired_sessions_are_cleared_at_the_next_login(
    open_store: OpenStore, open_conn: OpenConn, clock: FakeClock
) -> None:
    store = await open_store()
    await store.add_user("li", "clerk", PASSWORD)
    await store.login("li", PASSWORD)
    clock.advance(hours=13)

    await store.login("li", PASSWORD)

    conn = await open_conn()
    async with conn.execute("SELECT COUNT(*) FROM sessions") as cur:
        assert await cur.fetchone() == (1,)


async def test_logout_ends_the_session_at_once(open_store: OpenStore) -> None:
    store = await open_store()
    await store.add_user("li", "clerk", PASSWORD)
    result = await store.login("li", PASSWORD)
    assert result is not None
    assert await store.authenticate(result[0]) is not None

    await store.logout(result[0])

    assert await store.authenticate(result[0]) is None


@pytest.mark.parametrize("token", ["", "nonsense", "x" * 10_000])
async def test_unknown_tokens_are_refused(open_store: OpenStore, token: str) -> None:
    store = await open_store()

    assert await store.authenticate(token) is None


async def test_has_admin(open_store: OpenStore) -> None:
    store = await open_store()
    assert not await store.has_admin()

    await store.add_user("li", "manager", PASSWORD)
    assert not await store.has_admin()

    await store.add_user("root", "admin", PASSWORD)
    assert await store.has_admin()


async def test_lists_show_accounts_without_secrets(open_store: OpenStore, clock: FakeClock) -> None:
    store = await open_store()
    await store.add_user("wang", "admin", PASSWORD)
    await store.add_user("li", "clerk", PASSWORD, display_name="李四")
    await store.add_device("st-1", "station", window="1")

    users, devices = await store.list_users(), await store.list_devices()

    assert [(u.username, u.role, u.display_name, u.disabled) for u in users] == [
        ("li", Role.CLERK, "李四", False),
        ("wang", Role.ADMIN, None, False),
    ]
    assert users[0].created_at == clock.now
    assert [(d.name, d.role, d.window, d.revoked_at) for d in devices] == [
        ("st-1", Role.STATION, "1", None)
    ]
    assert not any("hash" in field for field in vars(users[0]) | vars(devices[0]))


async def test_secret_is_stable_across_calls_and_reopening(open_store: OpenStore) -> None:
    first = await (await open_store()).secret("id_hmac")
    again = await (await open_store()).secret("id_hmac")
    other = await (await open_store()).secret("other", size=16)

    assert len(first) == 32
    assert first == again
    assert len(other) == 16
    assert other != first[:16]


async def test_secret_of_another_size_is_refused(open_store: OpenStore) -> None:
    store = await open_store()
    await store.secret("id_hmac")

    with pytest.raises(AccountError, match="not 64 bytes"):
        await store.secret("id_hmac", size=64)


async def test_clock_must_be_timezone_aware(open_conn: OpenConn) -> None:
    store = AccountStore(await open_conn(), clock=datetime.now, hasher=FAST)

    with pytest.raises(ValueError, match="timezone-aware"):
        await store.add_device("kiosk-1", "kiosk")


async def test_cli_user_add_reads_one_line_from_stdin(
    db_path: Path, open_store: OpenStore, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await cli_user_add(db_path, "li", "clerk", b"correct horse\n") == 0

    out, err = capsys.readouterr()
    assert out == "created clerk 'li'\n"
    assert err == ""
    store = await open_store()
    assert await store.login("li", PASSWORD) is not None


@pytest.mark.parametrize(
    ("role", "stdin", "reason"),
    [
        ("clerk", b"", "empty"),
        ("clerk", b"short\n", "shorter than 8"),
        ("clerk", b"first line\nsecond line\n", "single line"),
        ("root", b"correct horse\n", "not a role"),
        # 密码2026 saved in GBK: read as UTF-8 it was a traceback, or a password nobody types
        ("clerk", "密码2026abc\n".encode("gbk"), "not UTF-8"),
    ],
)
async def test_cli_user_add_errors_exit_2(
    db_path: Path, capsys: pytest.CaptureFixture[str], role: str, stdin: bytes, reason: str
) -> None:
    assert await cli_user_add(db_path, "li", role, stdin) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("hallq: error: ")
    assert reason in err
    assert list(db_path.parent.iterdir()) == []  # no database made for nothing


async def test_cli_user_add_duplicate_exits_2(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await cli_user_add(db_path, "li", "clerk", PASSWORD.encode()) == 0
    assert await cli_user_add(db_path, "li", "clerk", PASSWORD.encode()) == 2

    assert "already exists" in capsys.readouterr().err


async def test_cli_device_add_prints_the_token_last_and_once(
    db_path: Path, open_store: OpenStore, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await cli_device_add(db_path, "st-3", "station", "3", known_windows={"1", "2", "3"})

    out, err = capsys.readouterr()
    assert code == 0
    assert err == ""
    token = out.splitlines()[-1]
    assert out.count(token) == 1
    store = await open_store()
    assert await store.authenticate(token) == Principal("device", "st-3", Role.STATION, "3")


@pytest.mark.parametrize(
    ("window", "hint"),
    [
        ("a2", "did you mean 'A2'?"),
        ("A-12", "did you mean 'A12'?"),
        ("B7", "its windows are: A12, A2"),
    ],
)
async def test_cli_device_add_refuses_a_window_the_hall_lacks(
    db_path: Path,
    open_store: OpenStore,
    capsys: pytest.CaptureFixture[str],
    window: str,
    hint: str,
) -> None:
    code = await cli_device_add(db_path, "st", "station", window, known_windows={"A2", "A12"})

    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert f"the hall has no window {window!r}; {hint}" in err
    assert await (await open_store()).list_devices() == []


@pytest.mark.parametrize(
    ("role", "window", "reason"),
    [("kiosk", "3", "has no window"), ("station", None, "give its window"), ("tv", None, "role")],
)
async def test_cli_device_add_errors_exit_2(
    db_path: Path,
    capsys: pytest.CaptureFixture[str],
    role: str,
    window: str | None,
    reason: str,
) -> None:
    assert await cli_device_add(db_path, "dev", role, window) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert reason in err


@pytest.fixture
def not_a_database(db_path: Path) -> Path:
    db_path.write_bytes(b"not a database, just some bytes" * 100)
    return db_path


async def test_cli_reports_a_file_that_is_not_a_database(
    not_a_database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await cli_device_add(not_a_database, "kiosk-1", "kiosk", None) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("hallq: error: ")
    assert "not a database" in err


async def test_a_login_upgrades_a_hash_made_at_an_older_cost(
    open_store: OpenStore, open_conn: OpenConn
) -> None:
    old = await open_store(hasher=PasswordHasher(n_log2=10))
    await old.add_user("wang", "clerk", PASSWORD)
    new = await open_store(hasher=PasswordHasher(n_log2=11))
    assert await new.login("wang", PASSWORD) is not None
    conn = await open_conn()
    async with conn.execute("SELECT password_hash FROM users WHERE username = 'wang'") as cur:
        row = await cur.fetchone()
    assert row is not None and row[0].startswith("scrypt$11$")
    assert await new.login("wang", PASSWORD) is not None
    assert await new.login("wang", "wrong password") is None


async def _sessions_of(store: AccountStore, username: str, count: int) -> list[str]:
    tokens = []
    for _ in range(count):
        result = await store.login(username, PASSWORD)
        assert result is not None
        tokens.append(result[0])
    return tokens


async def _access_kinds(store: AccountStore) -> list[tuple[str, str, str | None]]:
    entries = await store.audit.access(AuditQuery(limit=1000))
    return [(e["kind"], e["actor"], e["subject"]) for e in entries]


async def test_a_new_password_logs_in_and_ends_every_session(open_store: OpenStore) -> None:
    store = await open_store()
    await store.add_user("li", "clerk", PASSWORD)
    tokens = await _sessions_of(store, "li", 2)

    ended = await store.set_password("Li", "new secret 2026", by="user:root")

    assert sorted(ended) == sorted(hash_token(t) for t in tokens)
    assert [await store.authenticate(t) for t in tokens] == [None, None]
    assert await store.login("li", PASSWORD) is None
    assert await store.login("li", "new secret 2026") is not None
    assert ("user.password_set", "user:root", "user:li") in await _access_kinds(store)


@pytest.mark.parametrize(
    ("username", "password", "reason"),
    [
        ("li", "short1", "shorter than 8"),
        ("li", "abcdefghij", "two kinds"),
        ("wang.wu", "wang.wu-2026", "must not contain the username"),
        ("ghost", "new secret 2026", "no user named 'ghost'"),
    ],
)
async def test_a_refused_new_password_changes_nothing(
    open_store: OpenStore, username: str, password: str, reason: str
) -> None:
    store = await open_store()
    for name in ("li", "wang.wu"):
        await store.add_user(name, "clerk", PASSWORD)
    [token] = await _sessions_of(store, "li", 1)

    with pytest.raises(AccountError, match=reason):
        await store.set_password(username, password)

    assert await store.authenticate(token) is not None
    for name in ("li", "wang.wu"):
        assert await store.login(name, PASSWORD) is not None
    assert not any(kind == "user.password_set" for kind, _, _ in await _access_kinds(store))


async def test_a_disabled_person_cannot_log_in_until_enabled_again(
    open_store: OpenStore,
) -> None:
    store = await open_store()
    await store.add_user("li", "clerk", PASSWORD)
    [token] = await _sessions_of(store, "li", 1)

    assert await store.disable_user("LI") == [hash_token(token)]

    assert await store.authenticate(token) is None
    assert await store.login("li", PASSWORD) is None
    assert [u.disabled for u in await store.list_users()] == [True]
    assert await store.disable_user("li") == []  # again: nothing more to end, nor to log

    await store.enable_user("li", by="user:root")

    assert await store.authenticate(token) is None  # the old session stays ended
    assert await store.login("li", PASSWORD) is not None
    assert [u.disabled for u in await store.list_users()] == [False]
    changes = [e for e in await _access_kinds(store) if e[0] in ("user.disabled", "user.enabled")]
    assert changes == [
        ("user.disabled", "cli", "user:li"),
        ("user.enabled", "user:root", "user:li"),
    ]


async def test_the_last_enabled_admin_cannot_be_disabled(open_store: OpenStore) -> None:
    store = await open_store()
    await store.add_user("root", "admin", PASSWORD)
    await store.add_user("zhao", "admin", PASSWORD)
    await store.add_user("li", "clerk", PASSWORD)

    await store.disable_user("zhao")
    with pytest.raises(AccountError, match="'root' is the last enabled admin"):
        await store.disable_user("root")

    assert await store.login("root", PASSWORD) is not None
    assert await store.has_admin()
    await store.enable_user("zhao")
    await store.disable_user("root")
    assert [(u.username, u.disabled) for u in await store.list_users()] == [
        ("li", False),
        ("root", True),
        ("zhao", False),
    ]


@pytest.mark.parametrize("change", ["disable_user", "enable_user"])
async def test_disabling_or_enabling_nobody_is_an_error(open_store: OpenStore, change: str) -> None:
    store = await open_store()

    with pytest.raises(AccountError, match="no user named 'ghost'"):
        await getattr(store, change)("ghost")


async def test_a_running_server_learns_which_sessions_another_process_ended(
    open_store: OpenStore, clock: FakeClock
) -> None:
    server, cli = await open_store(), await open_store()
    for name in ("li", "wang", "zhao"):
        await server.add_user(name, "clerk", PASSWORD)
    li, wang, zhao = [(await _sessions_of(server, n, 1))[0] for n in ("li", "wang", "zhao")]
    _, mark = await server.sessions_ended_since("")

    ended_li = await cli.disable_user("li")
    ended_wang = await cli.set_password("wang", "new secret 2026")
    clock.advance(seconds=1)
    ended, mark = await server.sessions_ended_since(mark)

    assert sorted(ended) == sorted([*ended_li, *ended_wang])
    assert sorted(ended) == sorted(hash_token(t) for t in (li, wang))
    assert await server.sessions_ended_since(mark) == ([], mark)
    # A login soon after keeps the ended sessions, so a slow look still finds them.
    assert await server.login("zhao", PASSWORD) is not None
    assert sorted((await server.sessions_ended_since(""))[0]) == sorted(ended)
    assert await server.authenticate(zhao) is not None


@dataclass(frozen=True)
class ChangedMidLogin(PasswordHasher):
    """Another process sets a new password while a login checks the old one."""

    db_path: Path = Path()

    def verify(self, password: str, encoded: str) -> bool:
        matched = super().verify(password, encoded)
        with sqlite3.connect(self.db_path) as conn:
            conn.execute("UPDATE users SET password_hash = 'changed' WHERE username = 'li'")
        return matched


async def test_a_login_racing_a_new_password_opens_no_session(
    open_store: OpenStore, open_conn: OpenConn, db_path: Path
) -> None:
    store = await open_store()
    await store.add_user("li", "clerk", PASSWORD)
    racing = await open_store(hasher=ChangedMidLogin(n_log2=10, db_path=db_path))

    assert await racing.login("li", PASSWORD) is None

    conn = await open_conn()
    async with conn.execute("SELECT COUNT(*) FROM sessions") as cur:
        assert await cur.fetchone() == (0,)
