"""Ratings sent with an idempotency key: a retry gets the first rating back, never a second."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from helpers import SHANGHAI, FakeClock, small_hall
from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.domain import commands as c
from queue_server.domain import events as e
from queue_server.domain.errors import Conflict, DomainError
from queue_server.domain.ratings import Channel, Level
from queue_server.domain.state import Hall, Outcome

_ids = itertools.count(1)
PAD = "device:w1-pad"
PHONE = "phone"


def served(hall: Hall, clock: FakeClock, window: str = "1") -> str:
    """A ticket issued, called and finished at `window` (its rating open there); its id."""
    ticket_id = f"t{next(_ids)}"
    clock.advance(seconds=10)
    hall.execute(c.IssueTicket(ticket_id=ticket_id, service="social"), clock())
    clock.advance(seconds=10)
    hall.execute(c.CallNext(window), clock())
    clock.advance(seconds=10)
    hall.execute(c.FinishService(window), clock())
    return ticket_id


def opened_hall(clock: FakeClock) -> Hall:
    hall = Hall(small_hall(open_all_hours=True))
    for window in ("1", "2"):
        hall.execute(c.OpenWindow(window, clerk=f"clerk{window}"), clock())
    return hall


def rate(hall: Hall, clock: FakeClock, ticket_id: str, **kw: Any) -> Outcome:
    clock.advance(seconds=2)
    values: dict[str, Any] = {
        "window": "1",
        "level": Level.VERY_SATISFIED,
        "rating_id": f"r{next(_ids)}",
        "device": PAD,
        **kw,
    }
    return hall.execute(c.RecordRating(ticket_id=ticket_id, **values), clock())


def recorded(outcome: Outcome) -> list[e.RatingRecorded]:
    return [ev for ev in outcome.events if isinstance(ev, e.RatingRecorded)]


def test_the_same_key_again_gives_the_first_rating_and_records_nothing(clock: FakeClock) -> None:
    hall = opened_hall(clock)
    ticket = served(hall, clock)
    first = rate(hall, clock, ticket, level=Level.SATISFIED, tags=("413",), idempotency_key="k1")
    assert [ev.idempotency_key for ev in recorded(first)] == ["k1"]
    again = rate(hall, clock, ticket, level=Level.SATISFIED, tags=("413",), idempotency_key="k1")
    assert again.events == []
    assert first.rating is not None and again.rating == first.rating
    assert again.ticket_id == ticket
    assert hall.clerk_today["clerk1"].ratings == 1


def test_a_bad_rating_sent_again_opens_no_second_case(clock: FakeClock) -> None:
    hall = opened_hall(clock)
    ticket = served(hall, clock)
    bad = {"level": Level.DISSATISFIED, "tags": ("214",), "comment": "态度生硬"}
    first = rate(hall, clock, ticket, idempotency_key="k1", **bad)
    again = rate(hall, clock, ticket, idempotency_key="k1", **bad)
    assert again.events == [] and again.rating == first.rating
    assert len(hall.book.cases) == 1


def test_the_same_key_for_another_rating_is_refused_and_changes_nothing(
    clock: FakeClock,
) -> None:
    hall = opened_hall(clock)
    ticket = served(hall, clock)
    rate(hall, clock, ticket, level=Level.SATISFIED, idempotency_key="k1")
    other = served(hall, clock)
    before = hall.to_snapshot()
    for changed in (
        {"level": Level.VERY_SATISFIED},
        {"level": Level.SATISFIED, "tags": ("413",)},
        {"level": Level.SATISFIED, "comment": "很好"},
        {"level": Level.SATISFIED, "channel": Channel.HALL_TERMINAL},
    ):
        with pytest.raises(Conflict) as refused:
            rate(hall, clock, ticket, idempotency_key="k1", **changed)
        assert refused.value.code == "idempotency_key_reused"
    with pytest.raises(Conflict) as refused:  # the next citizen's rating with a used key
        rate(hall, clock, other, level=Level.SATISFIED, idempotency_key="k1")
    assert refused.value.code == "idempotency_key_reused"
    assert hall.to_snapshot() == before


def test_without_a_key_or_with_a_fresh_one_a_second_rating_is_refused_as_before(
    clock: FakeClock,
) -> None:
    hall = opened_hall(clock)
    ticket = served(hall, clock)
    rate(hall, clock, ticket, idempotency_key="k1")
    for retry in ({}, {"idempotency_key": "k2"}, {"idempotency_key": "k1", "device": "other"}):
        with pytest.raises(Conflict) as refused:
            rate(hall, clock, ticket, **retry)
        assert refused.value.code == "already_rated"


def test_a_refused_rating_leaves_its_key_unused(clock: FakeClock) -> None:
    hall = opened_hall(clock)
    ticket = served(hall, clock)
    rate(hall, clock, ticket, channel=Channel.HALL_TERMINAL)  # the key pad came first
    for _ in range(2):
        with pytest.raises(Conflict) as refused:
            rate(hall, clock, ticket, level=Level.SATISFIED, idempotency_key="touch-1")
        assert refused.value.code == "already_rated"


def test_a_retry_after_the_pad_s_time_still_gets_the_first_rating(clock: FakeClock) -> None:
    hall = opened_hall(clock)
    ticket = served(hall, clock)
    first = rate(hall, clock, ticket, channel=Channel.HALL_TERMINAL, idempotency_key="k1")
    clock.advance(minutes=5)  # past key_until and touch_until
    again = rate(hall, clock, ticket, channel=Channel.HALL_TERMINAL, idempotency_key="k1")
    assert again.rating == first.rating


def test_a_phone_s_key_belongs_to_its_ticket(clock: FakeClock) -> None:
    """Every citizen's phone rates as the one phone page: keys of two tickets never meet."""
    hall = opened_hall(clock)
    first, second = served(hall, clock), served(hall, clock)
    phone = {"device": PHONE, "channel": Channel.QR_CODE, "idempotency_key": "p1"}
    one = rate(hall, clock, first, **phone)
    two = rate(hall, clock, second, **phone)
    assert one.rating is not None and two.rating is not None
    assert one.rating.id != two.rating.id
    assert rate(hall, clock, first, **phone).rating == one.rating


def test_the_keys_survive_a_snapshot(clock: FakeClock) -> None:
    hall = opened_hall(clock)
    ticket = served(hall, clock)
    first = rate(hall, clock, ticket, level=Level.SATISFIED, idempotency_key="k1")
    loaded = Hall.from_snapshot(hall.config, hall.to_snapshot())
    again = rate(loaded, clock, ticket, level=Level.SATISFIED, idempotency_key="k1")
    assert again.events == [] and again.rating == first.rating
    with pytest.raises(Conflict) as refused:
        rate(loaded, clock, ticket, level=Level.VERY_SATISFIED, idempotency_key="k1")
    assert refused.value.code == "idempotency_key_reused"


def test_the_keys_survive_a_replay_of_the_journal(clock: FakeClock) -> None:
    hall = Hall(small_hall(open_all_hours=True))
    journal: list[e.Event] = []

    def run(command: c.Command) -> Outcome:
        clock.advance(seconds=10)
        outcome = hall.execute(command, clock())
        journal.extend(outcome.events)
        return outcome

    run(c.OpenWindow("1", clerk="clerk1"))
    run(c.IssueTicket(ticket_id="t-replayed", service="social"))
    run(c.CallNext("1"))
    run(c.FinishService("1"))
    rating = {"level": Level.SATISFIED, "device": PAD, "idempotency_key": "k1"}
    first = run(c.RecordRating(ticket_id="t-replayed", window="1", rating_id="r1", **rating))
    replayed = Hall(hall.config)
    for event in journal:  # as the journal keeps them
        replayed.apply(e.decode_event(event.type, event.to_data()))
    assert replayed.to_snapshot() == hall.to_snapshot()
    again = rate(replayed, clock, "t-replayed", **rating)
    assert again.events == [] and again.rating == first.rating


def test_a_snapshot_from_before_keyed_ratings_loads_with_none(clock: FakeClock) -> None:
    hall = opened_hall(clock)
    ticket = served(hall, clock)
    rate(hall, clock, ticket, level=Level.SATISFIED)
    old = hall.to_snapshot()
    del old["ratings"]["keyed"]
    loaded = Hall.from_snapshot(hall.config, old)
    assert loaded.to_snapshot() == hall.to_snapshot()
    with pytest.raises(Conflict) as refused:
        rate(loaded, clock, ticket, level=Level.SATISFIED, idempotency_key="k1")
    assert refused.value.code == "already_rated"


def test_the_keys_of_the_days_before_are_forgotten_when_a_new_day_starts(
    clock: FakeClock,
) -> None:
    hall = opened_hall(clock)
    ticket = served(hall, clock)
    rate(hall, clock, ticket, channel=Channel.QR_CODE, device=PHONE, idempotency_key="p1")
    clock.advance(days=1)
    served(hall, clock)
    assert hall.to_snapshot()["ratings"]["keyed"] == []


# -- a retry never records a second rating (random attempts) ----------------------------------

START = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)
Attempt = tuple[int, str, int, str | None]

attempts_strategy = st.tuples(
    st.integers(min_value=0, max_value=2),  # which ticket
    st.sampled_from(["pad-touch", "pad-keys", "other-pad", "phone"]),
    st.sampled_from([5, 4, 2]),  # the level
    st.sampled_from([None, "a", "b", "c"]),  # the idempotency key
)
steps_strategy = st.tuples(
    attempts_strategy,
    st.none() | st.integers(min_value=0, max_value=40),  # or the retry of an earlier attempt
    st.sampled_from([0, 1, 5, 30, 90]),  # seconds since the last attempt
)
SENDERS = {
    "pad-touch": (PAD, Channel.HALL_TABLET, "1"),
    "pad-keys": (PAD, Channel.HALL_TERMINAL, "1"),
    "other-pad": ("device:w2-pad", Channel.HALL_TABLET, "2"),
    "phone": (PHONE, Channel.QR_CODE, "1"),
}
TAGS = {5: ("517",), 4: (), 2: ("214",)}


@settings(max_examples=200, deadline=None)
@given(steps=st.lists(steps_strategy, min_size=1, max_size=40))
def test_attempts_and_retries_never_record_a_second_rating(
    steps: list[tuple[Attempt, int | None, int]],
) -> None:
    clock = FakeClock(START)
    hall = opened_hall(clock)
    tickets = [served(hall, clock) for _ in range(3)]
    sent: list[Attempt] = []
    answered: dict[Attempt, str] = {}  # each keyed attempt answered 201, and its rating
    ratings_of: dict[str, list[str]] = {}
    for n, (fresh, retry_of, seconds) in enumerate(steps):
        clock.advance(seconds=seconds)
        attempt = sent[retry_of % len(sent)] if retry_of is not None and sent else fresh
        sent.append(attempt)
        which, sender, level, key = attempt
        device, channel, window = SENDERS[sender]
        command = c.RecordRating(
            ticket_id=tickets[which],
            window=window,
            level=Level(level),
            rating_id=f"r{n}",
            tags=TAGS[level],
            channel=channel,
            device=device,
            idempotency_key=key,
        )
        before = hall.to_snapshot()
        try:
            outcome = hall.execute(command, clock())
        except DomainError:
            assert hall.to_snapshot() == before, f"{command} was refused but changed the hall"
            assert attempt not in answered, "a retry of a recorded rating was refused"
            continue
        assert outcome.rating is not None
        for ev in recorded(outcome):
            ratings_of.setdefault(ev.ticket_id, []).append(ev.rating_id)
        if attempt in answered:
            assert outcome.events == [] and outcome.rating.id == answered[attempt]
        if key is not None:
            answered[attempt] = outcome.rating.id
    # Each ticket was served once: one rating at most, however often it was sent.
    assert all(len(ids) == 1 for ids in ratings_of.values()), ratings_of
