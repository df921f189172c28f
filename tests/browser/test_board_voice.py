"""A speaking board (?speak=1, ?speaker=ID) plays its calls, in order, one at a time."""

from __future__ import annotations

import array
import asyncio
import dataclasses
import datetime as dt
import json
import wave
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from helpers import RunningHall, small_hall
from playwright.async_api import (
    Browser,
    Page,
    Request,
    WebSocketRoute,
    async_playwright,
    expect,
)
from voice.announce_cases import CASES, case_hall, case_name, current

from display.voice.pack import SegmentEntry, write_manifest
from display.voice.script import DEFAULT_PHRASES, DIGITS, LETTERS, TEN
from queue_server.domain.hall import HallConfig, SpeakerGroup, VoiceSettings

from .conftest import LAUNCH_ARGS, Issue, OpenPage, StreamSwitch
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
    await streams_attached(hall, 3)
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


# The test seam of static/voice.js: a player installed before the page's scripts run.
RECORDING_PLAYER = """
window.__hallqVoicePlayer = {
  urls: [],
  play(url) { this.urls.push(url); return Promise.resolve(); },
};
"""
SENTINEL = "Z999"


def board_url(scope: dict[str, str]) -> str:
    if "speaker" in scope:
        return f"/board?speaker={scope['speaker']}"
    if "floor" in scope:
        return f"/board?floor={scope['floor']}&speak=1"
    return "/board?speak=1"


def rule_scope(scope: dict[str, str]) -> dict[str, list[str]] | None:
    """The scope a board hands its SpokenCalls (voice.js boardVoice)."""
    if "speaker" in scope:
        group = next(g for g in case_hall().speaker_groups() if g.id == scope["speaker"])
        return {"windows": list(group.windows)}
    return {"floors": [scope["floor"]]} if "floor" in scope else None


def window_in_scope(scope: dict[str, str]) -> str:
    hall = case_hall()
    if "speaker" in scope:
        return next(g.windows[0] for g in hall.speaker_groups() if g.id == scope["speaker"])
    if "floor" in scope:
        return next(w.id for w in hall.windows if w.floor == scope["floor"])
    return "1"


def sentinel(case: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """A last, fresh call in scope: once it is played, every message before it was judged."""
    last = max(m["seq"] for m in case["messages"])
    template = next(m for m in case["messages"] if m["type"] == "ticket.called")
    window_id = window_in_scope(case["scope"])
    floor = next(w.floor for w in case_hall().windows if w.id == window_id)
    message = current({**template, "seq": last + 1, "at_ago_s": 0}, now)
    message["ticket"] = {**template["ticket"], "id": "t-sentinel", "number": SENTINEL}
    message["window"] = {**template["window"], "id": window_id, "floor": floor}
    return message


@pytest.mark.parametrize("case", CASES, ids=case_name)
async def test_a_board_speaks_what_the_case_says(
    start_hall: StartHall, open_page: OpenPage, case: dict[str, Any]
) -> None:
    hall = await start_hall(case_hall())
    streams: list[WebSocketRoute] = []

    async def prepare(page: Page) -> None:
        await page.add_init_script(RECORDING_PLAYER)

        # The test plays the server's stream: the page's socket is never connected to it.
        def hold(ws: WebSocketRoute) -> None:
            streams.append(ws)

        await page.route_web_socket("**/ws?*", hold)

    page = await open_page(f"{hall.url}{board_url(case['scope'])}", prepare=prepare)
    for _ in range(100):
        if len(streams) == 2:
            break
        await asyncio.sleep(0.05)
    # The voice holds a stream of its own (boardVoice), beside the board's.
    assert len(streams) == 2, "the board and its voice never opened their streams"
    now = dt.datetime.now(dt.UTC)
    for message in [*case["messages"], sentinel(case, now)]:
        for stream in streams:
            stream.send(json.dumps(current(message, now), ensure_ascii=False))

    played = "window.__hallqVoicePlayer.urls"
    await page.wait_for_function(f"() => {played}.some((url) => url.includes('{SENTINEL}'))")
    urls: list[str] = await page.evaluate(played)
    last = ("call", SENTINEL, window_in_scope(case["scope"]))
    assert [announced(url) for url in urls] == [*map(tuple, case["spoken"]), last]
    speaker = case["scope"].get("speaker")
    assert all(
        parse_qs(urlsplit(url).query).get("speaker") == ([speaker] if speaker else None)
        for url in urls
    )
    # The stream client drops replays before the voice hears them: judge the case with
    # voice.js's rule alone too, so its own seq check is proven, not just the board's.
    judged = await page.evaluate(
        """async ([messages, scope]) => {
          const { SpokenCalls } = await import("/static/voice.js");
          const rule = new SpokenCalls(scope);
          return messages.map((m) => rule.judge(m, Date.now()))
            .filter((v) => v.call && !v.skip)
            .map((v) => [v.call.kind, v.call.number, v.call.window]);
        }""",
        [[current(m, now) for m in case["messages"]], rule_scope(case["scope"])],
    )
    assert judged == case["spoken"]
    stale = [e for e in await voice_log(page) if e["event"] == "skip"]
    assert all(e["detail"] == "stale" for e in stale)
    assert len(stale) == sum(
        m.get("at_ago_s", 0) > 120 for m in case["messages"] if m["type"].startswith("ticket.")
    )


async def test_a_call_whose_turn_comes_after_it_expired_is_skipped_not_played(
    start_hall: StartHall, open_page: OpenPage
) -> None:
    """After a burst at many windows the queue runs long: a call must not be spoken minutes
    after it was made, as the display agent's announcer does not either."""
    hall = await start_hall()
    page = await open_page(f"{hall.url}/board", viewport=LANDSCAPE)
    played = await page.evaluate(
        """async () => {
          const { VoiceQueue, VoiceLog } = await import("/static/voice.js");
          let clock = 1_000_000;
          let finish = null;
          const player = {
            urls: [],
            play(url) {
              this.urls.push(url);
              return new Promise((resolve) => { finish = resolve; });
            },
          };
          const log = new VoiceLog();
          const queue = new VoiceQueue(player, log, () => clock);
          queue.say("first", clock + 120_000);
          queue.say("late", clock + 120_000);
          queue.say("never expires");
          clock += 121_000; // the first call took longer than the second may wait
          finish();
          await new Promise((resolve) => setTimeout(resolve, 50));
          finish();
          await new Promise((resolve) => setTimeout(resolve, 50));
          return { urls: player.urls, log: log.map((e) => [e.event, e.url, e.detail ?? null]) };
        }"""
    )
    assert played["urls"] == ["first", "never expires"]
    assert ["skip", "late", "stale"] in played["log"]


async def test_a_board_of_an_unknown_speaker_group_stays_silent(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> None:
    hall = await start_hall(case_hall())
    page = await open_page(f"{hall.url}/board?speaker=nowhere", viewport=LANDSCAPE)
    await page.wait_for_function("() => window.__hallqVoiceLog?.length > 0")
    log = await voice_log(page)
    assert [(e["event"], e["detail"]) for e in log] == [("error", "unknown speaker group nowhere")]


class EveryStreamSwitch(StreamSwitch):
    """Takes the network away from every stream the page holds, not only its last one."""

    async def cut(self) -> None:
        self.down = True
        for route in self.routes:
            await route.close(code=1006)


async def streams_attached(hall: RunningHall, count: int) -> None:
    """Wait until the hall streams to `count` clients: a speaking board holds two, its own
    and its voice's. A call made before the voice's snapshot is in that snapshot, and a
    snapshot is never spoken."""
    async with asyncio.timeout(10):
        while hall.server.hub.clients < count:  # noqa: ASYNC110 - the hub has no event to wait on
            await asyncio.sleep(0.05)


async def spoken_numbers(page: Page, until: str) -> list[str]:
    """The numbers the board has played, once `until` is among them (or after 30 s: the
    stream's reconnects back off to 15 s)."""
    for _ in range(300):
        urls: list[str] = await page.evaluate("window.__hallqVoicePlayer.urls")
        numbers = [announced(url)[1] for url in urls]
        if until in numbers:
            break
        await asyncio.sleep(0.1)
    return numbers


async def test_a_call_made_while_the_network_was_down_is_spoken_once_when_it_is_back(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> None:
    """Back online, the board reads the hall again and may take a fresh snapshot: the call
    made meanwhile must still be spoken (a snapshot never is), once, in its place."""
    hall = await start_hall()
    for _ in range(3):
        await issue(hall, "social")
    token = await hall.clerk_at("1", "wang")
    switch = EveryStreamSwitch()

    async def prepare(page: Page) -> None:
        await page.add_init_script(RECORDING_PLAYER)
        await switch.prepare(page)

    page = await open_page(f"{hall.url}/board?speak=1", viewport=LANDSCAPE, prepare=prepare)
    await expect(page.locator("#offline")).to_be_hidden()
    await streams_attached(hall, 2)
    await call_next(hall, "1", token)
    assert await spoken_numbers(page, "A001") == ["A001"]

    await switch.cut()
    await expect(page.locator("#offline")).to_be_visible()
    await call_next(hall, "1", token)
    switch.restore()
    await expect(page.locator("#offline")).to_be_hidden(timeout=15_000)
    await expect(page.locator("#now-number")).to_have_text("A002")
    await call_next(hall, "1", token)  # a call after the return: every earlier one is judged
    assert await spoken_numbers(page, "A003") == ["A001", "A002", "A003"]


def grouped(front: tuple[str, ...], back: tuple[str, ...]) -> HallConfig:
    """The small hall with two speaker groups: the front's windows and the back's."""
    groups = (SpeakerGroup("front", "前厅", front), SpeakerGroup("back", "后厅", back))
    return dataclasses.replace(
        small_hall(open_all_hours=True), voice=VoiceSettings(speakers=groups)
    )


async def test_a_restart_that_moves_a_window_to_another_speaker_group_is_followed(
    start_hall: StartHall, open_page: OpenPage, issue: Issue, tmp_path: Path
) -> None:
    """The IT person moves window 2 to the back's speakers and restarts the server: the
    front's board, never reloaded, must stop speaking window 2's calls (the back's speakers
    speak them now: twice in the hall) from the calls made while it was away on."""
    db = tmp_path / "groups.db"
    hall = await start_hall(grouped(("1", "2"), ("3",)), db_path=db)
    for _ in range(3):
        await issue(hall, "social")
    wang, li = await hall.clerk_at("1", "wang"), await hall.clerk_at("2", "li")

    async def prepare(page: Page) -> None:
        await page.add_init_script(RECORDING_PLAYER)

    page = await open_page(f"{hall.url}/board?speaker=front", viewport=LANDSCAPE, prepare=prepare)
    await expect(page.locator("#offline")).to_be_hidden()
    await streams_attached(hall, 2)
    await call_next(hall, "1", wang)
    assert await spoken_numbers(page, "A001") == ["A001"]

    await hall.server.stop()
    await expect(page.locator("#offline")).to_be_visible()
    again = await start_hall(grouped(("1",), ("2", "3")), db_path=db, port=hall.server.port)
    await call_next(again, "2", li)  # the back's now
    await call_next(again, "1", wang)
    assert await spoken_numbers(page, "A003") == ["A001", "A003"]
