"""Read each section of a hall file into the frozen dataclasses of the domain's hall model."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from queue_server.config.ratings import read_alerts, read_ratings
from queue_server.config.reader import Problems, Table, suggest
from queue_server.config.voice import read_voice
from queue_server.domain.hall import (
    MAX_QUOTA,
    MIN_REQUESTS_PER_SECOND,
    Field,
    Floor,
    HallConfig,
    Hours,
    MissedPolicy,
    Policy,
    RequestLimits,
    Service,
    ServiceKind,
    Session,
    Window,
    WindowKind,
)

_ID = re.compile(r"[A-Za-z0-9_-]+")
_PREFIX = re.compile(r"[A-Z]")
_CLOCK = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*")

MAX_SERVICE_MINUTES = 240.0
MAX_ISSUE_MINUTES = 240
MAX_RATE = 100_000  # requests a second from one client: far beyond what a hall could use


@dataclass(frozen=True)
class Draft:
    """A hall as read, before the cross-checks; `paths` holds each list entry's key path."""

    config: HallConfig
    paths: Mapping[str, Sequence[str]]  # "floors", "fields", "services", "windows"


def read_document(doc: Table, *, open_all_hours: bool, base: Path | None = None) -> Draft:
    """Read the whole file; after a problem, stand-in values ("" or a default) fill the gap.

    `base` is the file's folder: folders the file names (photos, holidays) are relative to it.
    """
    hall = doc.table("hall")
    name, name_alt = hall.text("name"), hall.optional_text("name_alt")
    timezone, language = _timezone(hall), _language(hall)
    photos = hall.optional_text("staff_photos")
    if photos is not None and not _is_folder((base or Path.cwd()) / photos):
        hall.problem("staff_photos", f"there is no folder {photos!r} (relative to the config file)")
    hall.close()
    hours = _hours(doc.table("hours"), open_all_hours)
    policy = _policy(doc.table("policy"))
    floors = doc.tables("floors", required=True)
    fields = doc.tables("fields", required=True)
    services = doc.tables("services", required=True)
    windows = doc.tables("windows", required=True)
    floor_list = tuple(_floor(t) for t in floors)
    field_list = tuple(_field(t) for t in fields)
    service_list = tuple(_service(t) for t in services)
    window_list = tuple(_window(t) for t in windows)
    config = HallConfig(
        name=name,
        name_alt=name_alt,
        timezone=timezone,
        second_language=language,
        hours=hours,
        policy=policy,
        floors=floor_list,
        fields=field_list,
        services=service_list,
        windows=window_list,
        voice=read_voice(doc.table("voice"), floor_list, window_list, _ident),
        ratings=read_ratings(doc.table("ratings"), base),
        alerts=read_alerts(doc.table("alerts"), {w.id for w in window_list}),
        limits=_limits(doc.table("limits")),
        staff_photos=None if photos is None else str((base or Path.cwd()) / photos),
    )
    doc.close()
    groups = {"floors": floors, "fields": fields, "services": services, "windows": windows}
    return Draft(config, {key: [t.path for t in tables] for key, tables in groups.items()})


def _timezone(t: Table) -> str:
    key = t.optional_text("timezone") or "Asia/Shanghai"
    try:
        zoneinfo.ZoneInfo(key)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        hint = suggest(key, zoneinfo.available_timezones())
        t.problem("timezone", f"{key!r} is not a time zone known here{hint}")
    return key


def _language(t: Table) -> str | None:
    tag = t.optional_text("second_language")
    if tag and not _LANGUAGE.fullmatch(tag):
        t.problem("second_language", f"{tag!r} is not a BCP 47 language tag such as 'mn-Mong'")
    return tag


def _ident(t: Table, key: str) -> str:
    value = t.text(key)
    if value and not _ID.fullmatch(value):
        # kept as written so that references to it do not raise a second, misleading problem
        t.problem(key, f"{value!r} may hold only letters, digits, '-' and '_' (ids go in URLs)")
    return value


def _parse_clock(problems: Problems, path: str, text: str) -> dt.time | None:
    if not _CLOCK.fullmatch(text):
        problems.add(path, f'{text!r} is not a time "HH:MM" from "00:00" to "23:59"')
        return None
    return dt.time(int(text[:2]), int(text[3:]))


def _clock(t: Table, key: str) -> dt.time | None:
    text = t.text(key)
    return _parse_clock(t.problems, t.key_path(key), text) if text else None


def _session(t: Table) -> Session | None:
    start, end = _clock(t, "start"), _clock(t, "end")
    t.close()
    if start is None or end is None:
        return None
    if start >= end:
        t.problems.add(t.path, f"ends at {end:%H:%M}, not after it starts at {start:%H:%M}")
        return None
    return Session(start, end)


def _minutes(session: Session) -> int:
    return (session.end.hour - session.start.hour) * 60 + session.end.minute - session.start.minute


def _hours(t: Table, open_all_hours: bool) -> Hours:
    open_all = t.flag("open_all_hours", False) or open_all_hours
    tables = t.tables("sessions", required=not open_all)
    read = [(s.path, _session(s)) for s in tables]
    sessions = [(path, session) for path, session in read if session is not None]
    _check_order(t.problems, sessions)
    opens = t.integer("issue_opens_before_minutes", 30, 0, MAX_ISSUE_MINUTES)
    cutoff = t.integer("issue_cutoff_minutes", 30, 0, MAX_ISSUE_MINUTES)
    for path, session in sessions:
        if cutoff >= _minutes(session):
            span = f"{session.start:%H:%M}-{session.end:%H:%M}"
            t.problem(
                "issue_cutoff_minutes", f"{cutoff} leaves no time to issue in {path} ({span})"
            )
    clearing = _clearing_times(t, [s for _, s in sessions])
    t.close()
    return Hours(
        sessions=tuple(s for _, s in sessions),
        issue_opens_before_minutes=opens,
        issue_cutoff_minutes=cutoff,
        clearing_times=clearing,
        open_all_hours=open_all,
    )


def _check_order(problems: Problems, sessions: list[tuple[str, Session]]) -> None:
    for (_, before), (path, after) in itertools.pairwise(sessions):
        if after.start < before.end:
            problems.add(
                path,
                f"starts at {after.start:%H:%M}, before the session above ends at "
                f"{before.end:%H:%M}: sessions go in order of time and must not overlap",
            )


def _clearing_times(t: Table, sessions: list[Session]) -> tuple[dt.time, ...]:
    found: list[dt.time] = []
    for index, text in enumerate(t.strings("clearing_times")):
        path = f"{t.key_path('clearing_times')}[{index}]"
        moment = _parse_clock(t.problems, path, text) if text else None
        if moment is None:
            continue
        inside = next((s for s in sessions if s.start < moment < s.end), None)
        if moment in found:
            t.problems.add(path, f"{text} is listed twice")
        elif inside is not None:
            # clearing closes out waiting tickets, which must not happen while the hall is open
            span = f"{inside.start:%H:%M}-{inside.end:%H:%M}"
            t.problems.add(path, f"{text} falls inside the session {span}")
        else:
            found.append(moment)
    return tuple(sorted(found))


def _policy(t: Table) -> Policy:
    defaults = Policy()
    policy = Policy(
        recall_cap=t.integer("recall_cap", defaults.recall_cap, 0, 20),
        missed=t.choice("missed", MissedPolicy, defaults.missed),
        missed_after_places=t.integer("missed_after_places", defaults.missed_after_places, 1, 100),
        missed_requeue_limit=t.integer(
            "missed_requeue_limit", defaults.missed_requeue_limit, 0, 10
        ),
        callback_window_memory=t.integer(
            "callback_window_memory", defaults.callback_window_memory, 0, 20
        ),
        green_channel_age=t.integer("green_channel_age", defaults.green_channel_age, 50, 100),
        one_waiting_ticket_per_id=t.flag(
            "one_waiting_ticket_per_id", defaults.one_waiting_ticket_per_id
        ),
        bad_rating_requires_tag=t.flag("bad_rating_requires_tag", defaults.bad_rating_requires_tag),
    )
    t.close()
    return policy


def _limits(t: Table) -> RequestLimits:
    rate = t.optional_integer("requests_per_second", MIN_REQUESTS_PER_SECOND, MAX_RATE)
    burst = t.optional_integer("burst", MIN_REQUESTS_PER_SECOND, MAX_RATE * 10)
    if burst is not None and "requests_per_second" not in t:
        t.problem("burst", "needs requests_per_second too")
    elif burst is not None and rate is not None and burst < rate:
        t.problem("burst", f"must be at least requests_per_second ({rate}), not {burst}")
    t.close()
    return RequestLimits(requests_per_second=rate, burst=burst)


def _floor(t: Table) -> Floor:
    floor = Floor(id=_ident(t, "id"), label=t.text("label"), label_alt=t.optional_text("label_alt"))
    t.close()
    return floor


def _is_folder(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):  # a name too long, a NUL byte: no folder of that name
        return False


def _field(t: Table) -> Field:
    field = Field(id=_ident(t, "id"), name=t.text("name"), name_alt=t.optional_text("name_alt"))
    t.close()
    return field


def _prefix(t: Table) -> str:
    prefix = t.text("prefix")
    if prefix and not _PREFIX.fullmatch(prefix):
        t.problem("prefix", f"{prefix!r} must be one capital letter A-Z")
    elif prefix in ("I", "O"):
        t.problem("prefix", f"{prefix!r} is not used: on LED strips and tickets it reads as 1 or 0")
    return prefix


def _service(t: Table) -> Service:
    service = Service(
        id=_ident(t, "id"),
        name=t.text("name"),
        name_alt=t.optional_text("name_alt"),
        prefix=_prefix(t),
        field=t.text("field"),
        floor=t.text("floor"),
        kind=t.choice("kind", ServiceKind, ServiceKind.APPLY),
        daily_quota=t.optional_integer("daily_quota", 1, MAX_QUOTA),
        session_quota=t.optional_integer("session_quota", 1, MAX_QUOTA),
        mean_service_minutes=t.positive_number("mean_service_minutes", MAX_SERVICE_MINUTES),
        route=_ids(t, "route"),
    )
    daily, per_session = service.daily_quota, service.session_quota
    if daily is not None and per_session is not None and per_session > daily:
        t.problem(
            "session_quota",
            f"{per_session} is more than the daily_quota {daily}: one session could never use it",
        )
    t.close()
    return service


def _window(t: Table) -> Window:
    window = Window(
        id=_ident(t, "id"),
        label=t.text("label"),
        floor=t.text("floor"),
        kind=t.choice("kind", WindowKind),
        services=_ids(t, "services", required=True),
        overflow=_ids(t, "overflow"),
        label_alt=t.optional_text("label_alt"),
    )
    t.close()
    return window


def _ids(t: Table, key: str, *, required: bool = False) -> tuple[str, ...]:
    # bad entries stay as "" so that the later checks' [index] paths still fit
    return tuple(t.strings(key, required=required))
