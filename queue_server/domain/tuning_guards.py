"""What a manager's tuning may not do to the running hall without saying so: close a service's
issuing by a quota below what was already issued, or leave a service no window takes. Each
check gives the refusal's words, or None; the decider raises it under its code."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from queue_server.domain.hall_state import HallState
from queue_server.domain.hours import issuing_session


def issued_against_quotas(hall: HallState, service: str, now: dt.datetime) -> dict[str, int]:
    """The tickets each quota of `service` already counts: today's, and the current issuing
    session's (none between sessions: the next one starts from nothing)."""
    local = now.astimezone(hall.tz)
    today = local.date() == hall.day
    session = issuing_session(hall.config.hours, local)
    in_session = f"{service}/{session}"
    return {
        "daily_quota": hall.issued_today.get(service, 0) if today else 0,
        "session_quota": (
            hall.issued_in_session.get(in_session, 0) if today and session is not None else 0
        ),
    }


def quota_below_issued(
    hall: HallState,
    service: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    now: dt.datetime,
) -> str | None:
    """A quota set below the tickets it already counts stops issuing at once for the rest of
    the day (or session): more often a slip of the finger than the manager's wish, and never
    needed, as a quota equal to them, or a pause, stops issuing as well and says so. A quota
    left as it was is no new decision and is let be."""
    name = hall.services[service].name
    for field, issued in issued_against_quotas(hall, service, now).items():
        quota = after[field]
        if quota is None or quota == before[field] or quota >= issued:
            continue
        if field == "daily_quota":
            return (
                f"{name}今日已取 {issued} 号，每日限号 {quota} 低于此数，会让今日不再取号；"
                f"要今日停止取号，请把每日限号设为 {issued} 或用「暂停取号」"
            )
        return (
            f"{name}本场已取 {issued} 号，每场限号 {quota} 低于此数，会让本场不再取号；"
            f"要本场停止取号，请把每场限号设为 {issued} 或用「暂停取号」，"
            f"要从下一场起每场限 {quota} 号，请在本场取号结束后再设"
        )
    return None


def service_left_unserved(hall: HallState, window: str, after: Mapping[str, Any]) -> str | None:
    """A service that only `window` takes, dropped from it, leaves its waiting (and held,
    transferred, next-step) tickets with nobody to call them while kiosks still issue it, the
    state `hallq check-config` refuses in a hall file. A service is stopped for the day by
    pausing its issuing; some window keeps it, if only as 空闲时兼办, until its line is empty."""
    kept = {*after["services"], *after["overflow"]}
    label = hall.window_config[window].label
    for service in hall.services.values():
        takers = [
            w.id
            for w in hall.window_config.values()
            if service.id in w.services or service.id in w.overflow
        ]
        if service.id in kept or takers != [window]:
            continue
        waiting = hall.queues.waiting(service.id)
        in_line = f"，还有 {waiting} 人在等" if waiting else ""
        return (
            f"{service.name}只有{label}受理{in_line}：调整后没有窗口受理它，它的号将无人叫号。"
            f"请让{label}或其他窗口主办或兼办它；今日不再办理请用「暂停取号」"
        )
    return None
