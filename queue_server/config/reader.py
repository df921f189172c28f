"""Typed reads from one parsed TOML table that note every problem under its key path."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import TypeVar

T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)

_TYPE_NAMES: dict[type, str] = {
    bool: "a boolean",
    str: "a string",
    int: "an integer",
    float: "a number",
    list: "an array",
    dict: "a table",
    dt.datetime: "a date-time",
    dt.date: "a date",
    dt.time: "a time",
}


def describe(value: object) -> str:
    """Name a TOML value for a message, showing short scalars so the reader can find them."""
    # bool before int and datetime before date: the first isinstance match must be the exact one
    name = next((n for t, n in _TYPE_NAMES.items() if isinstance(value, t)), type(value).__name__)
    if isinstance(value, (str, int, float)) and len(repr(value)) <= 40:
        return f"{name} ({value!r})"
    return name


def suggest(word: str, choices: Iterable[str]) -> str:
    """A "; did you mean 'x'?" tail for a misspelt name, or "" when nothing is close."""
    options = list(choices)
    # case slips ("1f" for "1F") score too low for difflib alone
    same_but_case = [c for c in options if c.lower() == word.lower()]
    close = same_but_case or difflib.get_close_matches(word, options, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


class Problems:
    """Every problem found so far, each "key.path: message", in the order found."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.items.append(f"{path}: {message}")


class Table:
    """One TOML table at `path`; each read marks its key as known, `close` refuses the rest."""

    def __init__(self, data: Mapping[str, object], path: str, problems: Problems) -> None:
        self._data = data
        self.path = path
        self.problems = problems
        self._known: list[str] = []
        self._retired: list[str] = []

    def __contains__(self, key: str) -> bool:
        return key in self._data

    def key_path(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def problem(self, key: str, message: str) -> None:
        self.problems.add(self.key_path(key), message)

    def retired(self, key: str, message: str) -> None:
        """A key an earlier version read: said with what to do instead, if present (and
        never suggested for a misspelt key)."""
        self._retired.append(key)
        if key in self._data:
            self.problem(key, message)

    def close(self) -> None:
        """Refuse every key no read asked for: a misspelt key would otherwise be ignored."""
        for key in self._data:
            if key not in self._known and key not in self._retired:
                hint = suggest(key, self._known) or f"; known keys: {', '.join(self._known)}"
                self.problem(key, f"unknown key{hint}")

    def _typed(self, key: str, kind: type[T], *, required: bool) -> T | None:
        self._known.append(key)
        if key not in self._data:
            if required:
                self.problem(key, "missing required key")
            return None
        value = self._data[key]
        # bool is a subclass of int in Python, but `quota = true` is a mistake in TOML terms
        if isinstance(value, kind) and (kind is bool or not isinstance(value, bool)):
            return value
        self.problem(key, f"must be {_TYPE_NAMES[kind]}, not {describe(value)}")
        return None

    def text(self, key: str) -> str:
        """A required non-empty string; "" after a problem."""
        value = self._typed(key, str, required=True)
        if value is not None and not value.strip():
            self.problem(key, "must not be empty")
            return ""
        return value or ""

    def optional_text(self, key: str) -> str | None:
        value = self._typed(key, str, required=False)
        if value is not None and not value.strip():
            self.problem(key, "must not be empty (leave the key out instead)")
            return None
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self._typed(key, bool, required=False)
        return default if value is None else value

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        value = self.optional_integer(key, low, high)
        return default if value is None else value

    def optional_integer(self, key: str, low: int, high: int) -> int | None:
        value = self._typed(key, int, required=False)
        if value is not None and not low <= value <= high:
            self.problem(key, f"must be from {low} to {high}, not {value}")
            return None
        return value

    def positive_number(self, key: str, high: float) -> float:
        """A required number in (0, high], integer or float; 0.0 after a problem."""
        self._known.append(key)
        value = self._data.get(key)
        if value is None:
            self.problem(key, "missing required key")
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problem(key, f"must be a number, not {describe(value)}")
        elif not 0 < value <= high:
            self.problem(key, f"must be more than 0 and at most {high:g}, not {value}")
        else:
            return float(value)
        return 0.0

    def choice(self, key: str, enum: type[E], default: E | None = None) -> E:
        """One of an enum's values; required when there is no default."""
        values = [member.value for member in enum]
        value = self._typed(key, str, required=default is None)
        if value in values:
            return enum(value)
        if value is not None:
            hint = suggest(value, values)
            self.problem(key, f"{value!r} is not one of {', '.join(values)}{hint}")
        # a stand-in so the caller can still build its dataclass; the problem is on record
        return default or enum(values[0])

    def strings(self, key: str, *, required: bool = False) -> list[str]:
        """An array of non-empty strings; a bad entry is reported and kept as "" in its place."""
        items = self._typed(key, list, required=required)
        if items is None:
            return []
        if required and not items:
            self.problem(key, "must list at least one entry")
        found: list[str] = []
        for index, item in enumerate(items):
            path = f"{self.key_path(key)}[{index}]"
            value = item if isinstance(item, str) and item.strip() else ""
            if not isinstance(item, str):
                self.problems.add(path, f"must be a string, not {describe(item)}")
            elif not value:
                self.problems.add(path, "must not be empty")
            found.append(value)
        return found

    def table(self, key: str) -> Table:
        """A sub-table; an empty one when absent, so that its own required keys get named."""
        data = self._typed(key, dict, required=False)
        return Table(data or {}, self.key_path(key), self.problems)

    def tables(self, key: str, *, required: bool) -> list[Table]:
        """An array of tables (`[[key]]` or `key = [{...}]`), each with its indexed path."""
        items = self._typed(key, list, required=required)
        if items is None:
            return []
        if required and not items:
            self.problem(key, "must list at least one entry")
        found: list[Table] = []
        for index, item in enumerate(items):
            path = f"{self.key_path(key)}[{index}]"
            if isinstance(item, dict):
                found.append(Table(item, path, self.problems))
            else:
                self.problems.add(path, f"must be a table, not {describe(item)}")
        return found
