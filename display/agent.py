"""The display agent: speaks an area's calls from the board stream on the display device."""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import json
import logging
import time
import urllib.parse
from collections.abc import Callable, Generator
from typing import Any

import aiohttp
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from display.voice.announcer import Announcer
from display.voice.errors import VoiceError
from display.voice.rules import Scope, Skip, SpokenCalls
from display.voice.script import Call, Templates

log = logging.getLogger(__name__)

# The HTTP Date header has whole seconds: smaller differences are noise, as in api.js.
CLOCK_NOISE_SECONDS = 2.0
SPEAKERS_PATH = "/voice/speakers"


class UnknownSpeaker(ValueError):
    """The hall has no speaker group of the id the agent was started for."""


def speakers_url(server_url: str) -> str:
    """The hall's published voice settings and speaker groups (GET /voice/speakers)."""
    return server_url.rstrip("/") + SPEAKERS_PATH


def stream_url(server_url: str, after_seq: int | None = None, *, topics: str = "board") -> str:
    """The stream's ws:// URL (the board topic unless told) for a server's http(s):// (or
    ws(s)://) base URL."""
    parts = urllib.parse.urlsplit(server_url)
    scheme = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}.get(parts.scheme)
    if scheme is None or not parts.netloc:
        raise ValueError(f"not a server URL: {server_url!r} (expected http://host:port)")
    query = {"topics": topics}
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
    """Holds the board stream and hands each call and recall to speak to an Announcer.

    What is spoken follows display.voice.rules (the boards' rule too): the calls of one
    speaker group's windows (`speaker`), of one floor (`floor`) or of every window; never a
    snapshot, never a seq twice, never a call made more than two minutes ago. Before each
    connection it reads the hall's texts (and the group's windows) from GET /voice/speakers.
    It resumes with `after_seq`, so a call made while it was disconnected is still spoken.
    """

    def __init__(
        self,
        server_url: str,
        announcer: Announcer,
        *,
        floor: str | None = None,
        speaker: str | None = None,
        now: Callable[[], float] = time.time,
        reconnect_delays: Callable[[], Generator[float]] = short_backoff,
        ping_interval: float = 5.0,
    ) -> None:
        stream_url(server_url)  # refuse a malformed URL now, not in the background
        if floor is not None and speaker is not None:
            raise ValueError("speak either a floor's calls or a speaker group's, not both")
        self.server_url = server_url
        self.announcer = announcer
        self.floor = floor
        self.speaker = speaker
        self.now = now
        self.reconnect_delays = reconnect_delays
        self.ping_interval = ping_interval
        # A speaker group's windows are learnt from the server; until then nothing is in scope.
        scope = Scope.of(floors=[floor]) if floor is not None else None
        self.calls = SpokenCalls(Scope() if speaker is not None else scope)
        self.connections = 0  # streams opened so far (the first plus every reconnect)
        self.connected = False
        self.clock_offset = 0.0  # server time minus local time, when they differ noticeably
        self._stop = asyncio.Event()

    @property
    def last_seq(self) -> int | None:
        """The seq of the last stream message applied: where a reconnect resumes."""
        return self.calls.last_seq

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
            for task in (stopping, holder):
                task.cancel()
            # The holder last: awaiting it raises what ended it (an UnknownSpeaker).
            for task in (stopping, holder):
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
                await self.load_voice()
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
                            self.receive(raw)
                    finally:
                        self.connected = False
                log.info("board stream closed; reconnecting")
            except (OSError, TimeoutError, WebSocketException, aiohttp.ClientError) as failure:
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

    async def load_voice(self) -> None:
        """Take the hall's texts and gap (and the speaker group's windows) from the server.

        Raises UnknownSpeaker when the hall has no such group, aiohttp.ClientError or
        TimeoutError when the server cannot answer (the caller retries).
        """
        timeout = aiohttp.ClientTimeout(total=5)
        async with (
            aiohttp.ClientSession(timeout=timeout) as http,
            http.get(speakers_url(self.server_url), raise_for_status=True) as response,
        ):
            published: Any = await response.json()
        settings: Any = published
        if self.speaker is not None:
            groups = {g.get("id"): g for g in published.get("speakers", []) if isinstance(g, dict)}
            if self.speaker not in groups:
                known = ", ".join(str(g) for g in groups) or "none"
                raise UnknownSpeaker(
                    f"the hall has no speaker group {self.speaker!r} (its groups: {known})"
                )
            settings = groups[self.speaker]
            self.calls.scope = Scope.of(windows=[str(w) for w in settings.get("windows", [])])
        phrases = (*self.announcer.pack.phrases, *published.get("phrases", []))
        try:
            self.announcer.templates = Templates(settings.get("templates"), phrases=phrases)
        except VoiceError as failure:
            log.warning("keeping the default texts: the hall's cannot be read: %s", failure)
        gap = settings.get("gap_ms")
        if isinstance(gap, int) and not isinstance(gap, bool) and 0 <= gap <= 1000:
            self.announcer.gap_ms = gap

    def receive(self, raw: str | bytes) -> Call | None:
        """Judge one raw stream message; queue and return the call when it is to be spoken."""
        try:
            message = json.loads(raw)
        except ValueError:
            log.warning("ignoring a stream message that is not JSON: %.80r", raw)
            return None
        if not isinstance(message, dict):
            return None
        verdict = self.calls.judge(message, self.now() + self.clock_offset)
        if verdict.skip is Skip.SNAPSHOT:
            self._check_floor(message.get("state"))
        if verdict.skip is Skip.STALE and verdict.call is not None:
            log.info(
                "not speaking %s %s at window %s: made over %.0f s ago, too late to speak",
                verdict.call.kind.value,
                verdict.call.number,
                verdict.call.window,
                self.calls.stale_seconds,
            )
        if verdict.call is None or verdict.skip is not None:
            return None
        # Too late to speak once its turn comes after the stale limit (a burst at many
        # windows), on the announcer's clock: the device's, without the server's offset.
        expires = (
            None
            if verdict.made_at is None
            else verdict.made_at + self.calls.stale_seconds - self.clock_offset
        )
        try:
            script = self.announcer.announce(verdict.call, expires=expires)
        except VoiceError as failure:
            log.warning("cannot announce %s: %s", verdict.call, failure)
            return None
        log.info("announcing %s", "".join(script))
        return verdict.call

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
