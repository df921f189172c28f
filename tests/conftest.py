"""Shared test factories: small hall configurations and a fake clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest

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


@pytest.fixture
def make_hall_config() -> Callable[..., HallConfig]:
    return small_hall


@pytest.fixture
def clock() -> FakeClock:
    # A Monday morning, inside the first session.
    return FakeClock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI))
