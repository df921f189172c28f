"""The touch rating pad in chromium against a real station agent (fake keypads) and hall server."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import SHANGHAI, RunningHall
from playwright.async_api import Page, expect

from .conftest import OpenPage, Screenshot
from .station_fixtures import PAD_SCREEN, RunningStation, running_station

pytestmark = pytest.mark.browser

StartHall = Callable[..., Awaitable[RunningHall]]

# The test seam of static/voice.js: a player installed before the page's scripts run.
RECORDING_PLAYER = """
window.__hallqVoicePlayer = {
  urls: [],
  play(url) { this.urls.push(url); return Promise.resolve(); },
};
"""
ASK_URL = "/voice/phrase.wav?" + urllib.parse.urlencode({"text": "请您对我的服务进行评价"})
THANKS_URL = "/voice/phrase.wav?" + urllib.parse.urlencode({"text": "谢谢您的评价"})
RATE = """body => fetch("/local/rate", {
  method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
}).then(r => r.json().then(answer => [r.status, answer.error]))"""


async def played(page: Page) -> list[str]:
    return list(await page.evaluate("window.__hallqVoicePlayer.urls"))


async def issue(hall: RunningHall, count: int = 1) -> None:
    kiosk = await hall.device(f"kiosk-{count}", "kiosk")
    for _ in range(count):
        status, answer = await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})
        assert status == 201, answer


@contextlib.asynccontextmanager
async def window_1_station(
    hall: RunningHall,
    folder: Path,
    *,
    pad_window: str = "1",
    own_off: dt.timedelta = dt.timedelta(),
    tickets: int = 1,
) -> AsyncIterator[RunningStation]:
    """Window 1 with 王芳 (工号 0107) signed in, `tickets` waiting, and its station running
    with a pad token of `pad_window`, its own clock `own_off` off."""
    await hall.clerk_at("1", "wang", "王芳", "0107")
    station_token = await hall.device("w1-station", "station", "1")
    pad_token = await hall.device(f"w{pad_window}-pad", "pad", pad_window)
    await issue(hall, tickets)
    async with running_station(hall.url, "1", station_token, pad_token, folder, own_off) as station:
        yield station


async def test_a_citizen_rates_the_clerk_on_the_touch_pad(
    start_hall: StartHall, open_page: OpenPage, screenshot: Screenshot, tmp_path: Path
) -> None:
    hall = await start_hall()
    manager = await hall.person("boss", "manager")
    async with window_1_station(hall, tmp_path, tickets=2) as station:
        page = await open_pad(open_page, station)

        # Idle: the clerk's card (亮身份) and a welcome.
        await expect(page.locator("#idle")).to_contain_text("欢迎您")
        await expect(page.locator("#clerk-name")).to_have_text("王芳")
        await expect(page.locator("#clerk-no")).to_have_text("工号 0107")
        await expect(page.locator("#window-label")).to_have_text("1号窗口")
        await expect(page.locator("#photo")).to_have_attribute("src", "/local/photo?staff_no=0107")
        await screenshot(page, "pad-idle")

        # The clerk calls and finishes on the keypad: the pad asks for a rating, aloud.
        station.keypad("KEY_KPPLUS")
        await eventually(lambda: window_state(hall, manager), "calling")
        station.keypad("KEY_KPSLASH")
        levels = page.locator("#level-list button")
        await expect(page.locator("#levels")).to_be_visible()
        await expect(levels).to_have_text(["非常满意", "满意", "基本满意", "不满意", "非常不满意"])
        await eventually(lambda: contains(played(page), ASK_URL), True)
        await screenshot(page, "pad-levels")

        # 不满意 needs a reason: the submit button says so until one is chosen.
        await page.get_by_role("button", name="不满意", exact=True).click()
        submit = page.locator("#submit")
        await expect(submit).to_be_disabled()
        await expect(submit).to_have_text("请先选择原因")
        await expect(page.locator("#tag-list button")).to_have_count(8)
        await page.get_by_role("button", name="服务态度生硬").click()
        await expect(submit).to_be_enabled()
        await expect(submit).to_have_text("提交评价")
        await screenshot(page, "pad-bad-tags")
        # The comment takes the reasons' place while it is written; the reason stays chosen.
        await page.get_by_role("button", name="其他意见", exact=True).click()
        await expect(page.locator("#tag-list")).to_be_hidden()
        await page.locator("#comment").fill("等了很久")
        await screenshot(page, "pad-bad-comment")
        await page.get_by_role("button", name="返回原因", exact=True).click()
        await expect(page.get_by_role("button", name="服务态度生硬")).to_have_attribute(
            "aria-pressed", "true"
        )
        await expect(page.get_by_role("button", name="修改意见", exact=True)).to_be_visible()

        await submit.click()
        await expect(page.locator("#thanks")).to_contain_text("谢谢您的评价")
        await eventually(lambda: contains(played(page), THANKS_URL), True)
        await screenshot(page, "pad-thanks")
        [rating] = await ratings(hall, manager)
        assert (rating["level"], rating["tags"], rating["channel"]) == (2, ["214"], 4)
        assert rating["window"] == "1" and rating["comment"] == "等了很久"
        await expect(page.locator("#idle")).to_be_visible(timeout=8_000)

        # The next citizen walks away: at touch_until the pad goes back to idle.
        station.keypad("KEY_KPPLUS")
        await eventually(lambda: window_state(hall, manager), "calling")
        station.keypad("KEY_KPSLASH")
        await expect(page.locator("#levels")).to_be_visible()
        station.later(61)
        await expect(page.locator("#idle")).to_be_visible()
        assert len(await ratings(hall, manager)) == 1


async def test_every_level_s_reasons_are_all_in_sight_with_the_seconds_left(
    start_hall: StartHall, open_page: OpenPage, tmp_path: Path
) -> None:
    """At 1024x600 no reason may hide below the fold: a scrolled list hid 115
    服务态度差效率低, the reason most 差评 give, and an elderly citizen does not scroll."""
    hall = await start_hall()
    manager = await hall.person("boss", "manager")
    async with window_1_station(hall, tmp_path) as station:
        page = await open_pad(open_page, station)
        station.keypad("KEY_KPPLUS")
        await eventually(lambda: window_state(hall, manager), "calling")
        station.keypad("KEY_KPSLASH")
        for name in ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]:
            await page.get_by_role("button", name=name, exact=True).click()
            await expect(page.locator("#tag-list button")).to_have_count(8)
            hidden = await page.evaluate(
                """() => {
                  const list = document.getElementById("tag-list");
                  const box = list.getBoundingClientRect();
                  const cut = [...list.querySelectorAll("button")].filter((b) => {
                    const r = b.getBoundingClientRect();
                    return r.top < box.top || r.bottom > box.bottom || r.bottom > innerHeight;
                  });
                  return [list.scrollHeight > list.clientHeight, cut.map((b) => b.textContent)];
                }"""
            )
            assert hidden == [False, []], (name, hidden)
            await expect(page.locator("#detail-countdown")).to_contain_text("秒后自动返回")
            await page.get_by_role("button", name="重新选择", exact=True).click()


async def test_refusals_come_back_in_plain_chinese_and_the_key_pad_thanks_too(
    start_hall: StartHall, open_page: OpenPage, tmp_path: Path
) -> None:
    hall = await start_hall()
    async with window_1_station(hall, tmp_path) as station:
        page = await open_pad(open_page, station)
        assert await page.evaluate(RATE, {"level": 5}) == [
            409,
            {"code": "rating_closed", "message": "评价时间已过，谢谢您的参与"},
        ]
        station.keypad("KEY_KPPLUS", "KEY_KPSLASH")
        await expect(page.locator("#levels")).to_be_visible()
        assert await page.evaluate(RATE, {"level": 1}) == [
            422,
            {"code": "reason_required", "message": "请至少选择一个不满意的原因"},
        ]
        await page.get_by_role("button", name="满意", exact=True).click()
        # Meanwhile the citizen pressed the key pad: it counts, and the touch pad thanks.
        station.key_pad("KEY_1")
        await expect(page.locator("#thanks")).to_be_visible()
        status, error = await page.evaluate(RATE, {"level": 4})
        assert status == 409 and "谢谢" in error["message"]


async def eventually(get: Callable[[], Awaitable[Any]], expected: Any) -> None:
    """Polls `get` until it gives `expected` (5 s at most)."""
    value = None
    for _ in range(100):
        value = await get()
        if value == expected:
            return
        await asyncio.sleep(0.05)
    assert value == expected


async def contains(items: Awaitable[list[str]], item: str) -> bool:
    return item in await items


async def open_pad(open_page: OpenPage, station: RunningStation) -> Page:
    async def prepare(page: Page) -> None:
        await page.add_init_script(RECORDING_PLAYER)

    return await open_page(station.url, viewport=PAD_SCREEN, prepare=prepare)


async def window_state(hall: RunningHall, token: str) -> str:
    status, answer = await hall.call("GET", "/api/v1/windows/1", token)
    assert status == 200, answer
    return str(answer["window"]["state"])


async def ratings(hall: RunningHall, token: str) -> list[dict[str, Any]]:
    status, answer = await hall.call("GET", rating_days(), token)
    assert status == 200, answer
    return list(answer["ratings"])


def rating_days() -> str:
    """The ratings of yesterday to tomorrow in the hall's time zone: all this test made."""
    today = dt.datetime.now(SHANGHAI).date()
    days = today - dt.timedelta(days=1), today + dt.timedelta(days=1)
    return f"/api/v1/ratings?from={days[0]}&to={days[1]}"


async def test_a_pad_holding_another_window_s_token_tells_the_citizen_in_chinese(
    start_hall: StartHall, open_page: OpenPage, tmp_path: Path
) -> None:
    """A station set up with window 2's pad token at window 1: the server refuses every
    rating (403, in the operators' English); the citizen must read what to do, in Chinese."""
    hall = await start_hall()
    manager = await hall.person("boss", "manager")
    async with window_1_station(hall, tmp_path, pad_window="2") as station:
        page = await open_pad(open_page, station)
        station.keypad("KEY_KPPLUS")
        await eventually(lambda: window_state(hall, manager), "calling")
        station.keypad("KEY_KPSLASH")
        await page.get_by_role("button", name="满意", exact=True).click()
        await page.locator("#submit").click()
        error = page.locator("#error")
        await expect(error).to_be_visible()
        assert re.search(r"[\u4e00-\u9fff]", await error.inner_text())
        assert not re.search(r"[A-Za-z]{3,}", await error.inner_text())
        await expect(error).to_contain_text("请联系工作人员")
        assert await ratings(hall, manager) == []


async def test_a_rating_sent_goes_straight_to_thanks_never_back_to_the_welcome(
    start_hall: StartHall, open_page: OpenPage, tmp_path: Path
) -> None:
    """The agent hears the rating closed on its stream before the server's answer: the pad
    must not flash 欢迎您 and its plea to rate between the citizen's 提交 and the thanks."""
    hall = await start_hall()
    manager = await hall.person("boss", "manager")
    async with window_1_station(hall, tmp_path) as station:
        page = await open_pad(open_page, station)
        station.keypad("KEY_KPPLUS", "KEY_KPSLASH")
        await page.get_by_role("button", name="满意", exact=True).click()
        await page.evaluate(
            """() => {
              const screens = [...document.querySelectorAll("main > section")];
              const shown = () => screens.filter((s) => !s.hidden).map((s) => s.id).join();
              window.screens = [shown()];
              new MutationObserver(() => {
                if (window.screens.at(-1) !== shown()) window.screens.push(shown());
              }).observe(document.querySelector("main"), { attributes: true, subtree: true });
            }"""
        )
        await page.locator("#submit").click()
        await expect(page.locator("#thanks")).to_be_visible()
        assert await page.evaluate("window.screens") == ["detail", "thanks"]
        assert [r["level"] for r in await ratings(hall, manager)] == [4]


A_YEAR = dt.timedelta(days=365)


async def countdown(page: Page) -> int | None:
    """The seconds the pad says are left, None when it says none."""
    found = re.fullmatch(r"(\d+) 秒后自动返回", await page.locator("#countdown").inner_text())
    return int(found[1]) if found else None


@pytest.mark.parametrize("own_off", [A_YEAR, -A_YEAR], ids=["a-year-ahead", "a-year-behind"])
async def test_a_pad_a_year_off_offers_the_rating_for_the_halls_time_and_no_longer(
    start_hall: StartHall, open_page: OpenPage, tmp_path: Path, own_off: dt.timedelta
) -> None:
    """A Pi without a clock battery, a year off after a power cut: the pad still asks for the
    rating (a pad ahead took every rating for over), counts down the hall's 60 seconds (one
    behind counted a year) and goes back to idle when they are over."""
    hall = await start_hall()
    async with window_1_station(hall, tmp_path, own_off=own_off) as station:
        page = await open_pad(open_page, station)
        station.keypad("KEY_KPPLUS", "KEY_KPSLASH")
        await expect(page.locator("#levels")).to_be_visible()
        left = await countdown(page)
        assert left is not None and 0 < left <= 60, left
        station.later(61)
        await expect(page.locator("#idle")).to_be_visible()


async def test_the_countdown_goes_on_when_the_pads_clock_is_set_mid_rating(
    start_hall: StartHall, open_page: OpenPage, tmp_path: Path
) -> None:
    """The pad booted a year behind; NTP sets its clock right while the citizen rates: the
    countdown goes on, rather than ending at once."""
    hall = await start_hall()
    async with window_1_station(hall, tmp_path) as station:
        page = await open_pad(open_page, station)
        await page.clock.set_system_time(dt.datetime.now(dt.UTC) - A_YEAR)
        station.keypad("KEY_KPPLUS", "KEY_KPSLASH")
        await expect(page.locator("#levels")).to_be_visible()
        before = await countdown(page)
        await page.clock.set_system_time(dt.datetime.now(dt.UTC))
        left = before
        for _ in range(100):  # until the next tick of the countdown
            if (left := await countdown(page)) != before:
                break
            await asyncio.sleep(0.05)
        assert left is not None and 0 < left <= 60, left
        await expect(page.locator("#levels")).to_be_visible()
