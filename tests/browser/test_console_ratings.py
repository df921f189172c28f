"""The clerk console's 好差评 corner: asking for a rating, the open rating, the rating just
given, and the clerk's own figures for today, against a real hall."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from helpers import RunningHall
from playwright.async_api import Page, expect

from .conftest import PASSWORD, Issue, OpenConsole, Screenshot

pytestmark = pytest.mark.browser

StartHall = Callable[..., Awaitable[RunningHall]]


async def done(page: Page, text: str) -> None:
    await expect(page.locator("#info")).to_have_text(text)


async def serve(page: Page, number: str) -> None:
    """Calls the next ticket (expected to be `number`), starts and finishes it by keys."""
    await page.keyboard.press("F1")
    await done(page, f"已叫号 {number}")
    await page.keyboard.press("KeyS")
    await done(page, f"开始办理 {number}")
    await page.keyboard.press("KeyF")
    await done(page, f"{number} 已办结")


async def clerk_token(hall: RunningHall, name: str) -> str:
    status, answer = await hall.call(
        "POST", "/api/v1/session", body={"username": name, "password": PASSWORD}
    )
    assert status == 200, answer
    return str(answer["token"])


async def rate(hall: RunningHall, ticket: dict[str, Any], level: int, tags: list[str]) -> None:
    pad = await hall.device(f"pad-{ticket['number']}", "pad", window="1")
    body = {"ticket": ticket["id"], "level": level, "tags": tags}
    status, answer = await hall.call("POST", "/api/v1/ratings", pad, body)
    assert status == 201, answer


async def test_finishing_opens_a_rating_and_e_asks_again(
    start_hall: StartHall, open_console: OpenConsole, issue: Issue
) -> None:
    hall = await start_hall()
    page = await open_console(hall)
    ask = page.locator('.actions [data-action="ask-rating"]')
    await expect(ask).to_contain_text("E")

    # Nothing served yet: nothing to rate, and the server says so.
    await page.keyboard.press("KeyE")
    await expect(page.locator("#error")).to_be_visible()
    await expect(page.locator("#rating-line")).to_be_hidden()

    await issue(hall, "social")
    await serve(page, "A001")
    line = page.locator("#rating-line")
    await expect(line).to_contain_text("评价中：A001")
    await expect(line).to_contain_text(re.compile(r"剩余 \d+ 秒"))

    await page.keyboard.press("KeyE")
    await done(page, "已请市民评价 A001")
    await expect(line).to_contain_text("评价中：A001")
    token = await clerk_token(hall, "wang")
    status, seen = await hall.call("GET", "/api/v1/windows/1", token)
    assert status == 200, seen
    assert seen["window"]["rating"]["number"] == "A001"


async def test_a_rating_given_shows_briefly_and_a_bad_one_in_red_with_its_tags(
    start_hall: StartHall, open_console: OpenConsole, issue: Issue
) -> None:
    hall = await start_hall()
    page = await open_console(hall)
    a001 = await issue(hall, "social")
    a002 = await issue(hall, "social")
    await serve(page, "A001")
    line = page.locator("#rating-line")
    await expect(line).to_contain_text("评价中：A001")

    await rate(hall, a001, 5, [])
    await expect(line).to_contain_text("A001 评价：非常满意")
    await expect(line).to_have_class(re.compile("is-good"))

    await serve(page, "A002")
    await rate(hall, a002, 2, ["214"])
    await expect(line).to_contain_text("A002 评价：不满意")
    await expect(line).to_contain_text("服务态度生硬")
    await expect(line).to_have_class(re.compile("is-bad"))
    color = await line.evaluate("n => getComputedStyle(n).color")
    assert color == "rgb(180, 35, 24)"  # --danger


async def test_todays_figures_are_what_the_server_counted(
    start_hall: StartHall, open_console: OpenConsole, issue: Issue, screenshot: Screenshot
) -> None:
    hall = await start_hall()
    page = await open_console(hall)
    tickets = [await issue(hall, "social") for _ in range(5)]
    await serve(page, "A001")
    await rate(hall, tickets[0], 5, [])
    await serve(page, "A002")
    await rate(hall, tickets[1], 1, ["115"])
    await serve(page, "A003")
    await page.keyboard.press("F1")
    await done(page, "已叫号 A004")
    await page.keyboard.press("KeyN")
    await page.locator("#no-show-dialog").get_by_role("button", name="确认过号").click()
    await done(page, "A004 已标记过号（未到场）")
    await page.keyboard.press("F1")
    await done(page, "已叫号 A005")
    await page.keyboard.press("KeyS")
    await done(page, "开始办理 A005")

    await expect(page.locator("#today-served")).to_have_text("3")
    await expect(page.locator("#today-missed")).to_have_text("1")
    await expect(page.locator("#today-ratings")).to_have_text("2")
    await expect(page.locator("#today-good")).to_have_text("1")
    await expect(page.locator("#today-bad")).to_have_text("1")
    await expect(page.locator("#today-bad")).to_have_class(re.compile("is-bad"))

    token = await clerk_token(hall, "wang")
    status, seen = await hall.call("GET", "/api/v1/windows/1", token)
    assert status == 200, seen
    today = seen["today"]
    assert today["clerk"] == "wang"
    for name in ("served", "missed", "transferred", "held", "ratings", "good", "bad"):
        await expect(page.locator(f"#today-{name}")).to_have_text(str(today[name]))
    for name, key in (("mean-service", "mean_service_minutes"), ("mean-wait", "mean_wait_minutes")):
        value = today[key]
        shown = "—" if value is None else f"{value:.1f} 分"
        await expect(page.locator(f"#today-{name}")).to_have_text(shown)

    # The current ticket's waiting time (issued to called) and running service time.
    await expect(page.locator("#ticket-waited")).to_have_text(re.compile(r"^\d\d:\d\d$"))
    await expect(page.locator("#ticket-serving-for")).to_have_text(re.compile(r"^00:0\d$"))
    size = await page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    assert size[0] <= 1366 and size[1] <= 768, size
    await screenshot(page, "console-figures")


async def test_the_case_number_typed_goes_with_the_finish(
    start_hall: StartHall, open_console: OpenConsole, issue: Issue
) -> None:
    hall = await start_hall()
    pad = await hall.device("pad-case", "pad", window="1")
    ticket = await issue(hall)
    page = await open_console(hall)
    await page.keyboard.press("F1")
    await done(page, f"已叫号 {ticket['number']}")
    finish = page.locator('.actions [data-action="finish"]')
    await page.locator("#case-no").fill("bad number!")
    await finish.click()
    await expect(page.locator("#error")).to_contain_text("办件编号只能由字母")
    await page.locator("#case-no").fill("500101-2026-000042")
    await finish.click()
    await done(page, f"{ticket['number']} 已办结")
    await expect(page.locator("#case-no")).to_have_value("")
    status, rated = await hall.call(
        "POST", "/api/v1/ratings", pad, {"ticket": ticket["id"], "level": 5}
    )
    assert status == 201 and rated["rating"]["case_no"] == "500101-2026-000042"


async def test_the_case_number_typed_goes_with_a_call_back_that_finishes_the_ticket(
    start_hall: StartHall, open_console: OpenConsole, issue: Issue
) -> None:
    hall = await start_hall()
    pad = await hall.device("pad-case", "pad", window="1")
    missed = await issue(hall)
    served = await issue(hall)
    page = await open_console(hall)
    await page.keyboard.press("F1")
    await done(page, f"已叫号 {missed['number']}")
    await page.locator('.actions [data-action="no-show"]').click()
    await page.locator("#no-show-dialog").get_by_role("button", name="确认过号").click()
    await expect(page.locator("#info")).to_contain_text(f"{missed['number']} 已标记过号")
    await page.keyboard.press("F1")
    await done(page, f"已叫号 {served['number']}")
    await page.locator("#case-no").fill("500101-2026-000044")
    await page.get_by_role("button", name=f"回呼 {missed['number']}", exact=True).click()
    await done(page, f"已回呼 {missed['number']}")
    await expect(page.locator("#case-no")).to_have_value("")
    status, rated = await hall.call(
        "POST", "/api/v1/ratings", pad, {"ticket": served["id"], "level": 5}
    )
    assert status == 201 and rated["rating"]["case_no"] == "500101-2026-000044"
