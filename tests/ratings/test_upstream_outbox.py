"""The upstream outbox against a real HTTP upstream on loopback and a real SQLite cursor."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiosqlite
import pytest
from aiohttp import web

from queue_server.domain.ratings import Channel, Level, RatingRecord, ServedService, Stage
from queue_server.ratings.upstream.base import UpstreamError, UpstreamItem, UpstreamSettings
from queue_server.ratings.upstream.cursor import UpstreamCursor
from queue_server.ratings.upstream.outbox import UpstreamOutbox
from queue_server.ratings.upstream.provincial import ProvincialAdapter
from queue_server.store.database import open_database

SHANGHAI = ZoneInfo("Asia/Shanghai")
TOKEN = "s3cret-token"
RATER = {
    "name": "张三",
    "id_type": "111",
    "id_number": "110101199001011234",
    "phone": "13800000000",
}


@dataclass
class Upstream:
    """A provincial endpoint: answers the scripted statuses first, then 200 to every batch."""

    url: str
    answers: list[int]
    delay: float = 0.0
    attempts: int = 0
    accepted: list[dict[str, Any]] = field(default_factory=list)

    def accepted_ids(self) -> list[str]:
        return [record["appraiseId"] for record in self.accepted]


@pytest.fixture
async def start_upstream() -> AsyncIterator[Callable[..., Awaitable[Upstream]]]:
    runners: list[web.AppRunner] = []

    async def start(answers: Sequence[int] = (), delay: float = 0.0) -> Upstream:
        upstream = Upstream("", list(answers), delay)

        async def receive(request: web.Request) -> web.Response:
            upstream.attempts += 1
            if request.headers.get("Authorization") != f"Bearer {TOKEN}":
                return web.json_response({"error": "bad token"}, status=401)
            body = await request.json()
            await asyncio.sleep(upstream.delay)
            status = upstream.answers.pop(0) if upstream.answers else 200
            if status == 200:
                upstream.accepted.extend(body["records"])
            return web.json_response({"code": status}, status=status)

        app = web.Application()
        app.router.add_post("/hcp/records", receive)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        runners.append(runner)
        host, port = runner.addresses[0][:2]
        upstream.url = f"http://{host}:{port}/hcp/records"
        return upstream

    yield start
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def adapters() -> AsyncIterator[Callable[..., ProvincialAdapter]]:
    made: list[ProvincialAdapter] = []

    def make(url: str, *, timeout: float = 5.0, token: str = TOKEN) -> ProvincialAdapter:
        settings = UpstreamSettings("provincial", url, token, batch=3, timeout=timeout)
        adapter = ProvincialAdapter(settings, tz=SHANGHAI)
        made.append(adapter)
        return adapter

    yield make
    for adapter in made:
        await adapter.close()


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    conn = await open_database(tmp_path / "hall.db")
    yield conn
    await conn.close()


class ListSource:
    """The journal's ratings, as a list: what the lead's history reader gives the outbox."""

    def __init__(self, items: Sequence[UpstreamItem]) -> None:
        self.items = list(items)

    async def after(self, seq: int, limit: int) -> list[UpstreamItem]:
        return [item for item in self.items if item.seq > seq][:limit]


class FakeSleep:
    """Records each wait; a retry delay passes at once, an idle poll never ends by itself."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if seconds >= 3600:
            await asyncio.Event().wait()
        await asyncio.sleep(0)


def item(seq: int, level: Level = Level.VERY_SATISFIED, **changes: Any) -> UpstreamItem:
    rater = changes.pop("rater", None)
    served = ServedService(
        ticket_id=f"t{seq}",
        ticket_number=f"A{seq:03d}",
        service="estate",
        window="7",
        clerk="wang",
        staff_no="0012",
        clerk_name="王强",
        served_at=dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC),
    )
    record = RatingRecord(
        id=f"r{seq}",
        served=dataclasses.replace(served, case_no="330100-2026-000123"),
        service_name="不动产登记",
        stage=Stage.ACCEPTANCE,
        level=level,
        tags=changes.pop("tags", ()),
        comment=changes.pop("comment", None),
        channel=changes.pop("channel", Channel.HALL_TABLET),
        device="pad-7",
        rated_at=dt.datetime(2026, 3, 2, 9, 31, 5, tzinfo=SHANGHAI),
        **changes,
    )
    return UpstreamItem(record, rater, seq)


# Journal seqs have gaps: other events lie between the ratings.
SEQS = [4, 9, 10, 17, 23, 24, 31, 40, 41, 57]


async def until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    for _ in range(int(seconds * 100)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"not true within {seconds} s")


async def test_while_the_upstream_is_down_nothing_moves_and_then_all_arrive_once(
    start_upstream: Callable[..., Awaitable[Upstream]],
    adapters: Callable[..., ProvincialAdapter],
    database: aiosqlite.Connection,
) -> None:
    upstream = await start_upstream(answers=[503, 503, 503])
    cursor = UpstreamCursor(database)
    outbox = UpstreamOutbox(adapters(upstream.url), ListSource([item(s) for s in SEQS]), cursor)

    for _ in range(3):
        with pytest.raises(UpstreamError, match="answered 503"):
            await outbox.deliver_once()
        assert await cursor.delivered("provincial") == 0
    assert upstream.accepted == []

    sent = [await outbox.deliver_once() for _ in range(3)]
    assert sent == [10, 0, 0]  # the outbox's default batch of 50 takes them all
    assert upstream.accepted_ids() == [f"r{s}" for s in SEQS]
    assert await cursor.delivered("provincial") == 57
    assert upstream.attempts == 4


async def test_run_backs_off_longer_each_time_and_delivers_in_order_exactly_once(
    start_upstream: Callable[..., Awaitable[Upstream]],
    adapters: Callable[..., ProvincialAdapter],
    database: aiosqlite.Connection,
) -> None:
    upstream = await start_upstream(answers=[503, 503, 502, 503, 200, 503])
    source = ListSource([item(s) for s in SEQS])
    sleep = FakeSleep()
    outbox = UpstreamOutbox(
        adapters(upstream.url),
        source,
        UpstreamCursor(database),
        batch=3,
        poll=3600,
        retry_delays=(1, 2, 5),
        sleep=sleep,
    )
    running = asyncio.create_task(outbox.run())
    await until(lambda: len(upstream.accepted) == len(SEQS))
    assert upstream.accepted_ids() == [f"r{s}" for s in SEQS]
    # four failures in a row (capped at the last delay), a success, one more failure
    assert sleep.waits[:5] == [1, 2, 5, 5, 1]
    await until(lambda: sleep.waits[-1] == 3600)  # caught up: idle until told
    assert outbox.failures == 0 and outbox.last_error is None

    source.items += [item(60), item(61)]
    outbox.notify()
    await until(lambda: len(upstream.accepted) == len(SEQS) + 2)
    assert upstream.accepted_ids()[-2:] == ["r60", "r61"]

    outbox.stop()
    await asyncio.wait_for(running, 5)
    assert await UpstreamCursor(database).delivered("provincial") == 61


async def test_a_new_outbox_resumes_from_the_durable_cursor(
    tmp_path: Path,
    start_upstream: Callable[..., Awaitable[Upstream]],
    adapters: Callable[..., ProvincialAdapter],
) -> None:
    upstream = await start_upstream()
    source = ListSource([item(s) for s in SEQS])
    conn = await open_database(tmp_path / "hall.db")
    first = UpstreamOutbox(adapters(upstream.url), source, UpstreamCursor(conn), batch=4)
    assert await first.deliver_once() == 4
    await conn.close()  # the server stops (or dies) here

    conn = await open_database(tmp_path / "hall.db")
    try:
        cursor = UpstreamCursor(conn)
        assert await cursor.delivered("provincial") == 17
        second = UpstreamOutbox(adapters(upstream.url), source, cursor, batch=4)
        assert [await second.deliver_once() for _ in range(4)] == [4, 2, 0, 0]
        assert await cursor.delivered("provincial") == 57
    finally:
        await conn.close()
    assert upstream.accepted_ids() == [f"r{s}" for s in SEQS]


async def test_unreachable_slow_or_refusing_upstreams_are_upstream_errors(
    start_upstream: Callable[..., Awaitable[Upstream]],
    adapters: Callable[..., ProvincialAdapter],
    database: aiosqlite.Connection,
) -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    nobody = adapters(f"http://127.0.0.1:{port}/hcp/records")
    with pytest.raises(UpstreamError, match="cannot reach"):
        await nobody.send([item(1)])

    slow = await start_upstream(delay=1.0)
    with pytest.raises(UpstreamError, match="TimeoutError"):
        await adapters(slow.url, timeout=0.2).send([item(1)])

    with pytest.raises(UpstreamError, match="answered 401"):
        await adapters(slow.url, token="wrong").send([item(1)])

    cursor = UpstreamCursor(database)
    outbox = UpstreamOutbox(nobody, ListSource([item(1)]), cursor)
    with pytest.raises(UpstreamError):
        await outbox.deliver_once()
    assert await cursor.delivered("provincial") == 0


async def test_the_cursor_never_moves_back(database: aiosqlite.Connection) -> None:
    cursor = UpstreamCursor(database)
    await cursor.advance("provincial", 40)
    await cursor.advance("provincial", 17)
    await cursor.advance("other", 3)
    assert await cursor.delivered("provincial") == 40
    assert await cursor.delivered("other") == 3
    assert await cursor.delivered("unknown") == 0


async def test_the_provincial_field_set(
    start_upstream: Callable[..., Awaitable[Upstream]],
    adapters: Callable[..., ProvincialAdapter],
) -> None:
    upstream = await start_upstream()
    batch = [
        item(1, Level.VERY_SATISFIED, tags=("510", "517"), rater=RATER),
        item(2, Level.SATISFIED, channel=Channel.QR_CODE),
        item(
            3,
            Level.VERY_DISSATISFIED,
            tags=("113",),
            comment="跑了三次",
            channel=Channel.HALL_TERMINAL,
        ),
        item(4, Level.DISSATISFIED, tags=("214",), follow_up=True, channel=Channel.PHONE),
        item(5, Level.BASICALLY_SATISFIED, default=True, channel=Channel.SYSTEM_DEFAULT),
    ]
    await adapters(upstream.url).send(batch)
    best, satisfied, worst, follow_up, default = upstream.accepted

    assert best == {
        "appraiseId": "r1",
        "ticketNo": "A001",
        "projectNo": "330100-2026-000123",
        "taskCode": "estate",
        "taskName": "不动产登记",
        "stage": "acceptance",
        "satisfaction": 5,
        "evalDetail": "510,517",
        "writingEvaluation": "",
        "pf": 4,
        "serviceTime": "2026-03-02 09:30:00",
        "assessTime": "2026-03-02 09:31:05",
        "windowNo": "7",
        "staffNo": "0012",
        "staffName": "王强",
        "deviceNo": "pad-7",
        "isFollowUp": 0,
        "isDefault": 0,
        "isStruck": 0,
        "strikeReason": "",
        "userName": "张三",
        "userCertType": "111",
        "userCertNo": "110101199001011234",
        "creditCode": "",
        "mobile": "13800000000",
        "agentName": "",
    }
    # 5 = best, as hallq stores it: not the GB/T 39046 code (where 满意 would be 2)
    assert [r["satisfaction"] for r in upstream.accepted] == [5, 4, 1, 2, 3]
    assert (satisfied["pf"], worst["pf"], follow_up["pf"], default["pf"]) == (3, 5, 6, 0)
    assert (worst["evalDetail"], worst["writingEvaluation"]) == ("113", "跑了三次")
    assert (follow_up["isFollowUp"], follow_up["isDefault"]) == (1, 0)
    assert (default["isFollowUp"], default["isDefault"]) == (0, 1)
    assert satisfied["userName"] == "" and satisfied["userCertNo"] == ""
