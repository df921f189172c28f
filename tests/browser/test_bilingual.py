"""The second language on the lobby board and the window screens, in chromium.

Inner Mongolia: traditional Mongolian (mn-Mong) written vertically, first (on the left of
the Chinese), at the same size, in a real font (Noto Sans Mongolian, Debian's
fonts-noto-core). Xinjiang: Uyghur (ug-Arab) right to left.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import RunningHall, small_hall
from playwright.async_api import Locator, Page, expect

from queue_server.config.loader import load_hall
from queue_server.domain.hall import Floor, HallConfig

from .conftest import Issue, OpenPage, Screenshot
from .test_board import LANDSCAPE, PORTRAIT, call_next

pytestmark = pytest.mark.browser

StartHall = Callable[..., Awaitable[RunningHall]]

MONGOLIAN_EXAMPLE = Path(__file__).parents[2] / "config" / "hall.mongolian.example.toml"
MONGOLIAN_FONT = "Noto Sans Mongolian"
ARABIC_FONTS = {"Noto Naskh Arabic", "Noto Sans Arabic"}

# The fixed words the pages take from words.js.
MN_NOW = "ᠳᠠᠭᠤᠳᠠᠵᠤ ᠪᠠᠢᠨ\u180eᠠ"  # 正在叫号
MN_IDLE = "ᠰᠤᠯᠠ"  # 空闲
UG_NOW = "نۆۋەتتىكى چاقىرىق"  # 正在叫号


def mongolian_hall() -> HallConfig:
    return load_hall(MONGOLIAN_EXAMPLE, open_all_hours=True)


def uyghur_hall() -> HallConfig:
    """The small hall in a Xinjiang county: Uyghur names beside the Chinese ones."""
    base = small_hall(open_all_hours=True)
    names = {
        "social": "ئىجتىمائىي سۇغۇرتا",
        "estate": "كۆچمەس مۈلۈك تىزىملاش",
        "company": "كارخانا ئېچىش",
        "pickup": "ھۆججەت ئېلىش",
    }
    services = tuple(dataclasses.replace(s, name_alt=names[s.id]) for s in base.services)
    floors = tuple(dataclasses.replace(f, label_alt="بىرىنچى قەۋەت") for f in base.floors)
    return dataclasses.replace(
        base,
        name_alt="ھۆكۈمەت ئىشلىرى مۇلازىمەت مەركىزى",
        second_language="ug-Arab",
        services=services,
        floors=floors or (Floor(id="1F", label="一楼", label_alt="بىرىنچى قەۋەت"),),
    )


async def style(node: Locator, prop: str) -> str:
    return str(await node.evaluate("(n, p) => getComputedStyle(n).getPropertyValue(p)", prop))


async def rendered_fonts(page: Page, selector: str) -> set[str]:
    """The fonts chromium really drew the text of the first `selector` with (not tofu)."""
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("DOM.enable")
    await cdp.send("CSS.enable")
    root = await cdp.send("DOM.getDocument", {"depth": -1})
    found = await cdp.send(
        "DOM.querySelector", {"nodeId": root["root"]["nodeId"], "selector": selector}
    )
    answer: dict[str, Any] = await cdp.send(
        "CSS.getPlatformFontsForNode", {"nodeId": found["nodeId"]}
    )
    await cdp.detach()
    return {f["familyName"] for f in answer["fonts"] if f["glyphCount"] > 0}


async def assert_mongolian_first_vertical(pair: Locator) -> None:
    """A .bi pair: Mongolian vertical, before and left of the Chinese, at the same size."""
    alt, zh = pair.locator(".bi-alt"), pair.locator(".bi-zh")
    await expect(alt).to_have_attribute("lang", "mn-Mong")
    assert await style(alt, "writing-mode") == "vertical-lr"
    assert await pair.evaluate(
        "p => p.querySelector('.bi-alt').compareDocumentPosition(p.querySelector('.bi-zh'))"
        " & Node.DOCUMENT_POSITION_FOLLOWING"
    )
    alt_box, zh_box = await alt.bounding_box(), await zh.bounding_box()
    assert alt_box and zh_box
    assert alt_box["x"] + alt_box["width"] <= zh_box["x"] + 1, (alt_box, zh_box)
    assert await style(alt, "font-size") == await style(zh, "font-size")


# Every window card and every waiting row (with all it holds) inside its panel's padding box,
# every panel title, the newest call, the newest recent call and the hall name inside theirs
# (the panels clip what overflows), and no text longer than its box (a Mongolian word longer
# than its column would spill out of it).
CLIPPED_JS = """() => {
  const box = (n) => n.getBoundingClientRect();
  const out = [];
  const check = (panel, items) => {
    const p = box(panel), s = getComputedStyle(panel);
    const left = p.left + parseFloat(s.borderLeftWidth);
    const right = p.right - parseFloat(s.borderRightWidth);
    const top = p.top + parseFloat(s.borderTopWidth);
    const bottom = p.bottom - parseFloat(s.borderBottomWidth);
    for (const item of items) {
      for (const n of item.querySelectorAll(".bi-alt, .bi-zh")) {
        // A text longer than its box (a Mongolian word longer than the column) spills out.
        const vertical = getComputedStyle(n).writingMode.startsWith("vertical");
        if (vertical ? n.scrollHeight > n.clientHeight + 1 : n.scrollWidth > n.clientWidth + 1) {
          out.push(`${item.dataset.window ?? item.dataset.service ?? item.id} ${n.className}`
            + ` spills: ${n.scrollWidth}x${n.scrollHeight} in ${n.clientWidth}x${n.clientHeight}`);
        }
      }
      for (const n of [item, ...item.querySelectorAll("*")]) {
        const b = box(n);
        if (b.width === 0 && b.height === 0) continue;
        if (b.left < left - 1 || b.right > right + 1 || b.top < top - 1 || b.bottom > bottom + 1) {
          out.push(`${item.dataset.window ?? item.dataset.service ?? item.id ?? item.tagName}`
            + ` ${n.className || n.tagName}: ${[b.left, b.top, b.right, b.bottom].map(Math.round)}`
            + ` outside ${panel.className} ${[left, top, right, bottom].map(Math.round)}`);
          break;
        }
      }
    }
  };
  const windows = document.querySelector(".board-windows");
  const cards = [...windows.querySelectorAll(".board-window")];
  check(windows, [...cards, windows.querySelector(".board-label")]);
  const waiting = document.querySelector(".board-waiting");
  check(waiting, [...waiting.querySelectorAll("tr"), waiting.querySelector(".board-label")]);
  const now = document.querySelector(".board-now");
  const recent = document.querySelector(".board-recent");
  check(now, [now.querySelector(".board-label"), document.getElementById("now")]);
  check(recent, [recent.querySelector(".board-label"), recent.querySelector(".board-recent-item")]);
  check(document.querySelector(".board-head"), [document.getElementById("hall-name")]);
  return out;
}"""


async def assert_nothing_clipped(page: Page, windows: int, services: int) -> None:
    """Every window card and waiting row fully inside its panel, nothing off the screen."""
    await expect(page.locator("#windows .board-window")).to_have_count(windows)
    await expect(page.locator("#waiting tr")).to_have_count(services)
    await page.evaluate("document.fonts.ready.then(() => null)")
    clipped = await page.evaluate(CLIPPED_JS)
    assert clipped == [], clipped
    size = await page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    assert size == [page.viewport_size["width"], page.viewport_size["height"]], size


async def open_calling_board(
    start_hall: StartHall,
    open_page: OpenPage,
    issue: Issue,
    config: HallConfig,
    service: str,
    url: str = "/board",
    viewport: dict[str, int] = LANDSCAPE,
) -> tuple[RunningHall, Page, dict[str, Any]]:
    hall = await start_hall(config)
    page = await open_page(f"{hall.url}{url}", viewport=viewport)
    token = await hall.clerk_at("1", "bater", display="巴特尔", staff_no="0071")
    await issue(hall, service)
    await issue(hall, service)
    called = await call_next(hall, "1", token)
    return hall, page, called


async def test_mongolian_board_vertical_first_equal_size_real_font(
    start_hall: StartHall, open_page: OpenPage, issue: Issue, screenshot: Screenshot
) -> None:
    config = mongolian_hall()
    hall, page, called = await open_calling_board(
        start_hall, open_page, issue, config, "social-insurance"
    )
    await expect(page.locator("#now-number")).to_have_text(called["number"])
    await expect(page.locator("#now-window .bi-alt")).to_have_text("1 ᠳ᠋ᠤᠭᠠᠷ ᠴᠣᠩᠬᠣ")
    await expect(page.locator("#now-window .bi-zh")).to_have_text("1号窗口")

    # The hall name and every fixed label, Mongolian first and vertical.
    await expect(page.locator("#hall-name .bi-alt")).to_have_text(str(config.name_alt))
    await expect(page.locator("#hall-name .bi-zh")).to_have_text(config.name)
    await expect(page.locator("#now-title .bi-alt")).to_have_text(MN_NOW)
    for selector in ("#hall-name", "#now-title", "#recent-title", "#windows-title", "#now-window"):
        await assert_mongolian_first_vertical(page.locator(selector))

    # Service names from the config, the window states from words.js.
    for service in config.services:
        row = page.locator(f'#waiting [data-service="{service.id}"] .board-service')
        await expect(row.locator(".bi-alt")).to_have_text(str(service.name_alt))
        await expect(row.locator(".bi-zh")).to_have_text(service.name)
        await assert_mongolian_first_vertical(row)
    # The window's own label_alt beside its label; the date in Mongolian too.
    label = page.locator('#windows [data-window="3"] .board-window-label')
    await expect(label.locator(".bi-alt")).to_have_text(str(config.windows[2].label_alt))
    await expect(label.locator(".bi-zh")).to_have_text("3号 社保医保")
    await assert_mongolian_first_vertical(label)
    await expect(page.locator("#date .bi-alt")).to_contain_text("ᠭᠠᠷᠠᠭ\u202fᠤᠨ")
    await expect(page.locator("#date .bi-zh")).to_contain_text("星期")
    await assert_mongolian_first_vertical(page.locator("#date"))
    state = page.locator('#windows [data-window="2"] .board-window-state')
    await expect(state.locator(".bi-zh")).to_have_text("未开放")
    await assert_mongolian_first_vertical(state)
    await expect(page.locator("#recent .board-recent-item")).to_have_count(1)
    await assert_mongolian_first_vertical(page.locator("#recent .board-recent-window").first)

    # Real glyphs, not tofu: chromium drew the Mongolian with the Mongolian font.
    assert await page.evaluate(f"document.fonts.check('48px \"{MONGOLIAN_FONT}\"', '\\u1820')")
    assert MONGOLIAN_FONT in await rendered_fonts(page, "#now-title .bi-alt")
    assert MONGOLIAN_FONT in await rendered_fonts(page, "#waiting .board-service .bi-alt")
    await screenshot(page, "board-mongolian")
    await assert_nothing_clipped(page, len(config.windows), len(config.services))

    portrait = await open_page(f"{hall.url}/board?layout=portrait", viewport=PORTRAIT)
    await expect(portrait.locator("#now-window .bi-alt")).to_have_text("1 ᠳ᠋ᠤᠭᠠᠷ ᠴᠣᠩᠬᠣ")
    await assert_mongolian_first_vertical(portrait.locator("#now-window"))
    await assert_mongolian_first_vertical(portrait.locator("#waiting-title"))
    await screenshot(portrait, "board-mongolian-portrait")
    await assert_nothing_clipped(portrait, len(config.windows), len(config.services))


async def test_mongolian_floor_label_from_the_config(
    start_hall: StartHall, open_page: OpenPage
) -> None:
    config = mongolian_hall()
    hall = await start_hall(config)
    page = await open_page(f"{hall.url}/board?floor=1F", viewport=LANDSCAPE)
    floor = page.locator("#floor-name")
    await expect(floor.locator(".bi-alt")).to_have_text(str(config.floors[0].label_alt))
    await assert_mongolian_first_vertical(floor)


async def test_mongolian_window_screen(
    start_hall: StartHall, open_page: OpenPage, issue: Issue, screenshot: Screenshot
) -> None:
    hall, page, called = await open_calling_board(
        start_hall, open_page, issue, mongolian_hall(), "household", url="/window/1"
    )
    number = called["number"]
    message = page.locator("#message")
    await expect(message.locator(".bi-zh")).to_have_text(f"请{number}号")
    await expect(message.locator(".bi-alt")).to_have_text(f"{number} ᠳ᠋ᠤᠭᠠᠷ ᠢᠷᠡᠭᠡᠷᠡᠢ")
    await expect(page.locator("#window-name .bi-alt")).to_have_text("1 ᠳ᠋ᠤᠭᠠᠷ ᠴᠣᠩᠬᠣ")
    await assert_mongolian_first_vertical(message)
    await assert_mongolian_first_vertical(page.locator("#window-name"))
    await expect(page.locator("#clerk")).to_contain_text("巴特尔")
    assert MONGOLIAN_FONT in await rendered_fonts(page, "#message .bi-alt")
    await screenshot(page, "board-mongolian-window")

    labelled = await open_page(f"{hall.url}/window/3")
    label = labelled.locator("#window-label")
    await expect(label.locator(".bi-zh")).to_have_text("3号 社保医保")
    await expect(label.locator(".bi-alt")).to_have_text(str(mongolian_hall().windows[2].label_alt))
    await assert_mongolian_first_vertical(label)
    await assert_mongolian_first_vertical(labelled.locator("#window-name"))

    idle = await open_page(f"{hall.url}/window/2")
    await expect(idle.locator("#message .bi-zh")).to_have_text("未开放")
    await expect(idle.locator("#message .bi-alt")).to_have_text("ᠨᠡᠭᠡᠭᠡᠭᠦᠢ")

    # The LED text mode stays Chinese: its cells are Chinese character cells.
    led = await open_page(f"{hall.url}/window/1?mode=led&cols=8")
    await expect(led.locator(".led-line").nth(1)).to_have_attribute(
        "data-text", f"    请{number}号    "
    )


async def test_uyghur_board_and_window_screen_right_to_left(
    start_hall: StartHall, open_page: OpenPage, issue: Issue, screenshot: Screenshot
) -> None:
    config = uyghur_hall()
    hall, page, called = await open_calling_board(start_hall, open_page, issue, config, "social")
    await expect(page.locator("#now-number")).to_have_text(called["number"])
    await expect(page.locator("#now-title .bi-alt")).to_have_text(UG_NOW)
    await expect(page.locator("#now-window .bi-alt")).to_have_text("1-كۆزنەك")
    row = page.locator('#waiting [data-service="social"] .board-service')
    await expect(row.locator(".bi-alt")).to_have_text("ئىجتىمائىي سۇغۇرتا")
    await expect(page.locator("#date .bi-alt")).to_contain_text("-يىلى")
    alts = page.locator(".bi-alt")
    assert await alts.count() > 10
    for i in range(await alts.count()):
        alt = alts.nth(i)
        await expect(alt).to_have_attribute("dir", "rtl")
        await expect(alt).to_have_attribute("lang", "ug-Arab")
        assert await style(alt, "direction") == "rtl"
        assert await style(alt, "writing-mode") == "horizontal-tb"
    # Equal size, Chinese first (the Mongolian-first rule is Inner Mongolia's).
    title = page.locator("#now-title")
    assert await style(title.locator(".bi-alt"), "font-size") == await style(
        title.locator(".bi-zh"), "font-size"
    )
    assert await title.evaluate("t => t.firstElementChild.classList.contains('bi-zh')")
    assert await rendered_fonts(page, "#now-title .bi-alt") & ARABIC_FONTS
    await screenshot(page, "board-uyghur")

    screen = await open_page(f"{hall.url}/window/1", viewport=LANDSCAPE)
    message = screen.locator("#message")
    await expect(message.locator(".bi-zh")).to_have_text(f"请{called['number']}号")
    await expect(message.locator(".bi-alt")).to_have_text(f"{called['number']}-نومۇر كېلىڭ")
    await expect(message.locator(".bi-alt")).to_have_attribute("dir", "rtl")
    await screenshot(screen, "board-uyghur-window")


async def test_a_hall_without_a_second_language_shows_chinese_only(
    start_hall: StartHall, open_page: OpenPage
) -> None:
    hall = await start_hall()
    page = await open_page(f"{hall.url}/board", viewport=LANDSCAPE)
    await expect(page.locator("#waiting [data-service='social'] .board-service")).to_have_text(
        "社保医保"
    )
    assert await page.locator(".bi, .bi-alt").count() == 0
    screen = await open_page(f"{hall.url}/window/1")
    await expect(screen.locator("#message")).to_have_text("未开放")
    assert await screen.locator(".bi, .bi-alt").count() == 0
