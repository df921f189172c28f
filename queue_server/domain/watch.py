"""效能监察: the conditions in the hall a supervisor must hear of, as they stand right now."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from queue_server.domain.hall_state import HallState
from queue_server.domain.hours import in_session, open_minutes
from queue_server.domain.model import TicketState, WindowState

# Kinds that hold while a condition lasts: raised when it starts, cleared when it ends.
WATCHED = frozenset(
    {
        "wait_yellow",
        "wait_red",
        "queue_long",
        "unstaffed",
        "pause_long",
        "service_long",
        "device_fault",
    }
)
# A service is "far longer than usual" only past this, whatever its mean: short services
# vary a lot in proportion and a two-minute pick-up taking seven is no news.
MIN_LONG_SERVICE_MINUTES = 15.0


@dataclass(frozen=True)
class Condition:
    key: str  # what it is about, stable while it lasts: "wait_red:social"
    kind: str
    subject: str
    message: str


def conditions(state: HallState, now: dt.datetime) -> list[Condition]:
    """Every condition that holds at `now`, by the hall's [alerts] settings."""
    return [*_waits(state, now), *_windows(state, now), *_devices(state)]


def _minutes_since(moment: dt.datetime, now: dt.datetime) -> float:
    return (now - moment).total_seconds() / 60


def _waits(state: HallState, now: dt.datetime) -> Iterator[Condition]:
    settings = state.config.alerts
    oldest: dict[str, dt.datetime] = {}
    counts: dict[str, int] = {}
    for ticket in state.tickets.values():
        if ticket.state is TicketState.WAITING:
            counts[ticket.service] = counts.get(ticket.service, 0) + 1
            since = ticket.in_line_since
            if ticket.service not in oldest or since < oldest[ticket.service]:
                oldest[ticket.service] = since
    for service, since in sorted(oldest.items()):
        name = state.services[service].name if service in state.services else service
        waited = _minutes_since(since, now)
        if waited >= settings.wait_red_minutes:
            kind = "wait_red"
        elif waited >= settings.wait_yellow_minutes:
            kind = "wait_yellow"
        else:
            continue
        yield Condition(f"{kind}:{service}", kind, service, f"{name}最长已等候{waited:.0f}分钟")
    for service, count in sorted(counts.items()):
        if count > settings.queue_length:
            name = state.services[service].name if service in state.services else service
            yield Condition(
                f"queue_long:{service}", "queue_long", service, f"{name}有{count}人在等候"
            )


def _windows(state: HallState, now: dt.datetime) -> Iterator[Condition]:
    settings = state.config.alerts
    open_hours = in_session(state.config.hours, now.astimezone(state.tz))
    for window in state.windows.values():
        label = state.window_config[window.id].label
        if (
            open_hours
            and window.id in settings.staffed
            and (window.state is WindowState.CLOSED or window.clerk is None)
        ):
            yield Condition(
                f"unstaffed:{window.id}", "unstaffed", window.id, f"{label}在办公时间无人在岗"
            )
        if window.state is WindowState.PAUSED and window.since is not None:
            # Only the pause inside opening hours is the clerk's: a window paused over the
            # lunch break or the night is no window left unstaffed.
            paused = open_minutes(
                state.config.hours, window.since.astimezone(state.tz), now.astimezone(state.tz)
            )
            if paused > settings.pause_minutes:
                yield Condition(
                    f"pause_long:{window.id}",
                    "pause_long",
                    window.id,
                    f"{label}已暂停{paused:.0f}分钟({window.pause_reason or '未说明原因'})",
                )
        ticket = state.tickets.get(window.ticket_id or "")
        began = ticket.started_at if ticket is not None else None
        if ticket is not None and ticket.state is TicketState.SERVING and began is not None:
            took = ticket.service_minutes(began, now)  # the time it was held is not service
            usual = state.mean_minutes.get(ticket.service, 10.0)
            if took > max(settings.service_factor * usual, MIN_LONG_SERVICE_MINUTES):
                yield Condition(
                    f"service_long:{window.id}:{ticket.id}",
                    "service_long",
                    window.id,
                    f"{label}办理{ticket.number}已{took:.0f}分钟, 通常约{usual:.0f}分钟",
                )


# How the managers read a fault (the alert's message, also posted to the hall's webhook);
# a part or condition not named here is written as the device reported it.
_PARTS = {
    "printer": "打印机",
    "scanner": "扫描器",
    "id_reader": "身份证阅读器",
    "card_reader": "身份证阅读器",
    "screen": "屏幕",
    "network": "网络",
    "audio": "音响",
    "keypad": "呼叫器",
    "key_pad": "评价按键",
    "pad": "评价器",
    "clock": "时钟",
}
_FAULTS = {
    "paper_low": "纸将用完",
    "paper_out": "缺纸",
    "offline": "离线",
    "error": "故障",
    "cover_open": "纸仓打开",
    "jam": "卡纸",
    "off": "时间不准",
}


def _devices(state: HallState) -> Iterator[Condition]:
    for (device, component), health in sorted(state.devices.items()):
        if not health.healthy:
            name = device.removeprefix("device:")
            part = _PARTS.get(component, component)
            fault = _FAULTS.get(health.condition, health.condition)
            yield Condition(
                f"device_fault:{device}:{component}",
                "device_fault",
                device,
                f"{name}的{part}{fault}",
            )
