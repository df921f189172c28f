"""Working days of the Chinese calendar: public holidays, make-up working days, deadlines."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# A guard against a runaway loop from a bad setting; no deadline in a hall is ten years away.
_MAX_DAYS = 3660
# The State Council publishes next year's holidays in autumn, usually in November; from then
# on a hall needs them, as a 差评's deadlines run weeks ahead and soon cross the new year.
NEXT_YEAR_NEEDED_FROM_MONTH = 11


@dataclass(frozen=True)
class WorkCalendar:
    """The State Council's holiday schedule for the years it covers.

    `holidays` are the days off of the published holidays (weekend days inside a holiday may be
    listed too; they change nothing), `makeup_workdays` the weekend days worked in exchange
    (调休上班). For a year outside `years` only weekends are days off: the caller warns.
    """

    holidays: frozenset[dt.date] = frozenset()
    makeup_workdays: frozenset[dt.date] = frozenset()
    years: frozenset[int] = frozenset()

    def covers(self, year: int) -> bool:
        """Whether that year's schedule is known (else its holidays count as working days)."""
        return year in self.years

    def missing_years(self, today: dt.date) -> list[int]:
        """The years a hall needs on `today` whose schedule is not known: this year, and
        from November the next."""
        needed = [today.year]
        if today.month >= NEXT_YEAR_NEEDED_FROM_MONTH:
            needed.append(today.year + 1)
        return [year for year in needed if not self.covers(year)]

    def is_working_day(self, day: dt.date) -> bool:
        day = _as_date(day)
        if day in self.makeup_workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day after `day` (not `day` itself)."""
        day = _as_date(day)
        for _ in range(_MAX_DAYS):
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                return day
        raise ValueError(f"no working day within {_MAX_DAYS} days after {day}")

    def add_working_days(self, start: dt.datetime, days: int) -> dt.datetime:
        """The deadline `days` working days after `start`: the end of that working day.

        `start` must be in the hall's time zone: its date is the day counted from. The start
        day itself does not count, so 1 working day from a Friday afternoon ends on Monday at
        23:59:59.999999 (or later when Monday is a holiday). `days = 0` means "the same working
        day": the end of the start day when it is a working day, else the end of the next one.
        The answer has `start`'s tzinfo.
        """
        if not 0 <= days <= _MAX_DAYS:
            raise ValueError(f"days must be from 0 to {_MAX_DAYS}, not {days}")
        day = start.date()
        if days == 0:
            if not self.is_working_day(day):
                day = self.next_working_day(day)
        else:
            for _ in range(days):
                day = self.next_working_day(day)
        return dt.datetime.combine(day, dt.time.max, tzinfo=start.tzinfo)

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """How many working days lie after `start` up to and including `end`.

        The count `add_working_days` makes: for days >= 1,
        `working_days_between(s.date(), add_working_days(s, days).date()) == days`.
        Negative when `end` is before `start` (so many working days back).
        """
        first, last = _as_date(start), _as_date(end)
        sign = 1
        if last < first:
            first, last, sign = last, first, -1
        if (last - first).days > _MAX_DAYS * 10:
            raise ValueError(f"{first} to {last} is too long a span")
        count = 0
        day = first
        while day < last:
            day += dt.timedelta(days=1)
            count += self.is_working_day(day)
        return sign * count


def _as_date(day: dt.date) -> dt.date:
    # A datetime is a date too, but never equal to one: the sets hold plain dates.
    return day.date() if isinstance(day, dt.datetime) else day
