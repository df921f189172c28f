"""The event stream: snapshot first, then every change in seq order, resume and replay."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import shutil
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from helpers import FakeClock, RunningHall, publish_changes, small_hall

from queue_server.hub import Hub
from queue_server.service import Published
from queue_server.web import stream
from queue_server.web.stream import _LastFrame, _text_frame
from queue_server.wire import ALL_TOPICS


async def receive(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    message = await asyncio.wait_for(ws.receive(), timeout=5)
    assert message.type is aiohttp.WSMsgType.TEXT, message
    data: dict[str, Any] = json.loads(message.data)
    return data


async def until_calls(ws: aiohttp.ClientWebSocketResponse, calls: int) -> list[dict[str, Any]]:
    """Messages up to and including the `calls`-th ticket.called."""
    seen: list[dict[str, Any]] = []
    while sum(m["type"] == "ticket.called" for m in seen) < calls:
        seen.append(await receive(ws))
    return seen


async def window_1_open(hall: RunningHall) -> tuple[str, str]:
    """Window 1 opened by its station; returns the station's and a kiosk's tokens."""
    station = await hall.device("station-1", "station", window="1")
    kiosk = await hall.device("kiosk-1", "kiosk")
    await hall.call("POST", "/api/v1/windows/1/open", station)
    return station, kiosk


async def issue_and_call(hall: RunningHall, station: str, kiosk: str, n: int) -> list[str]:
    numbers = []
    for _ in range(n):
        await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})
        _, called = await hall.call("POST", "/api/v1/windows/1/call-next", station)
        numbers.append(called["ticket"]["number"])
    return numbers


async def test_snapshot_then_changes_in_order(
    start_hall: Callable[..., Awaitable[RunningHall]],
) -> None:
    hall = await start_hall()
    station, kiosk = await window_1_open(hall)
    async with hall.http.ws_connect(f"{hall.url}/ws?topics=board") as ws:
        snapshot = await receive(ws)
        assert snapshot["type"] == "snapshot"
        assert [w["id"] for w in snapshot["state"]["windows"]] == ["1", "2", "3"]
        assert snapshot["state"]["windows"][0]["state"] == "idle"
        numbers = await issue_and_call(hall, station, kiosk, 3)
        seen = await until_calls(ws, 3)
    seqs = [m["seq"] for m in seen]
    assert seqs == sorted(seqs) and seqs[0] > snapshot["seq"]
    called = [m for m in seen if m["type"] == "ticket.called"]
    assert [m["ticket"]["number"] for m in called] == numbers
    assert all(m["window"]["id"] == "1" for m in called)
    # call-next finishes the current ticket and calls the next: boards get one message.
    assert [m["type"] for m in seen] == ["ticket.issued", "ticket.called"] * 3
    assert [m.get("finished", {}).get("number") for m in called] == [None, "A001", "A002"]
    assert all(m["finished"]["state"] == "done" for m in called[1:])


async def test_resume_after_seq_replays_what_was_missed(
    start_hall: Callable[..., Awaitable[RunningHall]],
) -> None:
    hall = await start_hall()
    station, kiosk = await window_1_open(hall)
    async with hall.http.ws_connect(f"{hall.url}/ws?topics=board") as ws:
        last = (await receive(ws))["seq"]
    missed = await issue_and_call(hall, station, kiosk, 4)
    async with hall.http.ws_connect(f"{hall.url}/ws?after_seq={last}") as ws:
        replay = await until_calls(ws, 4)
    # issued+called, then issued+finished+rating opened+called three times; the board
    # topic folds each finish into the call after it and never carries ratings, so its
    # seqs skip both.
    skipped = {last + 4, last + 5, last + 8, last + 9, last + 12, last + 13}
    expected = [seq for seq in range(last + 1, last + 15) if seq not in skipped]
    assert [m["seq"] for m in replay] == expected
    assert [m["ticket"]["number"] for m in replay if m["type"] == "ticket.called"] == missed
    # Nothing missed: nothing sent before the next change.
    async with hall.http.ws_connect(f"{hall.url}/ws?after_seq={last + 14}") as ws:
        await issue_and_call(hall, station, kiosk, 1)
        assert (await receive(ws))["seq"] == last + 15


async def test_a_client_from_the_future_gets_a_fresh_snapshot(
    start_hall: Callable[..., Awaitable[RunningHall]],
) -> None:
    hall = await start_hall()
    async with hall.http.ws_connect(f"{hall.url}/ws?after_seq=999999") as ws:
        assert (await receive(ws))["type"] == "snapshot"


async def test_a_client_that_applied_nothing_gets_a_snapshot_not_the_whole_history(
    start_hall: Callable[..., Awaitable[RunningHall]],
) -> None:
    hall = await start_hall(supervise_every=None)
    # after_seq=0: nothing applied, not even the hall's windows, so nothing to replay onto.
    async with hall.http.ws_connect(f"{hall.url}/ws?after_seq=0") as ws:
        first = await receive(ws)
    assert (first["type"], first["seq"]) == ("snapshot", 0)
    station, kiosk = await window_1_open(hall)
    numbers = await issue_and_call(hall, station, kiosk, 2)
    last = hall.server.hub.last_seq
    async with hall.http.ws_connect(f"{hall.url}/ws?after_seq=0") as ws:
        first = await receive(ws)
        assert (first["type"], first["seq"]) == ("snapshot", last)
        assert [c["ticket"]["number"] for c in first["state"]["calls"]] == numbers
        await issue_and_call(hall, station, kiosk, 1)
        assert (await receive(ws))["seq"] == last + 1  # then every change, as always


async def test_a_gap_longer_than_a_snapshot_is_worth_gets_a_snapshot(
    start_hall: Callable[..., Awaitable[RunningHall]],
) -> None:
    hall = await start_hall(supervise_every=None)
    hub = hall.server.hub
    publish_changes(hub, hub.max_replay + 1)
    # Missed as many changes as are replayed: every one of them, in order, then the next.
    async with hall.http.ws_connect(f"{hall.url}/ws?after_seq=1") as ws:
        seqs = [(await receive(ws))["seq"] for _ in range(hub.max_replay)]
        assert seqs == list(range(2, hub.max_replay + 2))
        publish_changes(hub, 1)
        assert (await receive(ws))["seq"] == hub.max_replay + 2
    # One more missed than are replayed: the hall as it is now.
    async with hall.http.ws_connect(f"{hall.url}/ws?after_seq=1") as ws:
        first = await receive(ws)
        assert (first["type"], first["seq"]) == ("snapshot", hub.max_replay + 2)
        publish_changes(hub, 1)
        assert (await receive(ws))["seq"] == hub.max_replay + 3


async def test_replay_survives_a_restart(
    start_hall: Callable[..., Awaitable[RunningHall]], tmp_path: Path
) -> None:
    db = tmp_path / "restart.db"
    hall = await start_hall(db_path=db, snapshot_every=1_000_000)
    station, kiosk = await window_1_open(hall)
    before = await issue_and_call(hall, station, kiosk, 2)
    async with hall.http.ws_connect(f"{hall.url}/ws") as ws:
        seq = (await receive(ws))["seq"]
    after = await issue_and_call(hall, station, kiosk, 2)
    await hall.server.stop()  # snapshot on the way down
    again = await start_hall(db_path=db)
    async with again.http.ws_connect(f"{again.url}/ws?after_seq={seq}") as ws:
        first = await receive(ws)
    # The stop took a snapshot, so this client gets a snapshot rather than a replay,
    # and the snapshot already holds the calls it missed.
    assert first["type"] == "snapshot" and first["seq"] == seq + 8
    calls = [c["ticket"]["number"] for c in first["state"]["calls"]]
    assert calls[-4:] == before + after


async def test_replay_after_a_crash_comes_from_the_journal(
    start_hall: Callable[..., Awaitable[RunningHall]], tmp_path: Path
) -> None:
    db = tmp_path / "crash.db"
    hall = await start_hall(db_path=db, snapshot_every=1_000_000)
    station, kiosk = await window_1_open(hall)
    async with hall.http.ws_connect(f"{hall.url}/ws") as ws:
        seq = (await receive(ws))["seq"]
    missed = await issue_and_call(hall, station, kiosk, 3)
    # The database as a crash leaves it (the file and its write-ahead log, no snapshot of
    # the shutdown), under a second server, and resume from it. The first one holds its
    # file: one server per database.
    crashed = tmp_path / "crashed.db"
    for suffix in ("", "-wal"):
        if (source := db.with_name(db.name + suffix)).exists():
            shutil.copyfile(source, crashed.with_name(crashed.name + suffix))
    again = await start_hall(db_path=crashed)
    station_again = await again.device("station-1b", "station", window="1")
    console = f"{again.url}/ws?topics=board,console&after_seq={seq}&token={station_again}"
    async with again.http.ws_connect(console) as ws:
        replay = await until_calls(ws, 3)  # the console topic carries every change
    assert [m["seq"] for m in replay] == list(range(seq + 1, seq + 11))
    assert [m["ticket"]["number"] for m in replay if m["type"] == "ticket.called"] == missed
    async with again.http.ws_connect(f"{again.url}/ws?after_seq={seq}") as ws:
        board = await until_calls(ws, 3)  # boards get each finish folded into its call
    assert [m["seq"] for m in board] == [seq + n for n in (1, 2, 3, 6, 7, 10)]
    assert [m.get("finished", {}).get("number") for m in board if "window" in m] == [
        None,
        "A001",
        "A002",
    ]


async def test_console_topic_carries_ratings_and_board_does_not(
    start_hall: Callable[..., Awaitable[RunningHall]],
) -> None:
    hall = await start_hall()
    station = await hall.device("station-1", "station", window="1")
    pad = await hall.device("pad-1", "pad", window="1")
    kiosk = await hall.device("kiosk-1", "kiosk")
    manager = await hall.person("zhao", "manager")
    await hall.call("POST", "/api/v1/windows/1/open", station)
    _, issued = await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})
    await hall.call("POST", "/api/v1/windows/1/call-next", station)
    await hall.call("POST", "/api/v1/windows/1/finish", station)
    board = await hall.http.ws_connect(f"{hall.url}/ws?topics=board")
    console = await hall.http.ws_connect(f"{hall.url}/ws?topics=board,console&token={manager}")
    try:
        await receive(board), await receive(console)
        body = {"ticket": issued["ticket"]["id"], "level": 1, "tags": ["115"], "comment": "太慢"}
        assert (await hall.call("POST", "/api/v1/ratings", pad, body))[0] == 201
        rating = await receive(console)
        assert (rating["type"], rating["level"], rating["tags"]) == ("rating.recorded", 1, ["115"])
        await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})
        assert (await receive(board))["type"] == "ticket.issued"  # the rating was skipped
    finally:
        await board.close()
        await console.close()


@pytest.mark.parametrize("slow_index", [0, 2])
def test_a_slow_client_is_cut_off_and_never_delays_the_others(slow_index: int) -> None:
    async def scenario() -> None:
        hub = Hub(queue_size=4)
        clients = [hub.attach(ALL_TOPICS, None, dict)[0] for _ in range(3)]
        for seq in range(1, 11):
            message = {"type": "ticket.issued", "seq": seq}
            hub.publish([Published(seq, {topic: message for topic in ALL_TOPICS})])
            for i, client in enumerate(clients):
                if i != slow_index:  # the others keep reading
                    while not client.queue.empty():
                        client.queue.get_nowait()
        slow = clients[slow_index]
        assert slow.cut_off and slow.queue.get_nowait() is None
        assert all(not c.cut_off for i, c in enumerate(clients) if i != slow_index)
        assert hub.cut_offs == 1

    asyncio.run(scenario())


async def test_boards_show_who_serves_but_never_a_login_name(
    start_hall: Callable[..., Awaitable[RunningHall]],
) -> None:
    hall = await start_hall()
    await hall.server.accounts.add_user(
        "wangfang", "clerk", "correct horse battery", display_name="王芳", staff_no="JB0123"
    )
    _, login = await hall.call(
        "POST",
        "/api/v1/session",
        body={"username": "wangfang", "password": "correct horse battery"},
    )
    clerk = login["token"]
    async with (
        hall.http.ws_connect(f"{hall.url}/ws?topics=board") as board,
        hall.http.ws_connect(f"{hall.url}/ws?topics=board,console&token={clerk}") as console,
    ):
        await receive(board), await receive(console)
        await hall.call("POST", "/api/v1/windows/1/open", clerk)
        public, staff = await receive(board), await receive(console)
    assert public["window"]["clerk"] == {"name": "王芳", "staff_no": "JB0123"}
    assert "wangfang" not in json.dumps(public, ensure_ascii=False)
    assert staff["window"]["clerk_username"] == "wangfang"
    _, hall_view = await hall.call("GET", "/api/v1/hall")
    assert "wangfang" not in json.dumps(hall_view, ensure_ascii=False)
    _, staff_view = await hall.call("GET", "/api/v1/hall", clerk)
    assert staff_view["windows"][0]["clerk_username"] == "wangfang"
    _, me = await hall.call("GET", "/api/v1/session", clerk)
    assert me["window"] == "1"


def test_direct_writes_keep_each_clients_order_through_a_stall() -> None:
    async def scenario() -> None:
        hub = Hub(queue_size=16)
        client, _ = hub.attach(ALL_TOPICS, None, dict)
        written: list[int] = []
        keeping_up = True
        client.write = lambda payload: written.append(json.loads(payload)["seq"])
        client.ready = lambda: keeping_up
        client.busy = False  # its sender has sent the snapshot and waits

        def publish(seq: int) -> None:
            message = {"type": "ticket.issued", "seq": seq}
            hub.publish([Published(seq, {topic: message for topic in ALL_TOPICS})])

        publish(1)
        publish(2)
        keeping_up = False  # its socket buffer filled up: the hub queues for its sender
        publish(3)
        keeping_up = True  # ready again, but 3 is still queued: 4 must queue behind it
        publish(4)
        assert written == [1, 2]
        assert [json.loads(client.queue.get_nowait() or b"")["seq"] for _ in range(2)] == [3, 4]

    asyncio.run(scenario())


def test_each_message_written_gets_its_own_frame_though_frames_are_reused() -> None:
    cache = _LastFrame()
    first, second = b'{"seq":1}', b'{"seq":2}'
    assert cache.of(first) == _text_frame(first)
    assert cache.of(first) is cache.of(first)  # the next board gets the frame built already
    assert cache.of(second) == _text_frame(second)
    assert cache.of(bytes(first)) == _text_frame(first)  # equal bytes, another message


def test_a_text_frame_is_what_a_websocket_client_reads() -> None:
    for size in (0, 125, 126, 65_535, 65_536):
        payload = b"x" * size
        frame = _text_frame(payload)
        assert frame[0] == 0x81 and frame.endswith(payload)
        length = frame[1]
        if size < 126:
            assert length == size and len(frame) == 2 + size
        elif size < 65_536:
            assert length == 126 and int.from_bytes(frame[2:4]) == size
        else:
            assert length == 127 and int.from_bytes(frame[2:10]) == size


async def test_a_clearing_made_at_start_is_replayed_to_a_board_that_resumes(
    start_hall: Callable[..., Awaitable[RunningHall]], tmp_path: Path, clock: FakeClock
) -> None:
    db = tmp_path / "overnight.db"
    hall = await start_hall(small_hall(), db_path=db, clock=clock, snapshot_every=1_000_000)
    station, kiosk = await window_1_open(hall)
    await issue_and_call(hall, station, kiosk, 1)
    await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})  # still waiting
    async with hall.http.ws_connect(f"{hall.url}/ws") as ws:
        seq = (await receive(ws))["seq"]
    # The server dies that evening without a shutdown snapshot; restarted the next morning,
    # it clears the queue the 17:30 clearing time would have cleared.
    crashed = tmp_path / "crashed.db"
    for suffix in ("", "-wal"):
        if (source := db.with_name(db.name + suffix)).exists():
            shutil.copyfile(source, crashed.with_name(crashed.name + suffix))
    clock.advance(days=1)
    again = await start_hall(small_hall(), db_path=crashed, clock=clock)
    async with again.http.ws_connect(f"{again.url}/ws?after_seq={seq}") as ws:
        first = await receive(ws)
    # The journal since its last snapshot is still in the replay buffer: the board is sent
    # what it missed, the clearing included, not nothing.
    assert (first["type"], first["seq"], first["count"]) == ("queue.cleared", seq + 1, 1)
    assert first["waiting"]["social"] == 0


async def test_a_session_that_expires_while_streaming_is_closed_4001(
    start_hall: Callable[..., Awaitable[RunningHall]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream, "TOKEN_CHECK_SECONDS", 0.2)
    hall = await start_hall(supervise_every=None)
    hall.server.accounts._session_ttl = dt.timedelta(seconds=1)
    clerk = await hall.person("wang")
    async with hall.http.ws_connect(f"{hall.url}/ws?topics=board,console&token={clerk}") as ws:
        assert (await receive(ws))["type"] == "snapshot"
        closing = await asyncio.wait_for(ws.receive(), timeout=10)
    assert (closing.type, closing.data) == (aiohttp.WSMsgType.CLOSE, stream.REVOKED)
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await hall.http.ws_connect(f"{hall.url}/ws?topics=board&token={clerk}")
    assert refused.value.status == 401


async def test_a_database_failing_for_a_moment_neither_ends_a_stream_nor_its_token_check(
    start_hall: Callable[..., Awaitable[RunningHall]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream, "TOKEN_CHECK_SECONDS", 0.2)
    hall = await start_hall(supervise_every=None)
    accounts = hall.server.accounts
    accounts._session_ttl = dt.timedelta(seconds=1)
    clerk = await hall.person("wang")
    real = accounts.authenticate
    checks = 0

    async def failing_once(token: str) -> Any:
        nonlocal checks
        checks += 1
        if checks == 2:  # the first periodic check, once the stream is open
            raise sqlite3.OperationalError("database is locked")
        return await real(token)

    monkeypatch.setattr(accounts, "authenticate", failing_once)
    async with hall.http.ws_connect(f"{hall.url}/ws?topics=board,console&token={clerk}") as ws:
        assert (await receive(ws))["type"] == "snapshot"
        # The session expires a second after its login: the check still running sees it.
        closing = await asyncio.wait_for(ws.receive(), timeout=10)
    assert (closing.type, closing.data) == (aiohttp.WSMsgType.CLOSE, stream.REVOKED)
    assert checks > 2


async def test_a_stopping_server_closes_its_streams_going_away_at_once(
    start_hall: Callable[..., Awaitable[RunningHall]],
) -> None:
    hall = await start_hall(supervise_every=None)
    async with hall.http.ws_connect(f"{hall.url}/ws") as ws:
        assert (await receive(ws))["type"] == "snapshot"
        await hall.server.stop()
        closing = await asyncio.wait_for(ws.receive(), timeout=5)
    # Boards are always connected: a stream left open held every stop up for aiohttp's
    # shutdown time (twice), then dropped (1006). Ended as the stop begins, it says why.
    assert (closing.type, closing.data) == (aiohttp.WSMsgType.CLOSE, aiohttp.WSCloseCode.GOING_AWAY)


async def test_a_stream_still_being_opened_as_the_server_stops_is_closed_too(
    start_hall: Callable[..., Awaitable[RunningHall]],
) -> None:
    hall = await start_hall(supervise_every=None)
    async with hall.server.service.consistent():  # the new stream waits for its snapshot
        ws = await hall.http.ws_connect(f"{hall.url}/ws")
        stopping = asyncio.create_task(hall.server.stop())
        async with asyncio.timeout(5):
            while not hall.server.hub.closed:  # noqa: ASYNC110 - nothing to wait on
                await asyncio.sleep(0.01)
    await stopping
    closing = await asyncio.wait_for(ws.receive(), timeout=5)
    await ws.close()
    assert (closing.type, closing.data) == (aiohttp.WSMsgType.CLOSE, aiohttp.WSCloseCode.GOING_AWAY)


def test_a_snapshot_that_cannot_be_built_leaves_no_client_registered() -> None:
    hub = Hub()

    def broken() -> dict[str, Any]:
        raise LookupError("a bug in the snapshot")

    with pytest.raises(LookupError):
        hub.attach(frozenset({"board"}), None, broken)
    # Every later publish would otherwise queue for a client nobody sends to, until cut off.
    assert hub.clients == 0


def test_the_hub_replays_at_most_max_replay_changes_and_keeps_no_more() -> None:
    hub = Hub(max_replay=3)
    publish_changes(hub, 10)

    def first(after_seq: int) -> list[Any]:
        _, sent = hub.attach(frozenset({"board"}), after_seq, lambda: {"hall": "now"})
        return [json.loads(text) for text in sent]

    assert [m["seq"] for m in first(7)] == [8, 9, 10]  # missed three: all of them again
    assert [m["type"] for m in first(6)] == ["snapshot"]  # missed four: the hall as it is
    assert [m["type"] for m in first(0)] == ["snapshot"]  # applied nothing yet
    assert first(10) == []  # missed nothing
    hub.max_replay = 5  # a wider limit cannot replay what the hub no longer holds
    assert [m["type"] for m in first(6)] == ["snapshot"]
