"""The hourly load of a day: tickets issued per clock hour against the windows open then."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from queue_server.reports.facts import Facts
from queue_server.reports.periods import Period
from queue_server.reports.tally import half_up, hour_label, local_hour, rounded, split_by_hour


@dataclass(frozen=True)
class LoadRow:
    hour: int  # local clock hour, 9 for 09:00-10:00
    issued: int
    served: int
    open_windows: float  # windows signed in, on average over the hour (paused included)
    serving_windows: float  # of those, not paused
    issued_per_window: float | None  # issued / open_windows

    @property
    def label(self) -> str:
        return hour_label(self.hour)

    def to_dict(self) -> dict[str, Any]:
        return {
            "hour": self.hour,
            "label": self.label,
            "issued": self.issued,
            "served": self.served,
            "open_windows": self.open_windows,
            "serving_windows": self.serving_windows,
            "issued_per_window": self.issued_per_window,
        }


@dataclass(frozen=True)
class HourlyLoad:
    period: Period
    rows: tuple[LoadRow, ...]  # from the first hour with any activity to the last

    def to_dict(self) -> dict[str, Any]:
        return {"period": self.period.to_dict(), "rows": [row.to_dict() for row in self.rows]}


def hourly_load(facts: Facts, period: Period, *, tz: dt.tzinfo) -> HourlyLoad:
    """Per clock hour of the period (a day; over more days the hours add up): tickets issued,
    services finished, and the mean number of windows open: open minutes over the minutes of
    the hour counted (all 60, or those gone so far in the hour running now)."""
    issued = [0] * 24
    served = [0] * 24
    counted = [0.0] * 24
    open_minutes = [0.0] * 24
    paused_minutes = [0.0] * 24
    for issue in facts.issued:
        issued[local_hour(issue.at, tz)] += 1
    for service in facts.served:
        served[local_hour(service.at, tz)] += 1
    for hour, minutes in split_by_hour(facts.start, facts.end, tz):
        counted[hour] += minutes
    for segment in facts.opened:
        for hour, minutes in split_by_hour(segment.start, segment.end, tz):
            open_minutes[hour] += minutes
    for segment in facts.paused:
        for hour, minutes in split_by_hour(segment.start, segment.end, tz):
            paused_minutes[hour] += minutes
    busy = [h for h in range(24) if issued[h] or served[h] or open_minutes[h]]
    rows = tuple(
        LoadRow(
            hour=h,
            issued=issued[h],
            served=served[h],
            open_windows=_windows(open_minutes[h], counted[h]),
            serving_windows=_windows(open_minutes[h] - paused_minutes[h], counted[h]),
            issued_per_window=_per_window(issued[h], open_minutes[h], counted[h]),
        )
        for h in (range(busy[0], busy[-1] + 1) if busy else ())
    )
    return HourlyLoad(period, rows)


def _windows(minutes: float, counted: float) -> float:
    """Windows on average: their minutes over the minutes of the hour counted."""
    return half_up(minutes / counted) if counted > 0 else 0.0


def _per_window(issued: int, open_minutes: float, counted: float) -> float | None:
    return rounded(issued * counted / open_minutes) if open_minutes > 0 else None
