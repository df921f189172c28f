"""When the hall is in session, when issuing stops and next opens (what a kiosk tells a
citizen who comes too late)."""

from __future__ import annotations

import datetime as dt

from helpers import SHANGHAI

from queue_server.domain.hall import Hours, Session
from queue_server.domain.hours import in_session, issuing_opens, issuing_stops

HOURS = Hours(
    sessions=(Session(dt.time(8, 30), dt.time(12, 0)), Session(dt.time(14, 0), dt.time(17, 30))),
    issue_opens_before_minutes=30,
    issue_cutoff_minutes=30,
)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def test_the_hall_is_in_session_from_each_start_until_its_end() -> None:
    assert [in_session(HOURS, at(23, h, m)) for h, m in ((8, 29), (8, 30), (11, 59))] == [
        False,
        True,
        True,
    ]
    assert [in_session(HOURS, at(23, h)) for h in (12, 13, 14, 17, 18)] == [
        False,
        False,
        True,
        True,
        False,
    ]


def test_issuing_stops_at_the_cutoff_of_the_session_under_way() -> None:
    assert issuing_stops(HOURS, at(23, 9)) == at(23, 11, 30)
    assert issuing_stops(HOURS, at(23, 15)) == at(23, 17)
    assert issuing_stops(HOURS, at(23, 11, 45)) is None  # closed: nothing to stop


def test_issuing_opens_next_at_the_coming_session_or_tomorrow() -> None:
    assert issuing_opens(HOURS, at(23, 6)) == at(23, 8)
    assert issuing_opens(HOURS, at(23, 11, 45)) == at(23, 13, 30)  # lunch
    assert issuing_opens(HOURS, at(23, 17, 10)) == at(24, 8)  # after the day's cut-off
    assert issuing_opens(HOURS, at(23, 9)) == at(23, 9)  # open now


def test_a_hall_open_all_hours_never_stops() -> None:
    always = Hours(sessions=HOURS.sessions, open_all_hours=True)
    assert issuing_stops(always, at(23, 3)) is None
    assert issuing_opens(always, at(23, 3)) == at(23, 3)
    assert in_session(always, at(23, 3))  # so its staffed windows are watched at any hour
