"""The lobby board /board in chromium against a real hall: calls, bursts, floors, offline."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import SHANGHAI, FakeClock, RunningHall, small_hall, two_floors
from playwright.async_api import Page, expect

from queue_server.config.loader import load_hall
from queue_server.domain.commands import ClearQueue
from queue_server.domain.hall import Service

from .conftest import Issue, OpenPage, Screenshot, StreamSwitch

pytestmark = pytest.mark.browser

StartHall = Callable[..., Awaitable[RunningHall]]

LANDSCAPE = {"width": 1920, "height": 1080}
PORTRAIT = {"width": 1080, "height": 1920}
JIANGBEI = Path(__file__).parents[2] / "config" / "hall.example.toml"

# What a board must never do on any screen: cut a text (a box narrower than its text),
# wrap a name ("2号窗 / 口"), let two texts, two panels or a page mark and a card overlap, or
# let a card, a row, a recent call or the newest call reach out of its panel. Only what is
# shown (hidden pages have no box) is looked at; the list of problems comes back, empty when
# the board is whole.
WHOLE_JS = """() => {
  const out = [];
  const box = (n) => n.getBoundingClientRect();
  const shown = (n) => n && box(n).width > 0 && box(n).height > 0;
  const all = (selector) => [...document.querySelectorAll(selector)].filter(shown);
  const name = (n) => {
    const item = n.closest("[data-window], [data-service], [data-ticket]");
    const where = item ? Object.values(item.dataset)[0] + " " : "";
    return where + (n.id ? "#" + n.id : n.className || n.tagName);
  };
  const texts = [
    ...all("#now, #now-number, #now-window, #hall-name, #floor-name, .board-clock"),
    ...all(".board-label, .board-window-name, .board-window-state, .board-window-ticket"),
    ...all(".board-recent-number, .board-recent-window, #waiting th, #waiting td"),
  ];
  for (const n of texts) {
    if (n.scrollWidth > n.clientWidth + 1) {
      out.push(`${name(n)} cut: ${n.scrollWidth} wide in ${n.clientWidth}`);
    }
    // A table cell or a recent call's half is as tall as its row: the row's largest text.
    const line = n.closest("tr, .board-recent-item") ?? n;
    const size = (m) => parseFloat(getComputedStyle(m).fontSize);
    const sizes = [line, ...line.querySelectorAll("*")].map(size);
    if (box(n).height >= 1.9 * Math.max(...sizes)) {
      out.push(`${name(n)} wraps: ${Math.round(box(n).height)} px high`);
    }
  }
  const apart = (a, b) => {
    if (!shown(a) || !shown(b)) return;
    const p = box(a), q = box(b);
    const across = p.left < q.right - 1 && q.left < p.right - 1;
    if (across && p.top < q.bottom - 1 && q.top < p.bottom - 1) {
      out.push(`${name(a)} overlaps ${name(b)}`);
    }
  };
  const head = ["#hall-name", "#floor-name", ".board-clock"].map((s) => document.querySelector(s));
  apart(head[0], head[1]);
  apart(head[1], head[2]);
  apart(head[0], head[2]);
  apart(document.getElementById("now-number"), document.getElementById("now-window"));
  for (const card of all(".board-window")) {
    apart(card.querySelector(".board-window-name"), card.querySelector(".board-window-state"));
  }
  for (const item of all(".board-recent-item")) {
    apart(item.querySelector(".board-recent-number"), item.querySelector(".board-recent-window"));
  }
  for (const panel of document.querySelectorAll(".board-main > section")) {
    const p = box(panel), s = getComputedStyle(panel);
    const inner = [p.left + parseFloat(s.borderLeftWidth), p.top + parseFloat(s.borderTopWidth),
      p.right - parseFloat(s.borderRightWidth), p.bottom - parseFloat(s.borderBottomWidth)];
    const items = [...panel.querySelectorAll(
      ".board-label, #now, .board-window, tbody tr, .board-recent-item")];
    for (const item of items.filter(shown)) {
      const b = box(item);
      const [left, top, right, bottom] = inner;
      if (b.left < left - 1 || b.top < top - 1 || b.right > right + 1 || b.bottom > bottom + 1) {
        out.push(`${name(item)} clipped by ${panel.className}`);
      }
      const mark = panel.querySelector(".board-page");
      if (mark && !mark.hidden) apart(mark, item);
    }
  }
  const panels = [...document.querySelectorAll(".board-main > section")];
  panels.forEach((a, i) => panels.slice(i + 1).forEach((b) => apart(a, b)));
  return out;
}"""


async def call_next(hall: RunningHall, window: str, token: str) -> dict[str, Any]:
    status, answer = await hall.call("POST", f"/api/v1/windows/{window}/call-next", token)
    assert status == 200, answer
    return dict(answer["ticket"])


def recent(page: Page) -> Any:
    return page.locator("#recent .board-recent-item")


async def test_a_call_through_the_api_appears_large_and_in_the_lists(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> None:
    hall = await start_hall()
    page = await open_page(f"{hall.url}/board", viewport=LANDSCAPE)
    await expect(page.locator("#hall-name")).to_have_text("测试便民服务中心")
    await expect(page.locator('#windows [data-window="1"] .board-window-state')).to_have_text(
        "未开放"
    )
    await expect(page.locator("#now-number")).to_have_text("—")

    await issue(hall, "social")
    await issue(hall, "social")
    await expect(page.locator('#waiting [data-service="social"] .board-count')).to_have_text("2")
    await expect(page.locator('#waiting [data-service="social"] .board-longest')).to_have_text(
        "0 分钟"
    )
    token = await hall.clerk_at("2", "wang", "王芳", "10023")
    await expect(page.locator('#windows [data-window="2"] .board-window-state')).to_have_text(
        "空闲"
    )
    await expect(page.locator('#windows [data-window="2"] .board-window-clerk')).to_have_text(
        "王芳 · 工号 10023"
    )

    await call_next(hall, "2", token)
    await expect(page.locator("#now-number")).to_have_text("A001")
    await expect(page.locator("#now-window")).to_have_text("2号窗口")
    await expect(recent(page)).to_have_text(["A0012号窗口"])
    window = page.locator('#windows [data-window="2"]')
    await expect(window.locator(".board-window-state")).to_have_text("叫号中")
    await expect(window.locator(".board-window-ticket")).to_have_text("A001")
    await expect(page.locator('#waiting [data-service="social"] .board-count')).to_have_text("1")

    assert (await hall.call("POST", "/api/v1/windows/2/start", token))[0] == 200
    await expect(window.locator(".board-window-state")).to_have_text("办理中")
    # Large type for 10 m: the newest number is huge.
    size = await page.locator("#now-number").evaluate("n => getComputedStyle(n).fontSize")
    assert float(size.removesuffix("px")) >= 150


async def test_a_burst_of_20_calls_shows_all_20_in_order(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> None:
    hall = await start_hall()
    for _ in range(20):
        await issue(hall, "social")
    tokens = {w: await hall.clerk_at(w, f"clerk{w}") for w in ("1", "2", "3")}
    page = await open_page(f"{hall.url}/board", viewport=LANDSCAPE)
    await expect(page.locator('#waiting [data-service="social"] .board-count')).to_have_text("20")

    # 20 call-next requests at once across the three windows: the server orders them.
    windows = [("1", "2", "3")[i % 3] for i in range(20)]
    started = asyncio.get_running_loop().time()
    called = await asyncio.gather(*(call_next(hall, w, tokens[w]) for w in windows))
    assert asyncio.get_running_loop().time() - started < 1.0
    by_number = {t["number"]: t["window"] for t in called}
    assert sorted(by_number) == [f"A{n:03d}" for n in range(1, 21)]

    newest_first = [f"A{n:03d}" for n in range(20, 0, -1)]
    await expect(recent(page)).to_have_text([f"{n}{by_number[n]}号窗口" for n in newest_first])
    await expect(page.locator("#now-number")).to_have_text("A020")
    await expect(page.locator('#waiting [data-service="social"] .board-count')).to_have_text("0")
    await expect(page.locator('#waiting [data-service="social"] .board-longest')).to_have_text("—")


async def test_the_floor_filter_shows_only_that_floor(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> None:
    hall = await start_hall(two_floors())
    await issue(hall, "social")
    await issue(hall, "company")
    one = await hall.clerk_at("1", "wang")
    three = await hall.clerk_at("3", "li")

    upstairs = await open_page(f"{hall.url}/board?floor=2F", viewport=LANDSCAPE)
    await expect(upstairs.locator("#floor-name")).to_have_text("二楼")
    await expect(upstairs.locator("#windows [data-window]")).to_have_count(1)
    await expect(upstairs.locator('#windows [data-window="3"]')).to_be_visible()
    await expect(upstairs.locator("#waiting [data-service]")).to_have_count(1)
    await expect(upstairs.locator('#waiting [data-service="company"]')).to_be_visible()

    await call_next(hall, "1", one)  # a first-floor call: not on this board
    await call_next(hall, "3", three)
    await expect(upstairs.locator("#now-number")).to_have_text("C001")
    await expect(recent(upstairs)).to_have_text(["C0013号窗口"])

    everywhere = await open_page(f"{hall.url}/board", viewport=LANDSCAPE)
    await expect(everywhere.locator("#windows [data-window]")).to_have_count(3)
    await expect(everywhere.locator("#floor-name")).to_be_hidden()
    await expect(recent(everywhere)).to_have_text(["C0013号窗口", "A0011号窗口"])


async def test_offline_mark_then_recovers_every_call_made_meanwhile(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> None:
    hall = await start_hall()
    for _ in range(4):
        await issue(hall, "social")
    token = await hall.clerk_at("1", "wang")
    stream = StreamSwitch()

    page = await open_page(f"{hall.url}/board", viewport=LANDSCAPE, prepare=stream.prepare)
    await call_next(hall, "1", token)
    await expect(page.locator("#now-number")).to_have_text("A001")
    await expect(page.locator("#offline")).to_be_hidden()

    await stream.cut()
    await expect(page.locator("#offline")).to_be_visible()
    for _ in range(3):
        await call_next(hall, "1", token)
    await expect(page.locator("#now-number")).to_have_text("A001")  # nothing new while away

    back = len(stream.routes)  # the first connection let through
    stream.restore()
    await expect(page.locator("#offline")).to_be_hidden(timeout=15_000)
    await expect(recent(page)).to_have_text(
        ["A0041号窗口", "A0031号窗口", "A0021号窗口", "A0011号窗口"]
    )
    await expect(page.locator("#now-number")).to_have_text("A004")
    assert "after_seq=" not in stream.routes[0].url
    # Back, it resumes where it left off (then, the hall read again, takes a fresh snapshot).
    assert "after_seq=" in stream.routes[back].url


async def test_a_restarted_server_brings_the_board_back_with_the_calls_made_meanwhile(
    start_hall: StartHall, open_page: OpenPage, issue: Issue, tmp_path: Path
) -> None:
    db = tmp_path / "restart.db"
    hall = await start_hall(db_path=db)
    for _ in range(4):
        await issue(hall, "social")
    token = await hall.clerk_at("1", "wang")
    page = await open_page(f"{hall.url}/board", viewport=LANDSCAPE)
    await call_next(hall, "1", token)
    await expect(page.locator("#now-number")).to_have_text("A001")

    await hall.server.stop()  # the server goes away: every board loses its stream
    await expect(page.locator("#offline")).to_be_visible()
    again = await start_hall(db_path=db, port=hall.server.port)  # back, on the same journal
    await call_next(again, "1", token)  # calls made before the board is back
    await call_next(again, "1", token)
    await expect(page.locator("#offline")).to_be_hidden(timeout=20_000)
    await expect(page.locator("#now-number")).to_have_text("A003")
    await expect(recent(page)).to_have_text(["A0031号窗口", "A0021号窗口", "A0011号窗口"])


async def test_a_restart_on_a_changed_hall_file_shows_its_services_and_windows(
    start_hall: StartHall, open_page: OpenPage, issue: Issue, tmp_path: Path
) -> None:
    """The stream resumes after a restart with what changed in the journal; a change of the
    hall file (the hall or a service renamed, a service added, a window renamed, added or
    removed) is in no event, and a board that is never reloaded must still show it."""
    db = tmp_path / "restart.db"
    hall = await start_hall(db_path=db)  # windows 1 to 3
    await issue(hall, "social")
    token = await hall.clerk_at("1", "wang")
    page = await open_page(f"{hall.url}/board", viewport=LANDSCAPE)
    await call_next(hall, "1", token)
    await expect(page.locator("#now-number")).to_have_text("A001")
    await expect(page.locator('#windows [data-window="3"]')).to_be_visible()

    await hall.server.stop()
    await expect(page.locator("#offline")).to_be_visible()
    base = small_hall(open_all_hours=True)
    social, *others = base.services
    one, two, _ = base.windows
    tax = Service(
        id="tax", name="税务", prefix="E", field="general", floor="1F", mean_service_minutes=10.0
    )
    changed = dataclasses.replace(
        base,
        name="测试政务服务中心",
        services=(dataclasses.replace(social, name="社保医保综合"), *others, tax),
        windows=(
            dataclasses.replace(one, label="1号 出件窗口"),
            two,
            dataclasses.replace(two, id="4", label="4号窗口", services=("social", "tax")),
        ),
    )
    again = await start_hall(changed, db_path=db, port=hall.server.port)
    li = await again.clerk_at("2", "li")
    status, answer = await again.call("POST", "/api/v1/tickets", li, {"service": "social"})
    assert status == 201, answer
    status, answer = await again.call("POST", "/api/v1/tickets", li, {"service": "tax"})
    assert status == 201, answer
    assert (await call_next(again, "2", li))["number"] == "A002"
    await expect(page.locator("#offline")).to_be_hidden(timeout=20_000)

    await expect(page.locator("#hall-name")).to_have_text("测试政务服务中心")
    await expect(page.locator("#windows [data-window]")).to_have_count(3)
    await expect(page.locator('#windows [data-window="3"]')).to_have_count(0)
    await expect(page.locator('#windows [data-window="4"] .board-window-state')).to_have_text(
        "未开放"
    )
    await expect(page.locator('#windows [data-window="1"] .board-window-label')).to_have_text(
        "1号 出件窗口"
    )
    social_row = page.locator('#waiting [data-service="social"]')
    await expect(social_row.locator(".board-service")).to_have_text("社保医保综合")
    await expect(page.locator('#waiting [data-service="tax"] .board-count')).to_have_text("1")
    await expect(page.locator('#waiting [data-service="tax"] .board-service')).to_have_text("税务")
    # The calls before and after the restart, and the windows' states, stay the stream's.
    await expect(page.locator("#now-number")).to_have_text("A002")
    await expect(recent(page)).to_have_text(["A0022号窗口", "A0011号窗口"])
    await expect(page.locator('#windows [data-window="2"] .board-window-ticket')).to_have_text(
        "A002"
    )
    await expect(page.locator('#windows [data-window="1"] .board-window-ticket')).to_have_text(
        "A001"
    )


async def test_notice_line_from_the_query_and_still_for_reduced_motion(
    start_hall: StartHall, open_page: OpenPage
) -> None:
    hall = await start_hall()
    page = await open_page(f"{hall.url}/board?notice=今日下午停电检修", viewport=LANDSCAPE)
    await expect(page.locator("#notice")).to_have_text("今日下午停电检修")
    moving = await page.locator("#notice").evaluate("n => getComputedStyle(n).animationName")
    assert moving == "board-scroll"
    await page.emulate_media(reduced_motion="reduce")
    still = await page.locator("#notice").evaluate("n => getComputedStyle(n).animationName")
    assert still == "none"
    await expect(page.locator("#clock")).to_have_text(re.compile(r"^\d\d:\d\d$"))
    await expect(page.locator("#date")).to_contain_text("星期")


async def busy_hall(hall: RunningHall, issue: Issue) -> None:
    """A hall in mid-morning: calls made, one window serving, one paused, one closed."""
    for service in ["social"] * 9 + ["estate"] * 3 + ["company"] * 2:
        await issue(hall, service)
    one = await hall.clerk_at("1", "wang", "王芳", "10023")
    two = await hall.clerk_at("2", "li", "李明", "10031")
    three = await hall.clerk_at("3", "zhao", "赵敏", "10047")
    for window, token in [("1", one), ("2", two), ("3", three), ("1", one), ("2", two)]:
        await call_next(hall, window, token)
    assert (await hall.call("POST", "/api/v1/windows/2/start", two))[0] == 200
    assert (await hall.call("POST", "/api/v1/windows/3/finish", three))[0] == 200
    status, answer = await hall.call("POST", "/api/v1/windows/3/pause", three, {"reason": "休息"})
    assert status == 200, answer
    await call_next(hall, "1", one)


async def test_screenshots_landscape_portrait_and_a_floor(
    start_hall: StartHall, open_page: OpenPage, issue: Issue, screenshot: Screenshot
) -> None:
    hall = await start_hall()
    await busy_hall(hall, issue)
    for name, query, viewport in [
        ("board-landscape", "", LANDSCAPE),
        ("board-portrait", "?layout=portrait", PORTRAIT),
    ]:
        page = await open_page(f"{hall.url}/board{query}", viewport=viewport)
        await page.emulate_media(reduced_motion="reduce")  # a still notice line to compare
        await expect(page.locator("#now-number")).to_have_text("A005")
        await expect(page.locator('#windows [data-window="3"]')).to_contain_text("暂停服务")
        # Nothing spills out of the screen.
        size = await page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
        )
        assert size == [viewport["width"], viewport["height"]], size
        await screenshot(page, name)


@pytest.mark.parametrize(
    "viewport", [{"width": 1366, "height": 768}, {"width": 1280, "height": 720}]
)
async def test_a_smaller_lobby_tv_shows_the_whole_board_scaled_down(
    start_hall: StartHall,
    open_page: OpenPage,
    issue: Issue,
    screenshot: Screenshot,
    viewport: dict[str, int],
) -> None:
    hall = await start_hall(load_hall(JIANGBEI, open_all_hours=True))
    for service in ["household"] * 4 + ["social-insurance"] * 6 + ["company-registration"]:
        await issue(hall, service)
    one = await hall.clerk_at("1", "wang", "王芳", "10023")
    two = await hall.clerk_at("2", "li", "李明", "10031")
    assert (await call_next(hall, "1", one))["number"] == "C001"
    assert (await call_next(hall, "2", two))["number"] == "C002"
    assert (await hall.call("POST", "/api/v1/windows/1/start", one))[0] == 200

    for query in ["", "?floor=1F"]:
        page = await open_page(f"{hall.url}/board{query}", viewport=viewport)
        await page.emulate_media(reduced_motion="reduce")
        await expect(page.locator("#now-number")).to_have_text("C002")
        await expect(page.locator("#now-window")).to_have_text("2号窗口")
        await expect(page.locator('#windows [data-window="2"] .board-window-ticket')).to_have_text(
            "C002"
        )
        await page.evaluate("document.fonts.ready.then(() => null)")
        problems = await page.evaluate(WHOLE_JS)
        assert problems == [], (query, problems)
        size = await page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
        )
        assert size == [viewport["width"], viewport["height"]], size
        if viewport["width"] == 1366 and not query:
            await screenshot(page, "board-1366x768")

    # A long call (a letter as wide as G, a two-digit window) shrinks to fit, even on the
    # full-size screen.
    twelve = await hall.clerk_at("12", "zhao", "赵敏", "10047")
    assert (await call_next(hall, "12", twelve))["number"] == "G001"
    for size in (viewport, LANDSCAPE):
        page = await open_page(f"{hall.url}/board", viewport=size)
        await expect(page.locator("#now-number")).to_have_text("G001")
        await expect(page.locator("#now-window")).to_have_text("12号窗口")
        await page.evaluate("document.fonts.ready.then(() => null)")
        problems = await page.evaluate(WHOLE_JS)
        assert problems == [], (size, problems)


async def busy_jiangbei(hall: RunningHall, issue: Issue, calls: int) -> None:
    """The Jiangbei hall with its first `calls` windows open and each calling a ticket."""
    for service in ["social-insurance", "tax", "real-estate", "consult"] * 15:
        await issue(hall, service)
    for window in [str(n) for n in range(1, calls + 1)]:
        station = await hall.device(f"station-{window}", "station", window)
        status, answer = await hall.call("POST", f"/api/v1/windows/{window}/open", station)
        assert status == 200, answer
        await hall.call("POST", f"/api/v1/windows/{window}/call-next", station)


@pytest.mark.parametrize("viewport", [LANDSCAPE, PORTRAIT], ids=["landscape", "portrait"])
async def test_a_busy_large_hall_leaves_no_call_cut_and_no_panel_over_another(
    start_hall: StartHall, open_page: OpenPage, issue: Issue, viewport: dict[str, int]
) -> None:
    """More recent calls than fit (the last one used to show cut in half), and a portrait
    window list paged before the waiting table had its rows (it kept a height that ran over
    the table)."""
    hall = await start_hall(load_hall(JIANGBEI, open_all_hours=True))
    await busy_jiangbei(hall, issue, 16)
    layout = "" if viewport is LANDSCAPE else "&layout=portrait"
    for query in ["?", "?floor=2F"]:
        page = await open_page(f"{hall.url}/board{query}{layout}", viewport=viewport)
        await page.emulate_media(reduced_motion="reduce")
        await expect(page.locator("#now-number")).not_to_have_text("—")
        await expect(page.locator("#waiting tr").first).to_be_attached()
        await page.evaluate("document.fonts.ready.then(() => null)")
        problems = await page.evaluate(WHOLE_JS)
        assert problems == [], (query, problems)
        assert await recent(page).locator("visible=true").count() >= 3, query


async def test_a_recall_of_the_number_shown_blinks_it_again(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> None:
    """A recall changes no text when its number is already the newest call: the board must
    still show the hall that it was called again."""
    hall = await start_hall()
    await issue(hall, "social")
    clerk = await hall.clerk_at("1", "wang")
    page = await open_page(f"{hall.url}/board", viewport=LANDSCAPE)
    await expect(page.locator("#windows .board-window").first).to_be_attached()
    await call_next(hall, "1", clerk)
    await expect(page.locator("#now")).to_have_class(re.compile(r"\bis-fresh\b"))
    await page.evaluate("document.getElementById('now').classList.remove('is-fresh')")

    status, answer = await hall.call("POST", "/api/v1/windows/1/recall", clerk)
    assert status == 200, answer
    await expect(page.locator("#now")).to_have_class(re.compile(r"\bis-fresh\b"))
    await expect(page.locator("#now-number")).to_have_text("A001")


async def test_yesterdays_calls_leave_the_board_at_midnight(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> None:
    """A board left on overnight must not greet the morning with last evening's call."""
    hall = await start_hall()
    await issue(hall, "social")
    clerk = await hall.clerk_at("1", "wang")
    page = await open_page(f"{hall.url}/board", viewport=LANDSCAPE, prepare=install_clock)
    await call_next(hall, "1", clerk)
    await expect(page.locator("#now-number")).to_have_text("A001")

    now = dt.datetime.now(SHANGHAI)
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), SHANGHAI)
    await page.clock.fast_forward(int((midnight - now).total_seconds() * 1000) + 5000)
    await expect(page.locator("#now-number")).to_have_text("—")
    await expect(recent(page)).to_have_count(0)
    # The window itself still calls its ticket: that is the window's state, not a call.
    await expect(page.locator('#windows [data-window="1"] .board-window-ticket')).to_have_text(
        "A001"
    )


async def install_clock(page: Page) -> None:
    await page.clock.install()


async def test_the_clearing_forgets_the_tickets_it_closed_out_for_the_longest_wait(
    start_hall: StartHall, open_page: OpenPage, issue: Issue
) -> None:
    """After the day's clearing the next ticket's wait counts from its own issue, not from
    the oldest ticket the clearing closed out (the clearing names none to the board)."""
    clock = FakeClock(dt.datetime.now(SHANGHAI) - dt.timedelta(minutes=40))
    hall = await start_hall(clock=clock)
    page = await open_page(f"{hall.url}/board", viewport=LANDSCAPE)
    longest = page.locator('#waiting [data-service="social"] .board-longest')
    await expect(longest).to_have_text("—")
    await issue(hall, "social")  # 40 minutes ago
    await expect(longest).to_have_text("40 分钟")

    await hall.server.service.execute(ClearQueue(), lambda hall, outcome, now: None)
    await expect(longest).to_have_text("—")
    clock.advance(minutes=40)
    await issue(hall, "social")  # now
    await expect(page.locator('#waiting [data-service="social"] .board-count')).to_have_text("1")
    await expect(longest).to_have_text("0 分钟")
