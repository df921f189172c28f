"""The display agent against a real server: calls spoken in order, per floor, resumed, not stale."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from helpers import SHANGHAI, RunningHall, small_hall, two_floors
from test_announcer import make_pack, segments_heard

from display.agent import DisplayAgent, stream_url
from display.voice.announcer import Announcer
from display.voice.pack import VoicePack
from display.voice.script import Call, CallKind
from drivers.audio.fake import FakeAudio, ManualClock

StartHall = Callable[..., Awaitable[RunningHall]]
DEADLINE = 15.0


@pytest.fixture
def pack(tmp_path: Path) -> VoicePack:
    return make_pack(tmp_path / "pack")


async def until(condition: Callable[[], bool], what: str) -> None:
    """Wait for `condition`, polling, failing after DEADLINE seconds."""
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {DEADLINE} s waiting for {what}")
        await asyncio.sleep(0.01)


@asynccontextmanager
async def running(agent: DisplayAgent) -> AsyncIterator[DisplayAgent]:
    """The agent and its announcer running, connected at least once; stopped on exit."""
    agent.announcer.start()
    task = asyncio.create_task(agent.run())
    try:
        await until(lambda: agent.last_seq is not None, "the agent's first snapshot")
        yield agent
    finally:
        agent.stop()
        await asyncio.wait_for(task, DEADLINE)
        await agent.announcer.close()


def speaker(pack: VoicePack, hall: RunningHall, **kwargs: Any) -> tuple[DisplayAgent, FakeAudio]:
    audio = FakeAudio()
    return DisplayAgent(hall.url, Announcer(pack, audio), **kwargs), audio


class Station:
    """A window's call terminal (a station token bound to it) and a kiosk to issue tickets."""

    def __init__(self, hall: RunningHall, window: str, token: str, kiosk: str) -> None:
        self.hall, self.window, self.token, self.kiosk = hall, window, token, kiosk

    @classmethod
    async def open(cls, hall: RunningHall, window: str = "1") -> Station:
        token = await hall.device(f"station-{window}", "station", window=window)
        kiosk = await hall.device(f"kiosk-{window}", "kiosk")
        station = cls(hall, window, token, kiosk)
        await station.act("open")
        return station

    async def issue(self, service: str = "social", count: int = 1) -> None:
        for _ in range(count):
            status, answer = await self.hall.call(
                "POST", "/api/v1/tickets", self.kiosk, {"service": service}
            )
            assert status == 201, answer

    async def act(self, action: str) -> Any:
        path = f"/api/v1/windows/{self.window}/{action}"
        status, answer = await self.hall.call("POST", path, self.token)
        assert status == 200, answer
        return answer


def heard(audio: FakeAudio) -> list[list[str]]:
    return [segments_heard(p.wav) for p in audio.played]


def spoken(pack: VoicePack, *calls: Call) -> list[list[str]]:
    announcer = Announcer(pack, FakeAudio())
    return [list(announcer.templates.script(call)) for call in calls]


def test_stream_url_follows_the_server_url() -> None:
    assert stream_url("http://10.0.0.2:8080") == "ws://10.0.0.2:8080/ws?topics=board"
    assert stream_url("https://hall.example/q/", 42) == (
        "wss://hall.example/q/ws?topics=board&after_seq=42"
    )
    with pytest.raises(ValueError, match="not a server URL"):
        stream_url("10.0.0.2:8080")


async def test_ten_calls_are_spoken_in_order_and_a_snapshot_never(
    start_hall: StartHall, pack: VoicePack
) -> None:
    hall = await start_hall()
    station = await Station.open(hall)
    await station.issue(count=12)
    before = await station.act("call-next")  # old news by the time the agent connects
    assert before["ticket"]["number"] == "A001"

    agent, audio = speaker(pack, hall)
    async with running(agent):
        numbers = [(await station.act("call-next"))["ticket"]["number"] for _ in range(10)]
        await station.act("recall")
        await until(lambda: len(audio.played) >= 11, "11 announcements")
        await agent.announcer.drain()

    assert numbers == [f"A{n:03d}" for n in range(2, 12)]
    expected = [Call(CallKind.CALL, n, "1") for n in numbers] + [Call(CallKind.RECALL, "A011", "1")]
    assert heard(audio) == spoken(pack, *expected)
    assert heard(audio)[0] == ["请", "A", "零", "零", "二", "号", "到", "一", "号", "窗口", "办理"]
    assert audio.max_concurrent == 1
    assert agent.connections == 1


async def test_only_the_agents_floor_is_spoken(
    start_hall: StartHall, pack: VoicePack, caplog: pytest.LogCaptureFixture
) -> None:
    hall = await start_hall(two_floors())
    downstairs = await Station.open(hall, "1")
    upstairs = await Station.open(hall, "3")
    await downstairs.issue(count=1)
    await upstairs.issue("company", count=1)

    first, first_audio = speaker(pack, hall, floor="1F")
    second, second_audio = speaker(pack, hall, floor="2F")
    everywhere, all_audio = speaker(pack, hall)
    async with running(first), running(second), running(everywhere):
        await upstairs.act("call-next")  # C001 at window 3, on 2F
        await downstairs.act("call-next")  # A001 at window 1, on 1F
        await until(lambda: len(all_audio.played) == 2, "both calls on the unfiltered agent")
        await until(lambda: len(first_audio.played) == 1, "the 1F call")
        await until(lambda: len(second_audio.played) == 1, "the 2F call")
        # Every agent has applied the last change, so nothing more is on its way.
        await until(lambda: first.last_seq == everywhere.last_seq, "1F agent caught up")
        await until(lambda: second.last_seq == everywhere.last_seq, "2F agent caught up")
        for agent in (first, second, everywhere):
            await agent.announcer.drain()

    lost, lost_audio = speaker(pack, hall, floor="3F")
    caplog.set_level(logging.WARNING, logger="display.agent")
    async with running(lost):
        pass
    assert lost_audio.played == []
    assert "no window of the hall is on floor '3F' (floors: 1F, 2F)" in caplog.text

    c001, a001 = Call(CallKind.CALL, "C001", "3"), Call(CallKind.CALL, "A001", "1")
    assert heard(first_audio) == spoken(pack, a001)
    assert heard(second_audio) == spoken(pack, c001)
    assert heard(all_audio) == spoken(pack, c001, a001)


async def test_a_call_made_while_disconnected_is_spoken_after_the_reconnect(
    start_hall: StartHall, pack: VoicePack, tmp_path: Path
) -> None:
    db = tmp_path / "resume.db"
    hall = await start_hall(db_path=db)
    station = await Station.open(hall)
    await station.issue(count=4)

    retrying = asyncio.Event()

    def slow_retries() -> Generator[float]:
        # A fixed 2 s between failed attempts: time to restart the server and call meanwhile.
        while True:
            retrying.set()
            yield 2.0

    agent, audio = speaker(pack, hall, reconnect_delays=slow_retries)
    async with running(agent):
        await station.act("call-next")  # A001, heard live
        await until(lambda: len(audio.played) == 1, "A001")

        await hall.server.stop()  # the stream goes away
        await asyncio.wait_for(retrying.wait(), DEADLINE)  # the agent found the server gone
        assert not agent.connected
        again = await start_hall(db_path=db, port=hall.server.port)
        moved = Station(again, "1", station.token, station.kiosk)
        await moved.act("call-next")  # A002, made while the agent waits to retry
        assert not agent.connected, "the call was meant to be made while disconnected"

        await until(lambda: len(audio.played) == 2, "A002 after the reconnect")
        await moved.act("call-next")  # A003, live again
        await until(lambda: len(audio.played) == 3, "A003")
        await agent.announcer.drain()

    assert heard(audio) == spoken(pack, *(Call(CallKind.CALL, f"A00{n}", "1") for n in (1, 2, 3)))
    assert agent.connections == 2


async def test_a_call_replayed_too_late_is_logged_not_spoken(
    start_hall: StartHall, pack: VoicePack, caplog: pytest.LogCaptureFixture
) -> None:
    # The server's clock stamps its calls ten minutes back: as a call replayed that late.
    hall = await start_hall(
        small_hall(open_all_hours=True),
        clock=lambda: dt.datetime.now(SHANGHAI) - dt.timedelta(minutes=10),
    )
    station = await Station.open(hall)
    await station.issue(count=2)
    agent, audio = speaker(pack, hall)
    caplog.set_level(logging.INFO, logger="display.agent")
    async with running(agent):
        seq_before = agent.last_seq
        answer = await station.act("call-next")
        await until(lambda: agent.last_seq != seq_before, "the call to reach the agent")
        await agent.announcer.drain()
    assert answer["ticket"]["number"] == "A001"
    assert audio.played == []
    assert "not speaking call A001 at window 1" in caplog.text


async def test_a_wrong_device_clock_is_corrected_from_the_server(
    start_hall: StartHall, pack: VoicePack
) -> None:
    hall = await start_hall()
    station = await Station.open(hall)
    await station.issue()
    # A Pi without a real-time clock that booted an hour ahead.
    agent, audio = speaker(pack, hall, now=lambda: time.time() + 3600)
    async with running(agent):
        await station.act("call-next")
        await until(lambda: len(audio.played) == 1, "A001 despite the clock")
    assert agent.clock_offset == pytest.approx(-3600, abs=3)


async def test_a_burst_longer_than_the_stale_limit_drops_the_late_calls_when_their_turn_comes(
    pack: VoicePack, caplog: pytest.LogCaptureFixture
) -> None:
    # Each test call lasts about 2 s; with a 5 s limit only the first three are still in time.
    made = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
    clock = ManualClock(made.timestamp())
    audio = FakeAudio(clock)
    announcer = Announcer(pack, audio, now=clock)
    agent = DisplayAgent("http://127.0.0.1:9", announcer, now=clock)
    agent.calls.stale_seconds = 5.0
    agent.receive(json.dumps({"type": "snapshot", "seq": 1, "state": {}}))
    for n in range(1, 6):
        message = {
            "type": "ticket.called",
            "seq": 1 + n,
            "at": made.isoformat(),
            "ticket": {"number": f"A{n:03d}"},
            "window": {"id": str(n), "floor": "1F"},
        }
        assert agent.receive(json.dumps(message)) is not None
    caplog.set_level(logging.INFO)
    async with announcer:
        await announcer.drain()
    assert heard(audio) == spoken(
        pack, *(Call(CallKind.CALL, f"A{n:03d}", str(n)) for n in (1, 2, 3))
    )
    assert "too late" in caplog.text
