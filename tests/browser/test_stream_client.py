"""The pages' stream client (api.js's Stream), and the staff pages, when the server ends a
stream because its token no longer holds (a session ended elsewhere, or revoked)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from helpers import RunningHall, publish_changes
from playwright.async_api import Page, expect

from .conftest import PASSWORD, OpenPage

pytestmark = pytest.mark.browser

StartHall = Callable[..., Awaitable[RunningHall]]

# Starts a Stream in the page, as `window.stream`; `window.told` records, in order, every
# connection it opens and everything it tells the page, and `window.opened` their URLs.
START = """async ({ topics, token }) => {
  const { Stream } = await import("/static/api.js");
  window.told = [];
  window.opened = [];
  const Socket = window.WebSocket;
  window.WebSocket = class extends Socket {
    constructor(url) {
      super(url);
      window.told.push("connect");
      window.opened.push(url);
    }
  };
  const onMessage = (message) => window.told.push(message.type);
  const onStatus = (status) => window.told.push(status);
  window.stream = new Stream({ topics, token, onMessage, onStatus });
  window.stream.start();
}"""


async def told(page: Page, at_least: int) -> list[str]:
    """What the Stream told the page, once it is at least that long (polled from here:
    the server's pages allow no script from a string, as wait_for_function would run)."""
    async with asyncio.timeout(10):
        while len(seen := await page.evaluate("window.told")) < at_least:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    return list(seen)


async def test_a_stream_whose_session_ended_stops_rather_than_knock_forever(
    start_hall: StartHall, open_page: OpenPage
) -> None:
    hall = await start_hall(supervise_every=None)
    clerk = await hall.person("wang")
    page = await open_page(f"{hall.url}/healthz")  # any answer of the server's
    await page.evaluate(START, {"topics": ["board", "console"], "token": clerk})
    await told(page, at_least=3)  # connect, online, snapshot
    assert (await hall.call("DELETE", "/api/v1/session", clerk))[0] == 200
    await told(page, at_least=4)
    await asyncio.sleep(2)  # time for the first retries: after 0.25-0.5 s, then 0.5-1 s
    # Closed with 4001, the token gets 401 at every try from now on (API.md): the page is
    # told, once, to ask for a new login.
    assert await page.evaluate("window.told") == ["connect", "online", "snapshot", "revoked"]


async def test_a_stream_back_from_a_long_gap_starts_over_from_the_snapshot_it_gets(
    start_hall: StartHall, open_page: OpenPage
) -> None:
    hall = await start_hall(supervise_every=None)
    hub = hall.server.hub
    publish_changes(hub, 1)
    page = await open_page(f"{hall.url}/healthz")
    await page.evaluate(START, {"topics": ["board"], "token": None})
    await told(page, at_least=3)  # connect, online, the snapshot at seq 1
    await page.evaluate("window.stream.stop()")
    publish_changes(hub, 1)
    await page.evaluate("window.stream.start()")  # missed one change: it is replayed
    await told(page, at_least=6)
    await page.evaluate("window.stream.stop()")
    publish_changes(hub, hub.max_replay + 1)
    await page.evaluate("window.stream.start()")  # missed too many: a fresh snapshot
    await told(page, at_least=9)
    publish_changes(hub, 1)  # applied after that snapshot, not taken for a replayed one
    assert await told(page, at_least=10) == [
        *("connect", "online", "snapshot"),
        *("connect", "online", "ticket.issued"),
        *("connect", "online", "snapshot"),
        "ticket.issued",
    ]
    opened = await page.evaluate("window.opened")
    resumed = [parse_qs(urlsplit(url).query).get("after_seq") for url in opened]
    assert resumed == [None, ["1"], ["2"]]
    assert await page.evaluate("window.stream.lastSeq") == hub.last_seq == hub.max_replay + 4


async def logged_in(open_page: OpenPage, hall: RunningHall, path: str, name: str) -> Page:
    page = await open_page(f"{hall.url}{path}")
    await page.get_by_label("用户名").fill(name)
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录", exact=True).click()
    await expect(page.get_by_role("button", name="登录", exact=True)).to_be_hidden()
    return page


@pytest.mark.parametrize(
    ("path", "role", "storage_key"),
    [("/console", "clerk", "hallq.console.token"), ("/manager", "manager", "hallq.manager.token")],
)
async def test_a_staff_page_whose_session_ends_elsewhere_asks_for_a_login_at_once(
    start_hall: StartHall, open_page: OpenPage, path: str, role: str, storage_key: str
) -> None:
    hall = await start_hall()
    await hall.person("wang", role)
    page = await logged_in(open_page, hall, path, "wang")
    token = await page.evaluate(f"sessionStorage.getItem({storage_key!r})")
    assert token
    # Its session is ended from another device (logged out there): the server ends the
    # page's stream, and the page says so without waiting for the clerk's next press.
    assert (await hall.call("DELETE", "/api/v1/session", token))[0] == 200
    await expect(page.get_by_text("登录已失效，请重新登录")).to_be_visible()
    await expect(page.get_by_role("button", name="登录", exact=True)).to_be_visible()
    assert await page.evaluate(f"sessionStorage.getItem({storage_key!r})") is None
