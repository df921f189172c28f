"""The public pages in chromium: the citizen's phone page /t/{id} and the start page /."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest
from helpers import RunningHall, two_floors
from playwright.async_api import expect

from .conftest import PHONE, Issue, OpenPage, Screenshot

pytestmark = pytest.mark.browser

StartHall = Callable[..., Awaitable[RunningHall]]


async def test_phone_page_shows_the_number_and_people_ahead(
    start_hall: StartHall, open_page: OpenPage, issue: Issue, screenshot: Screenshot
) -> None:
    hall = await start_hall()
    for _ in range(3):
        await issue(hall, "social")
    a004 = await issue(hall, "social")

    page = await open_page(f"{hall.url}/t/{a004['id']}", viewport=PHONE, mobile=True)
    await expect(page.locator("#number")).to_have_text("A004")
    await expect(page.locator("#hall-name")).to_have_text("测试便民服务中心")
    await expect(page.locator("#service")).to_have_text("社保医保")
    await expect(page.locator("#status")).to_have_text("等候中")
    await expect(page.locator("#ahead")).to_have_text("3")
    # No window is open yet: the wait is counted over the two that serve 社保医保.
    await expect(page.locator("#eta")).to_have_text(re.compile(r"^约 \d+ 分钟$"))
    await expect(page.locator("#call")).to_be_hidden()
    await expect(page).to_have_title("A004 · 排队进度")

    # Large type, nothing wider than the phone.
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    number_size = await page.locator("#number").evaluate("n => getComputedStyle(n).fontSize")
    assert float(number_size.removesuffix("px")) >= 64
    await screenshot(page, "ticket-page")


async def test_phone_page_follows_the_queue_and_the_call(
    start_hall: StartHall, open_page: OpenPage, issue: Issue, screenshot: Screenshot
) -> None:
    hall = await start_hall()
    await issue(hall, "social")
    a002 = await issue(hall, "social")
    clerk = await hall.person("wang", "clerk")
    assert (await hall.call("POST", "/api/v1/windows/1/open", clerk))[0] == 200

    page = await open_page(f"{hall.url}/t/{a002['id']}", viewport=PHONE, mobile=True)
    await expect(page.locator("#ahead")).to_have_text("1")

    # A001 is called: one fewer ahead of us.
    assert (await hall.call("POST", "/api/v1/windows/1/call-next", clerk))[0] == 200
    await expect(page.locator("#ahead")).to_have_text("0")
    await expect(page.locator("#eta")).to_have_text("即将叫号")

    # Now us.
    status, called = await hall.call("POST", "/api/v1/windows/1/call-next", clerk)
    assert status == 200, called
    assert called["ticket"]["number"] == "A002", called
    await expect(page.locator("#call")).to_be_visible()
    await expect(page.locator("#call")).to_have_text(re.compile(r"^\s*请到1号窗口办理\s*$"))
    await expect(page.locator("#status")).to_have_text("正在叫号")
    await expect(page.locator("#queue-facts")).to_be_hidden()
    await expect(page).to_have_title("请到1号窗口 · A002")
    await screenshot(page, "ticket-called")

    assert (await hall.call("POST", "/api/v1/windows/1/recall", clerk))[0] == 200
    await expect(page.locator("#status")).to_have_text("正在叫号（第 2 次）")
    assert (await hall.call("POST", "/api/v1/windows/1/start", clerk))[0] == 200
    await expect(page.locator("#status")).to_have_text("正在1号窗口办理")
    await expect(page.locator("#call")).to_be_hidden()
    assert (await hall.call("POST", "/api/v1/windows/1/finish", clerk))[0] == 200
    await expect(page.locator("#status")).to_have_text("已办结，感谢您的耐心等候")


async def test_phone_page_follows_a_route_to_the_next_step(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> None:
    hall = await start_hall()
    b001 = await issue(hall, "estate")  # 不动产登记, then 出件
    clerk = await hall.person("wang", "clerk")
    assert (await hall.call("POST", "/api/v1/windows/1/open", clerk))[0] == 200
    page = await open_page(f"{hall.url}/t/{b001['id']}", viewport=PHONE, mobile=True)
    await expect(page.locator("#service")).to_have_text("不动产登记")

    for action in ("call-next", "start", "finish"):
        assert (await hall.call("POST", f"/api/v1/windows/1/{action}", clerk))[0] == 200
    await expect(page.locator("#service")).to_have_text("出件")
    await expect(page.locator("#status")).to_have_text("已转办，等候中")
    await expect(page.locator("#number")).to_have_text("B001")


async def test_phone_page_for_an_unknown_ticket(start_hall: StartHall, open_page: OpenPage) -> None:
    hall = await start_hall()
    page = await open_page(f"{hall.url}/t/no-such-ticket", viewport=PHONE, mobile=True)
    await expect(page.get_by_role("heading", name="没有找到这张号")).to_be_visible()
    await expect(page.locator("#ticket-view")).to_be_hidden()
    await expect(page.locator("#hall-name")).to_have_text("测试便民服务中心")


async def test_start_page_shows_the_hall_and_live_waiting_counts(
    start_hall: StartHall, open_page: OpenPage, issue: Issue, screenshot: Screenshot
) -> None:
    hall = await start_hall()
    await issue(hall, "estate")
    page = await open_page(f"{hall.url}/")
    await expect(page.get_by_role("heading", name="测试便民服务中心")).to_be_visible()
    await expect(page.get_by_role("link", name=re.compile("窗口工作台"))).to_have_attribute(
        "href", "/console"
    )
    social = page.locator('[data-waiting="social"]')
    await expect(social).to_have_text("0")
    await expect(page.locator('[data-waiting="estate"]')).to_have_text("1")
    await expect(page.locator("#live")).to_have_text("● 实时")

    for _ in range(3):
        await issue(hall, "social")
    await expect(social).to_have_text("3")

    clerk = await hall.person("wang", "clerk")
    assert (await hall.call("POST", "/api/v1/windows/1/open", clerk))[0] == 200
    await expect(page.locator("#windows-open")).to_have_text("开放窗口 1 / 3 个")
    status, called = await hall.call("POST", "/api/v1/windows/1/call-next", clerk)
    assert status == 200, called
    assert called["ticket"]["number"] == "B001", called  # first come, first served
    await expect(page.locator('[data-waiting="estate"]')).to_have_text("0")
    await screenshot(page, "start-page", full_page=True)


async def test_start_page_links_the_boards_and_window_screens(
    start_hall: StartHall, open_page: OpenPage
) -> None:
    hall = await start_hall(two_floors())
    page = await open_page(f"{hall.url}/")
    await expect(page.get_by_text("后续版本")).to_have_count(0)
    await expect(page.get_by_role("link", name="大厅管理")).to_have_attribute("href", "/manager")
    await expect(page.get_by_role("link", name="大厅叫号屏")).to_have_attribute("href", "/board")
    floors = page.get_by_role("navigation", name="各楼层叫号屏").get_by_role("link")
    await expect(floors).to_have_text(["一楼", "二楼"])
    await expect(floors.nth(1)).to_have_attribute("href", "/board?floor=2F")
    screens = page.get_by_role("navigation", name="各窗口的窗口屏").get_by_role("link")
    await expect(screens).to_have_text(["1号窗口", "2号窗口", "3号窗口"])
    await expect(screens.nth(2)).to_have_attribute("href", "/window/3")
    await screens.nth(2).click()
    await expect(page.locator("#window-name")).to_have_text("3号窗口")
