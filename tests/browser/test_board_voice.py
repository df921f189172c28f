"""A speaking board (/board?speak=1) plays every call, in order, one at a time."""

from __future__ import annotations

import array
import asyncio
import wave
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from helpers import RunningHall
from playwright.async_api import Browser, Page, Request, async_playwright, expect

from display.voice.pack import SegmentEntry, write_manifest
from display.voice.script import DEFAULT_PHRASES, DIGITS, LETTERS, TEN

from .conftest import LAUNCH_ARGS, Issue, OpenPage
from .test_board import LANDSCAPE, call_next

pytestmark = pytest.mark.browser

StartHall = Callable[..., Awaitable[RunningHall]]

RATE = 16000
SEGMENT_MS = 20  # tiny segments: an announcement lasts about a second (60 ms gaps)


@pytest.fixture
async def browser(chromium: str) -> AsyncIterator[Browser]:
    """This module's chromium may play sound without a click, as a kiosk board's does."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium,
            args=[*LAUNCH_ARGS, "--autoplay-policy=no-user-gesture-required"],
        )
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
def voice_pack(tmp_path: Path) -> Path:
    """A complete pack of short tones, one per segment."""
    root = tmp_path / "voice"
    root.mkdir()
    entries = []
    names = (*DIGITS, TEN, *LETTERS, *DEFAULT_PHRASES)
    for index, name in enumerate(names):
        file = f"seg{index}.wav"
        with wave.open(str(root / file), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(RATE)
            wave_ = [(-1) ** (i // 8) * 3000 for i in range(RATE * SEGMENT_MS // 1000)]
            wav.writeframes(array.array("h", wave_).tobytes())
        entries.append(SegmentEntry(name, file))
    write_manifest(root, "test tones", entries)
    return root


async def voice_log(page: Page) -> list[dict[str, Any]]:
    return list(await page.evaluate("window.__hallqVoiceLog ?? null") or [])


def announced(url: str) -> tuple[str, str, str]:
    query = parse_qs(urlsplit(url).query)
    return query["kind"][0], query["number"][0], query["window"][0]


async def test_a_burst_of_calls_is_spoken_in_order_one_at_a_time(
    start_hall: StartHall, open_page: OpenPage, issue: Issue, voice_pack: Path
) -> None:
    hall = await start_hall(voice_pack=voice_pack)
    requested: list[str] = []

    async def watch(page: Page) -> None:
        def seen(request: Request) -> None:
            if "/voice/" in request.url:
                requested.append(request.url)

        page.on("request", seen)

    speaker = await open_page(f"{hall.url}/board?speak=1", viewport=LANDSCAPE, prepare=watch)
    silent = await open_page(f"{hall.url}/board", viewport=LANDSCAPE)
    tokens = {w: await hall.clerk_at(w, f"clerk{w}") for w in ("1", "2", "3")}
    await expect(
        speaker.locator('#windows [data-window="3"] .board-window-state')
    ).not_to_have_text("未开放")
    numbers = [(await issue(hall))["number"] for _ in range(10)]

    made: list[tuple[str, str, str]] = []
    for i in range(10):  # as fast as the API answers
        window = ("1", "2", "3")[i % 3]
        ticket = await call_next(hall, window, tokens[window])
        made.append(("call", ticket["number"], window))
    status, answer = await hall.call("POST", "/api/v1/windows/2/recall", tokens["2"])
    assert status == 200, answer
    last_at_2 = [m for m in made if m[2] == "2"][-1]
    made.append(("recall", last_at_2[1], "2"))
    assert [m[1] for m in made[:10]] == numbers

    async def ended() -> bool:
        log = await voice_log(speaker)
        return sum(e["event"] in ("end", "error") for e in log) >= len(made)

    for _ in range(300):
        if await ended():
            break
        await asyncio.sleep(0.1)
    log = await voice_log(speaker)
    assert [e for e in log if e["event"] not in ("start", "end")] == []  # no error, no skip
    events = [(e["event"], announced(e["url"])) for e in log]
    # start, end, start, end ...: never two at once, none dropped, in the order made.
    assert events == [(event, m) for m in made for event in ("start", "end")]
    times = [e["at"] for e in log]
    assert times == sorted(times)
    assert [announced(url) for url in requested] == made
    # A board without ?speak=1 stays silent.
    assert await voice_log(silent) == []
    assert await silent.evaluate("window.__hallqVoiceLog === undefined")
