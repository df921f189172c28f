"""The hall's screens on the event stream: boards, phones and the manager's console, each
rebuilding the hall from a snapshot and the changes after it, resuming after every cut."""

from __future__ import annotations

import asyncio
import json
import random
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp

RETRY_SECONDS = 0.2
RECEIVE_SECONDS = 30.0
CLOSE = 0x8


@dataclass
class StreamView:
    """What one screen knows: the windows (id -> window), the waiting counts, the last seq."""

    windows: dict[str, dict[str, Any]] = field(default_factory=dict)
    waiting: dict[str, int] = field(default_factory=dict)
    seq: int | None = None

    def shown(self) -> tuple[list[tuple[str, str, str | None]], dict[str, int]]:
        """Per window (id, state, current ticket id), and the waiting counts."""
        rows = [
            (w["id"], w["state"], (w["ticket"] or {}).get("id"))
            for w in sorted(self.windows.values(), key=lambda w: int(w["id"]))
        ]
        return rows, dict(self.waiting)


class Watcher:
    """One screen: a board (topic board), a phone page, or the console (every event).

    It checks as it goes: seqs only go up, a ticket is never current at two windows, and on
    the console every event arrives (seq after seq) unless the server sent a fresh snapshot.
    """

    def __init__(
        self,
        name: str,
        url: Callable[[], str],
        problems: list[str],
        *,
        token: str | None = None,
        every_event: bool = False,
        hang_up_every: float | None = None,
    ) -> None:
        self.name = name
        self.url = url
        self.problems = problems
        self.token = token
        self.every_event = every_event
        self.hang_up_every = hang_up_every  # a phone page: closed and opened again now and then
        self.rng = random.Random(name)  # when a phone hangs up: the same in every run
        self.view = StreamView()
        self.messages = 0
        self.snapshots = 0
        self.resumes = 0
        self.cuts = 0  # connections lost (a server killed), not hang-ups of its own
        self.longest_outage = 0.0
        self.stopping = False
        self._hung_up = False

    @property
    def topics(self) -> str:
        return "board,console" if self.every_event else "board"

    def _address(self) -> str:
        query = f"topics={self.topics}"
        if self.view.seq is not None:
            query += f"&after_seq={self.view.seq}"
        if self.token is not None:
            query += f"&token={self.token}"
        return f"{self.url().replace('http', 'ws', 1)}/ws?{query}"

    async def run(self, http: aiohttp.ClientSession) -> None:
        """Watch until stopped, reconnecting (with after_seq) whenever the stream ends."""
        cut_at: float | None = None
        while not self.stopping:
            try:
                async with http.ws_connect(self._address(), heartbeat=5) as ws:
                    if cut_at is not None:  # back: how long the screen was without the hall
                        self.longest_outage = max(self.longest_outage, time.monotonic() - cut_at)
                        cut_at = None
                    if self.view.seq is not None:
                        self.resumes += 1
                    await self._read(ws)
            except (aiohttp.ClientError, ConnectionError, TimeoutError):
                pass
            if self.stopping:
                return
            if cut_at is None and not self._hung_up:
                self.cuts += 1
                cut_at = time.monotonic()
            self._hung_up = False
            await asyncio.sleep(RETRY_SECONDS)

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        hang_up_at = (
            None
            if self.hang_up_every is None
            else time.monotonic() + self.rng.uniform(0.5, 1.5) * self.hang_up_every
        )
        while not self.stopping:
            if hang_up_at is not None and time.monotonic() > hang_up_at:
                self._hung_up = True
                return
            try:
                message = await ws.receive(timeout=1.0)
            except TimeoutError:
                continue
            if message.type is not aiohttp.WSMsgType.TEXT:
                return
            self.apply(json.loads(message.data))

    def apply(self, message: dict[str, Any]) -> None:
        self.messages += 1
        seq = message["seq"]
        if message["type"] == "snapshot":
            self.snapshots += 1
            state = message["state"]
            self.view.windows = {w["id"]: w for w in state["windows"]}
            self.view.waiting = dict(state["waiting"])
            self.view.seq = seq
            return
        last = self.view.seq
        if last is not None and seq <= last:
            self.problems.append(f"{self.name}: seq {seq} after {last}")
        if self.every_event and last is not None and seq != last + 1:
            self.problems.append(f"{self.name}: seq {seq} after {last}: events lost")
        self.view.seq = seq
        window = message.get("window")
        if isinstance(window, dict):
            self.view.windows[window["id"]] = window
            self._check_one_window_per_ticket(window, message)
        if "waiting" in message:
            self.view.waiting = dict(message["waiting"])

    def _check_one_window_per_ticket(self, window: dict[str, Any], message: dict[str, Any]) -> None:
        current = (window.get("ticket") or {}).get("id")
        if current is None:
            return
        for other in self.view.windows.values():
            if other["id"] != window["id"] and (other.get("ticket") or {}).get("id") == current:
                self.problems.append(
                    f"{self.name}: ticket {window['ticket']['number']} shown at windows "
                    f"{other['id']} and {window['id']} at once (seq {message['seq']})"
                )


class StalledClient:
    """A console tab that connects and then stops reading, as a frozen browser does.

    It takes the socket with a tiny receive buffer so that the server's writes back up
    quickly; `verdict` later reads what did arrive and how the server ended the stream.
    """

    def __init__(self, url: str, token: str) -> None:
        self.token = token
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.bytes_read = 0

    async def connect(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (self.host, self.port))
        # A small limit: the reader stops taking bytes off the socket after about 2 KiB.
        self.reader, self.writer = await asyncio.open_connection(sock=sock, limit=1024)
        self.writer.write(
            f"GET /ws?topics=board,console&token={self.token} HTTP/1.1\r\n".encode()
            + f"Host: {self.host}:{self.port}\r\n".encode()
            + b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: c29hayB0ZXN0IGNsaWVudA==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head

    async def verdict(self, seconds: float) -> tuple[int, str]:
        """Read what arrived: (messages, how the stream ended): `closed <code>`, `dropped`
        (the connection ended without a close frame) or `still open` after `seconds`."""
        assert self.reader is not None and self.writer is not None
        frames = 0
        try:
            async with asyncio.timeout(seconds):
                while True:
                    head = await self.reader.readexactly(2)
                    size = head[1] & 0x7F
                    if size == 126:
                        (size,) = struct.unpack("!H", await self.reader.readexactly(2))
                    elif size == 127:
                        (size,) = struct.unpack("!Q", await self.reader.readexactly(8))
                    payload = await self.reader.readexactly(size)
                    if head[0] & 0x0F == CLOSE:
                        code = struct.unpack("!H", payload[:2])[0] if payload else None
                        return frames, f"closed {code}"
                    frames += 1
                    self.bytes_read += size
        except (asyncio.IncompleteReadError, ConnectionError):
            return frames, "dropped"
        except TimeoutError:
            return frames, "still open"
        finally:
            self.writer.close()
