"""The hall's breaks (the lunch break, the night) are not a clerk's pause nor part of a
service: what a window left as it was over a break says nothing of the clerk or the pace."""

from __future__ import annotations

import datetime as dt

from helpers import FakeClock, small_hall

from queue_server.domain import commands as c
from queue_server.domain.state import Hall
from queue_server.domain.watch import conditions


def at(clock: FakeClock, hour: int, minute: int, days: int = 0) -> dt.datetime:
    clock.now = clock.now.replace(hour=hour, minute=minute) + dt.timedelta(days=days)
    return clock.now


def pauses(hall: Hall, now: dt.datetime) -> list[str]:
    return [x.message for x in conditions(hall, now) if x.kind == "pause_long"]


def test_a_window_paused_over_the_lunch_break_or_the_night_is_no_long_pause(
    clock: FakeClock,
) -> None:
    hall = Hall(small_hall())  # 08:30-12:00 and 14:00-17:30; pauses over 30 minutes alert
    hall.execute(c.OpenWindow("1", clerk="clerk1"), at(clock, 11, 50))
    hall.execute(c.PauseWindow("1", reason="午休"), at(clock, 11, 55))
    assert pauses(hall, at(clock, 13, 50)) == []
    assert pauses(hall, at(clock, 14, 20)) == []  # 5 + 20 minutes of opening hours
    assert pauses(hall, at(clock, 14, 30)) == ["1号窗口已暂停35分钟(午休)"]

    hall.execute(c.ResumeWindow("1"), at(clock, 14, 31))
    hall.execute(c.PauseWindow("1", reason="下班"), at(clock, 17, 20))
    assert pauses(hall, at(clock, 23, 0)) == []
    assert pauses(hall, at(clock, 8, 45, days=1)) == []  # 10 + 15 minutes
    assert pauses(hall, at(clock, 9, 0)) == ["1号窗口已暂停40分钟(下班)"]


def test_a_service_finished_only_after_the_lunch_break_does_not_set_the_pace(
    clock: FakeClock,
) -> None:
    hall = Hall(small_hall())  # social's usual service: 6 minutes
    hall.execute(c.OpenWindow("1", clerk="clerk1"), at(clock, 11, 0))
    for name in ("run-on", "forgotten", "late"):
        hall.execute(c.IssueTicket(ticket_id=name, service="social"), clock())
    hall.execute(c.CallNext("1"), at(clock, 11, 45))
    # A service running on past noon (延时服务) is a service: it is learned.
    hall.execute(c.CallNext("1"), at(clock, 12, 5))
    assert hall.mean_minutes["social"] == 6.0 + 0.2 * (20 - 6.0)
    # The clerk went to lunch without pressing 办结, and calls the next citizen at 14:05.
    hall.execute(c.CallNext("1"), at(clock, 14, 5))
    assert hall.mean_minutes["social"] == 6.0 + 0.2 * (20 - 6.0)
