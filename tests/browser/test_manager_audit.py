"""The audit trail on the manager console: logins and lock-outs, and the hall's changes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from helpers import RunningHall
from playwright.async_api import expect

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

    page = await open_page(f"{hall.url}/manager")
    await page.get_by_label("用户名").fill("zhao")
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await expect(page.locator("#live-view")).to_be_visible()
    await page.get_by_role("button", name="审计日志").click()

    rows = page.locator("#audit tbody tr")
    await expect(rows.filter(has_text="登录失败")).to_have_count(1)
    await expect(rows.filter(has_text="登录失败")).to_contain_text("wang")
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
