"""A real hall server on loopback run by its own event loop in a thread, for synchronous
fuzzers (hypothesis, schemathesis) that call it over HTTP and read its journal position."""

from __future__ import annotations

import asyncio
import datetime as dt
import http.client
import json
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from helpers import SHANGHAI, FakeClock, small_hall

from queue_server.domain.hall import HallConfig
from queue_server.server import HallServer

T = TypeVar("T")

PASSWORD = "correct horse battery"
# The people behind the tokens of `ThreadedHall.tokens()`, by the token's name.
PEOPLE = {"clerk-1": "li", "manager": "zhao", "admin": "root"}


class ThreadedHall:
    """Start with `start()`, stop with `stop()`; `run` runs a coroutine on the server's loop."""

    def __init__(self, db_path: Path, config: HallConfig | None = None) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        clock = FakeClock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI))
        # No supervision round on a timer: one could change the hall between a fuzzed request
        # and the look at the journal that checks the request changed nothing.
        self.server = HallServer(
            config or small_hall(open_all_hours=True),
            db_path,
            port=0,
            clock=clock,
            supervise_every=None,
        )
        self._connection: http.client.HTTPConnection | None = None

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)

    def start(self) -> None:
        self._thread.start()
        self.run(self.server.start())

    def stop(self) -> None:
        self._drop()
        self.run(self.server.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=30)
        self.loop.close()

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def seq(self) -> int:
        """The journal position: it moves exactly when the hall's state changes."""
        return self.server.service.last_seq

    def call(
        self, method: str, path: str, token: str | None = None, body: Any = None
    ) -> tuple[int, Any]:
        raw = None if body is None else json.dumps(body).encode()
        status, _, answer = self.send(method, path, token, raw)
        return status, json.loads(answer or b"null")

    def send(
        self,
        method: str,
        path: str,
        token: str | None = None,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        """One request on a kept-alive connection, opened afresh when the server closed it."""
        sent = {"Content-Type": "application/json", **(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        try:
            return self._exchange(method, path, raw, sent)
        except (ConnectionError, http.client.HTTPException):
            self._drop()  # the server closed a kept-alive connection: once more on a new one
            return self._exchange(method, path, raw, sent)

    def _exchange(
        self, method: str, path: str, raw: bytes | None, headers: dict[str, str]
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        if self._connection is None:
            self._connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        self._connection.request(method, path, body=raw, headers=headers)
        response = self._connection.getresponse()
        answer = response.read()
        if response.will_close:
            self._drop()
        return response.status, response.headers, answer

    def _drop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def device(self, name: str, role: str, window: str | None = None) -> str:
        return self.run(self.server.accounts.add_device(name, role, window=window))

    def person(self, name: str, role: str) -> str:
        self.run(self.server.accounts.add_user(name, role, PASSWORD))
        return self.login(name)

    def login(self, name: str) -> str:
        status, answer = self.call(
            "POST", "/api/v1/session", body={"username": name, "password": PASSWORD}
        )
        assert status == 200, answer
        return str(answer["token"])

    def sign_in(self, name: str) -> str:
        """A new session opened in the server itself: fuzzed logins from this address may
        have it waiting out a login throttle."""
        opened = self.run(self.server.accounts.login(name, PASSWORD))
        assert opened is not None
        return opened[0]

    def tokens(self) -> dict[str, str]:
        """One token of every kind of caller, the clerk signed in at window 1."""
        clerk = self.person("li", "clerk")
        status, answer = self.call("POST", "/api/v1/windows/1/open", clerk)
        assert status == 200, answer
        return {
            "kiosk": self.device("kiosk-1", "kiosk"),
            "station-1": self.device("station-1", "station", window="1"),
            "pad-1": self.device("pad-1", "pad", window="1"),
            "board": self.device("board-1", "board"),
            "clerk-1": clerk,
            "manager": self.person("zhao", "manager"),
            "admin": self.person("root", "admin"),
        }


class BusyHall:
    """A hall mid-morning, for fuzzing: a token of every caller, a called ticket at window 1,
    a waiting one, a 差评 case and an appointment; `known` holds their ids by path parameter."""

    def __init__(self, hall: ThreadedHall) -> None:
        self.hall = hall
        self.tokens = hall.tokens()
        manager, station = self.tokens["manager"], self.tokens["station-1"]
        served = self._ok("POST", "/api/v1/tickets", self.tokens["kiosk"], {"service": "social"})
        self._ok("POST", "/api/v1/tickets", self.tokens["kiosk"], {"service": "estate"})
        waiting = self._ok("POST", "/api/v1/tickets", manager, {"service": "company"})
        self._ok("POST", "/api/v1/windows/1/call-next", station)
        self._ok("POST", "/api/v1/windows/1/finish", station)
        rating = {"ticket": served["ticket"]["id"], "level": 2, "tags": ["214"]}
        self._ok("POST", "/api/v1/ratings", self.tokens["pad-1"], rating)
        self._ok("POST", "/api/v1/windows/1/call-next", station)
        cases = self._ok("GET", "/api/v1/cases", manager)["cases"]
        appointment = {
            "code": "BOOK-0001",
            "service": "social",
            "slot_start": "2026-11-23T10:00:00+08:00",
            "slot_end": "2026-11-23T10:30:00+08:00",
        }
        self._ok("POST", "/api/v1/appointments", manager, appointment)
        self.known = {
            "window": "1",
            "ticket": waiting["ticket"]["id"],
            "case": cases[0]["id"],
            "code": "BOOK-0001",
        }

    def _ok(self, method: str, path: str, token: str, body: Any = None) -> Any:
        status, answer = self.hall.call(method, path, token, body)
        assert status < 300, (path, status, answer)
        return answer
