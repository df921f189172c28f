"""Browser fixtures: Debian's chromium driven by Playwright against a real hall server."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import RunningHall
from playwright.async_api import (
    Browser,
    ConsoleMessage,
    Locator,
    Page,
    Response,
    Route,
    WebSocketRoute,
    async_playwright,
    expect,
)

CHROMIUM = os.environ.get("HALLQ_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The password RunningHall.person gives everyone it creates.
PASSWORD = "correct horse battery"
# Set to a folder (e.g. docs/screenshots) to keep the screenshots the tests take.
SCREENSHOTS = "HALLQ_SCREENSHOTS"

OFFICE = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}

expect.set_options(timeout=5_000)

Prepare = Callable[[Page], Awaitable[None]]  # e.g. routes to set up before the page loads


class StreamSwitch:
    """Stands between a page and the server's stream, to take the server away and back.

    Pass `prepare` to the page factory; `cut()` drops the open stream and refuses every
    reconnect until `restore()`. `routes` holds every connection the page tried, in order.
    """

    def __init__(self) -> None:
        self.routes: list[WebSocketRoute] = []
        self.down = False

    async def _route(self, ws: WebSocketRoute) -> None:
        self.routes.append(ws)
        if self.down:
            await ws.close(code=1013, reason="try again later")
        else:
            ws.connect_to_server()

    async def prepare(self, page: Page) -> None:
        await page.route_web_socket("**/ws?*", self._route)

    async def cut(self) -> None:
        self.down = True
        await self.routes[-1].close(code=1006)

    def restore(self) -> None:
        self.down = False


class HeldReads:
    """Stands between a page and one API path, to answer its reads late.

    `prepare` gives the test the page's clock too. `hold` stops the page's time, so it
    reads only when the test runs time on (`run_until_read`), and holds each read from
    then on: sent to the server at once, answered only after `release()`, so news the
    stream brings meanwhile reaches the page first. `read` is set when a read is held;
    `edit` may mark the held answer so the test can see it applied.
    """

    def __init__(self, path: str, edit: Callable[[Any], None] | None = None) -> None:
        self.path = path
        self.edit = edit
        self.holding = False
        self.read = asyncio.Event()
        self._released = asyncio.Event()

    async def _route(self, route: Route) -> None:
        response = await route.fetch()  # read by the server now
        if not self.holding:
            await route.fulfill(response=response)
            return
        self.read.set()
        await self._released.wait()
        if self.edit is None:
            await route.fulfill(response=response)
            return
        body = await response.json()
        self.edit(body)
        await route.fulfill(response=response, json=body)

    async def prepare(self, page: Page) -> None:
        await page.clock.install()
        await page.route(f"**{self.path}", self._route)

    async def hold(self, page: Page) -> None:
        await page.clock.pause_at(await page.evaluate("Date.now()") + 1000)
        self.holding = True

    async def run_until_read(self, page: Page) -> None:
        """Runs the page's time on until it reads (after the news the test just made)."""
        while not self.read.is_set():
            await page.clock.run_for(500)
            await asyncio.sleep(0.05)

    async def read_twice(self, page: Page, news: Callable[[], Awaitable[object]]) -> None:
        """The page reads after `news`, and again after more news: the first read is held,
        the second answered at once, and the page's time runs on again. `release()` then
        delivers the first answer after the second."""
        await self.hold(page)
        await news()
        await self.run_until_read(page)
        self.holding = False
        await news()
        await page.clock.resume()

    def release(self) -> None:
        self._released.set()


async def record_shown(page: Page, selector: str, *, count_children: bool = False) -> None:
    """From now on, records in `window.shown` what the element shows each time it changes,
    in order: its text, or with `count_children` how many children it has (as text)."""
    await page.evaluate(
        """([selector, countChildren]) => {
          const element = document.querySelector(selector);
          const value = () =>
            countChildren ? String(element.children.length) : element.textContent;
          window.shown = [value()];
          new MutationObserver(() => {
            const now = value();
            if (window.shown[window.shown.length - 1] !== now) window.shown.push(now);
          }).observe(element, { childList: true, characterData: true, subtree: true });
        }""",
        [selector, count_children],
    )


async def press_on(page: Page, button: Locator) -> None:
    """Put the mouse down on `button` (the caller lets it up): the list it is in may be drawn
    once more as the page settles, so it is found as it is now, not as it was a frame ago."""
    async with asyncio.timeout(10):
        while (box := await button.bounding_box()) is None:  # noqa: ASYNC110 - a redraw
            await asyncio.sleep(0.05)
    await page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    await page.mouse.down()


async def assert_shown_only_rose(page: Page, last: str) -> None:
    """What `record_shown` saw, as numbers: they never went back, and ended at `last`."""
    shown = await page.evaluate("window.shown")
    assert shown == sorted(shown, key=int) and shown[-1] == last, shown


OpenPage = Callable[..., Awaitable[Page]]
OpenConsole = Callable[..., Awaitable[Page]]
OpenManager = Callable[..., Awaitable[Page]]
Screenshot = Callable[..., Awaitable[Path]]
Issue = Callable[..., Awaitable[dict[str, Any]]]


class PageProblems:
    """What the pages did wrong: CSP violations, uncaught errors, static files not served."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def watch(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.found.append(f"uncaught error: {error}"))
        page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.found.append(f"CSP violation: {message.text}")

    def _response(self, response: Response) -> None:
        if "/static/" in response.url and response.status >= 400:
            self.found.append(f"{response.status} for {response.url}")


@pytest.fixture
def chromium() -> str:
    """The browser to drive; a missing one fails the tests (it must not skip them)."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(
            f"chromium not found at {CHROMIUM}: install Debian's chromium package "
            "(apt-get install chromium) or point HALLQ_CHROMIUM at it",
            pytrace=False,
        )
    return CHROMIUM


@pytest.fixture
async def browser(chromium: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
def page_problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
async def open_page(browser: Browser, page_problems: PageProblems) -> AsyncIterator[OpenPage]:
    """Factory: a fresh browser context (its own sessionStorage) showing `url`.

    `prepare` runs on the page before it loads, e.g. to route its WebSocket.

    After the test, fails if any page broke the Content-Security-Policy, threw an uncaught
    error or asked for a static file the server does not have.
    """
    contexts = []

    async def open_(
        url: str,
        *,
        viewport: dict[str, int] = OFFICE,
        mobile: bool = False,
        prepare: Prepare | None = None,
    ) -> Page:
        context = await browser.new_context(
            viewport=viewport,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            is_mobile=mobile,
            has_touch=mobile,
        )
        contexts.append(context)
        page = await context.new_page()
        page_problems.watch(page)
        if prepare is not None:
            await prepare(page)
        await page.goto(url)
        return page

    yield open_
    for context in contexts:
        for page in context.pages:
            # A route's handler still waiting on the server would fail as the page goes.
            await page.unroute_all(behavior="ignoreErrors")
        await context.close()
    assert not page_problems.found, "the pages misbehaved:\n" + "\n".join(page_problems.found)


@pytest.fixture
def open_console(open_page: OpenPage) -> OpenConsole:
    """Factory: a clerk logged in on /console, signed in at `window` unless it is None."""

    async def open_(
        hall: RunningHall,
        name: str = "wang",
        window: str | None = "1",
        prepare: Prepare | None = None,
    ) -> Page:
        await hall.person(name, "clerk")
        page = await open_page(f"{hall.url}/console", prepare=prepare)
        await page.get_by_label("用户名").fill(name)
        await page.get_by_label("密码").fill(PASSWORD)
        await page.get_by_role("button", name="登录").click()
        await expect(page.get_by_role("heading", name="请选择窗口签到")).to_be_visible()
        if window is not None:
            await page.locator(f'button[data-window="{window}"]').click()
            await expect(page.locator("#station-title")).to_have_text(f"{window}号窗口")
        return page

    return open_


@pytest.fixture
def screenshot(tmp_path: Path) -> Screenshot:
    """Takes a screenshot into $HALLQ_SCREENSHOTS (for the docs) or the test's tmp_path."""
    folder = Path(os.environ[SCREENSHOTS]) if os.environ.get(SCREENSHOTS) else tmp_path

    async def take(page: Page, name: str, *, full_page: bool = False) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        await page.mouse.move(0, 0)  # no hover highlight left over from the last click
        await page.screenshot(path=path, full_page=full_page)
        return path

    return take


@pytest.fixture
def issue() -> Issue:
    """Factory: issues a ticket through the API as a kiosk would; returns the Ticket."""
    kiosks: dict[int, str] = {}

    async def issue_(hall: RunningHall, service: str = "social") -> dict[str, Any]:
        if id(hall) not in kiosks:
            kiosks[id(hall)] = await hall.device("kiosk-test", "kiosk")
        body = {"service": service}
        status, answer = await hall.call("POST", "/api/v1/tickets", kiosks[id(hall)], body)
        assert status == 201, answer
        return dict(answer["ticket"])

    return issue_


@pytest.fixture
def open_manager(open_page: OpenPage) -> OpenManager:
    """Factory: a manager logged in on /manager, the live hall showing."""

    async def open_(
        hall: RunningHall, *, viewport: dict[str, int] = OFFICE, prepare: Prepare | None = None
    ) -> Page:
        await hall.person("zhao", "manager", display_name="赵主任")
        page = await open_page(f"{hall.url}/manager", viewport=viewport, prepare=prepare)
        await page.get_by_label("用户名").fill("zhao")
        await page.get_by_label("密码").fill(PASSWORD)
        await page.get_by_role("button", name="登录").click()
        await expect(page.locator("#who")).to_have_text("赵主任（大厅管理员）")
        await expect(page.locator("#live-view")).to_be_visible()
        return page

    return open_
