"""Counting helpers shared by the reports: minutes statistics, hours, rating tallies."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from queue_server.domain.ratings import Level, is_bad, is_good
from queue_server.reports.facts import Rated

LEVELS = (5, 4, 3, 2, 1)  # 非常满意 first, as the sheets show them


# Minutes come from sums and quotients of seconds in binary floating point, which holds
# 9.865 as 9.864999999999998: read to this many places first, far below a second, the
# value is the one a person would work out.
_FLOAT_NOISE_PLACES = 9


def half_up(value: float, places: int = 2) -> float:
    """Rounded half up (四舍五入), as a hall's staff round by hand and Excel's ROUND does:
    10.125 to 10.13, where Python's round gives 10.12."""
    exact = Decimal(repr(value)).quantize(Decimal(1).scaleb(-_FLOAT_NOISE_PLACES))
    return float(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def rounded(value: float | None) -> float | None:
    """Minutes to two places, half up; None stays None (nothing to measure)."""
    return None if value is None else half_up(value)


def mean(values: Sequence[float]) -> float | None:
    return rounded(sum(values) / len(values)) if values else None


def p90(values: Sequence[float]) -> float | None:
    """The nearest-rank 90th percentile: the smallest value that at least 90% do not exceed."""
    if not values:
        return None
    ordered = sorted(values)
    return rounded(ordered[math.ceil(0.9 * len(ordered)) - 1])


def largest(values: Sequence[float]) -> float | None:
    return rounded(max(values)) if values else None


def rate(part: int, whole: int) -> float | None:
    """part / whole to four places, rounded half up from the exact fraction (29 / 32 =
    0.90625 is 0.9063)."""
    if not whole:
        return None
    exact = Decimal(part) / Decimal(whole)
    return float(exact.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def local_hour(moment: dt.datetime, tz: dt.tzinfo) -> int:
    return moment.astimezone(tz).hour


def hour_label(hour: int) -> str:
    return f"{hour:02d}:00-{(hour + 1) % 24:02d}:00"


def split_by_hour(
    start: dt.datetime, end: dt.datetime, tz: dt.tzinfo
) -> Iterator[tuple[int, float]]:
    """(local hour, minutes) of each clock hour that the time from `start` to `end` overlaps."""
    at = start.astimezone(tz)
    end = end.astimezone(tz)
    while at < end:
        next_hour = at.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
        stop = min(next_hour, end)
        yield at.hour, (stop - at).total_seconds() / 60
        at = stop


@dataclass(frozen=True)
class RatingCounts:
    """Ratings that count (never struck): first ratings by level, defaults apart, 追评 apart.

    `ratings` holds first ratings, defaults included (as the hall's 好评率 counts them);
    `default` says how many of them the system gave; 追评 are in `follow_ups` and no rate.
    """

    levels: tuple[int, ...] = (0,) * len(LEVELS)  # counts of levels 5, 4, 3, 2, 1
    default: int = 0
    follow_ups: int = 0

    @property
    def ratings(self) -> int:
        return sum(self.levels)

    @property
    def good(self) -> int:
        return sum(n for level, n in zip(LEVELS, self.levels, strict=True) if is_good(Level(level)))

    @property
    def bad(self) -> int:
        return sum(n for level, n in zip(LEVELS, self.levels, strict=True) if is_bad(Level(level)))

    @property
    def good_rate(self) -> float | None:
        """好评率 = good / ratings, as /api/v1/ratings/figures counts it."""
        return rate(self.good, self.ratings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ratings": self.ratings,
            "levels": {str(level): n for level, n in zip(LEVELS, self.levels, strict=True)},
            "good": self.good,
            "bad": self.bad,
            "default": self.default,
            "follow_ups": self.follow_ups,
            "good_rate": self.good_rate,
        }


def tally(ratings: Iterable[Rated]) -> RatingCounts:
    levels = dict.fromkeys(LEVELS, 0)
    default = follow_ups = 0
    for rating in ratings:
        if rating.follow_up:
            follow_ups += 1
            continue
        levels[rating.level] += 1
        default += rating.default
    return RatingCounts(tuple(levels[level] for level in LEVELS), default, follow_ups)
