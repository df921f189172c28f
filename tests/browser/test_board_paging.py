"""A large bilingual hall's lobby board pages its window list and waiting table, in chromium.

The Jiangbei layout (32 windows on three floors, 17 services) with traditional Mongolian as
the second language does not fit one screen: every window and every service must still come
up, on some page, whole, in landscape 1920x1080 and portrait 1080x1920.
"""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import pytest
from helpers import RunningHall
from playwright.async_api import Page, expect

from queue_server.config.loader import load_hall
from queue_server.domain.hall import HallConfig

from .conftest import Issue, OpenPage, Screenshot
from .test_bilingual import CLIPPED_JS, StartHall, mongolian_hall
from .test_board import LANDSCAPE, PORTRAIT, call_next

pytestmark = pytest.mark.browser

JIANGBEI = Path(__file__).parents[2] / "config" / "hall.example.toml"

# What one sample of the page shows: the page of each list, the items on it and anything
# clipped (CLIPPED_JS looks at the shown cards and rows only: hidden ones have no box).
SAMPLE_JS = """() => {
  const shown = (selector, key) =>
    [...document.querySelectorAll(selector)].filter((n) => !n.hidden).map((n) => n.dataset[key]);
  const list = (id) => document.getElementById(id).dataset;
  return {
    windows: shown("#windows .board-window", "window"),
    services: shown("#waiting tr", "service"),
    window_page: [list("windows").page, list("windows").pages],
    waiting_page: [list("waiting").page, list("waiting").pages],
    size: [document.documentElement.scrollWidth, document.documentElement.scrollHeight],
    clipped: (%s)(),
  };
}""" % CLIPPED_JS.strip()  # noqa: UP031 (the JS is full of braces)


def jiangbei_mongolian() -> HallConfig:
    """The Jiangbei hall with Mongolian names: the example's, taken in turn."""
    base = load_hall(JIANGBEI, open_all_hours=True)
    example = mongolian_hall()
    names = [str(s.name_alt) for s in example.services]
    label_alt = str(example.windows[2].label_alt)  # "3 ᠳ᠋ᠤᠭᠠᠷ ᠨᠡᠶᠢᠭᠡᠮ ᠦᠨ ᠳᠠᠭᠠᠲᠭᠠᠯ"
    services = tuple(
        dataclasses.replace(s, name_alt=names[i % len(names)]) for i, s in enumerate(base.services)
    )
    windows = tuple(
        dataclasses.replace(w, label_alt=label_alt.replace("3", w.id, 1))
        if w.label != f"{w.id}号窗口"
        else w
        for w in base.windows
    )
    floors = tuple(
        dataclasses.replace(f, label_alt=example.floors[0].label_alt) for f in base.floors
    )
    return dataclasses.replace(
        base,
        name_alt=example.name_alt,
        second_language="mn-Mong",
        services=services,
        windows=windows,
        floors=floors,
    )


async def busy(hall: RunningHall, issue: Issue) -> None:
    """Some windows calling and serving (a busy card is the tallest), tickets waiting."""
    for service in ["social-insurance"] * 6 + ["tax"] * 3 + ["pickup"] * 2:
        await issue(hall, service)
    for window, user, name in [
        ("1", "bater", "巴特尔"),
        ("2", "sarna", "萨仁娜"),
        ("7", "hu", "胡日查"),
    ]:
        token = await hall.clerk_at(window, user, display=name, staff_no=f"00{window}1")
        await call_next(hall, window, token)
    five = await hall.clerk_at("5", "uyun", display="乌云", staff_no="0051")
    await call_next(hall, "5", five)
    assert (await hall.call("POST", "/api/v1/windows/5/start", five))[0] == 200


async def every_page(page: Page, config: HallConfig) -> dict[str, Any]:
    """Samples the board until every window and service has been seen; asserts each sample."""
    windows = {w.id for w in config.windows}
    services = {s.id for s in config.services}
    seen_windows: set[str] = set()
    seen_services: set[str] = set()
    pages: dict[str, Any] = {}
    for _ in range(200):
        sample = await page.evaluate(SAMPLE_JS)
        assert sample["clipped"] == [], sample["clipped"]
        assert sample["size"] == [page.viewport_size["width"], page.viewport_size["height"]]
        assert sample["windows"] and sample["services"]
        seen_windows |= set(sample["windows"])
        seen_services |= set(sample["services"])
        pages = {"windows": sample["window_page"], "waiting": sample["waiting_page"]}
        if seen_windows == windows and seen_services == services:
            return pages
        await asyncio.sleep(0.1)
    raise AssertionError(f"never shown: {windows - seen_windows} {services - seen_services}")


@pytest.mark.parametrize(
    ("layout", "viewport", "name"),
    [("", LANDSCAPE, "board-paging"), ("&layout=portrait", PORTRAIT, "board-paging-portrait")],
)
async def test_a_32_window_mongolian_board_shows_every_window_on_some_page_unclipped(
    start_hall: StartHall,
    open_page: OpenPage,
    issue: Issue,
    screenshot: Screenshot,
    layout: str,
    viewport: dict[str, int],
    name: str,
) -> None:
    config = jiangbei_mongolian()
    hall = await start_hall(config)
    await busy(hall, issue)
    page = await open_page(f"{hall.url}/board?page_seconds=2{layout}", viewport=viewport)
    await page.emulate_media(reduced_motion="reduce")
    await expect(page.locator("#windows .board-window")).to_have_count(len(config.windows))
    await expect(page.locator("#waiting tr")).to_have_count(len(config.services))
    await page.evaluate("document.fonts.ready.then(() => null)")
    await expect(page.locator("#windows")).to_have_attribute("data-page", "1")
    pages = await every_page(page, config)
    assert int(pages["windows"][1]) > 1, pages  # 32 windows do not fit one page
    await expect(page.locator(".board-windows .board-page")).to_have_text(
        f"1 / {pages['windows'][1]}", timeout=10_000
    )
    # A label that says more than the number, in both languages, Mongolian first.
    card = page.locator('#windows [data-window="5"] .board-window-label')
    await expect(card.locator(".bi-zh")).to_have_text("5号 出件窗口")
    await expect(card.locator(".bi-alt")).to_have_attribute("lang", "mn-Mong")
    await screenshot(page, name)


async def test_a_board_that_fits_shows_one_page_without_a_mark(
    start_hall: StartHall, open_page: OpenPage
) -> None:
    hall = await start_hall(mongolian_hall())
    page = await open_page(f"{hall.url}/board?page_seconds=2", viewport=LANDSCAPE)
    await expect(page.locator("#windows .board-window")).to_have_count(3)
    await page.evaluate("document.fonts.ready.then(() => null)")
    await expect(page.locator("#windows")).to_have_attribute("data-pages", "1")
    await expect(page.locator("#waiting")).to_have_attribute("data-pages", "1")
    await expect(page.locator(".board-page")).to_have_count(2)
    for mark in await page.locator(".board-page").all():
        await expect(mark).to_be_hidden()
    assert await page.locator("#windows .board-window[hidden]").count() == 0
