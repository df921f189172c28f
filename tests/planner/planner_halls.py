"""Small halls and demands for the planner's tests."""

from __future__ import annotations

import dataclasses
import datetime as dt

from queue_server.domain.hall import (
    Field,
    Floor,
    HallConfig,
    Hours,
    Service,
    Session,
    Window,
    WindowKind,
)
from queue_server.planner.demand import SLOTS, Demand, ServiceDemand
from queue_server.planner.profile import Behaviour, Distribution

QUIET = Behaviour(
    green_share=0,
    appointment_share=0,
    missed_share=0,
    pause_share=0,
    walk_minutes=0,
    no_show_minutes=0,
)


def service(service_id: str, prefix: str, minutes: float = 5.0) -> Service:
    return Service(
        id=service_id,
        name=service_id,
        prefix=prefix,
        field="general",
        floor="1F",
        mean_service_minutes=minutes,
    )


def window(window_id: str, services: tuple[str, ...], **kwargs: object) -> Window:
    kind = kwargs.pop("kind", WindowKind.GENERAL)
    assert isinstance(kind, WindowKind)
    overflow = kwargs.pop("overflow", ())
    assert isinstance(overflow, tuple)
    return Window(
        id=window_id,
        label=f"{window_id}号窗口",
        floor="1F",
        kind=kind,
        services=services,
        overflow=overflow,
    )


def hall(
    services: tuple[Service, ...],
    windows: tuple[Window, ...],
    sessions: tuple[tuple[dt.time, dt.time], ...],
    **hours: object,
) -> HallConfig:
    return HallConfig(
        name="规划测试中心",
        hours=dataclasses.replace(
            Hours(sessions=tuple(Session(a, b) for a, b in sessions)),
            **hours,  # type: ignore[arg-type]
        ),
        floors=(Floor(id="1F", label="一楼"),),
        fields=(Field(id="general", name="综合"),),
        services=services,
        windows=windows,
    )


def steady(
    service_id: str,
    per_slot: float,
    minutes: float,
    slots: range = range(SLOTS),
    *,
    cv: float = 1.0,
    distribution: Distribution = Distribution.LOGNORMAL,
) -> ServiceDemand:
    arrivals = tuple(per_slot if s in slots else 0.0 for s in range(SLOTS))
    return ServiceDemand(service_id, arrivals, minutes, cv, distribution)


def demand(*services: ServiceDemand, behaviour: Behaviour = QUIET) -> Demand:
    return Demand(source="test", services=services, behaviour=behaviour)
