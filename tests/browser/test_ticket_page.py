"""The public pages in chromium: the citizen's phone page /t/{id} and the start page /."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Awaitable, Callable

import pytest
from helpers import SHANGHAI, FakeClock, RunningHall, two_floors
from playwright.async_api import Page, Route, WebSocketRoute, expect

from queue_server.domain.commands import ClearQueue

from .conftest import PHONE, Issue, OpenPage, Screenshot
from .test_bilingual import (
    ARABIC_FONTS,
    MONGOLIAN_FONT,
    assert_mongolian_first_vertical,
    mongolian_hall,
    rendered_fonts,
    uyghur_hall,
)

pytestmark = pytest.mark.browser

StartHall = Callable[..., Awaitable[RunningHall]]

SMALL_PHONE = {"width": 360, "height": 740}

# Everything on the page inside the screen's width, and no text longer than its box (a
# Mongolian word longer than its column spills out of it).
CLIPPED_JS = """(width) => {
  const out = [];
  for (const n of document.querySelectorAll("body *")) {
    const b = n.getBoundingClientRect();
    if (b.width === 0 && b.height === 0) continue;
    const name = n.id || n.className;
    if (b.left < -1 || b.right > width + 1) out.push(`${name}: ${b.left}..${b.right}`);
  }
  for (const n of document.querySelectorAll(".bi-alt, .bi-zh")) {
    const vertical = getComputedStyle(n).writingMode.startsWith("vertical");
    if (vertical ? n.scrollHeight > n.clientHeight + 1 : n.scrollWidth > n.clientWidth + 1) {
      out.push(`${n.parentElement.id} ${n.className} spills`);
    }
  }
  if (document.documentElement.scrollWidth > width) out.push("the page scrolls sideways");
  return out;
}"""


async def assert_nothing_clipped(page: Page) -> None:
    await page.evaluate("document.fonts.ready.then(() => null)")
    assert await page.evaluate(CLIPPED_JS, SMALL_PHONE["width"]) == []


async def test_phone_page_shows_the_number_and_people_ahead(
    start_hall: StartHall, open_page: OpenPage, issue: Issue, screenshot: Screenshot
) -> None:
    hall = await start_hall()
    for _ in range(3):
        await issue(hall, "social")
    a004 = await issue(hall, "social")

    page = await open_page(f"{hall.url}/t/{a004['id']}", viewport=PHONE, mobile=True)
    await expect(page.locator("#number")).to_have_text("A004")
    await expect(page.locator("#hall-name")).to_have_text("测试便民服务中心")
    await expect(page.locator("#service")).to_have_text("社保医保")
    await expect(page.locator("#status")).to_have_text("等候中")
    await expect(page.locator("#ahead")).to_have_text("3")
    # No window is open yet: the wait is counted over the two that serve 社保医保.
    await expect(page.locator("#eta")).to_have_text(re.compile(r"^约 \d+ 分钟$"))
    await expect(page.locator("#call")).to_be_hidden()
    await expect(page).to_have_title("A004 · 排队进度")

    # Large type, nothing wider than the phone.
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    number_size = await page.locator("#number").evaluate("n => getComputedStyle(n).fontSize")
    assert float(number_size.removesuffix("px")) >= 64
    await screenshot(page, "ticket-page")


async def test_phone_page_follows_the_queue_and_the_call(
    start_hall: StartHall, open_page: OpenPage, issue: Issue, screenshot: Screenshot
) -> None:
    hall = await start_hall()
    await issue(hall, "social")
    a002 = await issue(hall, "social")
    clerk = await hall.person("wang", "clerk")
    assert (await hall.call("POST", "/api/v1/windows/1/open", clerk))[0] == 200

    page = await open_page(f"{hall.url}/t/{a002['id']}", viewport=PHONE, mobile=True)
    await expect(page.locator("#ahead")).to_have_text("1")

    # A001 is called: one fewer ahead of us.
    assert (await hall.call("POST", "/api/v1/windows/1/call-next", clerk))[0] == 200
    await expect(page.locator("#ahead")).to_have_text("0")
    await expect(page.locator("#eta")).to_have_text("即将叫号")

    # Now us.
    status, called = await hall.call("POST", "/api/v1/windows/1/call-next", clerk)
    assert status == 200, called
    assert called["ticket"]["number"] == "A002", called
    await expect(page.locator("#call")).to_be_visible()
    await expect(page.locator("#call")).to_have_text(re.compile(r"^\s*请到1号窗口办理\s*$"))
    await expect(page.locator("#status")).to_have_text("正在叫号")
    await expect(page.locator("#queue-facts")).to_be_hidden()
    await expect(page).to_have_title("请到1号窗口 · A002")
    await screenshot(page, "ticket-called")

    assert (await hall.call("POST", "/api/v1/windows/1/recall", clerk))[0] == 200
    await expect(page.locator("#status")).to_have_text("正在叫号（第 2 次）")
    assert (await hall.call("POST", "/api/v1/windows/1/start", clerk))[0] == 200
    await expect(page.locator("#status")).to_have_text("正在1号窗口办理")
    await expect(page.locator("#call")).to_be_hidden()
    assert (await hall.call("POST", "/api/v1/windows/1/finish", clerk))[0] == 200
    await expect(page.locator("#status")).to_have_text("已办结，感谢您的耐心等候")


async def test_phone_page_follows_a_route_to_the_next_step(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> None:
    hall = await start_hall()
    b001 = await issue(hall, "estate")  # 不动产登记, then 出件
    clerk = await hall.person("wang", "clerk")
    assert (await hall.call("POST", "/api/v1/windows/1/open", clerk))[0] == 200
    page = await open_page(f"{hall.url}/t/{b001['id']}", viewport=PHONE, mobile=True)
    await expect(page.locator("#service")).to_have_text("不动产登记")

    for action in ("call-next", "start", "finish"):
        assert (await hall.call("POST", f"/api/v1/windows/1/{action}", clerk))[0] == 200
    await expect(page.locator("#service")).to_have_text("出件")
    await expect(page.locator("#status")).to_have_text("已转办，等候中")
    await expect(page.locator("#number")).to_have_text("B001")


async def test_phone_page_for_an_unknown_ticket(start_hall: StartHall, open_page: OpenPage) -> None:
    hall = await start_hall()
    page = await open_page(f"{hall.url}/t/no-such-ticket", viewport=PHONE, mobile=True)
    await expect(page.get_by_role("heading", name="没有找到这张号")).to_be_visible()
    await expect(page.locator("#ticket-view")).to_be_hidden()
    await expect(page.locator("#hall-name")).to_have_text("测试便民服务中心")


async def test_start_page_shows_the_hall_and_live_waiting_counts(
    start_hall: StartHall, open_page: OpenPage, issue: Issue, screenshot: Screenshot
) -> None:
    hall = await start_hall()
    await issue(hall, "estate")
    page = await open_page(f"{hall.url}/")
    await expect(page.get_by_role("heading", name="测试便民服务中心")).to_be_visible()
    await expect(page.get_by_role("link", name=re.compile("窗口工作台"))).to_have_attribute(
        "href", "/console"
    )
    social = page.locator('[data-waiting="social"]')
    await expect(social).to_have_text("0")
    await expect(page.locator('[data-waiting="estate"]')).to_have_text("1")
    await expect(page.locator("#live")).to_have_text("● 实时")

    for _ in range(3):
        await issue(hall, "social")
    await expect(social).to_have_text("3")

    clerk = await hall.person("wang", "clerk")
    assert (await hall.call("POST", "/api/v1/windows/1/open", clerk))[0] == 200
    await expect(page.locator("#windows-open")).to_have_text("开放窗口 1 / 3 个")
    status, called = await hall.call("POST", "/api/v1/windows/1/call-next", clerk)
    assert status == 200, called
    assert called["ticket"]["number"] == "B001", called  # first come, first served
    await expect(page.locator('[data-waiting="estate"]')).to_have_text("0")
    await screenshot(page, "start-page", full_page=True)


async def test_start_page_links_the_boards_and_window_screens(
    start_hall: StartHall, open_page: OpenPage
) -> None:
    hall = await start_hall(two_floors())
    page = await open_page(f"{hall.url}/")
    await expect(page.get_by_text("后续版本")).to_have_count(0)
    await expect(page.get_by_role("link", name="大厅管理")).to_have_attribute("href", "/manager")
    await expect(page.get_by_role("link", name="大厅叫号屏")).to_have_attribute("href", "/board")
    floors = page.get_by_role("navigation", name="各楼层叫号屏").get_by_role("link")
    await expect(floors).to_have_text(["一楼", "二楼"])
    await expect(floors.nth(1)).to_have_attribute("href", "/board?floor=2F")
    screens = page.get_by_role("navigation", name="各窗口的窗口屏").get_by_role("link")
    await expect(screens).to_have_text(["1号窗口", "2号窗口", "3号窗口"])
    await expect(screens.nth(2)).to_have_attribute("href", "/window/3")
    await screens.nth(2).click()
    await expect(page.locator("#window-name")).to_have_text("3号窗口")


async def test_phone_page_goes_live_even_when_its_first_read_is_lost(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> None:
    hall = await start_hall()
    a001 = await issue(hall, "social")
    clerk = await hall.person("wang", "clerk")
    assert (await hall.call("POST", "/api/v1/windows/1/open", clerk))[0] == 200
    lost: list[str] = []

    async def lose_the_first_read(page: Page) -> None:
        async def route(route: Route) -> None:
            if not lost:
                lost.append(route.request.url)
                await route.abort("internetdisconnected")
            else:
                await route.continue_()

        await page.route(f"**/api/v1/tickets/{a001['id']}", route)

    page = await open_page(
        f"{hall.url}/t/{a001['id']}", viewport=PHONE, mobile=True, prepare=lose_the_first_read
    )
    # The page asks again by itself, and from then on follows the ticket live.
    await expect(page.locator("#status")).to_have_text("等候中", timeout=10_000)
    assert lost
    assert (await hall.call("POST", "/api/v1/windows/1/call-next", clerk))[0] == 200
    await expect(page.locator("#call")).to_have_text(re.compile(r"^\s*请到1号窗口办理\s*$"))


async def test_phone_page_says_when_the_phone_is_offline_and_catches_up_after(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> None:
    hall = await start_hall()
    a001 = await issue(hall, "social")
    clerk = await hall.person("wang", "clerk")
    assert (await hall.call("POST", "/api/v1/windows/1/open", clerk))[0] == 200
    page = await open_page(f"{hall.url}/t/{a001['id']}", viewport=PHONE, mobile=True)
    await expect(page.locator("#updated")).to_contain_text("实时更新")

    await page.context.set_offline(True)
    # What is shown may be out of date now, and the page says so.
    await expect(page.locator("#updated")).to_contain_text("网络中断")
    await expect(page.locator("#ticket-view")).to_have_class(re.compile(r"\bis-stale\b"))
    assert (await hall.call("POST", "/api/v1/windows/1/call-next", clerk))[0] == 200

    await page.context.set_offline(False)
    await expect(page.locator("#call")).to_have_text(re.compile(r"^\s*请到1号窗口办理\s*$"))
    await expect(page.locator("#updated")).to_contain_text("实时更新")
    await expect(page.locator("#ticket-view")).not_to_have_class(re.compile(r"\bis-stale\b"))


async def test_phone_page_of_a_held_ticket_follows_the_day_end_clearing(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> None:
    hall = await start_hall()
    a001 = await issue(hall, "social")
    clerk = await hall.person("wang", "clerk")
    for action in ("open", "call-next", "hold"):
        assert (await hall.call("POST", f"/api/v1/windows/1/{action}", clerk))[0] == 200
    page = await open_page(f"{hall.url}/t/{a001['id']}", viewport=PHONE, mobile=True)
    await expect(page.locator("#status")).to_have_text("已挂起：补齐材料后请回到1号窗口")

    # The day ends with the material still not fetched: the hall closes the ticket out.
    await hall.server.service.execute(ClearQueue(), lambda hall, outcome, now: None)
    await expect(page.locator("#status")).to_have_text(re.compile("^本号已作废"))


async def test_phone_page_fits_a_small_phone_at_200_percent_zoom(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> None:
    hall = await start_hall()
    a001 = await issue(hall, "social")
    clerk = await hall.person("wang", "clerk")
    assert (await hall.call("POST", "/api/v1/windows/1/open", clerk))[0] == 200
    # A 360 px phone zoomed to 200% lays the page out in 180 CSS pixels.
    zoomed = {"width": 180, "height": 320}
    page = await open_page(f"{hall.url}/t/{a001['id']}", viewport=zoomed, mobile=True)
    await expect(page.locator("#status")).to_have_text("等候中")
    assert (await hall.call("POST", "/api/v1/windows/1/call-next", clerk))[0] == 200
    await expect(page.locator("#call")).to_be_visible()
    clipped = await page.evaluate(
        """() => [...document.querySelectorAll("#ticket-view *")]
            .filter((n) => getComputedStyle(n).display !== "inline")
            .filter((n) => n.scrollWidth > n.clientWidth + 1)
            .map((n) => n.id || n.className)"""
    )
    assert clipped == []
    assert await page.evaluate("document.documentElement.scrollWidth") <= zoomed["width"]


async def test_phone_page_of_a_ticket_from_an_earlier_day_shows_its_date(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> None:
    yesterday = dt.datetime.now(SHANGHAI) - dt.timedelta(days=1)
    clock = FakeClock(yesterday)
    hall = await start_hall(clock=clock)
    a001 = await issue(hall, "social")
    clock.advance(days=1)  # the citizen opens yesterday's ticket today

    page = await open_page(f"{hall.url}/t/{a001['id']}", viewport=PHONE, mobile=True)
    await expect(page.locator("#issued")).to_have_text(
        re.compile(rf"^取号时间 {yesterday.month}月{yesterday.day}日 \d\d:\d\d$")
    )


async def test_phone_page_of_a_chinese_hall_is_in_chinese_only(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> None:
    hall = await start_hall()
    a001 = await issue(hall, "social")
    page = await open_page(f"{hall.url}/t/{a001['id']}", viewport=PHONE, mobile=True)
    await expect(page.locator("#status")).to_have_text("等候中")
    await expect(page.locator("#sub")).to_have_text("排队进度")
    await expect(page.locator(".bi")).to_have_count(0)
    unknown = await open_page(f"{hall.url}/t/no-such-ticket", viewport=PHONE, mobile=True)
    await expect(unknown.locator("#unknown-view")).to_be_visible()
    for shown in (page, unknown):
        # No English the citizen did not ask for (A001 is the ticket's number).
        words = re.findall(r"[A-Za-z]{3,}", await shown.locator("body").inner_text())
        assert words == [], words


async def test_phone_page_in_mongolian_vertical_first_nothing_clipped(
    start_hall: StartHall, open_page: OpenPage, issue: Issue, screenshot: Screenshot
) -> None:
    config = mongolian_hall()
    hall = await start_hall(config)
    token = await hall.clerk_at("1", "bater", display="巴特尔", staff_no="0071")
    await issue(hall, "social-insurance")
    a002 = await issue(hall, "social-insurance")
    page = await open_page(f"{hall.url}/t/{a002['id']}", viewport=SMALL_PHONE, mobile=True)
    await expect(page.locator("#status .bi-zh")).to_have_text("等候中")
    await expect(page.locator("#status .bi-alt")).to_have_text("ᠬᠦᠯᠢᠶᠡᠵᠦ ᠪᠠᠢᠨ\u180eᠠ")
    await expect(page.locator("#hall-name .bi-alt")).to_have_text(str(config.name_alt))
    await expect(page.locator("#service .bi-alt")).to_have_text(str(config.services[0].name_alt))
    await expect(page.locator("#sub .bi-zh")).to_have_text("排队进度")
    for selector in ("#hall-name", "#sub", "#service", "#status", "#ahead-label", "#eta"):
        await assert_mongolian_first_vertical(page.locator(selector))
    assert MONGOLIAN_FONT in await rendered_fonts(page, "#status .bi-alt")
    await assert_nothing_clipped(page)
    await screenshot(page, "ticket-mongolian", full_page=True)

    for _ in range(2):
        await call_next(hall, token)
    await expect(page.locator("#call .bi-zh")).to_have_text("请到1号窗口办理")
    await expect(page.locator("#call .bi-alt")).to_have_text("1 ᠳ᠋ᠤᠭᠠᠷ ᠴᠣᠩᠬᠣ\u202fᠳ᠋ᠤ ᠢᠷᠡᠭᠡᠷᠡᠢ")
    await assert_mongolian_first_vertical(page.locator("#call"))
    await assert_nothing_clipped(page)

    unknown = await open_page(f"{hall.url}/t/no-such-ticket", viewport=SMALL_PHONE, mobile=True)
    await expect(unknown.locator("#unknown-title .bi-zh")).to_have_text("没有找到这张号")
    await assert_mongolian_first_vertical(unknown.locator("#unknown-title"))


async def test_phone_page_in_uyghur_right_to_left_nothing_clipped(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> None:
    hall = await start_hall(uyghur_hall())
    a001 = await issue(hall, "social")
    page = await open_page(f"{hall.url}/t/{a001['id']}", viewport=SMALL_PHONE, mobile=True)
    status = page.locator("#status")
    await expect(status.locator(".bi-zh")).to_have_text("等候中")
    await expect(status.locator(".bi-alt")).to_have_text("ساقلاۋاتىدۇ")
    await expect(status.locator(".bi-alt")).to_have_attribute("dir", "rtl")
    await expect(status.locator(".bi-alt")).to_have_attribute("lang", "ug-Arab")
    # After the Chinese, as on the boards.
    assert await status.evaluate(
        "s => s.querySelector('.bi-zh').compareDocumentPosition(s.querySelector('.bi-alt'))"
        " & Node.DOCUMENT_POSITION_FOLLOWING"
    )
    await expect(page.locator("#sub .bi-alt")).to_have_text("نۆۋەت ئەھۋالى")
    assert await rendered_fonts(page, "#status .bi-alt") & ARABIC_FONTS
    await assert_nothing_clipped(page)


async def call_next(hall: RunningHall, token: str) -> None:
    status, answer = await hall.call("POST", "/api/v1/windows/1/call-next", token)
    assert status == 200, answer


class BlackHole:
    """Stands between a page and the server, to make the network die silently: from
    `swallow()` on nothing the server sends reaches the page, neither on the stream nor as
    the answer to a read, and new connections are never answered, yet nothing is closed (a
    phone gone from Wi-Fi to 4G, a NAT that forgot the idle socket). An answer the server
    gave before but that had not reached the page is lost too. `prepare` gives the test the
    page's clock too."""

    def __init__(self) -> None:
        self.swallowing = False
        self.read_held = asyncio.Event()

    def _forward(self, page_side: WebSocketRoute, message: str | bytes) -> None:
        if not self.swallowing:
            page_side.send(message)

    async def _route_stream(self, ws: WebSocketRoute) -> None:
        if self.swallowing:
            return  # connected to nothing: no answer, ever
        server = ws.connect_to_server()
        server.on_message(lambda message: self._forward(ws, message))

    async def _route_read(self, route: Route) -> None:
        if self.swallowing:
            self.read_held.set()
            return  # never answered: the page gives up by itself
        answer = await route.fetch()
        if self.swallowing:
            return  # lost on the way
        await route.fulfill(response=answer)

    async def prepare(self, page: Page) -> None:
        await page.clock.install()
        await page.route_web_socket("**/ws?*", self._route_stream)
        await page.route("**/api/v1/**", self._route_read)

    def swallow(self) -> None:
        self.swallowing = True

    def restore(self) -> None:
        self.swallowing = False


async def live_behind_a_hole(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> tuple[RunningHall, str, BlackHole, Page]:
    """A waiting ticket's phone page, live, behind a BlackHole; window 1 open with its clerk."""
    hall = await start_hall()
    a001 = await issue(hall, "social")
    clerk = await hall.person("wang", "clerk")
    assert (await hall.call("POST", "/api/v1/windows/1/open", clerk))[0] == 200
    hole = BlackHole()
    url = f"{hall.url}/t/{a001['id']}"
    page = await open_page(url, viewport=PHONE, mobile=True, prepare=hole.prepare)
    await expect(page.locator("#updated")).to_contain_text("实时更新")
    return hall, clerk, hole, page


async def test_phone_page_notices_a_stream_that_died_silently_and_recovers(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> None:
    hall, clerk, hole, page = await live_behind_a_hole(start_hall, open_page, issue)

    hole.swallow()
    await call_next(hall, clerk)  # the page does not hear of it
    await page.clock.run_for(60_000)  # a quiet minute
    await expect(page.locator("#updated")).to_contain_text("网络中断")
    await expect(page.locator("#ticket-view")).to_have_class(re.compile(r"\bis-stale\b"))
    await expect(page.locator("#call")).to_be_hidden()

    hole.restore()
    await page.clock.run_for(10_000)  # the page tries again by itself
    await expect(page.locator("#call")).to_have_text(re.compile(r"^\s*请到1号窗口办理\s*$"))
    await expect(page.locator("#updated")).to_contain_text("实时更新")
    await expect(page.locator("#ticket-view")).not_to_have_class(re.compile(r"\bis-stale\b"))


async def test_phone_page_gives_up_a_read_that_is_never_answered_and_asks_again(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> None:
    hall, clerk, hole, page = await live_behind_a_hole(start_hall, open_page, issue)

    # The phone says it has a network again (Wi-Fi rejoined) while nothing gets through yet:
    # the page reads the ticket at once, and that read is never answered.
    hole.swallow()
    await page.evaluate("window.dispatchEvent(new Event('online'))")
    await page.clock.run_for(500)
    await hole.read_held.wait()
    await call_next(hall, clerk)
    await page.clock.run_for(9_000)  # longer than any read is waited for
    await expect(page.locator("#problem")).to_contain_text("无法连接服务器")
    await expect(page.locator("#call")).to_be_hidden()

    hole.restore()
    # A read sent just before this is given up too: then the next one gets through.
    await page.clock.run_for(12_000)
    await expect(page.locator("#call")).to_have_text(re.compile(r"^\s*请到1号窗口办理\s*$"))
    await expect(page.locator("#problem")).to_be_hidden()
