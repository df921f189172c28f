"""The monthly clerk assessment sheet (月度考核): volume, handling, ratings, pauses, attendance."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from queue_server.domain.hall import Hours
from queue_server.domain.hours import open_minutes
from queue_server.reports.facts import Card, Facts
from queue_server.reports.order import number_order
from queue_server.reports.periods import Period
from queue_server.reports.tally import RatingCounts, half_up, mean, rate, tally


@dataclass(frozen=True)
class ClerkAssessment:
    clerk: str  # the user name
    name: str | None
    staff_no: str | None
    # Working days signed in at a window in opening hours, and days on duty besides
    # (`_days_present`).
    days_present: int
    working_days: int | None  # working days of the month so far, by the hall's calendar
    working_days_present: int  # of `days_present`, those on working days: the rate's part
    served: int
    missed: int
    handling_mean: float | None
    pause_minutes: float
    ratings: RatingCounts

    @property
    def attendance_rate(self) -> float | None:
        """Working days present over working days: a day on duty at the weekend adds to
        `days_present`, not to the rate."""
        return rate(self.working_days_present, self.working_days or 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "clerk": self.clerk,
            "name": self.name,
            "staff_no": self.staff_no,
            "days_present": self.days_present,
            "working_days": self.working_days,
            "attendance_rate": self.attendance_rate,
            "served": self.served,
            "missed": self.missed,
            "handling_minutes": {"mean": self.handling_mean},
            "pause_minutes": self.pause_minutes,
            **self.ratings.to_dict(),
        }


@dataclass(frozen=True)
class AssessmentSheet:
    period: Period
    rows: tuple[ClerkAssessment, ...]  # by 工号 (999 before 1001), then user name

    def to_dict(self) -> dict[str, Any]:
        return {"period": self.period.to_dict(), "rows": [row.to_dict() for row in self.rows]}


def assessment_sheet(
    facts: Facts,
    period: Period,
    *,
    tz: dt.tzinfo,
    hours: Hours,
    is_working_day: Callable[[dt.date], bool] | None = None,
    hall_since: dt.date | None = None,
) -> AssessmentSheet:
    """One row per clerk seen in `facts` (work done at a window opened by its station, with
    no clerk, is in no row). `is_working_day` (the hall's calendar) gives `working_days`:
    those of the days `facts` reach (up to today in a month still running) from
    `hall_since`, the hall's first day, on; a day not yet come or before the hall opened
    is nobody's absence. `hours` are the hall's opening hours: attendance on a working day."""
    days = _days_present(facts, tz, hours, is_working_day or (lambda _: True))
    clerks = set(days) | set(facts.cards)
    for found in (facts.served, facts.marks, facts.paused, facts.ratings):
        clerks |= {x.clerk for x in found if x.clerk}
    working: set[dt.date] = set()
    if is_working_day is not None:
        working = {day for day in _days_counted(facts, tz, hall_since) if is_working_day(day)}

    def row(clerk: str) -> ClerkAssessment:
        card = facts.cards.get(clerk, Card(None, None))
        served = [s for s in facts.served if s.clerk == clerk]
        return ClerkAssessment(
            clerk=clerk,
            name=card.name,
            staff_no=card.staff_no,
            days_present=len(days.get(clerk, ())),
            working_days=None if is_working_day is None else len(working),
            working_days_present=len(days.get(clerk, set()) & working),
            served=len(served),
            missed=sum(1 for m in facts.marks if m.clerk == clerk and m.kind == "missed"),
            handling_mean=mean([m for s in served if (m := s.minutes) is not None]),
            pause_minutes=half_up(sum(p.minutes for p in facts.paused if p.clerk == clerk)),
            ratings=tally(r for r in facts.ratings if r.clerk == clerk),
        )

    rows = sorted((row(c) for c in clerks), key=lambda r: (number_order(r.staff_no or ""), r.clerk))
    return AssessmentSheet(period, tuple(rows))


def _days_present(
    facts: Facts, tz: dt.tzinfo, hours: Hours, is_working_day: Callable[[dt.date], bool]
) -> dict[str, set[dt.date]]:
    """Each clerk's days present. A working day is one she was signed in at a window at any
    moment of its opening hours, whenever she signed in: a clerk who stays signed in
    overnight, over a weekend or into a new month, and works on, was there, and a window
    left signed in is no day present once she or a manager has closed it. Another day (a
    weekend, a holiday) is a day on duty when she signed in at a window or served or marked
    a ticket at one that day: a window left signed in while the hall is shut is not."""
    days: dict[str, set[dt.date]] = {}
    for segment in facts.opened:
        if segment.clerk is None:
            continue
        start, end = segment.start.astimezone(tz), segment.end.astimezone(tz)
        for day in _days_from(start.date(), end.date()):
            opens = dt.datetime.combine(day, dt.time(), tz)
            closes = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tz)
            inside = open_minutes(hours, max(start, opens), min(end, closes)) > 0
            if inside and is_working_day(day):
                days.setdefault(segment.clerk, set()).add(day)
    on_duty: list[tuple[str | None, dt.datetime]] = [
        *facts.sign_ins,
        *((served.clerk, served.at) for served in facts.served),
        *((mark.clerk, mark.at) for mark in facts.marks),
    ]
    for clerk, when in on_duty:
        day = when.astimezone(tz).date()
        if clerk is not None and not is_working_day(day):
            days.setdefault(clerk, set()).add(day)
    return days


def _days_from(first: dt.date, last: dt.date) -> list[dt.date]:
    """The days from `first` to `last`, both included."""
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def _days_counted(facts: Facts, tz: dt.tzinfo, hall_since: dt.date | None) -> list[dt.date]:
    """The local days from the start of `facts`, or the hall's first day when later, to the
    day of their end: the last day of a month gone by, today in a month still running."""
    if facts.end <= facts.start:  # a month not yet begun
        return []
    first = facts.start.astimezone(tz).date()
    if hall_since is not None:
        first = max(first, hall_since)
    last = (facts.end - dt.timedelta(microseconds=1)).astimezone(tz).date()
    return _days_from(first, last)
