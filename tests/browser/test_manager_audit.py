"""The audit trail on the manager console: logins and lock-outs, and the hall's changes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from helpers import RunningHall
from playwright.async_api import expect

from queue_server.domain import commands as c

from .conftest import PASSWORD, OpenPage, Screenshot

pytestmark = pytest.mark.browser

StartHall = Callable[..., Awaitable[RunningHall]]


async def test_a_manager_reads_failed_logins_and_who_issued_tickets(
    start_hall: StartHall, open_page: OpenPage, screenshot: Screenshot
) -> None:
    hall = await start_hall()
    await hall.person("zhao", "manager", display_name="赵主任")
    await hall.person("wang", "clerk")
    kiosk = await hall.device("kiosk-1", "kiosk")
    wrong = {"username": "wang", "password": "not the password"}
    assert (await hall.call("POST", "/api/v1/session", body=wrong))[0] == 401
    assert (await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"}))[0] == 201
    await hall.server.accounts.disable_user("wang", by="user:zhao")  # wang left

    page = await open_page(f"{hall.url}/manager")
    await page.get_by_label("用户名").fill("zhao")
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await expect(page.locator("#live-view")).to_be_visible()
    await page.get_by_role("button", name="审计日志").click()

    rows = page.locator("#audit tbody tr")
    await expect(rows.filter(has_text="登录失败")).to_have_count(1)
    await expect(rows.filter(has_text="登录失败")).to_contain_text("wang")
    await expect(rows.filter(has_text="停用人员")).to_contain_text("user.disabled")
    await page.get_by_label("类型").fill("login.failed")
    await page.get_by_role("button", name="查询审计").click()
    await expect(rows).to_have_count(1)
    await screenshot(page, "manager-audit")

    await page.get_by_label("日志", exact=True).select_option("journal")
    await page.get_by_label("类型").fill("")
    await page.get_by_label("操作人").fill("device:kiosk-1")
    await page.get_by_role("button", name="查询审计").click()
    await expect(rows).to_have_count(1)
    # What happened, in Chinese, over the kind the 类型 box takes.
    await expect(rows.first.locator(".audit-kind-name")).to_have_text("取号")
    await expect(rows.first.locator(".audit-kind")).to_have_text("ticket.issued")
    await expect(page.locator("#audit-more")).to_be_hidden()


async def test_days_the_server_refuses_are_said_in_chinese(
    start_hall: StartHall, open_page: OpenPage
) -> None:
    hall = await start_hall()
    await hall.person("zhao", "manager", display_name="赵主任")
    page = await open_page(f"{hall.url}/manager")
    await page.get_by_label("用户名").fill("zhao")
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.get_by_role("button", name="审计日志").click()
    error = page.locator("#error-text")
    query = page.get_by_role("button", name="查询审计")

    await page.locator("#audit-from").fill("2026-11-23")
    await page.locator("#audit-to").fill("2026-11-01")
    await query.click()
    await expect(error).to_have_text("结束日期不能早于开始日期")
    await page.locator("#audit-from").fill("2026-01-01")
    await page.locator("#audit-to").fill("2026-12-31")
    await query.click()
    await expect(error).to_have_text("开始日期到结束日期最多 92 天")


async def test_a_manager_reads_who_called_and_paused_at_each_window(
    start_hall: StartHall, open_page: OpenPage
) -> None:
    # wang calls at window 1 from her console and then from its keypad (the station), and
    # pauses; window 2's station opens it with nobody signed in and calls there.
    hall = await start_hall()
    await hall.person("zhao", "manager", display_name="赵主任")
    kiosk = await hall.device("kiosk-1", "kiosk")
    station = await hall.device("station-1", "station", window="1")
    station_2 = await hall.device("station-2", "station", window="2")
    wang = await hall.clerk_at("1", "wang", "王芳", "1001")
    for _ in range(3):
        assert (await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"}))[0] == 201
    for token, window, action, body in (
        (wang, "1", "call-next", None),
        (station, "1", "call-next", None),
        (wang, "1", "finish", None),
        (wang, "1", "pause", {"reason": "离开"}),
        (station_2, "2", "open", None),
        (station_2, "2", "call-next", None),
    ):
        status, answer = await hall.call("POST", f"/api/v1/windows/{window}/{action}", token, body)
        assert status == 200, (action, answer)
    assert (await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"}))[0] == 201
    await hall.server.service.execute(c.ClearQueue(), lambda *_: None)  # the lunch clearing

    page = await open_page(f"{hall.url}/manager")
    await page.get_by_label("用户名").fill("zhao")
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await expect(page.locator("#live-view")).to_be_visible()
    await page.get_by_role("button", name="审计日志").click()
    await page.get_by_label("日志", exact=True).select_option("journal")
    await page.get_by_label("操作人").fill("wang")
    await page.get_by_role("button", name="查询审计").click()

    rows = page.locator("#audit tbody tr")
    # Her sign-in, both calls (the keypad's too), two finishes (the keypad's call finished
    # the first ticket) with their rating requests, and the pause.
    await expect(rows).to_have_count(8)
    calls = rows.filter(has_text="叫号")
    await expect(calls).to_have_count(2)
    for n in range(2):
        await expect(calls.nth(n).locator(".audit-actor-name")).to_have_text("王芳（1001）")
        await expect(calls.nth(n).locator(".audit-actor")).to_have_text("wang")
    paused = rows.filter(has_text="窗口暂停")
    await expect(paused.locator(".audit-actor-name")).to_have_text("王芳（1001）")

    # At window 2 nobody was signed in: the list says so rather than leave the cell empty.
    await page.get_by_label("操作人").fill("")
    await page.get_by_label("类型").fill("ticket.called")
    await page.get_by_role("button", name="查询审计").click()
    await expect(rows).to_have_count(3)
    await expect(rows.last.locator(".audit-actor-name")).to_have_text("无人签到")

    # What the hall does by itself (a clearing) is the system's, not left blank.
    await page.get_by_label("类型").fill("queue.cleared")
    await page.get_by_role("button", name="查询审计").click()
    await expect(rows).to_have_count(1)
    await expect(rows.first.locator(".audit-actor-name")).to_have_text("系统")
