"""Staff pages left open overnight: at local midnight the server begins the new day
(`day.started`), and the pages show it without a reload."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

import pytest
from helpers import FakeClock, RunningHall
from playwright.async_api import expect

from queue_server import service as service_module

from .conftest import Issue, OpenConsole, OpenManager
from .test_console_ratings import serve

pytestmark = pytest.mark.browser

StartHall = Callable[..., Awaitable[RunningHall]]


@pytest.fixture(autouse=True)
def quick_timers(monkeypatch: pytest.MonkeyPatch) -> None:
    # The server's timers read the (fake) wall clock after short sleeps: a step is seen at once.
    monkeypatch.setattr(service_module, "CLOCK_CHECK_SECONDS", 0.01)


def in_the_evening(clock: FakeClock) -> None:
    # Late enough that midnight comes within the staff's sessions (12 hours): the page's
    # session holds across it, as a page left open at the day's end has.
    clock.now = clock.now.replace(hour=21, minute=0)


def just_after_midnight(clock: FakeClock) -> None:
    tomorrow = clock.now.date() + dt.timedelta(days=1)
    clock.now = dt.datetime.combine(tomorrow, dt.time(0, 0, 5), clock.now.tzinfo)


async def test_the_manager_page_left_open_overnight_shows_the_new_day(
    start_hall: StartHall, open_manager: OpenManager, issue: Issue, clock: FakeClock
) -> None:
    in_the_evening(clock)  # the hall is open all hours
    hall = await start_hall(clock=clock)
    manager = await hall.person("li", "manager")
    for _ in range(2):
        await issue(hall, "social")
    pause = {"kind": "issuing", "service": "estate", "paused": True, "reason": "系统维护"}
    assert (await hall.call("POST", "/api/v1/tuning", manager, pause))[0] == 201
    page = await open_manager(hall)
    estate = page.locator('#queues [data-service="estate"]')
    await expect(estate).to_contain_text("暂停取号")
    # A ticket the page hears of: once it shows, the reads its start asked for are done.
    await issue(hall, "social")
    await expect(page.locator("#today-issued")).to_have_text("3")

    just_after_midnight(clock)
    # Paused "for the rest of the day": the day is over, and nothing was issued yet today.
    await expect(page.locator("#today-issued")).to_have_text("0")
    await expect(estate).not_to_contain_text("暂停取号")


async def test_the_clerk_s_figures_start_again_at_midnight_on_a_console_left_open(
    start_hall: StartHall, open_console: OpenConsole, issue: Issue, clock: FakeClock
) -> None:
    in_the_evening(clock)  # the hall is open all hours
    hall = await start_hall(clock=clock)
    page = await open_console(hall)
    for _ in range(2):
        await issue(hall, "social")
    await serve(page, "A001")
    await expect(page.locator("#today-served")).to_have_text("1")

    just_after_midnight(clock)
    await expect(page.locator("#today-served")).to_have_text("0")


async def test_a_console_left_open_offers_no_call_back_of_last_evening_s_missed_ticket(
    start_hall: StartHall, open_console: OpenConsole, issue: Issue, clock: FakeClock
) -> None:
    in_the_evening(clock)  # the hall is open all hours
    hall = await start_hall(clock=clock)
    page = await open_console(hall)
    await issue(hall, "social")
    await page.keyboard.press("F1")
    await expect(page.locator("#info")).to_have_text("已叫号 A001")
    await page.locator('.actions [data-action="no-show"]').click()
    await page.locator("#no-show-dialog").get_by_role("button", name="确认过号").click()
    await expect(page.get_by_role("button", name="回呼 A001")).to_be_visible()

    just_after_midnight(clock)
    await expect(page.locator("#missed-empty")).to_be_visible()
    await expect(page.get_by_role("button", name="回呼 A001")).to_have_count(0)


async def test_the_reports_of_a_manager_page_left_open_overnight_are_of_the_new_day(
    start_hall: StartHall, open_manager: OpenManager, issue: Issue, clock: FakeClock
) -> None:
    in_the_evening(clock)  # the hall is open all hours
    hall = await start_hall(clock=clock)
    for _ in range(2):
        await issue(hall, "social")
    clock.advance(minutes=1)  # a report counts what happened before its moment
    page = await open_manager(hall)
    evening = clock.now.date().isoformat()
    await page.locator("#tabs [data-tab=reports]").click()
    await expect(page.locator("#report-date")).to_have_value(evening)
    total = page.locator('#report tbody tr[data-key="total"] td').nth(1)
    await expect(total).to_have_text("2")  # 取号
    await page.locator("#tabs [data-tab=live]").click()

    just_after_midnight(clock)
    await expect(page.locator("#today-issued")).to_have_text("0")
    # The manager opens the reports in the morning: today's, not last evening's again.
    await page.locator("#tabs [data-tab=reports]").click()
    await expect(page.locator("#report-date")).to_have_value(clock.now.date().isoformat())
    await expect(total).to_have_text("0")
    # A day the manager picks stays picked.
    await page.locator("#report-date").fill(evening)
    await page.get_by_role("button", name="查询", exact=True).click()
    await expect(total).to_have_text("2")
    await page.locator("#tabs [data-tab=live]").click()
    await page.locator("#tabs [data-tab=reports]").click()
    await expect(page.locator("#report-date")).to_have_value(evening)
    await expect(total).to_have_text("2")
