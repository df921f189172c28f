"""The kiosk goes by the server's time: a kiosk without a clock battery may be months off after
a power cut, and must neither show, print nor decide anything by its own date."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from helpers import SHANGHAI, FakeClock, RunningHall, small_hall

from drivers.idcard.card import IdCard
from drivers.idcard.fake import FakeIdCardReader
from drivers.printer.fake import FakePrinter
from kiosk.agent.clock import ServerClock
from kiosk.agent.desk import TicketDesk
from kiosk.agent.ledger import Ledger
from kiosk.agent.link import ServerLink
from kiosk.agent.link_errors import IssueRefused
from kiosk.agent.runtime import Kiosk
from kiosk.ticket.encode import encode_ticket
from kiosk.ticket.layout import TicketLayout

Start = Callable[..., Awaitable[RunningHall]]
Own = Callable[[], dt.datetime]

MONDAY_9AM = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)
A_YEAR = dt.timedelta(days=365)
# Sixty years old on the server's day, 59 on a kiosk a year behind.
TURNS_60_TODAY = ("张三", "110105196611230017")


class Monotonic:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


def fixed(moment: dt.datetime) -> Own:
    return lambda: moment


async def soon(done: Callable[[], bool]) -> bool:
    for _ in range(250):
        if done():
            return True
        await asyncio.sleep(0.02)
    return done()


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


# -- the clock itself -------------------------------------------------------------------------


def test_a_clock_the_server_never_told_knows_no_time() -> None:
    assert ServerClock(own=fixed(MONDAY_9AM)).now() is None


def test_the_servers_time_goes_on_with_the_monotonic_clock_in_the_halls_zone() -> None:
    ticks = Monotonic()
    clock = ServerClock(own=fixed(MONDAY_9AM - A_YEAR), monotonic=ticks)
    sent = ticks()
    ticks.value += 0.2  # the answer took 0.2 s: the server said its time half-way
    clock.read({"now": "2026-11-23T09:00:00+08:00"}, sent)
    assert clock.now() == MONDAY_9AM + dt.timedelta(seconds=0.1)
    ticks.value += 90
    now = clock.now()
    assert now == MONDAY_9AM + dt.timedelta(seconds=90.1)
    assert now is not None and now.utcoffset() == dt.timedelta(hours=8)


def test_a_kiosk_clock_minutes_off_is_said_once_and_its_return_too(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ticks, own = Monotonic(), FakeClock(MONDAY_9AM - dt.timedelta(minutes=10))
    clock = ServerClock(own=own, monotonic=ticks)
    clock.read({"now": MONDAY_9AM.isoformat()}, ticks())
    assert clock.off is not None and "10 分钟" in clock.off and "慢" in clock.off
    clock.read({"now": MONDAY_9AM.isoformat()}, ticks())
    assert len(warnings(caplog)) == 1, warnings(caplog)
    own.now = MONDAY_9AM + dt.timedelta(seconds=20)  # NTP set it right
    clock.read({"now": MONDAY_9AM.isoformat()}, ticks())
    assert clock.off is None
    assert len(warnings(caplog)) == 1


def test_a_few_seconds_apart_is_no_fault() -> None:
    ticks = Monotonic()
    clock = ServerClock(own=fixed(MONDAY_9AM + dt.timedelta(seconds=40)), monotonic=ticks)
    clock.read({"now": MONDAY_9AM.isoformat()}, ticks())
    assert clock.off is None


def test_a_server_that_sends_no_time_leaves_the_time_unknown_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ticks = Monotonic()
    clock = ServerClock(own=fixed(MONDAY_9AM), monotonic=ticks)
    for _ in range(3):
        clock.read({"hall": {"name": "older server"}}, ticks())
    assert clock.now() is None
    (said,) = warnings(caplog)
    assert "time" in said


# -- the kiosk against a real server ------------------------------------------------------------


@contextlib.asynccontextmanager
async def running_kiosk(
    url: str,
    token: str,
    own: Own,
    tmp_path: Path,
    printer: FakePrinter,
    reader: FakeIdCardReader | None = None,
) -> AsyncIterator[Kiosk]:
    async with ServerLink(url, token, attempts=(0.0,)) as link:
        desk = TicketDesk(
            link,
            printer,
            TicketLayout(text_mode=True),  # the printed words as text, to be read back
            encode_ticket,
            Ledger(tmp_path / "unprinted.json"),
        )
        opener = (lambda: reader) if reader is not None else None
        kiosk = Kiosk(link, desk, open_card_reader=opener, now=own)
        running = asyncio.create_task(kiosk.run())
        try:
            yield kiosk
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running


async def kiosk_for(
    start_hall: Start,
    stack: contextlib.AsyncExitStack,
    server_time: dt.datetime,
    own: Own,
    tmp_path: Path,
    *,
    printer: FakePrinter | None = None,
    reader: FakeIdCardReader | None = None,
) -> tuple[RunningHall, Kiosk]:
    """A kiosk whose own clock says `own()`, reaching a hall whose clock says `server_time`."""
    hall = await start_hall(small_hall(), clock=FakeClock(server_time))
    token = await hall.device("kiosk-1", "kiosk")
    kiosk = await stack.enter_async_context(
        running_kiosk(hall.url, token, own, tmp_path, printer or FakePrinter(), reader)
    )
    assert await soon(lambda: kiosk.link.online), "the kiosk never reached the server"
    return hall, kiosk


async def test_a_kiosk_a_year_behind_prints_and_shows_the_servers_date(
    start_hall: Start, tmp_path: Path
) -> None:
    async with contextlib.AsyncExitStack() as stack:
        printer = FakePrinter()
        _, kiosk = await kiosk_for(
            start_hall, stack, MONDAY_9AM, fixed(MONDAY_9AM - A_YEAR), tmp_path, printer=printer
        )
        await kiosk.desk.issue("social", "normal", "touch-0001")
        (job,) = printer.jobs
        assert b"2026-11-23 09:00" in job
        assert b"2025-" not in job
        shown = kiosk.state()["clock"]["now"]
        assert shown.startswith("2026-11-23T09:00") and shown.endswith("+08:00"), shown


async def test_a_citizen_sixty_by_the_servers_date_gets_the_green_channel(
    start_hall: Start, tmp_path: Path
) -> None:
    reader = FakeIdCardReader()
    async with contextlib.AsyncExitStack() as stack:
        _, kiosk = await kiosk_for(
            start_hall, stack, MONDAY_9AM, fixed(MONDAY_9AM - A_YEAR), tmp_path, reader=reader
        )
        assert await soon(lambda: kiosk.devices["card_reader"])
        name, number = TURNS_60_TODAY
        reader.place(IdCard.from_number(number, name))
        assert await soon(lambda: kiosk.card is not None)
        assert kiosk.green_card().id_number == number


async def test_a_closed_hall_says_tomorrow_by_the_servers_day(
    start_hall: Start, tmp_path: Path
) -> None:
    evening = dt.datetime(2026, 11, 23, 19, 0, tzinfo=SHANGHAI)
    async with contextlib.AsyncExitStack() as stack:
        # A day ahead, the kiosk would take tomorrow's 08:00 for today's.
        _, kiosk = await kiosk_for(
            start_hall, stack, evening, fixed(evening + dt.timedelta(days=1)), tmp_path
        )
        words = {tile["reason_text"] for tile in kiosk.state()["services"]}
        assert words == {"已停止取号，明天 08:00 起可以取号"}


async def test_the_managers_hear_of_a_kiosk_clock_a_year_off(
    start_hall: Start, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with contextlib.AsyncExitStack() as stack:
        hall, kiosk = await kiosk_for(
            start_hall, stack, MONDAY_9AM, fixed(MONDAY_9AM - A_YEAR), tmp_path
        )
        manager = await hall.person("li", "manager")

        async def clock_report() -> dict[str, object] | None:
            _, listed = await hall.call("GET", "/api/v1/devices", manager)
            found = [d for d in listed["devices"] if d["component"] == "clock"]
            return found[0] if found else None

        for _ in range(400):  # reported with the devices, at the kiosk's next look
            if (report := await clock_report()) is not None:
                break
            await asyncio.sleep(0.02)
        assert report is not None
        assert report["device"] == "device:kiosk-1" and report["condition"] == "off"
        assert "365 天" in str(report["detail"]) and "慢" in str(report["detail"])
        assert kiosk.state()["clock"]["own_clock_off"] == report["detail"]
        assert any("365 days behind" in said for said in warnings(caplog)), warnings(caplog)


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_a_kiosk_that_never_reached_the_server_shows_and_prints_no_date(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url, printer = f"http://127.0.0.1:{unused_port()}", FakePrinter()
    own = fixed(MONDAY_9AM - A_YEAR)
    async with running_kiosk(url, "token", own, tmp_path, printer) as kiosk:
        assert await soon(lambda: any("no time" in said for said in warnings(caplog)))
        assert kiosk.state()["clock"] == {"now": None, "own_clock_off": None}
        with pytest.raises(IssueRefused) as refused:
            await kiosk.desk.issue("social", "normal", "touch-0002")
        assert refused.value.code == "server_unavailable"
        assert printer.jobs == []


@pytest.mark.parametrize(
    ("off", "words"),
    [
        (dt.timedelta(days=365) - dt.timedelta(seconds=1), "本机时钟比服务器快 365 天"),
        (-dt.timedelta(hours=5, minutes=40), "本机时钟比服务器慢 6 小时"),
        (dt.timedelta(minutes=4, seconds=31), "本机时钟比服务器快 5 分钟"),
    ],
)
def test_how_far_off_a_clock_is_is_rounded_not_cut(off: dt.timedelta, words: str) -> None:
    """A device a year off, measured a moment short of it, reads 365 days off, not 364."""
    server = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    clock = ServerClock(own=lambda: server + off, monotonic=lambda: 100.0)
    clock.read({"now": server.isoformat()}, sent_at=100.0)
    assert clock.off == words
