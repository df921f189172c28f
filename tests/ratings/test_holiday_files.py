"""Holiday files: the built-in years load, and a bad folder lists every mistake at once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from queue_server.config.holiday_files import BUILT_IN, HolidayFileError, load_calendar

GOOD_2027 = """
year = 2027
source = "test"

[[holiday]]
name = "国庆节"
from = 2027-10-01
to = 2027-10-07
makeup_workdays = [2027-09-26, 2027-10-09]
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(HolidayFileError) as caught:
        load_calendar(folder)
    assert caught.value.folder == folder
    for item in caught.value.problems:
        assert item in str(caught.value)
    return caught.value.problems


def test_the_built_in_files_load_with_every_day_of_the_notices() -> None:
    calendar = load_calendar(None)
    assert calendar.years == {2025, 2026}
    in_2026 = sorted(d for d in calendar.holidays if d.year == 2026)
    # 元旦 3 + 春节 9 + 清明 3 + 劳动节 5 + 端午 3 + 中秋 3 + 国庆 7
    assert len(in_2026) == 33
    assert sorted(d.isoformat() for d in calendar.makeup_workdays if d.year == 2026) == [
        "2026-01-04",
        "2026-02-14",
        "2026-02-28",
        "2026-05-09",
        "2026-09-20",
        "2026-10-10",
    ]
    # 2025: 元旦 1 + 春节 8 + 清明 3 + 劳动节 5 + 端午 3 + 国庆中秋 8
    assert len([d for d in calendar.holidays if d.year == 2025]) == 28
    assert sorted(d.isoformat() for d in calendar.makeup_workdays if d.year == 2025) == [
        "2025-01-26",
        "2025-02-08",
        "2025-04-27",
        "2025-09-28",
        "2025-10-11",
    ]
    assert (BUILT_IN / "README.md").is_file()


def test_a_hall_folder_adds_a_year(tmp_path: Path) -> None:
    write(tmp_path, "2027.toml", GOOD_2027)
    write(tmp_path, "README.md", "notes are not read")
    calendar = load_calendar(tmp_path)
    assert calendar.years == {2027}
    assert not calendar.is_working_day(dt.date(2027, 10, 4))
    assert calendar.is_working_day(dt.date(2027, 10, 9))


def test_every_problem_of_every_file_is_listed_with_its_file_and_key(tmp_path: Path) -> None:
    write(
        tmp_path,
        "2027.toml",
        """
year = 2028
sauce = "typo"

[[holiday]]
name = "国庆节"
from = 2027-10-01
to = 2028-01-02
makeup_workdays = [2027-10-03, 2027-10-05, 2026-10-10]
colour = "red"

[[holiday]]
name = ""
from = "2027-05-01"
to = 2027-04-30T00:00:00
makeup_workdays = [2027-05-08, "soon"]

[[holiday]]
name = "劳动节"
from = 2027-05-01
to = 2027-05-05
makeup_workdays = [2027-05-02]
""",
    )
    write(tmp_path, "2029.toml", "year = 2029\n[[holiday]\n")
    write(tmp_path, "next-year.toml", GOOD_2027)
    write(tmp_path, "2030.toml", 'year = 2030\nholiday = "none"\n')

    problems = problems_of(tmp_path)
    expected = [
        "2027.toml: year: must be 2027, the year in the file name, not 2028",
        "2027.toml: holiday[0].to: 2028-01-02 is not in 2027",
        "2027.toml: holiday[0].makeup_workdays[1]: 2027-10-05 is a weekday",
        "2027.toml: holiday[0].makeup_workdays[2]: 2026-10-10 is not in 2027",
        "2027.toml: holiday[0].colour: unknown key",
        "2027.toml: holiday[1].name: must not be empty",
        "2027.toml: holiday[1].from: must be a date such as 2026-10-01 (unquoted), not a string",
        "2027.toml: holiday[1].to: must be a date such as 2026-10-01 (unquoted), not a date-time",
        "2027.toml: holiday[1].makeup_workdays[1]: must be a date",
        "2027.toml: sauce: unknown key; did you mean 'source'?",
        "2027.toml: holiday[2].makeup_workdays[0]: 2027-05-02 is both a make-up working day "
        "and a holiday (劳动节)",
        "2029.toml: not valid TOML",
        "2030.toml: holiday: must be an array, not a string ('none')",
        "next-year.toml: the name must be the year, such as 2026.toml",
    ]
    for start in expected:
        assert any(item.startswith(start) for item in problems), (start, problems)
    assert len(problems) == len(expected), problems


def test_a_missing_or_empty_folder_is_refused(tmp_path: Path) -> None:
    assert problems_of(tmp_path / "nowhere") == ["no such folder"]
    (tmp_path / "empty").mkdir()
    assert problems_of(tmp_path / "empty") == ["no holiday files (YYYY.toml) in the folder"]


def test_a_file_without_year_or_holidays_names_both(tmp_path: Path) -> None:
    write(tmp_path, "2027.toml", 'source = "draft"\n')
    assert problems_of(tmp_path) == [
        "2027.toml: year: missing required key",
        "2027.toml: holiday: missing required key",
    ]
