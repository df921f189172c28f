"""The staff (console topic) stream for one device token: reconnects and resumes by seq."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable

from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus, WebSocketException

from display.agent import short_backoff, stream_url
from kiosk.token_refusal import refused_token

log = logging.getLogger(__name__)


def console_url(server_url: str, after_seq: int | None = None) -> str:
    """The ws:// URL of the board and console topics for an http(s):// server URL."""
    return stream_url(server_url, after_seq, topics="board,console")


class ConsoleStream:
    """Hands every message to `on_message`; `last_seq` says where a reconnect resumes.

    `on_online` is told when the stream comes and goes. The token goes in a header, never in
    the URL, so it stays out of the server's logs; `role` ("station" or "pad") names it when
    the server refuses it.
    """

    def __init__(
        self,
        server_url: str,
        token: str,
        on_message: Callable[[object], None],
        last_seq: Callable[[], int | None],
        *,
        role: str,
        on_online: Callable[[bool], None] = lambda online: None,
        ping_interval: float = 5.0,
    ) -> None:
        console_url(server_url)  # refuse a malformed URL now
        self.server_url = server_url
        self.token = token
        self.role = role
        self.on_message = on_message
        self.last_seq = last_seq
        self.on_online = on_online
        self.ping_interval = ping_interval

    async def run(self) -> None:
        """Hold the stream until cancelled."""
        delays = short_backoff()
        refusal_said = False  # said once until the stream is held again, not at every retry
        while True:
            url = console_url(self.server_url, self.last_seq())
            try:
                async with connect(
                    url,
                    additional_headers={"Authorization": f"Bearer {self.token}"},
                    proxy=None,  # the hall's LAN server, never through a proxy from the env
                    open_timeout=5,
                    ping_interval=self.ping_interval,
                    ping_timeout=self.ping_interval,
                    max_size=4 << 20,
                ) as ws:
                    delays = short_backoff()
                    refusal_said = False
                    self.on_online(True)
                    async for raw in ws:
                        try:
                            message = json.loads(raw)
                        except ValueError:
                            continue
                        self.on_message(message)
            except InvalidStatus as exc:
                status = exc.response.status_code
                if status in (401, 403) and not refusal_said:
                    refusal_said = True
                    log.warning(
                        refused_token(
                            f"{self.role} token",
                            status,
                            f"(hallq device add) for station.{self.role}_token",
                        )
                    )
                else:
                    log.info("staff stream refused: %s; retrying", exc)
            except (OSError, TimeoutError, WebSocketException) as exc:
                log.info("staff stream unavailable: %s; retrying", exc)
            self.on_online(False)
            await asyncio.sleep(next(delays))
