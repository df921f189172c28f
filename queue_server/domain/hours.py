"""Opening sessions, the issuing window around them and the clearing times, in local time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from queue_server.domain.hall import Hours


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def in_session(hours: Hours, local: dt.datetime) -> bool:
    """Whether the hall is in one of its opening sessions (always, when open all hours)."""
    if hours.open_all_hours:
        return True
    now = local.time()
    return any(session.start <= now < session.end for session in hours.sessions)


def issuing_session(hours: Hours, local: dt.datetime) -> int | None:
    """The index of the session a ticket taken at `local` belongs to, or None when closed.

    Issuing opens `issue_opens_before_minutes` before a session and stops
    `issue_cutoff_minutes` before it ends, so that everyone holding a ticket is served.
    """
    if hours.open_all_hours:
        return 0
    now = local.hour * 60 + local.minute + local.second / 60
    for index, session in enumerate(hours.sessions):
        opens = _minutes(session.start) - hours.issue_opens_before_minutes
        stops = _minutes(session.end) - hours.issue_cutoff_minutes
        if opens <= now < stops:
            return index
    return None


def check_in_session(hours: Hours, local: dt.datetime, slot_end: dt.datetime) -> int | None:
    """The session an appointment checked in at `local` belongs to, or None when closed.

    As for a walk-in, and past the walk-in cut-off too, until its session ends, while its
    slot has not ended: the hall promised it that slot.
    """
    session = issuing_session(hours, local)
    if session is not None or local >= slot_end:
        return session
    now = local.hour * 60 + local.minute + local.second / 60
    for index, open_session in enumerate(hours.sessions):
        opens = _minutes(open_session.start) - hours.issue_opens_before_minutes
        if opens <= now < _minutes(open_session.end):
            return index
    return None


def session_resumes(hours: Hours, local: dt.datetime, until: dt.datetime) -> bool:
    """Whether a session of `local`'s day starts after `local` and before `until`: at a
    clearing between two sessions (a lunch break), a slot running until `until` goes on
    after the break. Never in a hall open all hours, whose clearings end the day."""
    if hours.open_all_hours:
        return False
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    starts = (day + dt.timedelta(minutes=_minutes(s.start)) for s in hours.sessions)
    return any(local < start < until for start in starts)


def clearings_between(hours: Hours, after: dt.datetime, until: dt.datetime) -> list[dt.datetime]:
    """The clearing moments in (after, until], both aware datetimes in the hall's zone."""
    if hours.open_all_hours or not hours.clearing_times or until <= after:
        return []
    found: list[dt.datetime] = []
    day = after.date()
    while day <= until.date():
        for t in sorted(hours.clearing_times):
            moment = dt.datetime.combine(day, t, tzinfo=after.tzinfo)
            if after < moment <= until:
                found.append(moment)
        day += dt.timedelta(days=1)
    return found


def next_clearing(hours: Hours, after: dt.datetime) -> dt.datetime | None:
    """The first clearing moment strictly after `after`, or None when the hall has none."""
    found = clearings_between(hours, after, after + dt.timedelta(days=1))
    return found[0] if found else None


def _sessions_from(
    hours: Hours, start: dt.datetime, end: dt.datetime
) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """(opens, closes) of every session of the days from `start`'s to `end`'s, in order."""
    day = start.date()
    while day <= end.date():
        for session in hours.sessions:
            yield (
                dt.datetime.combine(day, session.start, start.tzinfo),
                dt.datetime.combine(day, session.end, start.tzinfo),
            )
        day += dt.timedelta(days=1)


def open_minutes(hours: Hours, start: dt.datetime, end: dt.datetime) -> float:
    """The minutes of [start, end) inside the opening sessions (all of them in a hall open
    all hours); both in the hall's zone."""
    if hours.open_all_hours:
        return max(0.0, (end - start).total_seconds() / 60)
    inside = (
        (min(end, closes) - max(start, opens)).total_seconds()
        for opens, closes in _sessions_from(hours, start, end)
    )
    return sum(seconds for seconds in inside if seconds > 0) / 60


def reopens_between(hours: Hours, start: dt.datetime, end: dt.datetime) -> bool:
    """Whether the hall opened its doors again in (start, end]: issuing opened for a session
    (`issue_opens_before_minutes` before it), after the lunch break or a night. Never in a
    hall open all hours. Both in the hall's zone."""
    if hours.open_all_hours:
        return False
    lead = dt.timedelta(minutes=hours.issue_opens_before_minutes)
    return any(start < opens - lead <= end for opens, _ in _sessions_from(hours, start, end))


def next_day_start(local: dt.datetime) -> dt.datetime:
    """Midnight at the end of `local`'s day, in its zone: when the next business day starts."""
    return dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(0), local.tzinfo)


def issuing_opens(hours: Hours, local: dt.datetime) -> dt.datetime | None:
    """When issuing next opens at or after `local` (within a week), or None if it never does.

    Kiosks say it to a citizen who comes too late ("明天 08:00 起可以取号").
    """
    if hours.open_all_hours:
        return local
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    for days in range(8):
        for session in hours.sessions:
            opens = day + dt.timedelta(
                days=days, minutes=_minutes(session.start) - hours.issue_opens_before_minutes
            )
            stops = day + dt.timedelta(
                days=days, minutes=_minutes(session.end) - hours.issue_cutoff_minutes
            )
            if local < stops:
                return max(opens, local)
    return None


def issuing_stops(hours: Hours, local: dt.datetime) -> dt.datetime | None:
    """When the issuing session open at `local` stops, or None when closed or never stopping."""
    session = issuing_session(hours, local)
    if session is None or hours.open_all_hours:
        return None
    end = hours.sessions[session].end
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return day + dt.timedelta(minutes=_minutes(end) - hours.issue_cutoff_minutes)
