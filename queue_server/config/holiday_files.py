"""Reads a folder of per-year holiday files (YYYY.toml) into a WorkCalendar."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from queue_server.config.reader import Problems, Table, describe
from queue_server.domain.workdays import WorkCalendar
from queue_server.ratings.errors import RatingsError

BUILT_IN = Path(__file__).parent / "holidays"

_YEAR_FILE = re.compile(r"\d{4}")


class HolidayFileError(RatingsError):
    """One or more holiday files are wrong; `problems` lists each as "file: key: message"."""

    def __init__(self, folder: Path, problems: Sequence[str]) -> None:
        self.folder = folder
        self.problems = list(problems)
        lines = "\n".join(f"  {item}" for item in self.problems)
        super().__init__(f"holiday files in {folder}:\n{lines}")


@dataclass(frozen=True)
class _YearFile:
    year: int
    holidays: frozenset[dt.date]
    makeup_workdays: frozenset[dt.date]


class _DateTable(Table):
    """A Table that also reads TOML dates (2026-10-01, unquoted)."""

    def year(self, key: str, expected: int) -> None:
        """A required integer that must equal `expected`."""
        value = self._typed(key, int, required=True)
        if value is not None and value != expected:
            self.problem(key, f"must be {expected}, the year in the file name, not {value}")

    def day(self, key: str) -> dt.date | None:
        # read as any value so that every wrong kind gets the one message of _plain_date
        value = self._typed(key, object, required=True)
        return _plain_date(value, self.key_path(key), self.problems)

    def days(self, key: str) -> list[dt.date]:
        items = self._typed(key, list, required=False) or []
        found: list[dt.date] = []
        for index, item in enumerate(items):
            day = _plain_date(item, f"{self.key_path(key)}[{index}]", self.problems)
            if day is not None:
                found.append(day)
        return found

    def date_tables(self, key: str) -> list[_DateTable]:
        # reads through Table.tables so that its checks and key bookkeeping stay in one place
        return [_DateTable(t._data, t.path, t.problems) for t in self.tables(key, required=True)]


def _plain_date(value: object, path: str, problems: Problems) -> dt.date | None:
    if value is None:
        return None
    # a datetime is a date too in Python, but "2026-10-01T00:00" is not a day
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    problems.add(path, f"must be a date such as 2026-10-01 (unquoted), not {describe(value)}")
    return None


def missing_years_notice(years: Sequence[int]) -> tuple[str, str]:
    """What to tell a hall whose calendar lacks `years`, and how to fix it."""
    names = "、".join(f"{year}.toml" for year in years)
    problem = (
        f"no holiday file for {', '.join(map(str, years))}: 差评 deadlines counted into "
        "it take only weekends as days off"
    )
    # The hall's own folder, never the built-in one: an installed hallq keeps that inside
    # its virtualenv, where a file added by hand is lost at the next upgrade.
    fix = (
        f"when the State Council's notice is out, add {names} to the hall's own holiday "
        "folder ([ratings] holidays in the hall config: docs/ratings.md) and restart the server"
    )
    return problem, fix


def load_calendar(folder: Path | None = None) -> WorkCalendar:
    """Read every YYYY.toml in `folder` (None: the built-in one) into one calendar.

    Every problem of every file is reported at once, as a HolidayFileError.
    """
    folder = BUILT_IN if folder is None else folder
    problems: list[str] = []
    years: list[_YearFile] = []
    try:
        if not folder.is_dir():
            raise HolidayFileError(folder, ["no such folder"])
        paths = sorted(folder.glob("*.toml"))
    except OSError as exc:  # a name too long for the file system, a folder it may not read
        raise HolidayFileError(folder, [f"cannot read the folder: {exc.strerror or exc}"]) from None
    for path in paths:
        if not _YEAR_FILE.fullmatch(path.stem):
            problems.append(f"{path.name}: the name must be the year, such as 2026.toml")
            continue
        found = _read_year(path, problems)
        if found is not None:
            years.append(found)
    if not paths:
        problems.append("no holiday files (YYYY.toml) in the folder")
    if problems:
        raise HolidayFileError(folder, problems)
    return WorkCalendar(
        holidays=frozenset().union(*(y.holidays for y in years)),
        makeup_workdays=frozenset().union(*(y.makeup_workdays for y in years)),
        years=frozenset(y.year for y in years),
    )


def _read_year(path: Path, found: list[str]) -> _YearFile | None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        found.append(f"{path.name}: cannot read: {exc}")
        return None
    except tomllib.TOMLDecodeError as exc:
        found.append(f"{path.name}: not valid TOML: {exc}")
        return None
    problems = Problems()
    year = _check_year(_DateTable(data, "", problems), int(path.stem), problems)
    found.extend(f"{path.name}: {item}" for item in problems.items)
    return year if not problems.items else None


def _check_year(top: _DateTable, file_year: int, problems: Problems) -> _YearFile:
    top.year("year", file_year)
    top.optional_text("source")
    holidays: dict[dt.date, str] = {}  # day -> the holiday's name, for messages
    makeups: dict[dt.date, str] = {}  # day -> its key path
    for entry in top.date_tables("holiday"):
        name = entry.text("name")
        first, last = entry.day("from"), entry.day("to")
        for key, day in (("from", first), ("to", last)):
            if day is not None and day.year != file_year:
                entry.problem(key, f"{day} is not in {file_year}")
        if first is not None and last is not None and first.year == last.year == file_year:
            if last < first:
                entry.problem("to", f"{last} is before from ({first})")
            day = first
            while day <= last:
                holidays.setdefault(day, name)
                day += dt.timedelta(days=1)
        for index, day in enumerate(entry.days("makeup_workdays")):
            path = f"{entry.key_path('makeup_workdays')}[{index}]"
            if day.year != file_year:
                problems.add(path, f"{day} is not in {file_year}")
            elif day.weekday() < 5:
                problems.add(path, f"{day} is a weekday: a make-up working day is a Sat or Sun")
            else:
                makeups.setdefault(day, path)
        entry.close()
    top.close()
    for day, path in sorted(makeups.items()):
        if day in holidays:
            problems.add(
                path, f"{day} is both a make-up working day and a holiday ({holidays[day]})"
            )
    return _YearFile(file_year, frozenset(holidays), frozenset(makeups))
