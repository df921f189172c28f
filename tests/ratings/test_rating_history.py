"""The 好差评 figures read from the journal: a 追评 weeks after the service counts with it,
and the figures count the same 追评 as the reports of the same month."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable

from helpers import SHANGHAI, journal_of, small_hall

from queue_server.domain import events as e
from queue_server.domain.state import Hall
from queue_server.ratings.figures import rating_figures
from queue_server.ratings.history import read_history
from queue_server.reports import build_report, period_of, read_facts
from queue_server.store.memory_log import MemoryEventLog

DAY = dt.date(2026, 11, 23)
MONTH = "2026-11"
KEEP_DAYS = 7  # the phone's 7 days, as the hall's ratings.keep_days
SERVICES = ("social", "estate", "company")
CLERKS = {"1": "wang", "2": "li", "3": "zhao"}


def by_time(events: Iterable[e.Event]) -> list[e.Event]:
    return sorted(events, key=lambda ev: ev.at)


def on(day: dt.date, hour: int, minute: float = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), SHANGHAI) + dt.timedelta(minutes=minute)


async def figures_of(log: MemoryEventLog, by: str = "service") -> dict[str, tuple[int, int]]:
    """(first ratings, 追评) per key and in total, as /api/v1/ratings/figures counts them."""
    hall = Hall(small_hall())
    first = dt.date(2026, 11, 1)
    last = dt.date(2026, 11, 30)
    history = await read_history(log, hall, first, last, grace_days=KEEP_DAYS, follow_ups_late=True)
    figures = rating_figures(history.ratings, history.served, month=MONTH, by=by, tz=SHANGHAI)
    return {row.key: (row.ratings, row.follow_ups) for row in (*figures.rows, figures.total)}


async def reports_of(log: MemoryEventLog) -> dict[str, tuple[int, int]]:
    """(first ratings, 追评) per service and in total, as the month's period report counts."""
    period = period_of("month", DAY)
    facts = await read_facts(log, period, tz=SHANGHAI, grace_days=KEEP_DAYS)
    report = build_report(facts, period, "service", tz=SHANGHAI)
    return {
        row.key: (row.ratings.ratings, row.ratings.follow_ups)
        for row in (*report.rows, report.total)
    }


def bad_rating_put_right_weeks_later() -> list[e.Event]:
    """A 差评 on the day; 整改 took three weeks, the citizen rated again (追评) the day after
    the call back, long after the phone's seven days, and the case closed at that instant."""
    rectified, called_back, rated_again = (on(DAY + dt.timedelta(days=n), 10) for n in (20, 21, 22))
    served = on(DAY, 9)
    return [
        e.TicketFinished(served, "t1", "1", service="social", clerk="wang"),
        e.RatingRecorded(on(DAY, 9, 5), "t1", "1", "social", "wang", 1, tags=("115",),
                         served_at=served, rating_id="r1"),
        e.CaseOpened(on(DAY, 9, 5), "c1", "r1", rectified, rectified),
        e.CaseAdvanced(rectified, "c1", "rectify", "rectified", "zhou", "已整改"),
        e.CaseAdvanced(called_back, "c1", "call-back", "called_back", "zhou", "已回访"),
        e.RatingRecorded(rated_again, "t1", "1", "social", "wang", 5, served_at=served,
                         rating_id="r2", follow_up=True),
        e.CaseAdvanced(rated_again, "c1", "close", "closed", "zhou", "办结"),
    ]  # fmt: skip


async def test_a_follow_up_weeks_after_the_service_counts_in_the_figures_of_its_month() -> None:
    log = await journal_of(by_time(bad_rating_put_right_weeks_later()))
    assert (await figures_of(log, "clerk"))["wang"] == (1, 1)
    # The list of the ratings given on the day (and its CSV) keeps to the day.
    given = await read_history(log, Hall(small_hall()), DAY, DAY)
    assert [r.id for r in given.ratings] == ["r1"]


def generated_month(seed: int) -> list[e.Event]:
    """November's services, and some of late October's, rated within the phone's days; many
    差评, their cases put right days or weeks later (or never, or struck on appeal), with
    追评 after 整改, some while the case stays open for good."""
    rng = random.Random(seed)
    events: list[e.Event] = []
    start = on(dt.date(2026, 10, 25), 8, 30)
    for n in range(400):
        served = start + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 37))
        window = rng.choice(list(CLERKS))
        service, clerk = rng.choice(SERVICES), CLERKS[window]
        ticket, rating = f"t{n}", f"r{n}"
        events.append(e.TicketFinished(served, ticket, window, service=service, clerk=clerk))
        rated = served + dt.timedelta(hours=rng.uniform(0, 24 * KEEP_DAYS - 1))
        level = rng.choice((5, 5, 4, 3, 2, 1))
        tags = ("115",) if level <= 2 else ()
        events.append(
            e.RatingRecorded(rated, ticket, window, service, clerk, level, tags=tags,
                             served_at=served, rating_id=rating)
        )  # fmt: skip
        if level > 2:
            continue
        case = f"c{n}"
        events.append(e.CaseOpened(rated, case, rating, rated, rated))
        roll = rng.random()
        if roll < 0.15:
            upheld = rated + dt.timedelta(days=rng.uniform(1, 3))
            events.append(e.CaseAdvanced(upheld, case, "appeal", "appealed", clerk, "误评"))
            events.append(e.CaseAdvanced(upheld, case, "uphold-appeal", "struck", "zhou", "误评"))
            continue
        if roll < 0.25:
            continue  # not put right yet
        rectified = rated + dt.timedelta(days=rng.uniform(0.5, 40))
        events.append(e.CaseAdvanced(rectified, case, "rectify", "rectified", "zhou", "已整改"))
        if rng.random() < 0.8:
            again = rectified + dt.timedelta(days=rng.uniform(0, 10))
            events.append(
                e.RatingRecorded(again, ticket, window, service, clerk, rng.choice((5, 4, 3)),
                                 served_at=served, rating_id=f"{rating}-again", follow_up=True)
            )  # fmt: skip
            if rng.random() < 0.7:
                events.append(e.CaseAdvanced(again, case, "call-back", "called_back", "zhou", ""))
                events.append(e.CaseAdvanced(again, case, "close", "closed", "zhou", "办结"))
    return events


async def test_the_figures_and_the_reports_count_the_same_follow_ups_for_a_journal() -> None:
    for seed in (1, 2, 3):
        log = await journal_of(by_time(generated_month(seed)))
        figures, reports = await figures_of(log), await reports_of(log)
        assert figures == reports, seed
        assert figures["total"][1] > 10, "the month must have 追评 to count"
