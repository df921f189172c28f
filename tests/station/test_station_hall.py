"""The station agent against a real hall server, its keypad and key pad being fake evdev sources."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import logging
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from answer_cutter import Cutter
from helpers import SHANGHAI, RunningHall

from drivers.input.base import DeviceError, KeyEvent, KeyState
from drivers.input.fake import FakeSource
from drivers.input.presses import GrabbedKeys
from kiosk.agent.link import ServerLink
from kiosk.agent.link_errors import IssueRefused
from kiosk.station.keys import DEFAULT_KEYPAD, Key, key_code
from kiosk.station.runtime import Station
from kiosk.station.settings import KeyPadSettings, KeypadSettings
from queue_server.domain.ratings import Channel

StartHall = Callable[..., Awaitable[RunningHall]]
KEYS = {key: key_code(name) for name, key in DEFAULT_KEYPAD.items()}
WINDOW = "1"


def tap(source: FakeSource, *codes: int) -> None:
    for code in codes:
        # A key held long enough to auto-repeat is still one press.
        source.feed(KeyEvent(code, KeyState.DOWN), KeyEvent(code, KeyState.REPEAT))
        source.feed(KeyEvent(code, KeyState.UP))


async def until(check: Callable[[], Awaitable[bool]], what: str, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    assert await check(), what


class Desk:
    """The running station with its fake devices, and the hall to check what it did."""

    def __init__(self, hall: RunningHall, station: Station, manager: str) -> None:
        self.hall = hall
        self.station = station
        self.manager = manager
        self.keypad = FakeSource()
        self.key_pad = FakeSource()
        self.keypad_plugged = True  # False: the agent finds no keypad to open

    def press(self, *keys: Key) -> None:
        tap(self.keypad, *(KEYS[key] for key in keys))

    async def window(self) -> dict[str, Any]:
        status, answer = await self.hall.call("GET", f"/api/v1/windows/{WINDOW}", self.manager)
        assert status == 200, answer
        return dict(answer)

    async def ratings(self) -> list[dict[str, Any]]:
        status, answer = await self.hall.call("GET", rating_days(), self.manager)
        assert status == 200, answer
        return list(answer["ratings"])


@contextlib.asynccontextmanager
async def desk_at(hall: RunningHall, monotonic: Callable[[], float]) -> AsyncIterator[Desk]:
    """The station of window 1, its clerk signed in, timing key presses by `monotonic`."""
    await hall.clerk_at(WINDOW, "wang", "王芳", "0107")
    manager = await hall.person("boss", "manager")
    station_token = await hall.device("w1-station", "station", WINDOW)
    pad_token = await hall.device("w1-pad", "pad", WINDOW)
    async with (
        ServerLink(hall.url, station_token) as station_link,
        ServerLink(hall.url, pad_token) as pad_link,
    ):
        station = Station(
            WINDOW,
            station_link=station_link,
            pad_link=pad_link,
            keypad=KeypadSettings(pause_reason="休息"),
            key_pad=KeyPadSettings(),
            monotonic=monotonic,
        )
        desk = Desk(hall, station, manager)

        def open_keypad() -> GrabbedKeys:
            if not desk.keypad_plugged:
                raise DeviceError("no input device matches 'port:usb-0:1.3'")
            return GrabbedKeys(desk.keypad)

        station.open_keypad = open_keypad
        station.open_key_pad = lambda: GrabbedKeys(desk.key_pad)
        running = asyncio.create_task(station.run())

        async def ready() -> bool:
            return station.online and station.watch.window is not None

        await until(ready, "the station follows its window")
        try:
            yield desk
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running


@pytest.fixture
async def desk(start_hall: StartHall) -> AsyncIterator[Desk]:
    # Each press a second apart: past the double-tap guard, within the digits' time-out.
    clock = itertools.count(1000.0, 1.0)
    async with desk_at(await start_hall(), lambda: next(clock)) as desk:
        yield desk


@pytest.fixture
async def desk_in_real_time(start_hall: StartHall) -> AsyncIterator[Desk]:
    """Presses timed by the real clock, as the agent times them."""
    async with desk_at(await start_hall(), time.monotonic) as desk:
        yield desk


async def issue(hall: RunningHall, count: int) -> list[str]:
    kiosk = await hall.device(f"kiosk-{count}", "kiosk")
    numbers = []
    for _ in range(count):
        status, answer = await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})
        assert status == 201, answer
        numbers.append(answer["ticket"]["number"])
    return numbers


async def test_keys_call_recall_pause_and_call_back_at_this_window(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    numbers = await issue(desk.hall, 5)
    assert desk.keypad.grabbed and desk.key_pad.grabbed

    async def current() -> str | None:
        ticket = (await desk.window())["window"]["ticket"]
        return ticket["number"] if ticket else None

    async def state() -> str:
        return str((await desk.window())["window"]["state"])

    desk.press(Key.CALL)
    await until(lambda: _eq(current(), numbers[0]), "呼叫 calls the first ticket")
    desk.press(Key.RECALL)

    async def recalled() -> bool:
        return bool((await desk.window())["window"]["ticket"]["recalls"] == 1)

    await until(recalled, "重呼 recalls it")
    # Three tickets missed at this window: numbers[0], [1], [2] (the most recent).
    for number in numbers[1:3]:
        desk.press(Key.NO_SHOW)
        await until(lambda n=number: _eq(current(), None), "过号")  # type: ignore[misc]
        desk.press(Key.CALL)
        await until(lambda n=number: _eq(current(), n), f"呼叫 calls {number}")  # type: ignore[misc]
    desk.press(Key.NO_SHOW)
    await until(lambda: _eq(current(), None), "过号")
    assert [t["number"] for t in (await desk.window())["missed"]] == numbers[:3]

    desk.press(Key.D3, Key.CONFIRM)  # the 3rd most recently missed: the first one
    await until(lambda: _eq(current(), numbers[0]), "3 确认 calls the first missed back")

    desk.press(Key.START)
    await until(lambda: _eq(state(), "serving"), "开始 starts the service")
    # Refused by the server (a window serving someone cannot pause): logged, keypad goes on.
    desk.press(Key.PAUSE)
    await until(lambda: _contains(caplog, "pause-toggle refused: window_busy"), "refused")
    desk.press(Key.FINISH)
    await until(lambda: _eq(state(), "idle"), "办结 finishes the service")
    desk.press(Key.PAUSE)
    await until(lambda: _eq(state(), "paused"), "暂停 pauses the window")
    assert (await desk.window())["window"]["pause_reason"] == "休息"

    async def station_sees_pause() -> bool:
        return desk.station.watch.state == "paused"

    await until(station_sees_pause, "the station knows the window is paused")
    desk.press(Key.PAUSE)
    await until(lambda: _eq(state(), "idle"), "暂停 again resumes it")

    # Not possible here (no default target configured): logged, the keypad goes on.
    desk.press(Key.CALL)
    await until(lambda: _eq(current(), numbers[3]), "呼叫 calls the next")
    desk.press(Key.TRANSFER, Key.CONFIRM)
    await desk.hall.clerk_at("2", "li")  # a ticket goes only to a window that is open
    desk.press(Key.TRANSFER, Key.D2, Key.CONFIRM)
    await until(lambda: _eq(current(), None), "转移 2 确认 sends the ticket to window 2")
    assert "no default transfer target" in caplog.text
    assert desk.station.devices == {"keypad": True, "key_pad": True}


async def test_rating_key_pad_counts_one_press_while_a_rating_is_open(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="kiosk.station.runtime")
    await issue(desk.hall, 2)
    five, four, two = key_code("KEY_1"), key_code("KEY_2"), key_code("KEY_4")

    tap(desk.key_pad, five)  # nothing to rate yet
    desk.press(Key.CALL)

    async def rating_open() -> bool:
        return desk.station.watch.rating is not None

    async def serving() -> bool:
        return (await desk.window())["window"]["ticket"] is not None

    await until(serving, "a ticket is called")
    assert "pressed with no rating open" in caplog.text
    assert await desk.ratings() == []

    desk.press(Key.FINISH)
    await until(rating_open, "finishing opens a rating at this window")
    desk.press(Key.RATE)  # the clerk asks again: re-opens the same service's rating
    await until(lambda: _contains(caplog, "keypad ask-rating: done"), "评价 asks for a rating")

    # A 差评 needs a reason the keys cannot give: the server refuses it, the touch pad asks.
    pushed = desk.station.listen()
    tap(desk.key_pad, two)
    await until(lambda: _contains(caplog, "refused: reason_required"), "a 差评 key is refused")
    assert {"type": "reason", "level": 2} in _drain(pushed)
    assert await desk.ratings() == []

    tap(desk.key_pad, four, five)  # the first press counts, the second is not sent

    async def rated() -> bool:
        return len(await desk.ratings()) == 1 and desk.station.watch.rating is None

    await until(rated, "the key pad's press is recorded")
    await asyncio.sleep(0.3)
    [rating] = await desk.ratings()
    assert (rating["window"], rating["level"], rating["channel"]) == (WINDOW, 4, 5)
    # The second press found the rating closed by the first: nothing sent.
    assert caplog.text.count("5 pressed with no rating open") == 2

    # Ratings are recorded for this window only: the server refuses the pad another window's.
    status, answer = await desk.hall.call(
        "POST", "/api/v1/windows/2/ask-rating", await desk.hall.device("w2", "station", "2")
    )
    assert status == 409, answer


async def devices_reported(desk: Desk) -> list[tuple[str, str, str]]:
    status, answer = await desk.hall.call("GET", "/api/v1/devices", desk.manager)
    assert status == 200, answer
    return sorted((d["device"], d["component"], d["condition"]) for d in answer["devices"])


async def alerts(desk: Desk) -> list[str]:
    status, answer = await desk.hall.call("GET", "/api/v1/alerts", desk.manager)
    assert status == 200, answer
    return [a["kind"] for a in answer["alerts"]]


async def test_a_keypad_unplugged_mid_combination_forgets_it_and_the_station_carries_on(
    desk: Desk,
) -> None:
    numbers = await issue(desk.hall, 4)

    async def current() -> str | None:
        ticket = (await desk.window())["window"]["ticket"]
        return ticket["number"] if ticket else None

    for number in numbers[:2]:  # two tickets missed here: 1 确认 would call the last back
        desk.press(Key.CALL)
        await until(lambda n=number: _eq(current(), n), f"呼叫 calls {number}")  # type: ignore[misc]
        desk.press(Key.NO_SHOW)
        await until(lambda: _eq(current(), None), "过号")
    desk.press(Key.D1)  # half a call-back: then the cable comes out

    async def typed() -> bool:
        return desk.station.machine.pending

    await until(typed, "the digit is taken")
    desk.keypad.unplug()

    async def keypad_offline() -> bool:
        return ("device:w1-station", "keypad", "offline") in await devices_reported(desk)

    await until(keypad_offline, "the station reports its keypad gone")
    assert desk.station.devices["keypad"] is False
    await desk.hall.server.service.supervise()  # the minutely watch round, now
    assert "device_fault" in await alerts(desk), "the manager is alerted"

    desk.keypad = FakeSource()  # plugged in again (the opener reads desk.keypad)
    desk.station.rescan()

    async def keypad_back() -> bool:
        return ("device:w1-station", "keypad", "ok") in await devices_reported(desk)

    await until(keypad_back, "the keypad is reported back")
    desk.press(Key.CONFIRM)  # the digit typed before the unplug is forgotten: no call back
    desk.press(Key.CALL)
    await until(lambda: _eq(current(), numbers[2]), "呼叫 calls the next waiting ticket")
    assert [t["number"] for t in (await desk.window())["missed"]] == numbers[:2]


async def test_a_keypad_unplugged_while_the_server_is_down_is_reported_when_it_is_back(
    desk: Desk, start_hall: StartHall
) -> None:
    port, db = desk.hall.server.port, desk.hall.server.db_path
    await desk.hall.server.stop()  # restarting, or the network down

    async def offline() -> bool:
        return not desk.station.online

    await until(offline, "the station notices the server gone", 15)
    desk.keypad_plugged = False
    desk.keypad.unplug()

    async def unplugged() -> bool:
        return desk.station.devices["keypad"] is False

    await until(unplugged, "the station notices its keypad gone")
    desk.hall = await start_hall(db_path=db, port=port)

    async def keypad_offline() -> bool:
        return ("device:w1-station", "keypad", "offline") in await devices_reported(desk)

    await until(keypad_offline, "the manager's console learns of it once the server is back", 15)


async def test_a_key_pad_unplugged_mid_rating_leaves_the_rating_to_the_touch_pad(
    desk: Desk,
) -> None:
    await issue(desk.hall, 2)
    desk.press(Key.CALL)

    async def called() -> bool:
        return (await desk.window())["window"]["ticket"] is not None

    await until(called, "a ticket is called")
    desk.press(Key.FINISH)

    async def rating_open() -> bool:
        return desk.station.open_rating() is not None

    await until(rating_open, "finishing opens a rating at this window")
    desk.key_pad.unplug()  # the citizen's key pad falls off the counter

    async def key_pad_offline() -> bool:
        return ("device:w1-pad", "key_pad", "offline") in await devices_reported(desk)

    await until(key_pad_offline, "the pad reports its key pad gone")
    await desk.station.rate(5, [], None)  # the touch pad still takes the rating, once
    [rating] = await desk.ratings()
    assert (rating["window"], rating["level"]) == (WINDOW, 5)
    desk.key_pad = FakeSource()
    desk.station.rescan()

    async def key_pad_back() -> bool:
        return ("device:w1-pad", "key_pad", "ok") in await devices_reported(desk)

    await until(key_pad_back, "the key pad is reported back")
    tap(desk.key_pad, key_code("KEY_1"))  # the rating is taken: nothing more is recorded
    await asyncio.sleep(0.3)
    assert len(await desk.ratings()) == 1


async def called_number(desk: Desk) -> str | None:
    ticket = (await desk.window())["window"]["ticket"]
    return ticket["number"] if ticket else None


async def test_a_double_tap_of_call_while_the_server_is_slow_calls_one_citizen(
    desk_in_real_time: Desk,
) -> None:
    desk = desk_in_real_time
    numbers = await issue(desk.hall, 3)
    async with desk.hall.server.service.consistent():  # the server is busy for a while
        desk.press(Key.CALL)
        await asyncio.sleep(0.2)
        desk.press(Key.CALL)  # the same key again at once: one press
        await asyncio.sleep(1.5)  # longer than the double-tap guard
    await until(lambda: _eq(called_number(desk), numbers[0]), "呼叫 calls the first citizen")
    await asyncio.sleep(0.5)
    detail = await desk.window()
    assert detail["window"]["ticket"]["number"] == numbers[0], "nobody was skipped"
    assert detail["waiting"]["social"] == 2


async def test_keys_pressed_while_the_server_hangs_are_not_sent_when_it_answers_again(
    desk_in_real_time: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    desk = desk_in_real_time
    numbers = await issue(desk.hall, 3)
    async with desk.hall.server.service.consistent():  # the server hangs past the timeout
        desk.press(Key.CALL)
        await asyncio.sleep(1.0)
        desk.press(Key.CALL)  # nothing seems to happen: the clerk presses again
        await until(lambda: _contains(caplog, "not sent, the server did not answer"), "", 8)
    # The second 呼叫 was pressed blind and is not sent late to the server answering again:
    # the clerk, who saw nothing happen, presses again, and one citizen is called.
    await asyncio.sleep(0.5)
    assert await called_number(desk) is None
    desk.press(Key.CALL)
    await until(lambda: _eq(called_number(desk), numbers[0]), "呼叫 calls the first citizen")
    await asyncio.sleep(0.5)
    assert await called_number(desk) == numbers[0]
    assert (await desk.window())["waiting"]["social"] == 2


async def test_a_key_pad_press_the_server_never_got_may_be_pressed_again(desk: Desk) -> None:
    await issue(desk.hall, 1)
    desk.press(Key.CALL)
    await until(lambda: _eq(called_number(desk), "A001"), "a ticket is called")
    desk.press(Key.FINISH)

    async def rating_open() -> bool:
        return desk.station.watch.rating is not None

    await until(rating_open, "finishing opens a rating")
    reachable = desk.station.pad_link
    assert reachable is not None
    with socket.socket() as probe:  # a port nobody listens on: the pad's cable is out
        probe.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{probe.getsockname()[1]}"
    async with ServerLink(nowhere, reachable.token, attempts=(0.0,)) as cut:
        desk.station.pad_link = cut
        await desk.station.rating_key(key_code("KEY_2"))  # 满意: never reaches the server
    desk.station.pad_link = reachable
    await desk.station.rating_key(key_code("KEY_2"))  # the citizen presses again
    [rating] = await desk.ratings()
    assert (rating["level"], rating["channel"]) == (4, 5)


async def finished_with_a_rating_open(desk: Desk) -> None:
    await issue(desk.hall, 1)
    desk.press(Key.CALL)
    await until(lambda: _eq(called_number(desk), "A001"), "a ticket is called")
    desk.press(Key.FINISH)

    async def rating_open() -> bool:
        return desk.station.watch.rating is not None

    await until(rating_open, "finishing opens a rating")


@contextlib.asynccontextmanager
async def pad_cable_losing_the_next_answer(desk: Desk) -> AsyncIterator[None]:
    """The pad's requests pass through a relay that swallows the server's answers until the
    server has recorded a rating: the rating landed, the station never heard so."""
    reachable = desk.station.pad_link
    assert reachable is not None
    cutter = Cutter(int(desk.hall.url.rsplit(":", 1)[1]))
    await cutter.start()
    cutter.swallow = True

    async def recorded() -> bool:
        return bool(await desk.ratings())

    async def answer_once_recorded() -> None:
        await until(recorded, "the server records the rating")
        cutter.swallow = False  # before the station tries again (a second later)

    watching = asyncio.create_task(answer_once_recorded())
    try:
        async with ServerLink(cutter.url, reachable.token, attempts=(0.0, 1.0)) as cut:
            desk.station.pad_link = cut
            yield
    finally:
        desk.station.pad_link = reachable
        watching.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watching
        await cutter.close()


async def test_a_touch_rating_whose_answer_was_lost_is_thanked_not_called_a_duplicate(
    desk: Desk,
) -> None:
    await finished_with_a_rating_open(desk)
    async with pad_cable_losing_the_next_answer(desk):
        answer = await desk.station.rate(2, ["213"], "等了很久")
    assert (answer["rating"]["level"], answer["rating"]["tags"]) == (2, ["213"])
    [rating] = await desk.ratings()
    assert (rating["level"], rating["channel"], rating["comment"]) == (2, 4, "等了很久")


async def test_a_key_pad_press_whose_answer_was_lost_shows_the_thanks(desk: Desk) -> None:
    await finished_with_a_rating_open(desk)
    pushed = desk.station.listen()
    async with pad_cable_losing_the_next_answer(desk):
        await desk.station.rating_key(key_code("KEY_1"))  # 非常满意
    assert {"type": "thanks"} in _drain(pushed)
    [rating] = await desk.ratings()
    assert (rating["level"], rating["channel"]) == (5, 5)


async def test_a_rating_given_before_is_still_refused_after_a_lost_answer(desk: Desk) -> None:
    await finished_with_a_rating_open(desk)
    touched = desk.station.watch.rating
    assert touched is not None
    # The citizen touches 非常满意 on the pad as the key pad's 满意 lands: the touch pad's
    # refusal is lost on the way, and its second attempt is refused too. That is the key
    # pad's rating, not the touch pad's own first attempt.
    await desk.station.rating_key(key_code("KEY_2"))
    reachable = desk.station.pad_link
    assert reachable is not None
    cutter = Cutter(int(desk.hall.url.rsplit(":", 1)[1]))
    await cutter.start()
    cutter.swallow = True
    async with ServerLink(cutter.url, reachable.token, attempts=(0.0, 1.0)) as cut:
        desk.station.pad_link = cut
        trying = asyncio.create_task(
            desk.station.send_rating(touched, 5, [], None, Channel.HALL_TABLET)
        )
        await asyncio.sleep(0.5)  # the first attempt refused, its answer swallowed
        cutter.swallow = False
        with pytest.raises(IssueRefused) as refused:
            await trying
    desk.station.pad_link = reachable
    await cutter.close()
    assert (refused.value.code, refused.value.after_lost_answer) == ("already_rated", True)
    [rating] = await desk.ratings()
    assert (rating["level"], rating["channel"]) == (4, 5)


async def test_each_step_of_a_route_served_here_takes_its_own_key_pad_press(desk: Desk) -> None:
    kiosk = await desk.hall.device("kiosk-route", "kiosk")
    status, issued = await desk.hall.call("POST", "/api/v1/tickets", kiosk, {"service": "estate"})
    assert status == 201, issued
    number = issued["ticket"]["number"]
    for step, key in enumerate(("KEY_1", "KEY_2"), start=1):
        desk.press(Key.CALL)  # window 1 serves 不动产登记, then 出件 for the same ticket
        await until(lambda: _eq(called_number(desk), number), f"step {step} is called")
        desk.press(Key.FINISH)

        async def step_open(step: int = step) -> bool:
            rating = desk.station.open_rating()
            return rating is not None and len(await desk.ratings()) == step - 1

        await until(step_open, f"finishing step {step} opens its rating")
        tap(desk.key_pad, key_code(key))

        async def rated(step: int = step) -> bool:
            return len(await desk.ratings()) == step

        await until(rated, f"the key pad rates step {step}")
    services = sorted((r["service"], r["level"]) for r in await desk.ratings())
    assert services == [("estate", 5), ("pickup", 4)]


async def test_the_rate_key_asks_only_for_the_service_just_finished(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    numbers = await issue(desk.hall, 2)
    desk.press(Key.CALL)
    await until(lambda: _eq(called_number(desk), numbers[0]), "the first citizen is called")
    desk.press(Key.CALL)  # finishes the first, who leaves without rating; calls the second
    await until(lambda: _eq(called_number(desk), numbers[1]), "the second citizen is called")
    desk.press(Key.FINISH)

    async def second_open() -> bool:
        rating = desk.station.open_rating()
        return rating is not None and rating.number == numbers[1]

    await until(second_open, "the second service's rating opens")
    await desk.station.rate(5, [], None)
    desk.press(Key.RATE)  # the clerk presses 评价 again after the citizen rated
    await until(lambda: _contains(caplog, "refused: nothing_to_rate"), "nothing left to rate")
    assert desk.station.open_rating() is None, "the first citizen's service is not offered"
    assert len(await desk.ratings()) == 1


async def test_after_a_hand_over_the_pad_shows_and_rates_the_clerk_who_served(
    desk: Desk,
) -> None:
    await issue(desk.hall, 1)
    desk.press(Key.CALL)
    await until(lambda: _eq(called_number(desk), "A001"), "a ticket is called")
    desk.press(Key.FINISH)  # 王芳 finished the service

    async def rating_open() -> bool:
        return desk.station.open_rating() is not None

    await until(rating_open, "finishing opens a rating")
    li = await desk.hall.person("li", display_name="李强", staff_no="0108")
    status, answer = await desk.hall.call(
        "POST", f"/api/v1/windows/{WINDOW}/hand-over", li, {"reason": "替岗"}
    )
    assert status == 200, answer

    async def handed_over() -> bool:
        return (desk.station.watch.clerk or {}).get("name") == "李强"

    await until(handed_over, "the station sees 李强 at the window")
    assert desk.station.state()["clerk"]["name"] == "王芳", "the citizen rates who served them"
    answer = await desk.station.rate(2, ["214"], None)
    assert answer["rating"]["clerk"] == {"name": "王芳", "staff_no": "0107"}
    assert desk.station.state()["clerk"]["name"] == "李强", "then the pad shows who is there"
    wang = await desk.hall.person("wang2", display_name="王芳")  # not the clerk rated
    case = answer["case"]
    for token, expected in ((li, 403), (wang, 403)):
        status, _ = await desk.hall.call(
            "POST", f"/api/v1/cases/{case}/appeal", token, {"note": "不是我办的"}
        )
        assert status == expected


async def test_a_token_the_server_refuses_is_said_as_such_not_as_a_network_fault(
    start_hall: StartHall, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kiosk.station")
    hall = await start_hall()
    revoked = await hall.device("w1-pad", "pad", WINDOW)
    admin = await hall.person("root", "admin")
    status, answer = await hall.call("POST", "/api/v1/devices/w1-pad/revoke", admin)
    assert status == 200, answer
    async with ServerLink(hall.url, revoked) as pad_link:
        station = Station(WINDOW, station_link=None, pad_link=pad_link)
        running = asyncio.create_task(station.run())
        try:
            await until(lambda: _contains(caplog, "refuses"), "the refusal is logged", 8)
            await asyncio.sleep(2.0)  # a few more tries
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
    warned = [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name.startswith("kiosk.station")
    ]
    assert warned == [
        "the server refuses the pad token (HTTP 401): it was revoked or made for another "
        "server; make a new one (hallq device add) for station.pad_token"
    ]
    assert not station.online


async def test_a_window_the_hall_does_not_have_is_said_in_the_log(
    start_hall: StartHall, caplog: pytest.LogCaptureFixture
) -> None:
    hall = await start_hall()
    pad_token = await hall.device("w1-pad", "pad", WINDOW)
    async with ServerLink(hall.url, pad_token) as pad_link:
        station = Station("01", station_link=None, pad_link=pad_link)  # a typo for "1"
        running = asyncio.create_task(station.run())
        try:
            await until(lambda: _contains(caplog, "not in the hall"), "the typo is said")
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
    [said] = [r for r in caplog.records if "not in the hall" in r.getMessage()]
    assert said.levelno == logging.WARNING
    assert said.getMessage() == (
        "window '01' is not in the hall (its windows: 1, 2, 3): check [station] window"
    )


def _drain(queue: asyncio.Queue[dict[str, Any]]) -> list[dict[str, Any]]:
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items


async def _eq(value: Awaitable[Any], expected: Any) -> bool:
    return bool(await value == expected)


async def _contains(caplog: pytest.LogCaptureFixture, text: str) -> bool:
    return text in caplog.text


def rating_days() -> str:
    """The ratings of yesterday to tomorrow in the hall's time zone: all this test made."""
    today = dt.datetime.now(SHANGHAI).date()
    days = today - dt.timedelta(days=1), today + dt.timedelta(days=1)
    return f"/api/v1/ratings?from={days[0]}&to={days[1]}"


async def test_a_pad_token_of_another_window_is_told_to_the_citizen_in_chinese(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    """Set up with window 2's pad token, the station's ratings are refused (403, in the
    operators' English): the citizen reads what to do, the log says why."""
    await finished_with_a_rating_open(desk)
    own = desk.station.pad_link
    other = await desk.hall.device("w2-pad", "pad", "2")
    async with ServerLink(desk.hall.url, other) as wrong:
        desk.station.pad_link = wrong
        with pytest.raises(IssueRefused) as refused:
            await desk.station.rate(5, [], None)
    desk.station.pad_link = own
    assert (refused.value.code, refused.value.message) == (
        "forbidden",
        "暂时无法评价，请联系工作人员",
    )
    assert "this pad belongs to window 2" in caplog.text
    assert await desk.ratings() == []


async def test_a_touch_for_the_citizen_before_does_not_rate_the_next_one(desk: Desk) -> None:
    """The pad answers the rating it showed: one for the next citizen, opened as the touch
    was on its way, is not given this citizen's answer."""
    await finished_with_a_rating_open(desk)
    shown = desk.station.watch.rating
    assert shown is not None
    with pytest.raises(IssueRefused) as refused:
        await desk.station.rate(1, ["115"], None, ticket="the-ticket-before")
    assert refused.value.code == "rating_closed"
    assert await desk.ratings() == []
    await desk.station.rate(5, [], None, ticket=shown.ticket)
    [rating] = await desk.ratings()
    assert (rating["level"], rating["ticket"]) == (5, shown.ticket)
