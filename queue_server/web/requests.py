"""Request bodies: parsed and checked against a declared shape, or refused naming the field."""

from __future__ import annotations

import collections
import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


class InvalidRequest(Exception):
    """A malformed request (422 invalid_request); `field` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = f"{field}: {message}"


@dataclass(frozen=True)
class Text:
    max_length: int = 200
    min_length: int = 1
    pattern: str | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Integer:
    minimum: int
    maximum: int


@dataclass(frozen=True)
class Boolean:
    pass


@dataclass(frozen=True)
class TextList:
    item: Text
    max_items: int


@dataclass(frozen=True)
class Nested:
    """An object field with fields of its own."""

    shape: Shape


Kind = Text | Integer | Boolean | TextList | Nested


@dataclass(frozen=True)
class Shape:
    """The fields a body may carry; anything else is refused."""

    required: Mapping[str, Kind]
    optional: Mapping[str, Kind]

    def parse(self, raw: bytes) -> dict[str, Any]:
        return self.check(load_json(raw) if raw.strip() else {}, "body")

    def check(self, data: Any, where: str, prefix: str = "") -> dict[str, Any]:
        if not isinstance(data, dict):
            raise InvalidRequest(where, "must be a JSON object")
        if isinstance(data, _Twice):
            raise InvalidRequest(prefix + _label(data.key), "given more than once")
        for name in data:
            if name not in self.required and name not in self.optional:
                raise InvalidRequest(prefix + _label(name), "unknown field")
        for name in self.required:
            if name not in data:
                raise InvalidRequest(prefix + name, "is required")
        checked: dict[str, Any] = {}
        for name, value in data.items():
            kind = self.required.get(name) or self.optional[name]
            if value is None and name in self.optional:
                continue
            checked[name] = _check(prefix + name, kind, value)
        return checked


class _Twice(dict[str, Any]):
    """A JSON object that gave `key` more than once: ambiguous, so refused whatever its values."""

    def __init__(self, pairs: list[tuple[str, Any]], key: str) -> None:
        super().__init__(pairs)
        self.key = key


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) == len(pairs):
        return found
    counts = collections.Counter(key for key, _ in pairs)
    return _Twice(pairs, next(key for key, count in counts.items() if count > 1))


# One decoder for every body: json.loads with a hook would build a new one per request.
_DECODER = json.JSONDecoder(object_pairs_hook=_object)


def load_json(raw: bytes) -> Any:
    """A body as JSON: UTF-8 text, not nested too deeply, no key given twice in an object."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidRequest("body", f"not UTF-8 text (byte {exc.start})") from None
    try:
        return _DECODER.decode(text)
    except RecursionError:
        raise InvalidRequest("body", "nested too deeply") from None
    except ValueError as exc:  # bad JSON, or an integer too long to convert
        raise InvalidRequest("body", f"not valid JSON ({exc})") from None


def _label(name: str) -> str:
    """A field name from the body as a message shows it: printable and short."""
    return name if name.isprintable() and len(name) <= 64 else repr(name[:64])


def shape(required: Mapping[str, Kind] | None = None, **optional: Kind) -> Shape:
    return Shape(required or {}, optional)


def _check(name: str, kind: Kind, value: Any) -> Any:
    if isinstance(kind, Text):
        return _text(name, kind, value)
    if isinstance(kind, Nested):
        return kind.shape.check(value, name, f"{name}.")
    if isinstance(kind, Boolean):
        if not isinstance(value, bool):
            raise InvalidRequest(name, "must be true or false")
        return value
    if isinstance(kind, Integer):
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidRequest(name, "must be a whole number")
        if not kind.minimum <= value <= kind.maximum:
            raise InvalidRequest(name, f"must be from {kind.minimum} to {kind.maximum}")
        return value
    if not isinstance(value, list):
        raise InvalidRequest(name, "must be a list")
    if len(value) > kind.max_items:
        raise InvalidRequest(name, f"at most {kind.max_items} items")
    return [_text(f"{name}[{i}]", kind.item, v) for i, v in enumerate(value)]


def _text(name: str, kind: Text, value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidRequest(name, "must be a string")
    if not kind.min_length <= len(value) <= kind.max_length:
        raise InvalidRequest(
            name, f"must be {kind.min_length} to {kind.max_length} characters long"
        )
    if "\x00" in value:
        raise InvalidRequest(name, "must not contain NUL characters")
    if not value.isprintable() and not _encodable(value):
        raise InvalidRequest(name, "must be Unicode text (it holds a lone surrogate)")
    if kind.choices and value not in kind.choices:
        raise InvalidRequest(name, f"must be one of {', '.join(kind.choices)}")
    if kind.pattern and not re.fullmatch(kind.pattern, value):
        raise InvalidRequest(name, "has the wrong format")
    return value


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def matches(kind: Text, value: str) -> bool:
    """Whether `value` (say, from a URL path) is acceptable as `kind`."""
    try:
        _text("value", kind, value)
    except InvalidRequest:
        return False
    return True


def query_int(query: Mapping[str, str], name: str, minimum: int = 0) -> int | None:
    raw = query.get(name)
    if raw is None:
        return None
    if not re.fullmatch(r"[0-9]+", raw):
        raise InvalidRequest(name, f"must be a whole number >= {minimum}")
    if len(raw) > 18:  # and never a number Python refuses to read (over 4300 digits)
        raise InvalidRequest(name, "must have at most 18 digits")
    if int(raw) < minimum:
        raise InvalidRequest(name, f"must be a whole number >= {minimum}")
    return int(raw)


# Days and times a hall may be asked about: far years would overflow the date arithmetic of
# day bounds and time zones.
FIRST_YEAR, LAST_YEAR = 2000, 2999


def calendar_day(text: str, name: str) -> dt.date:
    """A day as YYYY-MM-DD, in the years a hall may ask about."""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidRequest(name, "must be a date, YYYY-MM-DD") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InvalidRequest(name, f"must be in the years {FIRST_YEAR} to {LAST_YEAR}")
    return day


def query_list(
    query: Mapping[str, str], name: str, allowed: Sequence[str], default: str
) -> list[str]:
    items = [t for t in query.get(name, default).split(",") if t]
    for item in items:
        if item not in allowed:
            raise InvalidRequest(name, f"unknown value {item!r}; use {', '.join(allowed)}")
    if not items:
        raise InvalidRequest(name, "must name at least one")
    return items


ID = Text(max_length=64, pattern=r"[A-Za-z0-9_.-]+")
# A sender's key for one request: the same key again is a retry, answered as the first was.
IDEMPOTENCY_KEY = Text(max_length=128)
EMPTY = shape()
LOGIN = shape({"username": Text(max_length=64), "password": Text(max_length=1024)})
NEW_PASSWORD = shape({"password": Text(max_length=1024)})
ISSUE = shape(
    {"service": ID},
    priority=Text(choices=("normal", "green")),
    idempotency_key=IDEMPOTENCY_KEY,
    # Used only to key "one waiting ticket per ID"; never stored or shown.
    id_number=Text(max_length=18, min_length=15, pattern=r"[0-9]{15}|[0-9]{17}[0-9Xx]"),
)
# The matter's case number (办件编号) in the approval system, as the clerk types or scans it.
# The 办件编号 of the ticket an action finishes (finish, call-next, call-back).
CASE_NO = Text(max_length=40, pattern=r"[A-Za-z0-9_-]+")
FINISH = shape(case_no=CASE_NO)
NO_SHOW = shape(reason=Text(max_length=200))
TRANSFER = shape(service=ID, window=ID)
PAUSE = shape({"reason": Text(max_length=200)})
TICKET_REF = shape({"ticket": Text(max_length=64)})
CALL_BACK = shape({"ticket": Text(max_length=64)}, case_no=CASE_NO)
CANCEL = shape({"reason": Text(max_length=200)})
# Who rated, when the citizen gives it (real-name rating): sealed before it is journalled.
RATER = shape(
    name=Text(max_length=64),
    id_type=Text(max_length=16),
    id_number=Text(max_length=32, pattern=r"[0-9A-Za-z]+"),
    credit_code=Text(max_length=18, pattern=r"[0-9A-Z]{18}"),
    phone=Text(max_length=20, pattern=r"\+?[0-9 -]+"),
    agent=Text(max_length=64),
)
RATING = shape(
    {"ticket": Text(max_length=64), "level": Integer(1, 5)},
    tags=TextList(Text(max_length=3, pattern=r"[0-9]{3}"), max_items=8),
    comment=Text(max_length=500, min_length=0),
    channel=Integer(1, 7),
    rater=Nested(RATER),
    idempotency_key=IDEMPOTENCY_KEY,
)
RATING_KEY = Text(max_length=32, pattern=r"[A-Za-z0-9_=-]+")
PHONE_RATING = shape(
    {"key": RATING_KEY, "level": Integer(1, 5)},
    tags=TextList(Text(max_length=3, pattern=r"[0-9]{3}"), max_items=8),
    comment=Text(max_length=500, min_length=0),
    idempotency_key=IDEMPOTENCY_KEY,
)
CASE_STEP = shape({"note": Text(max_length=500)})
FOLLOW_UP = shape(
    {"level": Integer(1, 5)},
    tags=TextList(Text(max_length=3, pattern=r"[0-9]{3}"), max_items=8),
    comment=Text(max_length=500, min_length=0),
    channel=Integer(1, 7),
    idempotency_key=IDEMPOTENCY_KEY,
)
HAND_OVER = shape({"reason": Text(max_length=100)})
TUNING = shape(
    {"kind": Text(choices=("window_services", "quota", "issuing", "window_open", "pin"))},
    window=ID,
    service=ID,
    ticket=Text(max_length=64),
    open=Boolean(),
    pinned=Boolean(),
    services=TextList(ID, max_items=50),
    overflow=TextList(ID, max_items=50),
    daily_quota=Integer(0, 999),
    session_quota=Integer(0, 999),
    paused=Boolean(),
    reason=Text(max_length=100, min_length=0),
)
CHECK_IN = shape(idempotency_key=IDEMPOTENCY_KEY)
# A booking system's code: printed as a QR or barcode on the citizen's confirmation.
APPOINTMENT_CODE = Text(max_length=64, min_length=4, pattern=r"[A-Za-z0-9_-]+")
BOOK = shape(
    {
        "code": APPOINTMENT_CODE,
        "service": ID,
        "slot_start": Text(max_length=40),
        "slot_end": Text(max_length=40),
    }
)
DEVICE_REPORT = shape(
    {
        "component": Text(max_length=32, pattern=r"[a-z][a-z0-9_]*"),
        "condition": Text(max_length=32, pattern=r"[a-z][a-z0-9_]*"),
    },
    detail=Text(max_length=200, min_length=0),
)


def moment(body: Mapping[str, Any], name: str) -> dt.datetime:
    """An ISO 8601 date and time with its UTC offset, e.g. 2026-11-23T10:00:00+08:00."""
    try:
        value = dt.datetime.fromisoformat(body[name])
    except ValueError:
        raise InvalidRequest(name, "must be an ISO 8601 date and time") from None
    if value.tzinfo is None:
        raise InvalidRequest(name, "must carry its UTC offset, e.g. +08:00")
    # Near the ends of the calendar a time zone moves it past year 1 or 9999.
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise InvalidRequest(name, f"must be in the years {FIRST_YEAR} to {LAST_YEAR}")
    return value
