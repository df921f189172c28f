"""The clerk console acting on what it shows: a dialog asked about one ticket never acts on
another, buttons the server would refuse are grey, and nothing stays on screen from before."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from helpers import RunningHall
from playwright.async_api import Locator, Page, Route, expect

from .conftest import Issue, OpenConsole, StreamSwitch

pytestmark = pytest.mark.browser

StartHall = Callable[..., Awaitable[RunningHall]]


def act(page: Page, action: str) -> Locator:
    return page.locator(f'.actions [data-action="{action}"]')


async def called_at_the_console(page: Page, number: str) -> None:
    await page.keyboard.press("F1")
    await expect(page.locator("#info")).to_have_text(f"已叫号 {number}")


async def a001_at_window_1(
    start_hall: StartHall, open_console: OpenConsole, issue: Issue
) -> tuple[RunningHall, str, dict[str, Any], Page]:
    """A001 called at window 1's console, A002 waiting, and window 1's keypad token."""
    hall = await start_hall()
    keypad = await hall.device("station-1", "station", window="1")
    await issue(hall, "social")
    a002 = await issue(hall, "social")
    page = await open_console(hall)
    await called_at_the_console(page, "A001")
    return hall, keypad, a002, page


async def ticket_state(hall: RunningHall, ticket_id: str) -> str:
    status, seen = await hall.call("GET", f"/api/v1/tickets/{ticket_id}")
    assert status == 200, seen
    return str(seen["ticket"]["state"])


async def test_a_no_show_confirmed_after_the_keypad_called_the_next_leaves_the_next_alone(
    start_hall: StartHall, open_console: OpenConsole, issue: Issue
) -> None:
    hall, keypad, a002, page = await a001_at_window_1(start_hall, open_console, issue)

    await page.keyboard.press("KeyN")
    dialog = page.locator("#no-show-dialog")
    await expect(dialog.locator("#no-show-number")).to_have_text("A001")
    # While the clerk picks a reason, the window's keypad calls the next citizen.
    assert (await hall.call("POST", "/api/v1/windows/1/call-next", keypad))[0] == 200
    await expect(page.locator("#ticket-number")).to_have_text("A002")
    await dialog.get_by_role("button", name="确认过号", exact=True).click()

    await expect(page.locator("#error")).to_contain_text("A001已不是当前的号，过号未执行")
    await expect(page.locator("#ticket-number")).to_have_text("A002")
    assert await ticket_state(hall, a002["id"]) == "called"


async def test_a_transfer_confirmed_after_the_ticket_left_leaves_the_next_alone(
    start_hall: StartHall, open_console: OpenConsole, issue: Issue
) -> None:
    hall, keypad, a002, page = await a001_at_window_1(start_hall, open_console, issue)

    await page.keyboard.press("KeyT")
    dialog = page.locator("#transfer-dialog")
    await dialog.get_by_label("转到").select_option("service:company")
    assert (await hall.call("POST", "/api/v1/windows/1/call-next", keypad))[0] == 200
    await expect(page.locator("#ticket-number")).to_have_text("A002")
    await dialog.get_by_role("button", name="确认转办", exact=True).click()

    await expect(page.locator("#error")).to_contain_text("A001已不是当前的号，转办未执行")
    status, seen = await hall.call("GET", f"/api/v1/tickets/{a002['id']}")
    assert status == 200 and seen["ticket"]["service"] == "social", seen
    assert seen["ticket"]["state"] == "called"


async def test_a_dialog_left_open_when_the_window_is_taken_over_sends_nothing(
    start_hall: StartHall, open_console: OpenConsole
) -> None:
    hall = await start_hall()
    page = await open_console(hall)
    sent: list[str] = []
    page.on(
        "request", lambda request: sent.append(request.url) if request.method == "POST" else None
    )

    await page.keyboard.press("KeyP")
    await expect(page.locator("#pause-dialog")).to_be_visible()
    substitute = await hall.person("zhao", "clerk")
    body = {"reason": "轮岗"}
    assert (await hall.call("POST", "/api/v1/windows/1/hand-over", substitute, body))[0] == 200
    await expect(page.get_by_role("heading", name="请选择窗口签到")).to_be_visible()

    # The question was about a window that is no longer the clerk's: it is gone with it.
    await expect(page.locator("#pause-dialog")).to_be_hidden()
    await expect(page.locator("#info")).to_contain_text("已替岗接手1号窗口")
    assert not [url for url in sent if url.endswith("/pause")], sent


async def test_signing_out_is_grey_while_a_ticket_is_at_the_window(
    start_hall: StartHall, open_console: OpenConsole, issue: Issue
) -> None:
    hall = await start_hall()
    await issue(hall, "social")
    page = await open_console(hall)
    await expect(act(page, "close")).to_be_enabled()
    await called_at_the_console(page, "A001")

    close = act(page, "close")
    await expect(close).to_be_disabled()
    await expect(close).to_have_attribute("title", "请先办结或挂起当前的号再签退")

    await page.keyboard.press("KeyH")
    await expect(page.locator("#info")).to_have_text("A001 已挂起")
    await expect(close).to_be_enabled()


async def test_a_window_signed_in_to_next_shows_nothing_of_the_window_signed_out_of(
    start_hall: StartHall, open_console: OpenConsole, issue: Issue
) -> None:
    hall = await start_hall()
    await issue(hall, "social")
    stream = StreamSwitch()
    page = await open_console(hall, prepare=stream.prepare)
    await called_at_the_console(page, "A001")
    await page.keyboard.press("KeyN")
    await page.get_by_role("button", name="确认过号", exact=True).click()
    await expect(page.get_by_role("button", name="回呼 A001", exact=True)).to_be_visible()
    await expect(page.locator("#today-missed")).to_have_text("1")
    # The stream is down: only the answer to 签退 says the window is left.
    await stream.cut()
    await act(page, "close").click()
    await expect(page.get_by_role("heading", name="请选择窗口签到")).to_be_visible()

    # Window 2's own lists come late: until then it shows none of window 1's.
    answer = asyncio.Event()

    async def late(route: Route) -> None:
        await answer.wait()
        await route.continue_()

    await page.route("**/api/v1/windows/2", late)
    await page.locator('button[data-window="2"]').click()
    await expect(page.locator("#station-title")).to_have_text("2号窗口")
    await expect(page.locator("#missed-empty")).to_be_visible()
    await expect(page.locator("#missed-list li")).to_have_count(0)
    await expect(page.locator("#today-missed")).to_have_text("—")
    answer.set()
    # The clerk's own figures of the day go with the clerk from window to window.
    await expect(page.locator("#today-missed")).to_have_text("1")
    await expect(page.locator("#missed-empty")).to_be_visible()


async def test_the_network_error_goes_when_the_server_is_back(
    start_hall: StartHall, open_console: OpenConsole, issue: Issue
) -> None:
    hall = await start_hall()
    await issue(hall, "social")
    stream = StreamSwitch()
    page = await open_console(hall, prepare=stream.prepare)
    await called_at_the_console(page, "A001")

    await stream.cut()
    await expect(page.locator("#offline")).to_be_visible()
    await page.route("**/api/v1/windows/1/start", lambda route: route.abort("connectionrefused"))
    await page.keyboard.press("KeyS")
    await expect(page.locator("#error")).to_contain_text("无法连接服务器")

    await page.unroute("**/api/v1/windows/1/start")
    stream.restore()
    await expect(page.locator("#offline")).to_be_hidden(timeout=15_000)
    await expect(page.locator("#error")).to_be_hidden()
    await page.keyboard.press("KeyS")
    await expect(page.locator("#info")).to_have_text("开始办理 A001")


async def test_a_refusal_stays_when_the_server_is_back(
    start_hall: StartHall, open_console: OpenConsole
) -> None:
    """Only the words that the server could not be reached go: the server's own refusal is
    as true after a reconnect as before."""
    hall = await start_hall()
    stream = StreamSwitch()
    page = await open_console(hall, prepare=stream.prepare)
    await page.keyboard.press("F1")
    await expect(page.locator("#error")).to_contain_text("没有等候的号")

    await stream.cut()
    await expect(page.locator("#offline")).to_be_visible()
    stream.restore()
    await expect(page.locator("#offline")).to_be_hidden(timeout=15_000)
    await expect(page.locator("#error")).to_contain_text("没有等候的号")


async def test_a_double_tap_of_the_call_key_calls_one_citizen(
    start_hall: StartHall, open_console: OpenConsole, issue: Issue
) -> None:
    """The second tap comes after the first one's answer: it must not finish the citizen just
    called (who is walking up) and call the next. The keypad's guard, on the keyboard."""
    hall = await start_hall()
    await issue(hall, "social")
    a002 = await issue(hall, "social")
    await issue(hall, "social")

    async def still_clock(page: Page) -> None:
        await page.clock.install()

    page = await open_console(hall, prepare=still_clock)
    await page.clock.pause_at(await page.evaluate("Date.now()") + 1000)
    await called_at_the_console(page, "A001")
    await page.keyboard.press("Space")  # no time has passed on the page's clock
    await page.keyboard.press("F1")
    await expect(page.locator("#ticket-number")).to_have_text("A001")
    assert await ticket_state(hall, a002["id"]) == "waiting"

    await page.clock.run_for(1000)  # a second press a while later is meant
    await page.keyboard.press("F1")
    await expect(page.locator("#info")).to_have_text("已叫号 A002")
    # So is one right after other work on the ticket, however quick the hands.
    await page.keyboard.press("KeyS")
    await expect(page.locator("#info")).to_have_text("开始办理 A002")
    await page.keyboard.press("F1")
    await expect(page.locator("#info")).to_have_text("已叫号 A003")
