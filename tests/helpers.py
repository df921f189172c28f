"""Shared test helpers: small hall configurations, a fake clock, a running hall."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp

from queue_server.domain import events as e
from queue_server.domain.hall import (
    Field,
    Floor,
    HallConfig,
    Hours,
    Policy,
    Service,
    Session,
    Window,
    WindowKind,
)
from queue_server.hub import Hub
from queue_server.server import HallServer
from queue_server.service import Published
from queue_server.store.eventlog import NewEvent
from queue_server.store.memory_log import MemoryEventLog
from queue_server.wire import ALL_TOPICS

SHANGHAI = ZoneInfo("Asia/Shanghai")


class FakeClock:
    """A clock that moves only when a test moves it."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


def small_hall(
    *,
    policy: Policy | None = None,
    open_all_hours: bool = False,
    services: tuple[Service, ...] | None = None,
    windows: tuple[Window, ...] | None = None,
    clearing: tuple[dt.time, ...] = (dt.time(17, 30),),
) -> HallConfig:
    """Three services, two general windows and one domain window that overflows to general."""
    services = services or (
        Service(
            id="social",
            name="社保医保",
            prefix="A",
            field="general",
            floor="1F",
            mean_service_minutes=6.0,
        ),
        Service(
            id="estate",
            name="不动产登记",
            prefix="B",
            field="general",
            floor="1F",
            mean_service_minutes=30.0,
            route=("pickup",),
        ),
        Service(
            id="company",
            name="企业开办",
            prefix="C",
            field="market",
            floor="1F",
            mean_service_minutes=20.0,
        ),
        Service(
            id="pickup",
            name="出件",
            prefix="D",
            field="general",
            floor="1F",
            mean_service_minutes=2.0,
        ),
    )
    windows = windows or (
        Window(
            id="1",
            label="1号窗口",
            floor="1F",
            kind=WindowKind.GENERAL,
            services=("social", "estate", "pickup"),
        ),
        Window(
            id="2",
            label="2号窗口",
            floor="1F",
            kind=WindowKind.GENERAL,
            services=("social", "estate", "pickup"),
        ),
        Window(
            id="3",
            label="3号窗口",
            floor="1F",
            kind=WindowKind.DOMAIN,
            services=("company",),
            overflow=("social",),
        ),
    )
    return HallConfig(
        name="测试便民服务中心",
        hours=Hours(
            sessions=(
                Session(dt.time(8, 30), dt.time(12, 0)),
                Session(dt.time(14, 0), dt.time(17, 30)),
            ),
            clearing_times=clearing,
            open_all_hours=open_all_hours,
        ),
        floors=(Floor(id="1F", label="一楼"),),
        fields=(Field(id="general", name="综合"), Field(id="market", name="市场监管")),
        services=services,
        windows=windows,
        policy=policy or Policy(),
    )


class RunningHall:
    """A started HallServer plus helpers to make people and devices and talk to it."""

    def __init__(self, server: HallServer, session: aiohttp.ClientSession) -> None:
        self.server = server
        self.http = session

    @property
    def url(self) -> str:
        return str(self.server.url)

    async def person(
        self,
        name: str,
        role: str = "clerk",
        *,
        display_name: str | None = None,
        staff_no: str | None = None,
    ) -> str:
        """Create a person and log in; returns the session token."""
        await self.server.accounts.add_user(
            name, role, "correct horse battery", display_name=display_name, staff_no=staff_no
        )
        async with self.http.post(
            f"{self.url}/api/v1/session",
            json={"username": name, "password": "correct horse battery"},
        ) as response:
            assert response.status == 200, await response.text()
            return str((await response.json())["token"])

    async def clerk_at(
        self, window: str, name: str, display: str | None = None, staff_no: str | None = None
    ) -> str:
        """A clerk (with a public name and 工号 when given) signed in at `window`; the token."""
        token = await self.person(name, display_name=display, staff_no=staff_no)
        status, answer = await self.call("POST", f"/api/v1/windows/{window}/open", token)
        assert status == 200, answer
        return token

    async def device(self, name: str, role: str, window: str | None = None) -> str:
        return str(await self.server.accounts.add_device(name, role, window=window))

    async def call(
        self,
        method: str,
        path: str,
        token: str | None = None,
        body: Any = None,
        raw: bytes | None = None,
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.http.request(
            method,
            f"{self.url}{path}",
            headers=headers,
            json=body if raw is None else None,
            data=raw,
        ) as response:
            # Exports (xlsx) are bytes: they come back as text that is not JSON.
            text = (await response.read()).decode("utf-8", errors="replace")
            try:
                return response.status, json.loads(text)
            except ValueError:
                return response.status, text


def two_floors() -> HallConfig:
    """The small hall with company registration and window 3 on the second floor."""
    base = small_hall(open_all_hours=True)
    services = tuple(
        dataclasses.replace(s, floor="2F") if s.id == "company" else s for s in base.services
    )
    windows = (
        *base.windows[:2],
        Window(id="3", label="企业开办", floor="2F", kind=WindowKind.DOMAIN, services=("company",)),
    )
    floors = (Floor(id="1F", label="一楼"), Floor(id="2F", label="二楼"))
    return dataclasses.replace(base, services=services, windows=windows, floors=floors)


async def journal_of(events: Iterable[e.Event]) -> MemoryEventLog:
    """A journal in memory holding `events` in the order given, each recorded at its time."""
    log = MemoryEventLog()
    await log.open()
    for ev in events:
        recorded = ev.at.astimezone(dt.UTC).isoformat()
        await log.append([NewEvent(ev.type, ev.to_data())], recorded_at=recorded)
    return log


def publish_changes(hub: Hub, count: int) -> None:
    """`count` changes published straight to the stream clients (a small `ticket.issued`
    each, on every topic), for replays longer than a test would make through the hall."""
    for _ in range(count):
        seq = hub.last_seq + 1
        message = {"type": "ticket.issued", "seq": seq}
        hub.publish([Published(seq, {topic: message for topic in ALL_TOPICS})])
