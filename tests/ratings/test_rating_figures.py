"""The monthly figures against a hand count, on a generated month and on a tiny literal one."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest

from queue_server.domain.ratings import (
    TAGS,
    Channel,
    Level,
    RatingRecord,
    ServedService,
    Stage,
)
from queue_server.ratings.figures import By, rating_figures

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC

SERVICES = {"social": "社保医保", "estate": "不动产登记", "tax": "税务", "police": "户籍"}
CLERKS = [("li", "0011", "李敏"), ("wang", "0012", "王强"), ("zhao", "0013", "赵丽"), None]
WINDOWS = ["1", "2", "3", "7", "12"]
# As skewed as real halls, but with enough 差评 in a month to count.
LEVEL_WEIGHTS = {
    Level.VERY_SATISFIED: 80,
    Level.SATISFIED: 9,
    Level.BASICALLY_SATISFIED: 5,
    Level.DISSATISFIED: 4,
    Level.VERY_DISSATISFIED: 2,
}


def served(
    n: int,
    at: dt.datetime,
    *,
    window: str = "1",
    service: str = "social",
    clerk: tuple[str, str, str] | None = ("li", "0011", "李敏"),
) -> ServedService:
    return ServedService(
        ticket_id=f"t{n}",
        ticket_number=f"A{n:03d}",
        service=service,
        window=window,
        clerk=clerk[0] if clerk else None,
        staff_no=clerk[1] if clerk else None,
        clerk_name=clerk[2] if clerk else None,
        served_at=at,
    )


def rating(
    service: ServedService,
    level: Level,
    *,
    default: bool = False,
    struck: bool = False,
    follow_up: bool = False,
    later: dt.timedelta = dt.timedelta(minutes=1),
) -> RatingRecord:
    tags = (next(iter(TAGS[level])),) if level <= Level.DISSATISFIED else ()
    return RatingRecord(
        id=f"r-{service.ticket_id}-{'f' if follow_up else 'a'}",
        served=service,
        service_name=SERVICES[service.service],
        stage=Stage.ACCEPTANCE,
        level=level,
        tags=tags,
        comment=None,
        channel=Channel.SYSTEM_DEFAULT if default else Channel.HALL_TABLET,
        device=None if default else f"pad-{service.window}",
        rated_at=service.served_at + later,
        follow_up=follow_up,
        default=default,
        struck=struck,
        strike_reason="恶意评价" if struck else None,
    )


def generate_month(seed: int) -> tuple[list[ServedService], list[RatingRecord]]:
    """March 2026 in a small hall, with a few days of February and April around it."""
    rng = random.Random(seed)
    services: list[ServedService] = []
    ratings: list[RatingRecord] = []
    start = dt.datetime(2026, 2, 26, 8, 30, tzinfo=SHANGHAI)
    for n in range(3000):
        at = start + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 40))
        if rng.random() < 0.3:
            at = at.astimezone(UTC)  # the journal may hand back UTC times
        one = served(
            n,
            at,
            window=rng.choice(WINDOWS),
            service=rng.choice(list(SERVICES)),
            clerk=rng.choice(CLERKS),
        )
        services.append(one)
        roll = rng.random()
        if roll < 0.12:
            continue  # never rated
        if roll < 0.18:
            level = rng.choice([Level.BASICALLY_SATISFIED, Level.VERY_SATISFIED])
            ratings.append(rating(one, level, default=True, later=dt.timedelta(days=7)))
            continue
        level = rng.choices(list(LEVEL_WEIGHTS), weights=list(LEVEL_WEIGHTS.values()))[0]
        struck = level <= Level.DISSATISFIED and rng.random() < 0.25
        ratings.append(rating(one, level, struck=struck))
        if level <= Level.DISSATISFIED and not struck and rng.random() < 0.6:
            again = rng.choice(list(Level))
            follow = rating(one, again, follow_up=True, later=dt.timedelta(days=3))
            if rng.random() < 0.1:
                follow = rating(one, again, follow_up=True, struck=True)
            ratings.append(follow)
    rng.shuffle(ratings)
    return services, ratings


def hand_count(
    services: list[ServedService],
    ratings: list[RatingRecord],
    key_of: Callable[[ServedService], str],
    month: str,
) -> dict[str, dict[str, int]]:
    """The same figures, counted one key and one figure at a time with plain filters."""

    def in_month(s: ServedService) -> bool:
        return s.served_at.astimezone(SHANGHAI).strftime("%Y-%m") == month

    keys = {key_of(s) for s in services if in_month(s)} | {
        key_of(r.served) for r in ratings if in_month(r.served)
    }
    result: dict[str, dict[str, int]] = {}
    for key in keys:
        mine = [s for s in services if in_month(s) and key_of(s) == key]
        rated = [r for r in ratings if in_month(r.served) and key_of(r.served) == key]
        firsts = [r for r in rated if not r.follow_up and not r.struck]
        active = [r for r in firsts if not r.default]
        result[key] = {
            "served": len(mine),
            "ratings": len(firsts),
            "active": len(active),
            "good": len([r for r in firsts if r.level in (3, 4, 5)]),
            "bad": len([r for r in firsts if r.level in (1, 2)]),
            "active_good": len([r for r in active if r.level in (3, 4, 5)]),
            "default": len([r for r in firsts if r.default]),
            "follow_ups": len([r for r in rated if r.follow_up and not r.struck]),
        }
    return result


def rates(counts: dict[str, int]) -> dict[str, float | None]:
    def share(part: int, whole: int) -> float | None:
        return None if whole == 0 else part / whole

    return {
        "good_rate": share(counts["good"], counts["ratings"]),
        "active_good_rate": share(counts["active_good"], counts["active"]),
        "unrated_rate": share(counts["served"] - counts["active"], counts["served"]),
        "bad_rate": share(counts["bad"], counts["ratings"]),
    }


KEYS: dict[By, Callable[[ServedService], str]] = {
    By.WINDOW: lambda s: s.window,
    By.CLERK: lambda s: s.clerk or "",
    By.SERVICE: lambda s: s.service,
}


@pytest.mark.parametrize("by", list(By))
def test_a_generated_month_matches_a_hand_count(by: By) -> None:
    services, ratings = generate_month(seed=20260301)
    # the month has every kind of record the figures treat differently
    march = [r for r in ratings if r.served.served_at.astimezone(SHANGHAI).month == 3]
    assert any(r.default for r in march) and any(r.struck for r in march)
    assert any(r.follow_up for r in march) and any(r.level == 1 for r in march)
    assert len({r.served for r in march}) < len(
        [s for s in services if s.served_at.astimezone(SHANGHAI).month == 3]
    )

    report = rating_figures(ratings, services, month="2026-03", by=by, tz=SHANGHAI)
    expected = hand_count(services, ratings, KEYS[by], "2026-03")

    assert [row.key for row in report.rows] == sorted(expected)
    for row in report.to_dict()["rows"]:
        counts = expected[row["key"]]
        assert {name: row[name] for name in counts} == counts, row["key"]
        assert {name: row[name] for name in rates(counts)} == rates(counts), row["key"]
    total = {
        name: sum(c[name] for c in expected.values()) for name in next(iter(expected.values()))
    }
    assert total["served"] == len(
        [s for s in services if s.served_at.astimezone(SHANGHAI).strftime("%Y-%m") == "2026-03"]
    )
    answer = report.to_dict()["total"]
    assert {name: answer[name] for name in total} == total
    assert {name: answer[name] for name in rates(total)} == rates(total)


def test_a_tiny_month_by_hand() -> None:
    march = dt.datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)
    s1, s2, s3, s4 = (served(n, march, window="W1") for n in range(1, 5))
    s5, s6 = (served(n, march, window="W2") for n in range(5, 7))
    s7 = served(7, march, window="W3")
    # the last minute of March in Shanghai is still March, though April has begun nowhere
    s8 = served(8, dt.datetime(2026, 3, 31, 15, 59, tzinfo=UTC), window="W3")
    april = served(9, dt.datetime(2026, 3, 31, 16, 0, tzinfo=UTC), window="W1")
    ratings = [
        rating(s1, Level.VERY_SATISFIED),
        rating(s2, Level.DISSATISFIED),
        rating(s2, Level.SATISFIED, follow_up=True),
        rating(s3, Level.BASICALLY_SATISFIED, default=True),
        rating(s5, Level.VERY_DISSATISFIED, struck=True),
        rating(s6, Level.SATISFIED),
        rating(april, Level.VERY_SATISFIED),
    ]
    services = [s1, s2, s3, s4, s5, s6, s7, s8, april]

    report = rating_figures(ratings, services, month="2026-03", by="window", tz=SHANGHAI)
    answer = report.to_dict()

    assert answer["month"] == "2026-03" and answer["by"] == "window"
    w1, w2, w3 = answer["rows"]
    assert w1 == {
        "key": "W1",
        "label": "W1",
        "served": 4,
        "ratings": 3,
        "active": 2,
        "good": 2,
        "bad": 1,
        "active_good": 1,
        "default": 1,
        "follow_ups": 1,
        "good_rate": 2 / 3,
        "active_good_rate": 0.5,
        "unrated_rate": 0.5,
        "bad_rate": 1 / 3,
    }
    assert (w2["served"], w2["ratings"], w2["active"], w2["good"], w2["bad"]) == (2, 1, 1, 1, 0)
    assert (w2["good_rate"], w2["active_good_rate"], w2["unrated_rate"], w2["bad_rate"]) == (
        1.0,
        1.0,
        0.5,
        0.0,
    )
    assert (w3["served"], w3["ratings"], w3["active"]) == (2, 0, 0)
    assert (w3["good_rate"], w3["active_good_rate"], w3["unrated_rate"], w3["bad_rate"]) == (
        None,
        None,
        1.0,
        None,
    )
    total = answer["total"]
    assert (total["key"], total["label"]) == ("total", "合计")
    assert [total[k] for k in ("served", "ratings", "active", "good", "bad")] == [8, 4, 3, 3, 1]
    assert [total[k] for k in ("active_good", "default", "follow_ups")] == [2, 1, 1]
    assert (total["good_rate"], total["active_good_rate"]) == (0.75, 2 / 3)
    assert (total["unrated_rate"], total["bad_rate"]) == (5 / 8, 0.25)


def test_labels_name_clerks_and_services_and_can_be_given() -> None:
    march = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
    one = served(1, march, clerk=("wang", "0012", "王强"), service="estate", window="7")
    nobody = served(2, march, clerk=None, window="12")
    ratings = [rating(one, Level.VERY_SATISFIED)]

    clerks = rating_figures(ratings, [one, nobody], month="2026-03", by=By.CLERK, tz=SHANGHAI)
    assert [(r.key, r.label) for r in clerks.rows] == [
        ("", "（无工作人员）"),
        ("wang", "王强（0012）"),
    ]
    by_service = rating_figures(ratings, [one], month="2026-03", by="service", tz=SHANGHAI)
    assert [(r.key, r.label) for r in by_service.rows] == [("estate", "不动产登记")]
    windows = rating_figures(
        ratings, [one, nobody], month="2026-03", by="window", tz=SHANGHAI, labels={"7": "7号窗口"}
    )
    assert [(r.key, r.label) for r in windows.rows] == [("12", "12"), ("7", "7号窗口")]


def test_an_empty_month_and_bad_arguments() -> None:
    report = rating_figures([], [], month="2026-03", by="clerk", tz=SHANGHAI)
    assert report.rows == ()
    assert report.to_dict()["total"]["good_rate"] is None
    with pytest.raises(ValueError, match="YYYY-MM"):
        rating_figures([], [], month="2026-3", by="clerk", tz=SHANGHAI)
    with pytest.raises(ValueError):
        rating_figures([], [], month="2026-03", by="floor", tz=SHANGHAI)
