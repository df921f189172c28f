"""Workload profiles (config/workloads/*.toml) as frozen dataclasses, every problem at once."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import sys
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from queue_server.config.reader import Problems, Table, describe
from queue_server.planner.errors import PlannerError

BUILTIN_PROFILES = ("county", "city")
SHARE_SLACK = 0.005  # shares may miss 1.0 by this much (rounded figures)


class Distribution(StrEnum):
    LOGNORMAL = "lognormal"
    EXPONENTIAL = "exponential"  # M/M/c checks against Erlang C


@dataclass(frozen=True)
class Behaviour:
    """How citizens and clerks behave, as shares and minutes (DOMAIN.md's realistic workload)."""

    green_share: float = 0.05  # 绿色通道 tickets
    appointment_share: float = 0.07  # 预约 tickets, arriving inside their slot
    missed_share: float = 0.07  # calls nobody answers (过号)
    pause_share: float = 0.03  # of a clerk's open time spent paused
    pause_minutes: float = 10.0  # mean length of one pause
    walk_minutes: float = 0.5  # from the call to the citizen at the window
    no_show_minutes: float = 2.0  # recalling before a missed call is marked


@dataclass(frozen=True)
class Period:
    """A share of the day's tickets taken between two local times, evenly spread."""

    start: dt.time
    end: dt.time
    share: float


@dataclass(frozen=True)
class MixEntry:
    """A share of the day's tickets for some of the hall's services (split evenly among those
    the hall has), with their service time."""

    name: str
    share: float
    services: tuple[str, ...]
    mean_minutes: float
    cv: float
    distribution: Distribution = Distribution.LOGNORMAL


@dataclass(frozen=True)
class Profile:
    name: str
    tickets_per_day: float
    arrivals: tuple[Period, ...]
    mix: tuple[MixEntry, ...]
    behaviour: Behaviour


class ProfileError(PlannerError):
    """A profile that cannot be used; `problems` lists every one, each "key.path: message"."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class _Table(Table):
    """A Table that also reads bounded numbers with defaults and "HH:MM" times."""

    @classmethod
    def of(cls, table: Table) -> _Table:
        return cls(table._data, table.path, table.problems)

    def number(self, key: str, default: float | None, low: float, high: float) -> float:
        self._known.append(key)
        value = self._data.get(key)
        if value is None:
            if default is None:
                self.problem(key, "missing required key")
                return low
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(key, f"must be a number, not {describe(value)}")
        elif not low <= value <= high or not math.isfinite(value):
            self.problem(key, f"must be from {low:g} to {high:g}, not {value}")
        else:
            return float(value)
        return default if default is not None else low

    def clock(self, key: str) -> dt.time:
        self._known.append(key)
        value = self._data.get(key)
        if isinstance(value, dt.time):
            return value
        if isinstance(value, str):
            if value == "24:00":
                return dt.time.max
            try:
                return dt.time.fromisoformat(value)
            except ValueError:
                pass
        if value is None:
            self.problem(key, "missing required key")
        else:
            self.problem(key, f"must be a time like '08:30', not {describe(value)}")
        return dt.time()


def parse_profile(text: str, *, source: str = "<string>") -> Profile:
    """Read a profile from TOML text; ProfileError lists every problem found."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError([f"{source}: not valid TOML: {exc}"]) from exc
    problems = Problems()
    root = _Table(data, "", problems)
    head = _Table.of(root.table("profile"))
    name = head.text("name")
    tickets = head.number("tickets_per_day", None, 1, 1_000_000)
    head.close()
    behaviour = _behaviour(_Table.of(root.table("behaviour")))
    arrivals = tuple(_period(_Table.of(t)) for t in root.tables("arrivals", required=True))
    mix = tuple(_mix_entry(_Table.of(t)) for t in root.tables("mix", required=True))
    root.close()
    _check_shares(problems, "arrivals", [p.share for p in arrivals])
    _check_shares(problems, "mix", [m.share for m in mix])
    _check_periods(problems, arrivals)
    if problems.items:
        raise ProfileError(problems.items)
    return Profile(name, tickets, arrivals, mix, behaviour)


def _behaviour(table: _Table) -> Behaviour:
    base = Behaviour()
    behaviour = Behaviour(
        green_share=table.number("green_share", base.green_share, 0, 1),
        appointment_share=table.number("appointment_share", base.appointment_share, 0, 1),
        missed_share=table.number("missed_share", base.missed_share, 0, 0.9),
        pause_share=table.number("pause_share", base.pause_share, 0, 0.5),
        pause_minutes=table.number("pause_minutes", base.pause_minutes, 0.5, 240),
        walk_minutes=table.number("walk_minutes", base.walk_minutes, 0, 30),
        no_show_minutes=table.number("no_show_minutes", base.no_show_minutes, 0, 30),
    )
    if behaviour.green_share + behaviour.appointment_share > 1:
        table.problem("appointment_share", "green_share and appointment_share exceed 1 together")
    table.close()
    return behaviour


def _period(table: _Table) -> Period:
    period = Period(table.clock("from"), table.clock("to"), table.number("share", None, 0, 1))
    if period.end <= period.start:
        table.problem("to", f"must be later than from ({period.start:%H:%M})")
    table.close()
    return period


def _mix_entry(table: _Table) -> MixEntry:
    entry = MixEntry(
        name=table.text("name"),
        share=table.number("share", None, 0, 1),
        services=tuple(table.strings("services", required=True)),
        mean_minutes=table.number("mean_minutes", None, 0.1, 480),
        cv=table.number("cv", 1.0, 0.05, 3),
        distribution=table.choice("distribution", Distribution, Distribution.LOGNORMAL),
    )
    table.close()
    return entry


def _check_shares(problems: Problems, key: str, shares: list[float]) -> None:
    total = sum(shares)
    if shares and abs(total - 1) > SHARE_SLACK:
        problems.add(key, f"the shares add up to {total:.3f}, not 1")


def _check_periods(problems: Problems, periods: tuple[Period, ...]) -> None:
    ordered = sorted(enumerate(periods), key=lambda item: item[1].start)
    for (_, before), (index, after) in itertools.pairwise(ordered):
        if after.start < before.end:
            problems.add(
                f"arrivals[{index}].from",
                f"{after.start:%H:%M} overlaps the period {before.start:%H:%M}-{before.end:%H:%M}",
            )


def load_profile(name_or_path: str | Path) -> Profile:
    """A built-in profile by name ("county", "city") or a profile file; ProfileError lists
    every problem."""
    path = profile_path(name_or_path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ProfileError([f"{path}: cannot read: {exc.strerror or exc}"]) from exc
    except UnicodeDecodeError as exc:
        raise ProfileError([f"{path}: not UTF-8 text (byte {exc.start}): {exc.reason}"]) from exc
    return parse_profile(text, source=str(path))


def profile_path(name_or_path: str | Path) -> Path:
    if str(name_or_path) not in BUILTIN_PROFILES:
        return Path(name_or_path)
    relative = Path("config") / "workloads" / f"{name_or_path}.toml"
    checkout = Path(__file__).resolve().parents[2] / relative
    if checkout.is_file():
        return checkout
    return Path(sys.prefix) / "share" / "hallq" / relative
