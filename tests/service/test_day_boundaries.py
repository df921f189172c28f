"""A hall server left running for weeks: what each day leaves is closed out when the next
begins, a clearing done late is the clearing of its own time, and the day never goes back."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from helpers import SHANGHAI, FakeClock, RunningHall, small_hall
from prometheus_client.parser import text_string_to_metric_families

from queue_server import service as service_module
from queue_server.domain import commands as c
from queue_server.domain.errors import DomainError
from queue_server.domain.hall import HallConfig, MissedPolicy, Policy
from queue_server.domain.model import TicketState, WindowState
from queue_server.domain.state import Hall, Outcome
from queue_server.service import HallService, Published
from queue_server.store.memory_log import MemoryEventLog

MONDAY = dt.date(2026, 11, 23)
TUESDAY = MONDAY + dt.timedelta(days=1)
STEP_WAIT_SECONDS = 10.0
# Lunch and evening clearings, the township example's.
TOWNSHIP_CLEARING = (dt.time(12, 30), dt.time(18, 0))


def at(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute, second), SHANGHAI)


def ticket_id(hall: Hall, outcome: Outcome, now: dt.datetime) -> str:
    assert outcome.ticket_id is not None
    return outcome.ticket_id


def nothing(hall: Hall, outcome: Outcome, now: dt.datetime) -> None:
    return None


def make_service(
    journal: MemoryEventLog, clock: FakeClock, config: HallConfig, **kwargs: Any
) -> HallService:
    ids = iter(range(10_000))
    return HallService(
        config,
        journal,
        clock=clock,
        new_id=lambda: f"t{next(ids)}",
        supervise_every=None,
        **kwargs,
    )


async def started(
    journal: MemoryEventLog, clock: FakeClock, config: HallConfig, **kwargs: Any
) -> HallService:
    service = make_service(journal, clock, config, **kwargs)
    await service.start()
    return service


async def issue(hall: HallService, name: str, **fields: Any) -> str:
    command = c.IssueTicket(ticket_id=name, service=fields.pop("service", "social"), **fields)
    return await hall.execute(command, ticket_id)


def new_ticket(name: str) -> c.IssueTicket:
    return c.IssueTicket(ticket_id=name, service="social")


def number_and_day(hall: Hall, outcome: Outcome, now: dt.datetime) -> tuple[str, dt.date]:
    ticket = hall.tickets[ticket_id(hall, outcome, now)]
    return ticket.number, ticket.day


async def until(check: Callable[[], bool]) -> None:
    async with asyncio.timeout(STEP_WAIT_SECONDS):
        # Polled: the day's start and the clearings are the service's own doing.
        while not check():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


@pytest.fixture
async def journal() -> MemoryEventLog:
    opened = MemoryEventLog()
    await opened.open()
    return opened


@pytest.fixture
def quick_timers(monkeypatch: pytest.MonkeyPatch) -> None:
    # The timers sleep on the monotonic clock in short stretches and read the (fake) wall
    # clock after each: a step of the fake clock is noticed at once.
    monkeypatch.setattr(service_module, "CLOCK_CHECK_SECONDS", 0.01)


async def test_a_kiosk_numbering_its_keys_afresh_each_day_gets_today_s_ticket(
    clock: FakeClock,
    journal: MemoryEventLog,
) -> None:
    service = await started(journal, clock, small_hall())
    monday = await issue(service, "mon", device="kiosk-1", idempotency_key="kiosk-1/0001")
    clock.now = at(TUESDAY, 8, 5)
    tuesday = await issue(service, "tue", device="kiosk-1", idempotency_key="kiosk-1/0001")
    assert tuesday != monday, "Tuesday's first request was answered with Monday's ticket"
    ticket = service.hall.tickets[tuesday]
    assert (ticket.number, ticket.day) == ("A001", TUESDAY)
    # The same key again on the same day is still a retry: the same ticket.
    again = await issue(service, "tue-again", device="kiosk-1", idempotency_key="kiosk-1/0001")
    assert again == tuesday
    await service.stop()


async def test_what_the_evening_left_is_closed_out_at_midnight_and_never_called_the_next_day(
    clock: FakeClock, quick_timers: None, journal: MemoryEventLog
) -> None:
    # Clerks serve past the evening clearing (延时服务): after it, a missed ticket goes back
    # into the queue, one is held while its citizen fetches a paper, and the last citizen
    # is served but never finished on the console before the clerk goes home.
    config = small_hall(policy=Policy(missed=MissedPolicy.BACK), clearing=TOWNSHIP_CLEARING)
    published: list[Published] = []
    service = make_service(journal, clock, config, publish=published.extend)
    clock.now = at(MONDAY, 16, 50)
    await service.start()
    for window in ("1", "2", "3"):
        await service.execute(c.OpenWindow(window, clerk=f"clerk{window}"), nothing)
    put_back, held, served = [await issue(service, n) for n in ("put-back", "held", "served")]
    gone_home = await issue(service, "gone-home")
    clock.now = at(MONDAY, 17, 50)
    for window in ("1", "2", "3"):
        await service.execute(c.CallNext(window), nothing)
    clock.now = at(MONDAY, 18, 5)
    hall = service.hall
    await until(lambda: hall.tickets[gone_home].state is TicketState.ABANDONED)
    await service.execute(c.MarkNoShow("1", reason="无人应答"), nothing)
    await service.execute(c.HoldTicket("2"), nothing)
    await service.execute(c.StartService("3"), nothing)
    assert hall.tickets[put_back].state is TicketState.WAITING

    published.clear()
    clock.now = at(TUESDAY, 0, 0, 5)
    await until(lambda: hall.tickets[served].state is TicketState.ABANDONED)
    assert {hall.tickets[t].state for t in (put_back, held)} == {TicketState.ABANDONED}
    assert hall.windows["2"].held == []
    assert (hall.windows["3"].state, hall.windows["3"].ticket_id) == (WindowState.IDLE, None)
    # Boards and consoles see it as it happens: the queue emptied, and window 3 free.
    board = [p.messages["board"] for p in published if "board" in p.messages]
    assert [m["type"] for m in board] == ["queue.cleared", "queue.cleared"]
    assert board[0]["waiting"]["social"] == 0
    assert board[1]["window"]["id"] == "3"
    assert (board[1]["window"]["state"], board[1]["window"]["ticket"]) == ("idle", None)

    clock.now = at(TUESDAY, 8, 0)  # the clerk at window 1 is in before the first citizen
    with pytest.raises(DomainError) as empty:
        await service.execute(c.CallNext("1"), nothing)
    assert empty.value.code == "queue_empty"
    with pytest.raises(DomainError) as not_held:
        await service.execute(c.ResumeHeld("2", held), nothing)
    assert not_held.value.code == "not_held"
    # Window 3's first service of the day is the day's: not yesterday's with the night in it.
    first = await issue(service, "first")
    await service.execute(c.CallNext("3"), nothing)
    clock.now = at(TUESDAY, 8, 6)
    await service.execute(c.FinishService("3"), nothing)
    assert hall.tickets[first].state is TicketState.DONE
    clerk = hall.clerk_today["clerk3"]
    assert (clerk.served, clerk.service_minutes) == (1, 6.0)
    await service.stop()


async def test_a_night_the_server_was_down_is_closed_out_at_start(
    clock: FakeClock, journal: MemoryEventLog
) -> None:
    config = small_hall(clearing=TOWNSHIP_CLEARING)
    clock.now = at(MONDAY, 16, 50)
    service = await started(journal, clock, config)
    await service.execute(c.OpenWindow("1", clerk="clerk1"), nothing)
    served = await issue(service, "served")
    await service.execute(c.CallNext("1"), nothing)
    await service.execute(c.StartService("1"), nothing)
    await service.stop()  # the hall PC is switched off for the night

    clock.now = at(TUESDAY, 7, 55)
    again = await started(journal, clock, config)
    assert again.hall.tickets[served].state is TicketState.ABANDONED
    assert again.hall.windows["1"].state is WindowState.IDLE
    assert again.hall.current_ticket("1") is None
    await again.stop()
    # What start-up decided is in the journal: a rebuild gives the same hall.
    rebuilt = await started(journal, clock, config)
    assert rebuilt.hall.tickets[served].state is TicketState.ABANDONED
    await rebuilt.stop()


async def test_the_morning_s_console_offers_no_call_back_of_last_evening_s_missed_ticket(
    start_hall: Callable[..., Awaitable[RunningHall]], clock: FakeClock, quick_timers: None
) -> None:
    clock.now = at(MONDAY, 16, 50)
    hall = await start_hall(small_hall(clearing=TOWNSHIP_CLEARING), clock=clock)
    clerk = await hall.clerk_at("1", "wang")
    kiosk = await hall.device("kiosk-1", "kiosk")
    status, issued = await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})
    assert status == 201
    assert (await hall.call("POST", "/api/v1/windows/1/call-next", clerk))[0] == 200
    body = {"reason": "无人应答"}
    assert (await hall.call("POST", "/api/v1/windows/1/no-show", clerk, body))[0] == 200
    _, detail = await hall.call("GET", "/api/v1/windows/1", clerk)
    assert [t["number"] for t in detail["missed"]] == ["A001"]

    clock.now = at(TUESDAY, 0, 0, 5)
    await until(lambda: hall.server.service.hall.day == TUESDAY)
    clock.now = at(TUESDAY, 8, 0)  # the clerk never signed out: the console reads the window
    _, detail = await hall.call("GET", "/api/v1/windows/1", clerk)
    assert detail["missed"] == []
    ticket = {"ticket": issued["ticket"]["id"]}
    status, refused = await hall.call("POST", "/api/v1/windows/1/call-back", clerk, ticket)
    assert (status, refused["error"]["code"]) == (409, "not_missed")


async def test_after_a_night_the_server_was_down_no_missed_ticket_of_the_day_before_is_called_back(
    clock: FakeClock, journal: MemoryEventLog
) -> None:
    config = small_hall(clearing=TOWNSHIP_CLEARING)
    clock.now = at(MONDAY, 16, 50)
    service = await started(journal, clock, config)
    await service.execute(c.OpenWindow("1", clerk="clerk1"), nothing)
    missed = await issue(service, "missed")
    await service.execute(c.CallNext("1"), nothing)
    await service.execute(c.MarkNoShow("1"), nothing)
    await service.stop()  # the hall PC is switched off for the night

    clock.now = at(TUESDAY, 7, 55)
    for _ in ("started in the morning", "started again"):
        again = await started(journal, clock, config)
        assert again.hall.windows["1"].missed == []
        with pytest.raises(DomainError) as refused:
            await again.execute(c.CallBack("1", missed), nothing)
        assert refused.value.code == "not_missed"
        await again.stop()


async def test_a_ticket_left_at_a_window_taken_out_of_the_hall_file_is_closed_out_too(
    clock: FakeClock,
    journal: MemoryEventLog,
) -> None:
    config = small_hall(clearing=TOWNSHIP_CLEARING)
    clock.now = at(MONDAY, 16, 50)
    service = await started(journal, clock, config)
    await service.execute(c.OpenWindow("3", clerk="clerk3"), nothing)
    served = await issue(service, "served", service="company")
    await service.execute(c.CallNext("3"), nothing)
    await service.stop()
    # Overnight the hall file loses window 3 (the counter is rebuilt).
    smaller = dataclasses.replace(config, windows=config.windows[:2])
    clock.now = at(TUESDAY, 7, 55)
    again = await started(journal, clock, smaller)
    assert again.running
    assert again.hall.tickets[served].state is TicketState.ABANDONED
    await again.stop()


async def test_a_lunch_clearing_missed_while_down_keeps_a_slot_that_runs_past_lunch(
    clock: FakeClock,
    journal: MemoryEventLog,
) -> None:
    config = small_hall(clearing=TOWNSHIP_CLEARING)
    clock.now = at(MONDAY, 11, 0)
    service = await started(journal, clock, config)
    slot = (at(MONDAY, 11, 45), at(MONDAY, 14, 15))
    await service.execute(c.BookAppointment("NOON01", "social", *slot), nothing)
    walk_in = await issue(service, "walk-in")
    clock.now = at(MONDAY, 11, 50)
    await service.execute(c.CheckIn("NOON01", ticket_id="noon"), nothing)
    await service.stop()  # a power cut over lunch

    clock.now = at(MONDAY, 14, 5)  # back after the afternoon session opened
    again = await started(journal, clock, config)
    tickets = again.hall.tickets
    assert tickets[walk_in].state is TicketState.ABANDONED
    # At 12:30 the slot ran on after lunch: its holder must not queue again (差评 tag 212).
    assert tickets["noon"].state is TicketState.WAITING
    await again.stop()


async def test_a_clock_stepped_over_the_lunch_clearing_spares_the_tickets_taken_after_it(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch, journal: MemoryEventLog
) -> None:
    # The clearing timer reads the wall clock every 0.2 s: the kiosk issues in between.
    monkeypatch.setattr(service_module, "CLOCK_CHECK_SECONDS", 0.2)
    clock.now = at(MONDAY, 11, 0)
    service = await started(journal, clock, small_hall(clearing=TOWNSHIP_CLEARING))
    morning = await issue(service, "morning")
    clock.now = at(MONDAY, 13, 40)  # NTP steps a slow clock forward past 12:30
    afternoon = await issue(service, "afternoon")
    tickets = service.hall.tickets
    await until(lambda: tickets[morning].state is TicketState.ABANDONED)
    assert tickets[afternoon].state is TicketState.WAITING
    await service.stop()


async def test_a_restart_on_a_clock_behind_the_journal_never_numbers_a_day_again(
    clock: FakeClock,
    journal: MemoryEventLog,
) -> None:
    config = small_hall(open_all_hours=True)
    clock.now = at(TUESDAY, 0, 20)
    service = await started(journal, clock, config)
    numbers = [await service.execute(new_ticket(f"a{i}"), number_and_day) for i in range(3)]
    await service.stop()
    # A power cut; the board computer has no clock battery and starts on a clock saved the
    # evening before, until NTP answers.
    clock.now = at(MONDAY, 23, 50)
    again = await started(journal, clock, config)
    numbers += [await again.execute(new_ticket(f"b{i}"), number_and_day) for i in range(2)]
    clock.now = at(TUESDAY, 0, 30)
    numbers += [await again.execute(new_ticket(f"c{i}"), number_and_day) for i in range(2)]
    assert numbers == [(f"A00{n}", TUESDAY) for n in range(1, 8)]
    await again.stop()


async def test_a_board_left_on_overnight_sees_the_window_freed_at_midnight(
    start_hall: Callable[..., Awaitable[RunningHall]], clock: FakeClock, quick_timers: None
) -> None:
    clock.now = at(MONDAY, 16, 55)
    hall = await start_hall(small_hall(clearing=TOWNSHIP_CLEARING), clock=clock)
    station = await hall.device("station-3", "station", window="3")
    kiosk = await hall.device("kiosk-1", "kiosk")
    assert (await hall.call("POST", "/api/v1/windows/3/open", station))[0] == 200
    status, _ = await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "company"})
    assert status == 201
    assert (await hall.call("POST", "/api/v1/windows/3/call-next", station))[0] == 200
    assert (await hall.call("POST", "/api/v1/windows/3/start", station))[0] == 200
    async with hall.http.ws_connect(f"{hall.url}/ws?topics=board") as ws:
        snapshot = json.loads((await ws.receive(timeout=5)).data)
        assert snapshot["state"]["windows"][2]["state"] == "serving"
        clock.now = at(TUESDAY, 0, 0, 5)
        message = await ws.receive(timeout=STEP_WAIT_SECONDS)
    assert message.type is aiohttp.WSMsgType.TEXT
    cleared = json.loads(message.data)
    assert cleared["type"] == "queue.cleared"
    assert (cleared["window"]["id"], cleared["window"]["state"]) == ("3", "idle")
    assert cleared["window"]["ticket"] is None


async def test_last_evening_s_calls_are_not_the_morning_s(
    clock: FakeClock, quick_timers: None, journal: MemoryEventLog
) -> None:
    config = small_hall(clearing=TOWNSHIP_CLEARING)
    clock.now = at(MONDAY, 16, 50)
    service = await started(journal, clock, config)
    await service.execute(c.OpenWindow("1", clerk="clerk1"), nothing)
    await issue(service, "evening")
    await service.execute(c.CallNext("1"), nothing)
    await service.execute(c.FinishService("1"), nothing)
    assert [call["ticket"]["number"] for call in service.recent_calls] == ["A001"]
    clock.now = at(TUESDAY, 0, 0, 5)
    await until(lambda: not service.recent_calls)  # a board connecting now is shown none
    await service.stop()
    # Nor after a restart in the morning.
    clock.now = at(TUESDAY, 7, 50)
    again = await started(journal, clock, config)
    assert list(again.recent_calls) == []
    await again.stop()


async def test_a_board_switched_on_in_the_morning_gets_no_call_of_last_evening(
    start_hall: Callable[..., Awaitable[RunningHall]], clock: FakeClock, tmp_path: object
) -> None:
    db = f"{tmp_path}/hall.db"
    clock.now = at(MONDAY, 16, 50)
    hall = await start_hall(small_hall(clearing=TOWNSHIP_CLEARING), clock=clock, db_path=db)
    station = await hall.device("station-1", "station", window="1")
    kiosk = await hall.device("kiosk-1", "kiosk")
    assert (await hall.call("POST", "/api/v1/windows/1/open", station))[0] == 200
    assert (await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"}))[0] == 201
    assert (await hall.call("POST", "/api/v1/windows/1/call-next", station))[0] == 200
    assert (await hall.call("POST", "/api/v1/windows/1/finish", station))[0] == 200
    await hall.server.stop()  # switched off for the night
    clock.now = at(TUESDAY, 7, 50)
    again = await start_hall(small_hall(clearing=TOWNSHIP_CLEARING), clock=clock, db_path=db)
    async with again.http.ws_connect(f"{again.url}/ws?topics=board") as ws:
        snapshot = json.loads((await ws.receive(timeout=5)).data)
    assert snapshot["type"] == "snapshot"
    assert snapshot["state"]["calls"] == []


# -- the day's figures and the day's settings ----------------------------------------------


@dataclasses.dataclass
class Monday:
    """The hall of a_monday_and_its_night, with the tokens of its kiosk, clerk and manager."""

    hall: RunningHall
    kiosk: str
    clerk: str
    manager: str


async def a_monday_and_its_night(
    start_hall: Callable[..., Awaitable[RunningHall]], clock: FakeClock
) -> Monday:
    """A Monday at a hall server left running: window 1's clerk serves two citizens and goes
    home with the third still at the window; a manager pauses 企业开办 (系统维护) and stops
    社保医保 at its three tickets by its daily quota, both "for the rest of the day"
    (docs/manager.md). Midnight passes, and it is Tuesday 07:55: no ticket taken yet."""
    clock.now = at(MONDAY, 16, 30)
    hall = await start_hall(small_hall(), clock=clock, supervise_every=None)
    monday = Monday(
        hall,
        kiosk=await hall.device("kiosk-1", "kiosk"),
        clerk=await hall.clerk_at("1", "wang"),
        manager=await hall.person("li", "manager"),
    )
    for _ in range(3):
        status, _ = await hall.call("POST", "/api/v1/tickets", monday.kiosk, {"service": "social"})
        assert status == 201
    for action in ("call-next", "finish", "call-next", "finish", "call-next"):
        assert (await hall.call("POST", f"/api/v1/windows/1/{action}", monday.clerk))[0] == 200
    for change in (
        {"kind": "issuing", "service": "company", "paused": True, "reason": "系统维护"},
        {"kind": "quota", "service": "social", "daily_quota": 3},
    ):
        assert (await hall.call("POST", "/api/v1/tuning", monday.manager, change))[0] == 201
    left = hall.server.service.hall.current_ticket("1")
    assert left is not None
    clock.now = at(TUESDAY, 0, 0, 5)
    await until(lambda: left.state is TicketState.ABANDONED)  # midnight's work is done
    clock.now = at(TUESDAY, 7, 55)
    return monday


async def test_the_manager_s_today_shows_no_ticket_of_yesterday_in_the_morning(
    start_hall: Callable[..., Awaitable[RunningHall]], clock: FakeClock, quick_timers: None
) -> None:
    monday = await a_monday_and_its_night(start_hall, clock)
    status, today = await monday.hall.call("GET", "/api/v1/hall/today", monday.manager)
    assert status == 200
    # 今日取号, 今日办结, 正在等候: Monday's three tickets are not Tuesday's.
    assert (today["issued"], today["served"], today["waiting"]) == (0, 0, 0)


async def test_a_clerk_s_figures_of_today_start_at_midnight(
    start_hall: Callable[..., Awaitable[RunningHall]], clock: FakeClock, quick_timers: None
) -> None:
    monday = await a_monday_and_its_night(start_hall, clock)
    # The clerk never signed out: in the morning their console reads the window again.
    status, detail = await monday.hall.call("GET", "/api/v1/windows/1", monday.clerk)
    assert status == 200
    today = detail["today"]
    assert (today["clerk"], today["served"], today["mean_wait_minutes"]) == ("wang", 0, None)


async def test_the_metrics_of_today_start_at_midnight(
    start_hall: Callable[..., Awaitable[RunningHall]], clock: FakeClock, quick_timers: None
) -> None:
    monday = await a_monday_and_its_night(start_hall, clock)
    status, text = await monday.hall.call("GET", "/metrics")
    assert status == 200
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    assert samples[("hallq_tickets_issued_today", (("service", "social"),))] == 0
    assert samples[("hallq_wait_seconds_count", (("service", "social"),))] == 0
    assert not [name for name, _ in samples if name == "hallq_tickets_called_today"]


async def test_a_service_paused_for_the_rest_of_the_day_issues_again_the_next_morning(
    start_hall: Callable[..., Awaitable[RunningHall]], clock: FakeClock, quick_timers: None
) -> None:
    monday = await a_monday_and_its_night(start_hall, clock)
    hall = monday.hall
    _, info = await hall.call("GET", "/api/v1/hall")
    company = next(s for s in info["services"] if s["id"] == "company")
    assert company["issuing_paused"] is None  # the kiosks' tile is no longer greyed
    clock.now = at(TUESDAY, 8, 35)
    status, answer = await hall.call(
        "POST", "/api/v1/tickets", monday.kiosk, {"service": "company"}
    )
    assert status == 201, answer
    assert answer["ticket"]["number"] == "C001"


async def test_a_quota_set_for_the_day_gives_way_to_the_hall_file_s_the_next_morning(
    start_hall: Callable[..., Awaitable[RunningHall]], clock: FakeClock, quick_timers: None
) -> None:
    monday = await a_monday_and_its_night(start_hall, clock)
    hall = monday.hall
    _, info = await hall.call("GET", "/api/v1/hall")
    social = next(s for s in info["services"] if s["id"] == "social")
    # The hall file sets no quota for it: none, as on any morning.
    assert (social["daily_quota"], social["issued_today"], social["left_today"]) == (None, 0, None)
    clock.now = at(TUESDAY, 8, 35)
    numbers = []
    for _ in range(4):
        status, answer = await hall.call(
            "POST", "/api/v1/tickets", monday.kiosk, {"service": "social"}
        )
        assert status == 201, answer
        numbers.append(answer["ticket"]["number"])
    assert numbers == ["A001", "A002", "A003", "A004"]


async def test_yesterday_s_tuning_stays_in_the_history_but_is_no_longer_undone(
    start_hall: Callable[..., Awaitable[RunningHall]], clock: FakeClock, quick_timers: None
) -> None:
    """Monday's pause and quota ended at midnight. Undoing them on Tuesday would put what
    they replaced over Tuesday's own settings (the quota a manager set this morning): it is
    refused, and nothing changes; this morning's change is undone as ever."""
    monday = await a_monday_and_its_night(start_hall, clock)
    hall, manager = monday.hall, monday.manager
    this_morning = {"kind": "quota", "service": "social", "daily_quota": 50}
    status, tuesday = await hall.call("POST", "/api/v1/tuning", manager, this_morning)
    assert status == 201, tuesday
    _, history = await hall.call("GET", "/api/v1/tuning", manager)
    mondays = [change for change in history["changes"] if change["at"] < "2026-11-24"]
    assert [change["kind"] for change in mondays] == ["quota", "issuing"]
    state = hall.server.service.hall
    before = state.to_snapshot()

    for change in mondays:
        status, answer = await hall.call("POST", f"/api/v1/tuning/{change['id']}/undo", manager)
        assert (status, answer["error"]["code"]) == (409, "change_expired"), answer
        assert "2026-11-23" in answer["error"]["message"]
    assert state.to_snapshot() == before
    _, info = await hall.call("GET", "/api/v1/hall")
    services = {service["id"]: service for service in info["services"]}
    assert (services["social"]["daily_quota"], services["company"]["issuing_paused"]) == (50, None)

    # Still in the history, as Monday's: the console offers no undo for them.
    _, listed = await hall.call("GET", "/api/v1/tuning", manager)
    assert [(c["id"], c["expired"]) for c in listed["changes"]] == [
        (tuesday["change"]["id"], False),
        *((change["id"], True) for change in mondays),
    ]
    status, undone = await hall.call(
        "POST", f"/api/v1/tuning/{tuesday['change']['id']}/undo", manager
    )
    assert status == 201, undone
    assert undone["change"]["after"] == {"daily_quota": None, "session_quota": None}
    assert undone["change"]["expired"] is False


async def monday_s_tickets_and_settings(service: HallService) -> None:
    await service.execute(c.OpenWindow("1", clerk="clerk1"), nothing)
    for name in ("a", "b"):
        await issue(service, name)
    await service.execute(c.CallNext("1"), nothing)
    await service.execute(c.FinishService("1"), nothing)
    pause = {"paused": True, "reason": "系统维护"}
    await service.execute(c.Tune("pause", "issuing", "company", pause, by="li"), nothing)
    quota = {"daily_quota": 2, "session_quota": None}
    await service.execute(c.Tune("quota", "quota", "social", quota, by="li"), nothing)


def assert_a_fresh_day(hall: Hall, day: dt.date) -> None:
    assert hall.day == day
    assert (hall.issued_today, hall.issued_in_session, hall.clerk_today) == ({}, {}, {})
    assert (hall.issuing_paused, hall.services["social"].daily_quota) == ({}, None)


async def test_the_day_begun_at_midnight_is_rebuilt_exactly_after_a_crash(
    clock: FakeClock, quick_timers: None, journal: MemoryEventLog
) -> None:
    config = small_hall(clearing=TOWNSHIP_CLEARING)
    clock.now = at(MONDAY, 16, 30)
    published: list[Published] = []
    service = await started(journal, clock, config, snapshot_every=10**9, publish=published.extend)
    await monday_s_tickets_and_settings(service)
    published.clear()
    clock.now = at(TUESDAY, 0, 0, 5)
    await until(lambda: service.hall.day == TUESDAY)
    assert_a_fresh_day(service.hall, TUESDAY)
    # The consoles are told: their figures of today start again, and issuing as the file says.
    began = [p.messages for p in published if p.any_message["type"] == "day.started"]
    assert [(set(m), m["console"]["day"]) for m in began] == [({"console"}, "2026-11-24")]
    expected = service.hall.to_snapshot()
    # A crash: a new server on the same journal, with no snapshot, replays all of it.
    clock.now = at(TUESDAY, 7, 55)
    again = await started(journal, clock, config)
    assert again.hall.to_snapshot() == expected
    assert Hall.from_snapshot(config, expected).to_snapshot() == expected
    await again.stop()
    await service.stop()


async def test_a_night_the_server_was_down_begins_the_day_at_start(
    clock: FakeClock, journal: MemoryEventLog
) -> None:
    config = small_hall(clearing=TOWNSHIP_CLEARING)
    clock.now = at(MONDAY, 16, 30)
    service = await started(journal, clock, config)
    await monday_s_tickets_and_settings(service)
    await service.stop()  # the hall PC is switched off for the night

    clock.now = at(TUESDAY, 7, 55)
    again = await started(journal, clock, config)
    assert_a_fresh_day(again.hall, TUESDAY)
    await again.stop()
    rebuilt = await started(journal, clock, config)
    assert_a_fresh_day(rebuilt.hall, TUESDAY)
    assert rebuilt.hall.to_snapshot() == again.hall.to_snapshot()
    await rebuilt.stop()


async def test_a_hall_open_round_the_clock_begins_its_day_at_midnight_and_numbers_it_afresh(
    clock: FakeClock, quick_timers: None, journal: MemoryEventLog
) -> None:
    clock.now = at(MONDAY, 23, 50)
    service = await started(journal, clock, small_hall(open_all_hours=True))
    hall = service.hall
    late = [hall.tickets[await issue(service, name)] for name in ("late-1", "late-2")]
    clock.now = at(TUESDAY, 0, 0, 5)
    await until(lambda: hall.day == TUESDAY)
    assert hall.issued_today == {}
    # A hall open round the clock has no night: Monday's citizens still wait after midnight…
    assert {t.state for t in late} == {TicketState.WAITING}
    clock.now = at(TUESDAY, 0, 10)
    # … until the day's first number is given: none of them shares it.
    first = await service.execute(new_ticket("first"), number_and_day)
    assert first == ("A001", TUESDAY)
    assert {t.state for t in late} == {TicketState.ABANDONED}
    await service.stop()
