"""A page that fell behind is not left hanging: its socket closes, it reconnects and is current."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import WSCloseCode, WSMsgType, web

from kiosk.local_page import local_app
from kiosk.page_feed import PageFeed

QUEUED_FOR_A_PAGE = 100  # PageFeed's queue for each page


class Counter(PageFeed):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def state(self) -> dict[str, Any]:
        return {"type": "state", "count": self.count}

    def bump(self) -> None:
        self.count += 1
        self.push(self.state())


@contextlib.asynccontextmanager
async def serving(feed: PageFeed, tmp_path: Path) -> AsyncIterator[str]:
    (tmp_path / "page.html").write_text("<!doctype html>", encoding="utf-8")
    app = local_app(
        feed, agent="test", server_url="http://127.0.0.1:9", static=tmp_path, page="page.html"
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"ws://{host}:{port}/local/ws"
    finally:
        await runner.cleanup()


async def test_a_page_that_fell_behind_is_closed_so_that_it_reconnects_current(
    tmp_path: Path,
) -> None:
    feed = Counter()
    async with serving(feed, tmp_path) as url, aiohttp.ClientSession() as http:
        async with http.ws_connect(url) as page:
            first = await page.receive_json(timeout=5)
            assert first == {"type": "state", "count": 0}
            # Changes faster than this page takes them (its browser busy): its queue fills up.
            for _ in range(QUEUED_FOR_A_PAGE + 5):
                feed.bump()
            message = await page.receive(timeout=5)
            while message.type == WSMsgType.TEXT:  # what was queued before it fell behind
                message = await page.receive(timeout=5)
            # Closed by the agent, rather than left open and never told again: the page's
            # own code reconnects when its socket closes.
            assert (message.type, message.data) == (WSMsgType.CLOSE, WSCloseCode.TRY_AGAIN_LATER)
        async with http.ws_connect(url) as page:  # the page reconnected: current again
            assert await page.receive_json(timeout=5) == {"type": "state", "count": feed.count}
