"""The monthly 好差评 figures per window, clerk or service: 好评率, 差评率 and the rest."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from typing import Any

from queue_server.domain.ratings import RatingRecord, ServedService, is_bad, is_good

TOTAL_KEY = "total"
TOTAL_LABEL = "合计"
NO_CLERK_LABEL = "（无工作人员）"

_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


class By(StrEnum):
    """What a row of the figures is about."""

    WINDOW = "window"
    CLERK = "clerk"
    SERVICE = "service"


@dataclass
class _Counts:
    served: int = 0
    ratings: int = 0
    active: int = 0
    good: int = 0
    bad: int = 0
    active_good: int = 0
    default: int = 0
    follow_ups: int = 0


@dataclass(frozen=True)
class FigureRow:
    """One window's, clerk's or service's month. Rates are None when their denominator is 0."""

    key: str
    label: str
    served: int  # services finished in the month
    ratings: int  # first ratings (not 追评), not struck; defaults included
    active: int  # of those, given by the citizen (主动评价)
    good: int  # of `ratings`, 基本满意 or better
    bad: int  # of `ratings`, 不满意 or 非常不满意 (差评)
    active_good: int  # of `active`, 基本满意 or better
    default: int  # of `ratings`, given by the system after N days
    follow_ups: int  # 追评, not struck (not in any rate)

    @property
    def good_rate(self) -> float | None:
        """好评率 = good / ratings."""
        return _rate(self.good, self.ratings)

    @property
    def active_good_rate(self) -> float | None:
        """主动评价好评率 = active_good / active."""
        return _rate(self.active_good, self.active)

    @property
    def unrated_rate(self) -> float | None:
        """未评价率 = (served - active) / served: default and struck ratings count as unrated."""
        return _rate(self.served - self.active, self.served)

    @property
    def bad_rate(self) -> float | None:
        """差评率 = bad / ratings."""
        return _rate(self.bad, self.ratings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "served": self.served,
            "ratings": self.ratings,
            "active": self.active,
            "good": self.good,
            "bad": self.bad,
            "active_good": self.active_good,
            "default": self.default,
            "follow_ups": self.follow_ups,
            "good_rate": self.good_rate,
            "active_good_rate": self.active_good_rate,
            "unrated_rate": self.unrated_rate,
            "bad_rate": self.bad_rate,
        }


@dataclass(frozen=True)
class RatingFigures:
    """A month's figures: one row per key, sorted by key, and the hall's total."""

    month: str
    by: By
    rows: tuple[FigureRow, ...]
    total: FigureRow

    def to_dict(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "by": self.by.value,
            "rows": [row.to_dict() for row in self.rows],
            "total": self.total.to_dict(),
        }


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def parse_month(month: str) -> tuple[int, int]:
    """ "2026-03" -> (2026, 3); ValueError for anything else."""
    found = _MONTH.fullmatch(month)
    if found is None:
        raise ValueError(f"month must be YYYY-MM, not {month!r}")
    return int(found[1]), int(found[2])


def rating_figures(
    ratings: Iterable[RatingRecord],
    served: Iterable[ServedService],
    *,
    month: str,
    by: By | str,
    tz: dt.tzinfo,
    labels: Mapping[str, str] | None = None,
) -> RatingFigures:
    """Count `month` ("YYYY-MM") per `by`, both inputs possibly covering more than that month.

    A service and its ratings (追评 included) belong to the month in which the service was
    finished, in the hall's time zone `tz`, whenever they were rated. Struck ratings count
    nowhere, so their service counts as unrated. A rating counts by its own `served` even
    when `served` lacks that service (both come from one journal, so they agree). `labels`
    maps a key to the name shown (a window's display name, say); without it: the clerk's name
    and 工号, the service's name, the window's id.
    """
    by = By(by)
    wanted = parse_month(month)
    counts: dict[str, _Counts] = {}
    names: dict[str, str] = {}

    def row_of(service: ServedService) -> _Counts | None:
        local = service.served_at.astimezone(tz)
        if (local.year, local.month) != wanted:
            return None
        key = _key(service, by)
        names.setdefault(key, _default_label(service, by))
        return counts.setdefault(key, _Counts())

    for service in served:
        row = row_of(service)
        if row is not None:
            row.served += 1
    for rating in ratings:
        row = row_of(rating.served)
        if row is None or rating.struck:
            continue
        if by is By.SERVICE:
            names[rating.served.service] = rating.service_name
        if rating.follow_up:
            row.follow_ups += 1
            continue
        row.ratings += 1
        row.good += is_good(rating.level)
        row.bad += is_bad(rating.level)
        row.default += rating.default
        if rating.active:
            row.active += 1
            row.active_good += is_good(rating.level)

    chosen = {**names, **(labels or {})}
    rows = tuple(_row(key, chosen[key], counts[key]) for key in sorted(counts))
    total = _Counts()
    for part in counts.values():
        for name in (f.name for f in fields(_Counts)):
            setattr(total, name, getattr(total, name) + getattr(part, name))
    return RatingFigures(month, by, rows, _row(TOTAL_KEY, TOTAL_LABEL, total))


def _key(service: ServedService, by: By) -> str:
    if by is By.WINDOW:
        return service.window
    if by is By.SERVICE:
        return service.service
    return service.clerk or ""


def _default_label(service: ServedService, by: By) -> str:
    if by is not By.CLERK:
        return _key(service, by)
    if service.clerk is None:
        return NO_CLERK_LABEL
    name = service.clerk_name or service.clerk
    return f"{name}（{service.staff_no}）" if service.staff_no else name


def _row(key: str, label: str, counts: _Counts) -> FigureRow:
    return FigureRow(key=key, label=label, **asdict(counts))
