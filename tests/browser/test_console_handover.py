"""The clerk console's 替岗 (one clerk takes over another's window) and 绿色通道取号 by a guide."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from helpers import RunningHall
from playwright.async_api import Page, expect

from .conftest import PASSWORD, Issue, OpenConsole, OpenPage, Screenshot, StreamSwitch

pytestmark = pytest.mark.browser

StartHall = Callable[..., Awaitable[RunningHall]]


async def log_in(open_page: OpenPage, hall: RunningHall, name: str) -> Page:
    """A console logged in as `name` (created beforehand), at the window choice."""
    page = await open_page(f"{hall.url}/console")
    await page.get_by_label("用户名").fill(name)
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await expect(page.get_by_role("heading", name="请选择窗口签到")).to_be_visible()
    return page


async def staff_window(hall: RunningHall, window: str) -> dict[str, Any]:
    manager = await hall.person("zhao", "manager")
    status, seen = await hall.call("GET", "/api/v1/hall", manager)
    assert status == 200, seen
    return dict(next(w for w in seen["windows"] if w["id"] == window))


async def test_hand_over_moves_the_window_and_its_ticket_to_the_substitute(
    start_hall: StartHall, open_page: OpenPage, issue: Issue, screenshot: Screenshot
) -> None:
    hall = await start_hall()
    await hall.person("zhang", display_name="张敏", staff_no="0101")
    await hall.person("li", display_name="李强", staff_no="0102")
    first = await log_in(open_page, hall, "zhang")
    await first.locator('button[data-window="1"]').click()
    await expect(first.locator("#station-title")).to_have_text("1号窗口")
    await issue(hall, "social")
    await first.keyboard.press("F1")
    await expect(first.locator("#info")).to_have_text("已叫号 A001")

    second = await log_in(open_page, hall, "li")
    take_over = second.locator('button[data-window="1"]')
    await expect(take_over).to_have_text("替岗")
    await expect(second.locator(".window-card").first).to_contain_text("签到人员：张敏")
    await take_over.click()
    dialog = second.locator("#hand-over-dialog")
    await expect(dialog).to_be_visible()
    await expect(dialog.locator("#hand-over-from")).to_have_text("现由 张敏（工号 0101）签到。")
    await dialog.get_by_label("轮岗").check()
    await screenshot(second, "console-hand-over")
    await dialog.get_by_role("button", name="确认替岗").click()

    await expect(second.locator("#info")).to_have_text("已替岗接手1号窗口（轮岗）")
    await expect(second.locator("#station-title")).to_have_text("1号窗口")
    await expect(second.locator("#ticket-number")).to_have_text("A001")  # the ticket stays

    # The clerk who was replaced is told at once, and is back at the window choice.
    await expect(first.get_by_role("heading", name="请选择窗口签到")).to_be_visible()
    await expect(first.locator("#info")).to_have_text(
        "李强（工号 0102）已替岗接手1号窗口，您已不在该窗口签到"
    )
    await expect(first.locator('button[data-window="1"]')).to_have_text("替岗")

    window = await staff_window(hall, "1")
    assert window["clerk_username"] == "li"
    assert window["clerk"] == {"name": "李强", "staff_no": "0102"}
    assert window["ticket"]["number"] == "A001"

    # The substitute carries on with the ticket.
    await second.keyboard.press("KeyF")
    await expect(second.locator("#info")).to_have_text("A001 已办结")


async def test_hand_over_reason_other_is_typed_in(
    start_hall: StartHall, open_page: OpenPage
) -> None:
    hall = await start_hall()
    await hall.clerk_at("1", "zhang")
    await hall.person("li")
    page = await log_in(open_page, hall, "li")
    await page.locator('button[data-window="1"]').click()
    dialog = page.locator("#hand-over-dialog")
    await dialog.get_by_label("其他原因").fill("张敏去开会")
    await dialog.get_by_role("button", name="确认替岗").click()
    await expect(page.locator("#info")).to_have_text("已替岗接手1号窗口（其他：张敏去开会）")
    assert (await staff_window(hall, "1"))["clerk_username"] == "li"

    await page.keyboard.press("KeyF")  # nothing to finish: the key says why
    await expect(page.locator("#error")).to_contain_text("当前没有号")


async def test_green_channel_ticket_from_the_window_choice_is_called_first(
    start_hall: StartHall, open_page: OpenPage, issue: Issue, screenshot: Screenshot
) -> None:
    hall = await start_hall()
    await issue(hall, "social")
    await issue(hall, "social")
    await hall.person("guide")
    page = await log_in(open_page, hall, "guide")  # a guide at the help desk: no window

    await page.keyboard.press("KeyG")
    dialog = page.locator("#green-dialog")
    await expect(dialog).to_be_visible()
    await dialog.get_by_label("业务").select_option("social")
    await dialog.get_by_label("备注").fill("八十岁老人")
    await dialog.get_by_role("button", name="取号").click()
    await expect(dialog.locator("#green-number")).to_have_text("A003")
    await expect(dialog.locator("#green-service-name")).to_have_text("社保医保")
    await expect(dialog.locator("#green-note-shown")).to_have_text("备注：八十岁老人")
    size = await dialog.locator("#green-number").evaluate("n => getComputedStyle(n).fontSize")
    assert float(size.removesuffix("px")) >= 72
    link = await dialog.locator("#green-link a").get_attribute("href")
    assert link is not None
    match = re.fullmatch(rf"{re.escape(hall.url)}/t/([^?]+)\?k=(.+)", link)
    assert match, link
    await screenshot(page, "console-green")
    await dialog.get_by_role("button", name="完成").click()
    await expect(dialog).to_be_hidden()

    status, seen = await hall.call("GET", f"/api/v1/tickets/{match.group(1)}")
    assert status == 200, seen
    assert (seen["ticket"]["number"], seen["ticket"]["priority"]) == ("A003", "green")

    # The next call at a window takes the green ticket ahead of the two that waited longer.
    clerk = await hall.clerk_at("1", "wang")
    status, called = await hall.call("POST", "/api/v1/windows/1/call-next", clerk)
    assert status == 200, called
    assert called["ticket"]["number"] == "A003"


async def test_green_channel_from_the_station_then_call_next_picks_it(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> None:
    hall = await start_hall()
    await issue(hall, "social")
    await hall.person("wang")
    page = await log_in(open_page, hall, "wang")
    await page.locator('button[data-window="1"]').click()
    await expect(page.locator("#station-title")).to_have_text("1号窗口")
    green = page.locator('.actions [data-action="green"]')
    await expect(green).to_contain_text("G")
    await green.click()
    dialog = page.locator("#green-dialog")
    # No service chosen: nothing is issued.
    await dialog.get_by_role("button", name="取号").click()
    await expect(dialog.locator("#green-ask")).to_be_visible()
    await dialog.get_by_label("业务").select_option("social")
    await dialog.get_by_role("button", name="取号").click()
    await expect(dialog.locator("#green-number")).to_have_text("A002")
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()

    await page.keyboard.press("F1")
    await expect(page.locator("#info")).to_have_text("已叫号 A002")
    await expect(page.locator("#ticket-tags")).to_contain_text("绿色通道")


async def test_a_clerk_signs_in_where_the_manager_opened_the_window(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> None:
    hall = await start_hall()
    manager = await hall.person("zhou", "manager")
    opening = {"kind": "window_open", "window": "2", "open": True}
    assert (await hall.call("POST", "/api/v1/tuning", manager, opening))[0] == 201
    await hall.person("li", display_name="李强", staff_no="0102")
    page = await log_in(open_page, hall, "li")
    card = page.locator(".window-card", has=page.locator('button[data-window="2"]'))
    await expect(card.locator(".window-clerk")).to_have_text("无人签到")
    await card.get_by_role("button", name="2号窗口：在此签到").click()
    await expect(page.locator("#station-title")).to_have_text("2号窗口")
    await expect(page.locator("#window-state")).to_have_text("空闲")
    assert (await staff_window(hall, "2"))["clerk"] == {"name": "李强", "staff_no": "0102"}


async def test_the_console_is_for_clerks(start_hall: StartHall, open_page: OpenPage) -> None:
    hall = await start_hall()
    await hall.person("zhao", "manager")
    page = await open_page(f"{hall.url}/console")
    await page.get_by_label("用户名").fill("zhao")
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await expect(page.locator("#error")).to_contain_text("窗口工作台只对窗口人员开放")
    await expect(page.get_by_role("button", name="登录")).to_be_visible()


async def test_acting_after_a_hand_over_the_console_missed_is_said_in_chinese(
    start_hall: StartHall, open_console: OpenConsole, issue: Issue
) -> None:
    hall = await start_hall()
    await issue(hall, "social")
    stream = StreamSwitch()
    page = await open_console(hall, "wang", window="1", prepare=stream.prepare)
    await page.keyboard.press("F1")
    await expect(page.locator("#info")).to_have_text("已叫号 A001")
    await page.evaluate(
        """() => {
          const said = () => [...document.querySelector("#error-text").childNodes]
            .filter((node) => node.nodeName !== "SMALL").map((node) => node.textContent).join("");
          window.saidLarge = [];
          new MutationObserver(() => window.saidLarge.push(said()))
            .observe(document.querySelector("#error-text"), { childList: true, subtree: true });
        }"""
    )

    await stream.cut()  # the news of the hand-over does not reach this console
    await expect(page.locator("#offline")).to_be_visible()
    substitute = await hall.person("zhao", "clerk")
    status, _ = await hall.call(
        "POST", "/api/v1/windows/1/hand-over", substitute, {"reason": "轮岗"}
    )
    assert status == 200
    await page.keyboard.press("KeyS")
    await expect(page.get_by_role("heading", name="请选择窗口签到")).to_be_visible()
    await expect(page.locator("#info")).to_contain_text("已替岗接手1号窗口")
    said = await page.evaluate("window.saidLarge")
    assert said and not any(re.search("[A-Za-z]{3,}", text) for text in said), said
