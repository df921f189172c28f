"""The kiosk's link to the queue server: HTTP for issuing, the board stream for live counts."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

import aiohttp
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

from display.agent import short_backoff, stream_url
from kiosk.agent.clock import ServerClock
from kiosk.agent.link_errors import IssueRefused, ServerUnavailable

log = logging.getLogger(__name__)

# A touch waits this long at most for the server before the kiosk says it is unreachable.
ATTEMPTS = (0.0, 0.5, 1.0, 2.0)  # delays before each try of one request
REQUEST_TIMEOUT = 4.0
HALL_REFRESH_SECONDS = 30.0  # issuing hours and quotas move with the clock too
# The code of the server's own 503: it could not take the request (the hall's writer or its
# database down), and did nothing with it.
SERVER_DID_NOTHING = "unavailable"


class ServerLink:
    """Talks to the server for the kiosk; `online` while the stream is held.

    `token_refused` from an answer refusing the token (HTTP 401: revoked, or made for another
    server) until one accepts it again; `on_token` is told when it changes, then `on_change`.

    The hall view (`hall`, from GET /api/v1/hall) is refreshed when the stream connects, after
    every change to the queues or a service's quota or issuing (coalesced) and every 30 s;
    `on_change` is called after each. Each read sets `clock` to the server's time.
    """

    def __init__(
        self,
        server_url: str,
        token: str,
        *,
        on_change: Callable[[], None] = lambda: None,
        on_token: Callable[[bool], None] = lambda refused: None,
        attempts: tuple[float, ...] = ATTEMPTS,
    ) -> None:
        stream_url(server_url)  # refuse a malformed URL now
        self.server_url = server_url.rstrip("/")
        self.token = token
        self.on_change = on_change
        self.on_token = on_token
        self.attempts = attempts
        self.hall: dict[str, Any] | None = None
        self.clock = ServerClock()
        self.online = False
        self.token_refused = False
        self._http: aiohttp.ClientSession | None = None
        self._refresh = asyncio.Event()

    async def __aenter__(self) -> ServerLink:
        self._http = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT),
            headers={"Authorization": f"Bearer {self.token}"},
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._http is not None:
            await self._http.close()

    # -- requests -------------------------------------------------------------------------

    async def request(
        self, method: str, path: str, body: dict[str, Any] | None = None, *, retry: bool = True
    ) -> dict[str, Any]:
        """One API call; retried (same body, so the same idempotency key) while unreachable.

        Raises IssueRefused for an answer refusing it (4xx), saying whether an earlier attempt
        may have been done (`after_lost_answer`), and ServerUnavailable when no answer came;
        `maybe_done` then says whether the server may have acted on it.
        """
        assert self._http is not None, "use ServerLink as an async context manager"
        maybe_done = False
        failure = "no attempt"
        for delay in self.attempts if retry else self.attempts[:1]:
            await asyncio.sleep(delay)
            try:
                async with self._http.request(
                    method, f"{self.server_url}{path}", json=body
                ) as response:
                    answer = await _json(response)
                    self._token_answered(response.status)
                    if response.status < 400:
                        return answer if isinstance(answer, dict) else {}
                    error = answer.get("error", {}) if isinstance(answer, dict) else {}
                    code = error.get("code") or f"http_{response.status}"
                    # Shown to the citizen: a proxy's error page has no words for them.
                    message = error.get("message") or _refused_words(response.status)
                    if response.status >= 500:
                        failure = f"{response.status} {code}: {message}"
                        # The server's own 503 comes before it acts: nothing changed. Any
                        # other (a reverse proxy's 502 or 504: it passed the request on and
                        # lost the answer) may come after. Retrying is safe either way.
                        maybe_done = maybe_done or code != SERVER_DID_NOTHING
                        continue
                    raise IssueRefused(response.status, code, message, after_lost_answer=maybe_done)
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                # Sent but unanswered: the server may have done it. Retrying with the same
                # idempotency key is then safe and is how the answer is found again.
                maybe_done = maybe_done or not isinstance(exc, aiohttp.ClientConnectorError)
                failure = f"{type(exc).__name__}: {exc}"
        raise ServerUnavailable(f"{method} {path}: {failure}", maybe_done=maybe_done)

    async def report(self, component: str, condition: str, detail: str | None = None) -> bool:
        """Tell the server how a part is; whether it got there (a failure is logged, never
        raised), so that the caller says it again rather than leave the managers unaware."""
        # The server refuses a longer detail, and a device's error message may be one.
        body = {
            "component": component,
            "condition": condition,
            "detail": (detail or "")[:200] or None,
        }
        try:
            await self.request("POST", "/api/v1/devices/self/status", body, retry=False)
        except (IssueRefused, ServerUnavailable) as exc:
            if not self.token_refused:  # a refused token is said once, by itself
                log.warning("could not report %s %s to the server: %s", component, condition, exc)
            return False
        return True

    def _token_answered(self, status: int) -> None:
        """Note what an answer says of the token: refused (401), or accepted (a success)."""
        if status != 401 and status >= 400:
            return  # refused for another reason: says nothing of the token
        refused = status == 401
        if refused == self.token_refused:
            return
        self.token_refused = refused
        if refused:
            self._refresh.set()  # the hall view is refused too: offline until it is accepted
        self.on_token(refused)
        self.on_change()

    # -- the live hall --------------------------------------------------------------------

    async def run(self) -> None:
        """Hold the board stream and keep the hall view fresh, until cancelled."""
        refresher = asyncio.create_task(self._refresh_loop(), name="hallq-kiosk-hall")
        try:
            await self._hold_stream()
        finally:
            refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await refresher

    async def _hold_stream(self) -> None:
        delays = short_backoff()
        while True:
            try:
                async with connect(
                    stream_url(self.server_url),
                    proxy=None,
                    open_timeout=5,
                    ping_interval=5,
                    ping_timeout=5,
                    max_size=4 << 20,
                ) as ws:
                    delays = short_backoff()
                    self._refresh.set()
                    async for raw in ws:
                        self._apply(raw)
            except (OSError, TimeoutError, WebSocketException) as exc:
                log.info("server stream unavailable: %s; retrying", exc)
            self._set_online(False)
            await asyncio.sleep(next(delays))

    def _apply(self, raw: str | bytes) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            return
        if isinstance(message, dict) and (
            "waiting" in message or message.get("type") in ("snapshot", "tuning.changed")
        ):
            self._refresh.set()  # a quota or a paused service, too, changes the tiles

    async def _refresh_loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._refresh.wait(), HALL_REFRESH_SECONDS)
            self._refresh.clear()
            sent = self.clock.monotonic()
            try:
                self.hall = await self.request("GET", "/api/v1/hall", retry=False)
            except (IssueRefused, ServerUnavailable) as exc:
                if not self.token_refused:
                    log.info("cannot refresh the hall view: %s", exc)
                self._set_online(False)
                continue
            self.clock.read(self.hall, sent)
            self._set_online(True)
            self.on_change()
            await asyncio.sleep(0.3)  # coalesce a burst of changes into one refresh

    def _set_online(self, online: bool) -> None:
        if not online and not self.token_refused:  # a refused token is said by itself
            self.clock.unreached()
        if online != self.online:
            self.online = online
            log.info("server %s", "reachable" if online else "unreachable")
            self.on_change()


def _refused_words(status: int) -> str:
    return f"服务器拒绝了请求 (HTTP {status})，请联系工作人员"


async def _json(response: aiohttp.ClientResponse) -> Any:
    try:
        return await response.json(content_type=None)
    except ValueError:
        return {}
