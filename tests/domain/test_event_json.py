"""The journal's text of every event: written fast, yet exactly as the strict encoder writes it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import typing
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.domain import events as e
from queue_server.domain.model import Priority
from queue_server.json_codec import strict_text
from queue_server.store.errors import StoreError
from queue_server.store.eventlog import NewEvent
from queue_server.store.memory_log import MemoryEventLog

EVENT_CLASSES = sorted(
    (cls for cls in vars(e).values() if isinstance(cls, type) and issubclass(cls, e.Event)),
    key=lambda cls: cls.__name__,
)
EVENT_CLASSES.remove(e.Event)

ZONES = st.sampled_from(
    [
        ZoneInfo("Asia/Shanghai"),
        dt.UTC,
        dt.timezone(dt.timedelta(hours=8)),
        ZoneInfo("Europe/Paris"),
    ]
)
JSON_LEAVES = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=8)
JSON_VALUES = st.recursive(
    JSON_LEAVES | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


def _values(hint: Any) -> st.SearchStrategy[Any]:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, type(int | None)):
        return st.one_of([_values(arg) for arg in typing.get_args(hint)])
    if origin is tuple:
        args = typing.get_args(hint)
        if args[-1] is Ellipsis:
            return st.lists(_values(args[0]), max_size=4).map(tuple)
        return st.tuples(*(_values(arg) for arg in args))
    if origin is Mapping or hint is Mapping:
        return st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=4)
    simple: dict[Any, st.SearchStrategy[Any]] = {
        type(None): st.none(),
        str: st.text(max_size=24),
        bool: st.booleans(),
        int: st.integers(-(2**63), 2**63 - 1),
        # Offsets with seconds (local mean times of the 19th century) orjson rounds to the
        # minute; every zone has kept whole minutes since 1972, long before any hall's clock.
        dt.datetime: st.datetimes(
            min_value=dt.datetime(1972, 1, 2),
            max_value=dt.datetime(2200, 1, 1),
            timezones=ZONES,
            allow_imaginary=False,  # a clock never reads a time skipped by a DST change
        ),
        dt.date: st.dates(),
        Priority: st.sampled_from(Priority),
    }
    return simple[hint]


def _events(cls: type[e.Event]) -> st.SearchStrategy[e.Event]:
    hints = typing.get_type_hints(cls)
    return st.builds(cls, **{f.name: _values(hints[f.name]) for f in dataclasses.fields(cls)})


ANY_EVENT = st.one_of([_events(cls) for cls in EVENT_CLASSES])


@settings(max_examples=600)
@given(ANY_EVENT)
def test_an_event_is_written_as_the_strict_encoder_writes_its_data(event: e.Event) -> None:
    assert event.to_json() == strict_text(event.to_data())


@settings(max_examples=300)
@given(ANY_EVENT)
def test_an_event_read_back_from_its_text_is_the_same_event(event: e.Event) -> None:
    read = e.decode_event(event.type, orjson.loads(event.to_json()))
    assert type(read) is type(event)
    for field in dataclasses.fields(event):
        assert _same_value(getattr(read, field.name), getattr(event, field.name)), field.name


def _same_value(read: Any, written: Any) -> bool:
    # Read back, a time has its offset rather than its zone; the same instant is the same
    # value (`==` between zones says False for a time a DST change made ambiguous).
    if isinstance(written, dt.datetime):
        return isinstance(read, dt.datetime) and read.timestamp() == written.timestamp()
    return type(read) is type(written) and read == written


def test_every_event_class_is_covered() -> None:
    # A new event type with a field of a type the strategies do not know fails here first.
    for cls in EVENT_CLASSES:
        _events(cls)
    assert e.TicketIssued in EVENT_CLASSES and e.TuningChanged in EVENT_CLASSES


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
async def test_a_float_that_is_not_json_fails_its_append_and_nothing_is_kept(bad: float) -> None:
    changed = e.TuningChanged(
        at=dt.datetime(2026, 12, 7, 9, tzinfo=dt.UTC),
        change_id="c1",
        kind="quota",
        target="food-licence",
        before={"daily": 300},
        after={"daily": 300, "pace": bad},
        by="user:wang",
    )
    journal = MemoryEventLog()
    await journal.open()
    with pytest.raises(StoreError, match="not storable"):
        await journal.append([NewEvent(changed.type, changed)], recorded_at="2026-12-07T09:00:00")
    assert await journal.last_seq() == 0
