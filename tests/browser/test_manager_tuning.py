"""Tuning on the manager console: a service moved to another window, undo, issuing paused,
a ticket pinned and unpinned, a window closed and opened; each one changes what the hall does
next, and each is in the history, undoable."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from helpers import FakeClock, RunningHall
from playwright.async_api import Page, Route, expect

from queue_server import service as service_module

from .conftest import (
    PASSWORD,
    HeldReads,
    Issue,
    OpenPage,
    Prepare,
    Screenshot,
    assert_shown_only_rose,
    press_on,
    record_shown,
)

pytestmark = pytest.mark.browser

StartHall = Callable[..., Awaitable[RunningHall]]


FULL_HD = {"width": 1920, "height": 1080}


async def tuning_page(
    hall: RunningHall,
    open_page: OpenPage,
    viewport: dict[str, int] | None = None,
    prepare: Prepare | None = None,
) -> Page:
    await hall.person("zhao", "manager", display_name="赵主任")
    options = {"viewport": viewport} if viewport else {}
    page = await open_page(f"{hall.url}/manager", prepare=prepare, **options)
    await page.get_by_label("用户名").fill("zhao")
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await expect(page.locator("#live-view")).to_be_visible()
    await page.locator("#tabs [data-tab=tuning]").click()
    await expect(page.locator("#tuning-view")).to_be_visible()
    return page


async def test_a_service_moved_to_another_window_changes_who_calls_it_next(
    start_hall: StartHall, open_page: OpenPage, issue: Issue, screenshot: Screenshot
) -> None:
    hall = await start_hall()
    clerk = await hall.clerk_at("1", "wang", "王芳", "0101")
    await issue(hall, "company")
    # Company registration is window 3's: window 1 has nothing it may call.
    status, answer = await hall.call("POST", "/api/v1/windows/1/call-next", clerk)
    assert status == 404, answer

    page = await tuning_page(hall, open_page)
    row = page.locator('#tune-windows tr[data-window="1"]')
    await row.get_by_role("button", name="调整业务").click()
    dialog = page.locator("#services-dialog")
    await dialog.locator("#services-primary").get_by_label("企业开办").check()
    await dialog.get_by_role("button", name="保存").click()
    await expect(row.locator(".primary-services")).to_contain_text("企业开办")
    history = page.locator("#history tbody tr").first
    await expect(history).to_contain_text("1号窗口 受理业务")
    await expect(history).to_contain_text("zhao")

    status, answer = await hall.call("POST", "/api/v1/windows/1/call-next", clerk)
    assert status == 200, answer
    assert answer["window"]["ticket"]["number"] == "C001"
    await screenshot(page, "manager-tuning")

    # Undone: window 1 no longer takes company registration.
    await issue(hall, "company")
    await history.get_by_role("button", name="撤销").click()
    await expect(page.locator("#history tbody tr").nth(1)).to_contain_text("已撤销")
    await expect(row.locator(".primary-services")).not_to_contain_text("企业开办")
    status, answer = await hall.call("POST", "/api/v1/windows/1/finish", clerk)
    assert status == 200, answer
    status, answer = await hall.call("POST", "/api/v1/windows/1/call-next", clerk)
    assert status == 404, answer
    manager = await hall.person("qian", "manager")
    status, answer = await hall.call("GET", "/api/v1/tuning", manager)
    assert status == 200
    undo, change = answer["changes"][:2]
    assert undo["undoes"] == change["id"]
    assert change["undone_by"] == undo["id"]


async def test_issuing_paused_for_a_service_and_resumed(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> None:
    hall = await start_hall()
    page = await tuning_page(hall, open_page)
    row = page.locator('#tune-services tr[data-service="estate"]')
    await row.get_by_label("不动产登记暂停原因").fill("系统维护")
    await row.get_by_role("button", name="暂停取号").click()
    await expect(row).to_contain_text("已暂停：系统维护")
    kiosk = await hall.device("kiosk-9", "kiosk")
    status, answer = await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "estate"})
    assert status == 409, answer
    assert answer["error"]["code"] == "service_paused"
    await page.locator("#tabs [data-tab=live]").click()
    await expect(page.locator('#queues [data-service="estate"]')).to_contain_text("暂停取号")

    await page.locator("#tabs [data-tab=tuning]").click()
    await row.get_by_role("button", name="恢复取号").click()
    await expect(row.get_by_role("button", name="暂停取号")).to_be_visible()
    await issue(hall, "estate")


async def test_a_quota_is_set_and_a_pinned_ticket_is_called_first(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> None:
    hall = await start_hall()
    clerk = await hall.clerk_at("2", "li", "李四", "0202")
    page = await tuning_page(hall, open_page)
    await issue(hall, "social")
    second = await issue(hall, "social")
    pin = page.locator(f'#pin-list [data-ticket="{second["id"]}"]')
    await pin.get_by_role("button", name="置顶").click()
    await expect(pin).to_contain_text("已置顶")
    status, answer = await hall.call("POST", "/api/v1/windows/2/call-next", clerk)
    assert status == 200, answer
    assert answer["window"]["ticket"]["number"] == "A002"

    row = page.locator('#tune-services tr[data-service="social"]')
    await row.get_by_label("社保医保每日限号").fill("3")
    await row.get_by_role("button", name="保存限号").click()
    await expect(page.locator("#history tbody tr").first).to_contain_text("每日 3")
    await issue(hall, "social")
    kiosk = await hall.device("kiosk-9", "kiosk")
    status, answer = await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})
    assert status == 409, answer
    assert answer["error"]["code"] == "quota_exhausted"


async def test_a_window_closed_and_reopened_from_the_page_is_in_the_history_and_undone(
    start_hall: StartHall, open_page: OpenPage
) -> None:
    hall = await start_hall()
    page = await tuning_page(hall, open_page)
    row = page.locator('#tune-windows tr[data-window="2"]')
    await row.get_by_role("button", name="开窗").click()
    await expect(row).to_contain_text("空闲")
    await expect(row.get_by_role("button", name="关窗")).to_be_visible()
    history = page.locator("#history tbody tr")
    await expect(history.first).to_contain_text("2号窗口 开窗/关窗")
    await expect(history.first).to_contain_text("开放")
    manager = await hall.person("qian", "manager")
    _, answer = await hall.call("GET", "/api/v1/windows/2", manager)
    assert (answer["window"]["state"], answer["window"]["clerk_username"]) == ("idle", None)

    await row.get_by_role("button", name="关窗").click()
    await expect(row).to_contain_text("未开放")
    await expect(history).to_have_count(2)
    # Undoing the close opens the window again, and is itself in the history.
    await history.first.get_by_role("button", name="撤销").click()
    await expect(history).to_have_count(3)
    await expect(history.first).to_contain_text("（撤销）")
    await expect(history.nth(1)).to_contain_text("已撤销")
    await expect(row).to_contain_text("空闲")
    _, answer = await hall.call("GET", "/api/v1/tuning", manager)
    assert [c["after"] for c in answer["changes"]] == [
        {"open": True},
        {"open": False},
        {"open": True},
    ]


async def test_the_pin_list_follows_the_call_order_and_pins_and_unpins(
    start_hall: StartHall, open_page: OpenPage, issue: Issue, screenshot: Screenshot
) -> None:
    hall = await start_hall()
    clerk = await hall.clerk_at("2", "li", "李四", "0202")
    for service in ("social", "social", "estate", "social"):
        await issue(hall, service)
    page = await tuning_page(hall, open_page, FULL_HD)
    numbers = page.locator("#pin-list .pin-number")
    await expect(numbers).to_have_text(["A001", "A002", "B001", "A003"])
    third = page.locator("#pin-list li").nth(3)
    await third.get_by_role("button", name="置顶").click()
    await expect(numbers).to_have_text(["A003", "A001", "A002", "B001"])
    await expect(page.locator("#pin-list li").first).to_contain_text("已置顶")
    await expect(page.locator("#history tbody tr").first).to_contain_text("A003号 置顶")
    await screenshot(page, "manager-tuning-pin")
    # Pinned then unpinned: A002 is back at its own place, and is not called first.
    await page.locator("#pin-list li").nth(2).get_by_role("button", name="置顶").click()
    # Pinned tickets keep their own order among themselves: A002 was taken before A003.
    await expect(numbers).to_have_text(["A002", "A003", "A001", "B001"])
    await page.locator("#pin-list li").first.get_by_role("button", name="取消置顶").click()
    await expect(numbers).to_have_text(["A003", "A001", "A002", "B001"])
    await expect(page.locator("#history tbody tr").first).to_contain_text("未置顶")
    status, answer = await hall.call("POST", "/api/v1/windows/2/call-next", clerk)
    assert (status, answer["window"]["ticket"]["number"]) == (200, "A003")
    await expect(numbers).to_have_text(["A001", "A002", "B001"])
    status, answer = await hall.call("POST", "/api/v1/windows/2/call-next", clerk)
    assert answer["window"]["ticket"]["number"] == "A001"


async def test_a_press_on_a_button_while_a_ticket_is_issued_is_not_lost(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> None:
    # In a busy hall the pin list is drawn again after every ticket: a press that began on
    # 置顶 must end on that button, or the browser clicks nothing and the pin never happens.
    hall = await start_hall()
    for _ in range(2):
        await issue(hall, "social")
    page = await tuning_page(hall, open_page, FULL_HD)
    numbers = page.locator("#pin-list .pin-number")
    await expect(numbers).to_have_text(["A001", "A002"])
    button = page.locator("#pin-list li").nth(1).get_by_role("button", name="置顶")
    await press_on(page, button)
    # The page hears of a ticket and reads the waiting list again, and has a frame to draw.
    async with page.expect_response(lambda answer: "/api/v1/tickets?state=waiting" in answer.url):
        await issue(hall, "estate")
    await page.evaluate("new Promise((done) => requestAnimationFrame(() => setTimeout(done)))")
    await page.mouse.up()
    await expect(numbers).to_have_text(["A002", "A001", "B001"])
    await expect(page.locator("#pin-list li").first).to_contain_text("已置顶")


async def test_the_tuning_page_fits_a_full_hd_screen(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> None:
    hall = await start_hall()
    await issue(hall, "social")
    page = await tuning_page(hall, open_page, FULL_HD)
    await expect(page.locator("#pin-list li")).to_have_count(1)
    for tab in ("live", "tuning", "cases", "reports", "planner"):
        await page.locator(f"#tabs [data-tab={tab}]").click()
        await expect(page.locator(f"#{tab}-view")).to_be_visible()
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= FULL_HD["width"], f"{tab}: the page is {width}px wide"
    await page.locator("#tabs [data-tab=tuning]").click()
    # Both columns of the tuning grid are used: the panels sit side by side.
    boxes = [
        await page.locator(f"#{name}").bounding_box() for name in ("tune-windows", "tune-services")
    ]
    assert boxes[0] and boxes[1] and boxes[1]["x"] > boxes[0]["x"] + boxes[0]["width"]


async def test_an_older_reading_of_the_waiting_list_never_replaces_a_newer_one(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> None:
    hall = await start_hall()
    reads = HeldReads("/api/v1/tickets?state=waiting")
    page = await tuning_page(hall, open_page, prepare=reads.prepare)
    await expect(page.locator("#pin-empty")).to_be_visible()
    await record_shown(page, "#pin-list", count_children=True)
    await reads.read_twice(page, lambda: issue(hall, "social"))  # of one, then two tickets
    await expect(page.locator("#pin-list li")).to_have_count(2)

    reads.release()  # the older reading arrives after the newer one
    await issue(hall, "social")  # and long before the reading after this ticket
    await expect(page.locator("#pin-list li")).to_have_count(3)
    await assert_shown_only_rose(page, "3")


async def test_a_quota_that_is_no_whole_number_from_0_to_999_is_refused_in_the_page(
    start_hall: StartHall, open_page: OpenPage
) -> None:
    hall = await start_hall()
    page = await tuning_page(hall, open_page)
    row = page.locator('#tune-services tr[data-service="social"]')
    session = row.get_by_label("社保医保每场限号")
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    for wrong in ("2.5", "-3", "1000"):
        await session.fill(wrong)
        await row.get_by_role("button", name="保存限号").click()
        await expect(page.locator("#error-text")).to_have_text(
            "社保医保：每场限号须为 0 到 999 的整数（留空为不限）"
        )
        await expect(session).to_be_focused()
        await expect(session).to_have_value(wrong)  # kept, to be corrected
        await page.locator("#error-close").click()
    assert sent == []  # nothing reached the server
    await expect(page.locator("#history-empty")).to_be_visible()

    await session.fill("2")
    await row.get_by_role("button", name="保存限号").click()
    await expect(page.locator("#history tbody tr").first).to_contain_text("每场 2")


async def test_a_change_the_server_refuses_is_said_in_chinese_naming_the_field(
    start_hall: StartHall, open_page: OpenPage
) -> None:
    hall = await start_hall()
    page = await tuning_page(hall, open_page)
    added: dict[str, Any] = {}

    async def add_to_the_change(route: Route) -> None:
        """Sends the page's change with `added` in it: values the page itself would not send."""
        if route.request.method != "POST":
            await route.continue_()
            return
        body = {**json.loads(route.request.post_data or "{}"), **added}
        await route.continue_(post_data=json.dumps(body))

    await page.route("**/api/v1/tuning", add_to_the_change)
    row = page.locator('#tune-services tr[data-service="social"]')
    error = page.locator("#error-text")

    added.update(daily_quota=1000)  # "daily_quota: must be from 0 to 999"
    await row.get_by_role("button", name="保存限号").click()
    await expect(error).to_have_text("每日限号须在 0 到 999 之间")
    await expect(error.locator(".message-detail")).to_have_count(0)

    # Words the page does not know: a Chinese sentence naming the field, the server's words
    # in small print.
    added.clear()
    added.update(reason="系统维护")  # "reason: not used by a quota change"
    await row.get_by_role("button", name="保存限号").click()
    await expect(error).to_contain_text("暂停原因不符合要求，请检查后重试")
    await expect(error.locator(".message-detail")).to_have_text(
        "reason: not used by a quota change"
    )
    await expect(page.locator("#history-empty")).to_be_visible()  # nothing changed


LAPTOP = {"width": 1366, "height": 768}


async def test_the_pin_buttons_are_whole_on_a_1366_screen(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> None:
    hall = await start_hall()
    await issue(hall, "social")
    page = await tuning_page(hall, open_page, LAPTOP)
    item = page.locator("#pin-list li").first
    button = item.get_by_role("button", name="置顶")
    await expect(button).to_be_visible()
    # Read at once: the list is drawn again whenever the waiting list is read.
    whole = await page.evaluate(
        """() => {
          const list = document.querySelector("#pin-list").getBoundingClientRect();
          return [...document.querySelectorAll("#pin-list button")].map(
            (b) => b.getBoundingClientRect().right <= list.right,
          );
        }"""
    )
    assert whole == [True]
    await button.click()
    await expect(item).to_contain_text("已置顶")


async def test_a_quota_being_typed_survives_the_tickets_issued_meanwhile(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> None:
    hall = await start_hall()
    page = await tuning_page(hall, open_page, LAPTOP)
    row = page.locator('#tune-services tr[data-service="social"]')
    daily = row.get_by_label("社保医保每日限号")
    await daily.fill("50")
    await row.get_by_label("社保医保暂停原因").fill("系统")
    await page.locator("#tune-services-title").click()  # the manager looks away
    await issue(hall, "social")  # the table is drawn again, with the new count
    await expect(row.locator(".issued")).to_have_text("1")
    await expect(daily).to_have_value("50")
    await expect(row.get_by_label("社保医保暂停原因")).to_have_value("系统")
    await row.get_by_role("button", name="保存限号").click()
    await expect(page.locator("#history tbody tr").first).to_contain_text("每日 50")


async def test_a_quota_below_today_s_tickets_is_refused_and_one_at_it_is_said(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> None:
    hall = await start_hall()
    for _ in range(3):
        await issue(hall, "social")
    page = await tuning_page(hall, open_page, LAPTOP)
    row = page.locator('#tune-services tr[data-service="social"]')
    daily = row.get_by_label("社保医保每日限号")
    await expect(row.locator(".issued")).to_have_text("3")
    await daily.fill("2")
    await row.get_by_role("button", name="保存限号").click()
    await expect(page.locator("#error-text")).to_contain_text(
        "社保医保今日已取 3 号，每日限号 2 低于此数"
    )
    await expect(daily).to_have_value("2")  # kept, to be corrected
    await expect(page.locator("#history-empty")).to_be_visible()
    await page.locator("#error-close").click()

    await daily.fill("3")
    await row.get_by_role("button", name="保存限号").click()
    await expect(page.locator("#info")).to_contain_text("今日已取 3 号，已到每日限号，今日不再取号")
    await expect(row).to_contain_text("今日已取完")


async def test_a_service_is_not_taken_from_the_only_window_that_takes_it(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> None:
    hall = await start_hall()
    await issue(hall, "company")
    page = await tuning_page(hall, open_page, LAPTOP)
    row = page.locator('#tune-windows tr[data-window="3"]')
    await row.get_by_role("button", name="调整业务").click()
    dialog = page.locator("#services-dialog")
    await dialog.locator("#services-primary").get_by_label("企业开办").uncheck()
    await dialog.locator("#services-primary").get_by_label("社保医保").check()
    await dialog.get_by_role("button", name="保存").click()
    await expect(page.locator("#error-text")).to_contain_text(
        "企业开办只有3号窗口受理，还有 1 人在等"
    )
    await expect(row.locator(".primary-services")).to_have_text("企业开办")
    await expect(page.locator("#history-empty")).to_be_visible()


async def test_yesterday_s_changes_stay_in_the_history_without_undo(
    start_hall: StartHall, open_page: OpenPage, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The server's day timer reads the (fake) wall clock after short sleeps: midnight is seen
    # at once. Evening to just after midnight is well within the manager's 12-hour session.
    monkeypatch.setattr(service_module, "CLOCK_CHECK_SECONDS", 0.01)
    clock.now = clock.now.replace(hour=21, minute=0)  # the hall is open all hours
    hall = await start_hall(clock=clock)
    manager = await hall.person("li", "manager")
    pause = {"kind": "issuing", "service": "estate", "paused": True, "reason": "系统维护"}
    status, monday = await hall.call("POST", "/api/v1/tuning", manager, pause)
    assert status == 201, monday
    page = await tuning_page(hall, open_page)
    mondays = page.locator(f'#history tr[data-change="{monday["change"]["id"]}"]')
    await expect(mondays.get_by_role("button", name="撤销")).to_be_visible()

    # The page left open overnight: the new day ended the pause, and its undo with it.
    tuesday = dt.datetime.combine(clock.now.date() + dt.timedelta(days=1), dt.time(0, 0, 5))
    clock.now = tuesday.replace(tzinfo=clock.now.tzinfo)
    await expect(mondays).to_contain_text("已过期")
    await expect(mondays.get_by_role("button")).to_have_count(0)
    await expect(mondays).to_contain_text("不动产登记 取号")  # still listed, as a record
    earlier = page.locator("#history tr.earlier-days")
    await expect(earlier).to_contain_text("以下为前几日的调整")
    # Today's change is above the line, and can be undone.
    quota = {"kind": "quota", "service": "social", "daily_quota": 50}
    status, today = await hall.call("POST", "/api/v1/tuning", manager, quota)
    assert status == 201, today
    todays = page.locator(f'#history tr[data-change="{today["change"]["id"]}"]')
    await expect(todays.get_by_role("button", name="撤销")).to_be_visible()
    rows = page.locator("#history tbody tr")
    await expect(rows).to_have_count(3)
    assert [await row.get_attribute("class") for row in await rows.all()] == [
        None,
        "earlier-days",
        "earlier-day",
    ]

    # A page opened in the morning reads the same from the server.
    await page.reload()
    await page.locator("#tabs [data-tab=tuning]").click()
    await expect(todays.get_by_role("button", name="撤销")).to_be_visible()
    await expect(mondays).to_contain_text("已过期")
    await expect(mondays.get_by_role("button")).to_have_count(0)
