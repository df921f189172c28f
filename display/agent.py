"""The display agent: speaks a floor's calls from the board stream on the display device."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import email.utils
import json
import logging
import time
import urllib.parse
from collections.abc import Callable, Generator
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from display.voice.announcer import Announcer
from display.voice.errors import VoiceError
from display.voice.script import Call, CallKind

log = logging.getLogger(__name__)

# Same rule as the browser (queue_server/web/static/voice.js): a call replayed this late after
# a reconnect is not spoken; the citizen has long seen it, and a late voice misleads.
STALE_SECONDS = 120.0
# The HTTP Date header has whole seconds: smaller differences are noise, as in api.js.
CLOCK_NOISE_SECONDS = 2.0
KINDS = {"ticket.called": CallKind.CALL, "ticket.recalled": CallKind.RECALL}


def stream_url(server_url: str, after_seq: int | None = None) -> str:
    """The board stream's ws:// URL for a server's http(s):// (or ws(s)://) base URL."""
    parts = urllib.parse.urlsplit(server_url)
    scheme = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}.get(parts.scheme)
    if scheme is None or not parts.netloc:
        raise ValueError(f"not a server URL: {server_url!r} (expected http://host:port)")
    query = {"topics": "board"}
    if after_seq is not None:
        query["after_seq"] = str(after_seq)
    path = parts.path.rstrip("/") + "/ws"
    return urllib.parse.urlunsplit((scheme, parts.netloc, path, urllib.parse.urlencode(query), ""))


def short_backoff() -> Generator[float]:
    """Reconnect delays for a call board: 0.5 s at first, growing to 10 s at most."""
    delay = 0.5
    while True:
        yield delay
        delay = min(delay * 1.6, 10.0)


class DisplayAgent:
    """Holds the board stream and hands each fresh call and recall of its floor to an Announcer.

    It remembers the seq of the last message applied and resumes with `after_seq`, so a call
    made while it was disconnected is still spoken (unless it is stale by then); a snapshot
    only tells it where the stream stands and is never spoken.
    """

    def __init__(
        self,
        server_url: str,
        announcer: Announcer,
        *,
        floor: str | None = None,
        now: Callable[[], float] = time.time,
        reconnect_delays: Callable[[], Generator[float]] = short_backoff,
        ping_interval: float = 5.0,
    ) -> None:
        stream_url(server_url)  # refuse a malformed URL now, not in the background
        self.server_url = server_url
        self.announcer = announcer
        self.floor = floor
        self.now = now
        self.reconnect_delays = reconnect_delays
        self.ping_interval = ping_interval
        self.last_seq: int | None = None
        self.connections = 0  # streams opened so far (the first plus every reconnect)
        self.connected = False
        self.clock_offset = 0.0  # server time minus local time, when they differ noticeably
        self._stop = asyncio.Event()

    def url(self) -> str:
        """The stream URL for the next connection: resuming after the last seq applied."""
        return stream_url(self.server_url, self.last_seq)

    async def run(self) -> None:
        """Hold the stream until stop(); reconnects on every drop, retries after fatal errors."""
        self._stop.clear()
        holder = asyncio.create_task(self._hold(), name="hallq-display-stream")
        stopping = asyncio.create_task(self._stop.wait())
        try:
            await asyncio.wait({holder, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (holder, stopping):
                task.cancel()
            for task in (holder, stopping):
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            self.connected = False

    def stop(self) -> None:
        """Make run() close the stream and return."""
        self._stop.set()

    async def _hold(self) -> None:
        # A plain loop over websockets' public connect(): each attempt asks for the current
        # URL, so a reconnect resumes with after_seq from the last message applied.
        delays = self.reconnect_delays()
        while True:
            try:
                async with connect(
                    self.url(),
                    proxy=None,  # a hall's LAN server: never through a proxy from the environment
                    open_timeout=5,
                    ping_interval=self.ping_interval,
                    ping_timeout=self.ping_interval,
                    max_size=1 << 20,
                ) as ws:
                    delays = self.reconnect_delays()  # connected: start the backoff afresh
                    self.connections += 1
                    self.connected = True
                    self._learn_clock(ws)
                    log.info("board stream open: %s", self.url())
                    try:
                        async for raw in ws:
                            self._apply(raw)
                    finally:
                        self.connected = False
                log.info("board stream closed; reconnecting")
            except (OSError, TimeoutError, WebSocketException) as failure:
                # A server down, restarting, or answering wrongly (a 404 from a wrong path):
                # keep trying, more slowly each time, rather than leave the hall silent.
                log.info("board stream at %s unavailable: %s; retrying", self.url(), failure)
            await asyncio.sleep(next(delays))

    def _learn_clock(self, ws: ClientConnection) -> None:
        date = ws.response.headers.get("Date") if ws.response is not None else None
        if not date:
            return
        try:
            server = email.utils.parsedate_to_datetime(date).timestamp()
        except (TypeError, ValueError):
            return
        offset = server + 0.5 - self.now()
        self.clock_offset = offset if abs(offset) > CLOCK_NOISE_SECONDS else 0.0

    def _apply(self, raw: str | bytes) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            log.warning("ignoring a stream message that is not JSON: %.80r", raw)
            return
        if not isinstance(message, dict):
            return
        seq = message.get("seq")
        if message.get("type") == "snapshot":
            # Where the stream stands; its calls are old news and are never spoken.
            if isinstance(seq, int):
                self.last_seq = seq
            self._check_floor(message.get("state"))
            return
        if isinstance(seq, int):
            if self.last_seq is not None and seq <= self.last_seq:
                return  # already applied
            self.last_seq = seq
        kind = KINDS.get(str(message.get("type")))
        if kind is not None:
            self._announce(kind, message)

    def _check_floor(self, state: object) -> None:
        if self.floor is None or not isinstance(state, dict):
            return
        windows = state.get("windows")
        floors = {w.get("floor") for w in windows if isinstance(w, dict)} if windows else set()
        if self.floor not in floors:
            log.warning(
                "no window of the hall is on floor %r (floors: %s): nothing will be spoken",
                self.floor,
                ", ".join(sorted(str(f) for f in floors)) or "none",
            )

    def _announce(self, kind: CallKind, message: dict[str, Any]) -> None:
        ticket = message.get("ticket")
        window = message.get("window")
        if not isinstance(ticket, dict) or not isinstance(window, dict):
            log.warning("ignoring a %s without ticket or window", message.get("type"))
            return
        if self.floor is not None and window.get("floor") != self.floor:
            return
        call = Call(kind, str(ticket.get("number") or ""), str(window.get("id") or ""))
        age = self._age(message.get("at"))
        if age is not None and age > STALE_SECONDS:
            log.info(
                "not speaking %s %s at window %s: made %.0f s ago, too late to speak",
                kind.value,
                call.number,
                call.window,
                age,
            )
            return
        try:
            script = self.announcer.announce(call)
        except VoiceError as failure:
            log.warning("cannot announce %s: %s", call, failure)
            return
        log.info("announcing %s", "".join(script))

    def _age(self, at: object) -> float | None:
        if not isinstance(at, str):
            return None
        try:
            moment = dt.datetime.fromisoformat(at)
        except ValueError:
            return None
        if moment.tzinfo is None:
            return None
        return self.now() + self.clock_offset - moment.timestamp()
