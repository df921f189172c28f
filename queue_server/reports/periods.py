"""Report periods: a local day, an ISO week (Monday to Sunday) or a calendar month."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from queue_server.ratings.history import day_bounds
from queue_server.reports.errors import ReportError

_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
FIRST_YEAR = 2000
LAST_YEAR = 2999


class PeriodKind(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True)
class Period:
    """The local days `first` to `last` (both included) of one day, week or month."""

    kind: PeriodKind
    first: dt.date
    last: dt.date

    @property
    def label(self) -> str:
        """How files and headings name it: 2026-11-23, 2026-W48, 2026-11."""
        if self.kind is PeriodKind.DAY:
            return self.first.isoformat()
        if self.kind is PeriodKind.WEEK:
            year, week, _ = self.first.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.first.year}-{self.first.month:02d}"

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def bounds(self, tz: dt.tzinfo) -> tuple[str, str]:
        """The journal's `recorded_at` range (UTC ISO) of the period."""
        return day_bounds(self.first, self.last, tz)

    def moments(self, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
        """The period's first moment and the moment after it, in `tz`."""
        start = dt.datetime.combine(self.first, dt.time(), tz)
        end = dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), tz)
        return start, end

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "label": self.label,
            "first": self.first.isoformat(),
            "last": self.last.isoformat(),
        }


def period_of(kind: PeriodKind | str, day: dt.date) -> Period:
    """The day, ISO week or month that holds `day`."""
    try:
        kind = PeriodKind(kind)
    except ValueError:
        raise ReportError("period", "must be day, week or month") from None
    if kind is PeriodKind.DAY:
        return Period(kind, day, day)
    if kind is PeriodKind.WEEK:
        monday = day - dt.timedelta(days=day.weekday())
        return Period(kind, monday, monday + dt.timedelta(days=6))
    first = day.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return Period(kind, first, following - dt.timedelta(days=1))


def parse_date(text: str, field: str = "date") -> dt.date:
    """ "2026-11-23" -> that date; a ReportError naming `field` for anything else."""
    found = _DATE.fullmatch(text)
    try:
        day = dt.date(int(found[1]), int(found[2]), int(found[3])) if found else None
    except ValueError:
        day = None
    if day is None:
        raise ReportError(field, "must be a date, YYYY-MM-DD")
    _check_year(day.year, field)
    return day


def _check_year(year: int, field: str) -> None:
    # Far years would overflow the date arithmetic of weeks and bounds; no hall reports them.
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ReportError(field, f"must be in the years {FIRST_YEAR} to {LAST_YEAR}")


def parse_month(text: str, field: str = "month") -> Period:
    """ "2026-11" -> that month's Period."""
    found = _MONTH.fullmatch(text)
    if found is None:
        raise ReportError(field, "must be a month, YYYY-MM")
    _check_year(int(found[1]), field)
    return period_of(PeriodKind.MONTH, dt.date(int(found[1]), int(found[2]), 1))
