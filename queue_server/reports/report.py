"""The period report: tickets, waits, handling, pauses and ratings per service, window, clerk
or hour, with the hall's total."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from queue_server.domain.model import TicketState
from queue_server.ratings.figures import NO_CLERK_LABEL, TOTAL_KEY, TOTAL_LABEL
from queue_server.reports.errors import ReportError
from queue_server.reports.facts import Card, Facts, Rated
from queue_server.reports.order import number_order
from queue_server.reports.periods import Period
from queue_server.reports.tally import (
    RatingCounts,
    hour_label,
    largest,
    local_hour,
    mean,
    p90,
    rounded,
    split_by_hour,
    tally,
)
from queue_server.reports.ticket_ends import TicketEnds, count_ends


class By(StrEnum):
    """What a row of the report is about."""

    SERVICE = "service"
    WINDOW = "window"
    CLERK = "clerk"
    HOUR = "hour"


def parse_by(text: str) -> By:
    try:
        return By(text)
    except ValueError:
        raise ReportError("by", "must be service, window, clerk or hour") from None


@dataclass(frozen=True)
class ReportRow:
    """One service's, window's, clerk's or hour's figures; minutes are None without data.

    `issued` and `issued_by_state` are None for windows and clerks (a ticket is issued for
    a service, not to a window); `pause_minutes` is None for services (a window pauses, not
    a service).
    """

    key: str
    label: str
    issued: int | None
    issued_by_state: TicketEnds | None  # the same tickets by how they stood at the end
    called: int  # tickets called for the first time: the waits measured
    served: int  # service occurrences finished
    missed: int
    held: int
    transferred: int
    wait_mean: float | None
    wait_p90: float | None
    wait_max: float | None
    handling_mean: float | None
    pause_minutes: float | None
    ratings: RatingCounts

    def to_dict(self) -> dict[str, Any]:
        ends = self.issued_by_state
        return {
            "key": self.key,
            "label": self.label,
            "issued": self.issued,
            "issued_by_state": None if ends is None else ends.to_dict(),
            "called": self.called,
            "served": self.served,
            "missed": self.missed,
            "held": self.held,
            "transferred": self.transferred,
            "wait_minutes": {"mean": self.wait_mean, "p90": self.wait_p90, "max": self.wait_max},
            "handling_minutes": {"mean": self.handling_mean},
            "pause_minutes": self.pause_minutes,
            **self.ratings.to_dict(),
        }


@dataclass(frozen=True)
class Report:
    period: Period
    by: By
    rows: tuple[ReportRow, ...]  # by key, numbers in it by value (window 2 before 10)
    total: ReportRow

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period.to_dict(),
            "by": self.by.value,
            "rows": [row.to_dict() for row in self.rows],
            "total": self.total.to_dict(),
        }


@dataclass
class _Group:
    # The tickets issued: how each stood at the end (None: not ended).
    ends: list[TicketState | None] = field(default_factory=list)
    waits: list[float] = field(default_factory=list)
    handling: list[float] = field(default_factory=list)
    served: int = 0
    marks: dict[str, int] = field(
        default_factory=lambda: {"missed": 0, "held": 0, "transferred": 0}
    )
    pause: float = 0.0
    ratings: list[Rated] = field(default_factory=list)

    def row(self, key: str, label: str, *, issued: bool, pause: bool) -> ReportRow:
        return ReportRow(
            key=key,
            label=label,
            issued=len(self.ends) if issued else None,
            issued_by_state=count_ends(self.ends) if issued else None,
            called=len(self.waits),
            served=self.served,
            missed=self.marks["missed"],
            held=self.marks["held"],
            transferred=self.marks["transferred"],
            wait_mean=mean(self.waits),
            wait_p90=p90(self.waits),
            wait_max=largest(self.waits),
            handling_mean=mean(self.handling),
            pause_minutes=rounded(self.pause) if pause else None,
            ratings=tally(self.ratings),
        )


def clerk_label(clerk: str, cards: Mapping[str, Card]) -> str:
    """王芳（1001）; the user name when no display name is known."""
    if not clerk:
        return NO_CLERK_LABEL
    card = cards.get(clerk, Card(None, None))
    name = card.name or clerk
    return f"{name}（{card.staff_no}）" if card.staff_no else name


def build_report(
    facts: Facts,
    period: Period,
    by: By | str,
    *,
    tz: dt.tzinfo,
    labels: Mapping[str, str] | None = None,
) -> Report:
    """Group `facts` by `by`. A fact counts at its own moment: an issue, a call's wait (by the
    hour of its issue), a finish, a mark, a rating (by the hour of the service it rates).
    `labels` names services or windows (from the hall's config); clerks are named from
    the journal, hours as 09:00-10:00."""
    by = By(by)
    groups: dict[str, _Group] = {}
    total = _Group()

    def at(key: str | None) -> list[_Group]:
        """The total, and the key's group when the fact has one under this grouping."""
        return [total] if key is None else [total, groups.setdefault(key, _Group())]

    def key_of(service: str, window: str, clerk: str | None, moment: dt.datetime) -> str:
        if by is By.SERVICE:
            return service
        if by is By.WINDOW:
            return window
        if by is By.CLERK:
            return clerk or ""
        return f"{local_hour(moment, tz):02d}"

    for issue in facts.issued:
        placed = by in (By.SERVICE, By.HOUR)
        for group in at(key_of(issue.service, "", None, issue.at) if placed else None):
            group.ends.append(facts.ended.get(issue.ticket_id))
    for wait in facts.waits:
        for group in at(key_of(wait.service, wait.window, wait.clerk, wait.issued_at)):
            group.waits.append(wait.minutes)
    for served in facts.served:
        minutes = served.minutes
        for group in at(key_of(served.service, served.window, served.clerk, served.at)):
            group.served += 1
            if minutes is not None:
                group.handling.append(minutes)
    for mark in facts.marks:
        for group in at(key_of(mark.service, mark.window, mark.clerk, mark.at)):
            group.marks[mark.kind] += 1
    for pause in facts.paused:
        total.pause += pause.minutes
        if by is By.HOUR:
            for hour, minutes in split_by_hour(pause.start, pause.end, tz):
                groups.setdefault(f"{hour:02d}", _Group()).pause += minutes
        elif by is not By.SERVICE:
            key = key_of("", pause.window, pause.clerk, pause.start)
            groups.setdefault(key, _Group()).pause += pause.minutes
    for rating in facts.ratings:
        for group in at(key_of(rating.service, rating.window, rating.clerk, rating.served_at)):
            group.ratings.append(rating)

    def label(key: str) -> str:
        if by is By.HOUR:
            return hour_label(int(key))
        if by is By.CLERK:
            return clerk_label(key, facts.cards)
        return (labels or {}).get(key, key)

    issued = by in (By.SERVICE, By.HOUR)
    paused = by is not By.SERVICE
    rows = tuple(
        groups[key].row(key, label(key), issued=issued, pause=paused)
        for key in sorted(groups, key=number_order)
    )
    return Report(period, by, rows, total.row(TOTAL_KEY, TOTAL_LABEL, issued=True, pause=True))
