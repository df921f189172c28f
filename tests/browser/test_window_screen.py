"""The window screen /window/{id} in chromium: the call, idle, paused, closed, LED lines."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import RunningHall, small_hall
from playwright.async_api import Page, expect

from .conftest import Issue, OpenPage, Screenshot, StreamSwitch

pytestmark = pytest.mark.browser

StartHall = Callable[..., Awaitable[RunningHall]]

SCREEN = {"width": 1366, "height": 768}
LED_8 = {"width": 1024, "height": 256}
LED_12 = {"width": 1536, "height": 256}


async def act(hall: RunningHall, window: str, token: str, action: str, body: Any = None) -> None:
    status, answer = await hall.call("POST", f"/api/v1/windows/{window}/{action}", token, body)
    assert status == 200, answer


async def led_lines(page: Page) -> list[str]:
    return [
        str(t)
        for t in await page.locator(".led-line").evaluate_all(
            "rows => rows.map(r => r.dataset.text)"
        )
    ]


async def test_call_idle_pause_and_close_on_the_window_screen(
    start_hall: StartHall, open_page: OpenPage, issue: Issue, screenshot: Screenshot
) -> None:
    hall = await start_hall()
    page = await open_page(f"{hall.url}/window/2", viewport=SCREEN)
    other = await open_page(f"{hall.url}/window/1", viewport=SCREEN)
    await expect(page.locator("#window-name")).to_have_text("2号窗口")
    await expect(page.locator("#message")).to_have_text("未开放")

    await issue(hall, "social")
    await issue(hall, "social")
    token = await hall.clerk_at("2", "wang", "王芳", "10023")
    await expect(page.locator("#message")).to_have_text("欢迎您")
    await expect(page.locator("#clerk")).to_have_text("王芳 · 工号 10023")

    await act(hall, "2", token, "call-next")
    await expect(page.locator("#message")).to_have_text("请A001号")
    await expect(other.locator("#message")).to_have_text("未开放")  # not its call
    await screenshot(page, "window-calling")

    await act(hall, "2", token, "start")
    await expect(page.locator("#message")).to_have_text("A001号办理中")
    await act(hall, "2", token, "finish")
    await expect(page.locator("#message")).to_have_text("欢迎您")
    await screenshot(page, "window-idle")

    await act(hall, "2", token, "pause", {"reason": "休息"})
    await expect(page.locator("#message")).to_have_text("暂停服务")
    await screenshot(page, "window-paused")
    await act(hall, "2", token, "resume")
    await expect(page.locator("#message")).to_have_text("欢迎您")
    await act(hall, "2", token, "call-next")
    await expect(page.locator("#message")).to_have_text("请A002号")

    await act(hall, "2", token, "finish")
    await act(hall, "2", token, "close")
    await expect(page.locator("#message")).to_have_text("未开放")
    await expect(page.locator("#clerk")).to_have_text("")


async def blinked_more_than(page: Page, seen: int) -> int:
    """The blinks started on the page so far, once there are more than `seen`."""
    async with asyncio.timeout(10):
        while (started := int(await page.evaluate("window.flashes"))) <= seen:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    return started


async def test_a_call_and_a_recall_blink_on_the_window_screen(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> None:
    """A recall changes nothing the screen shows: without a blink the citizen looking up
    cannot tell that the number was just called again."""
    hall = await start_hall()
    page = await open_page(f"{hall.url}/window/2", viewport=SCREEN)
    await page.evaluate(
        """window.flashes = 0;
        document.addEventListener("animationstart", () => { window.flashes += 1; });"""
    )
    await issue(hall, "social")
    token = await hall.clerk_at("2", "wang")
    await expect(page.locator("#message")).to_have_text("欢迎您")
    assert await page.evaluate("window.flashes") == 0  # signing in is no call
    await act(hall, "2", token, "call-next")
    await expect(page.locator("#message")).to_have_text("请A001号")
    seen = await blinked_more_than(page, 0)
    await act(hall, "2", token, "recall")
    await blinked_more_than(page, seen)
    await expect(page.locator("#message")).to_have_text("请A001号")


async def test_led_mode_draws_fixed_lines_of_8_or_12_characters(
    start_hall: StartHall, open_page: OpenPage, issue: Issue, screenshot: Screenshot
) -> None:
    hall = await start_hall()
    await issue(hall, "social")
    token = await hall.clerk_at("3", "zhao")
    eight = await open_page(f"{hall.url}/window/3?mode=led&cols=8", viewport=LED_8)
    twelve = await open_page(f"{hall.url}/window/3?mode=led&cols=12", viewport=LED_12)
    await expect(eight.locator(".led-line")).to_have_count(2)
    assert await led_lines(eight) == ["    3号窗口     ", "     欢迎您     "]
    await expect(eight.locator("#screen")).to_be_hidden()

    await act(hall, "3", token, "call-next")
    await expect(eight.locator(".led-line").nth(1)).to_have_attribute(
        "data-text", "    请A001号    "
    )
    await expect(twelve.locator(".led-line").nth(1)).to_have_attribute(
        "data-text", "        请A001号        "
    )
    assert await led_lines(twelve) == ["        3号窗口         ", "        请A001号        "]
    # Every line is one strip wide: 16 (or 24) half-width cells, a Chinese character two.
    spans = await eight.locator(".led-line").first.evaluate(
        "row => [...row.children]"
        ".reduce((n, c) => n + (c.classList.contains('is-wide') ? 2 : 1), 0)"
    )
    assert spans == 16
    await screenshot(eight, "window-led-8")
    await screenshot(twelve, "window-led-12")

    await act(hall, "3", token, "finish")
    await act(hall, "3", token, "pause", {"reason": "休息"})
    await expect(eight.locator(".led-line").nth(1)).to_have_attribute(
        "data-text", "    暂停服务    "
    )


async def test_the_layout_function_is_pure_and_wraps_long_lines(
    start_hall: StartHall, open_page: OpenPage
) -> None:
    """What an LED controller imports: screenLines() and ledLayout() without a page."""
    hall = await start_hall()
    page = await open_page(f"{hall.url}/window/1?mode=led")
    lines = await page.evaluate(
        """async () => {
          const m = await import('/static/window-screen.js');
          const calling = {id: '12', state: 'calling', ticket: {number: 'B107'}};
          const serving = {id: '3', state: 'serving', ticket: {number: 'A012'}};
          return [
            m.screenLines(calling),
            m.ledLayout(m.screenLines(calling), 8),
            m.ledLayout(['一二三四五六七八九十'], 8),
            m.ledLayout([m.screenLines(serving)[1]], 12),
          ];
        }"""
    )
    assert lines == [
        ["12号窗口", "请B107号"],
        ["    12号窗口    ", "    请B107号    "],
        ["一二三四五六七八", "      九十      "],
        ["      A012号办理中      "],
    ]


async def test_offline_mark_then_shows_the_call_made_meanwhile(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> None:
    hall = await start_hall()
    await issue(hall, "social")
    token = await hall.clerk_at("1", "wang")
    stream = StreamSwitch()

    page = await open_page(f"{hall.url}/window/1", viewport=SCREEN, prepare=stream.prepare)
    await expect(page.locator("#message")).to_have_text("欢迎您")
    await expect(page.locator("#offline")).to_be_hidden()

    await stream.cut()
    await expect(page.locator("#offline")).to_be_visible()
    await act(hall, "1", token, "call-next")
    await expect(page.locator("#message")).to_have_text("欢迎您")

    stream.restore()
    await expect(page.locator("#message")).to_have_text("请A001号", timeout=15_000)
    await expect(page.locator("#offline")).to_be_hidden()
    assert "after_seq=" in stream.routes[-1].url


async def test_a_screen_set_up_with_a_window_the_hall_does_not_have_says_so(
    start_hall: StartHall, open_page: OpenPage
) -> None:
    hall = await start_hall()  # windows 1 to 3
    page = await open_page(f"{hall.url}/window/99", viewport=SCREEN)
    await expect(page.locator("#window-name")).to_have_text("没有99号窗口")
    await expect(page.locator("#message")).to_have_text("请检查地址")
    await expect(page.locator("#clerk")).to_have_text("地址：/window/99")
    await expect(page.locator("body")).to_have_attribute("data-state", "missing")
    led = await open_page(f"{hall.url}/window/99?mode=led&cols=8", viewport=LED_8)
    await expect(led.locator(".led-line").first).to_have_attribute("data-text", "  没有99号窗口  ")

    # A window the hall has, closed, still says 未开放.
    closed = await open_page(f"{hall.url}/window/3", viewport=SCREEN)
    await expect(closed.locator("#window-name")).to_have_text("3号窗口")
    await expect(closed.locator("#message")).to_have_text("未开放")


async def test_a_restart_with_a_window_renamed_added_or_removed_shows_the_new_config(
    start_hall: StartHall, open_page: OpenPage, tmp_path: Path
) -> None:
    """The stream resumes after a restart with what changed in the journal; a change of the
    hall file (a window renamed, added or removed) is in no event, and must still show."""
    db = tmp_path / "restart.db"
    hall = await start_hall(db_path=db)  # windows 1 to 3
    renamed = await open_page(f"{hall.url}/window/1", viewport=SCREEN)
    removed = await open_page(f"{hall.url}/window/3", viewport=SCREEN)
    added = await open_page(f"{hall.url}/window/4", viewport=SCREEN)
    await expect(removed.locator("#message")).to_have_text("未开放")
    await expect(added.locator("#window-name")).to_have_text("没有4号窗口")

    await hall.server.stop()
    await expect(renamed.locator("#offline")).to_be_visible()
    one, two, _ = small_hall().windows
    windows = (
        dataclasses.replace(one, label="1号 出件窗口"),
        two,
        dataclasses.replace(two, id="4", label="4号窗口"),
    )
    again = await start_hall(
        small_hall(open_all_hours=True, windows=windows), db_path=db, port=hall.server.port
    )
    await expect(renamed.locator("#offline")).to_be_hidden(timeout=20_000)
    await expect(renamed.locator("#window-label")).to_have_text("1号 出件窗口")
    await expect(removed.locator("#window-name")).to_have_text("没有3号窗口")
    await expect(added.locator("#window-name")).to_have_text("4号窗口")
    await expect(added.locator("#message")).to_have_text("未开放")
    await again.clerk_at("4", "zhao", "赵敏", "10031")
    await expect(added.locator("#message")).to_have_text("欢迎您")
    await expect(added.locator("#clerk")).to_have_text("赵敏 · 工号 10031")
