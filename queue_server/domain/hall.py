"""The hall's configuration as frozen dataclasses: what the config loader produces."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from queue_server.domain.workdays import WorkCalendar

MAX_QUOTA = 999  # a number is its prefix and three digits, so A999 is the last of the day


class WindowKind(StrEnum):
    GENERAL = "general"  # 无差别综合窗口
    DOMAIN = "domain"  # 分领域综合窗口


class ServiceKind(StrEnum):
    APPLY = "apply"
    PICKUP = "pickup"
    CONSULT = "consult"


class MissedPolicy(StrEnum):
    VOID = "void"  # the ticket ends as no_show (a window may still call it back)
    BACK = "back"  # the ticket goes to the back of its queue
    AFTER_N = "after_n"  # the ticket goes back in after N places


@dataclass(frozen=True)
class Session:
    """One opening session, e.g. 08:30-12:00."""

    start: dt.time
    end: dt.time


@dataclass(frozen=True)
class Floor:
    id: str
    label: str
    label_alt: str | None = None


@dataclass(frozen=True)
class Field:
    """A field of business (市场监管, 工程建设 …) used to group services on kiosks."""

    id: str
    name: str
    name_alt: str | None = None


@dataclass(frozen=True)
class Service:
    id: str
    name: str
    prefix: str
    field: str
    floor: str
    kind: ServiceKind = ServiceKind.APPLY
    name_alt: str | None = None
    daily_quota: int | None = None
    session_quota: int | None = None
    mean_service_minutes: float = 10.0
    route: tuple[str, ...] = ()  # services the ticket goes on to after this one


@dataclass(frozen=True)
class Window:
    id: str
    label: str
    floor: str
    kind: WindowKind
    services: tuple[str, ...]  # primary services, called first
    overflow: tuple[str, ...] = ()  # called only when no primary ticket waits
    label_alt: str | None = None  # the label in the hall's second language


@dataclass(frozen=True)
class Policy:
    recall_cap: int = 5
    missed: MissedPolicy = MissedPolicy.VOID
    missed_after_places: int = 3  # for MissedPolicy.AFTER_N
    missed_requeue_limit: int = 1  # after this many requeues a missed ticket is void
    callback_window_memory: int = 3  # a window may call back its last N missed tickets
    green_channel_age: int = 60
    one_waiting_ticket_per_id: bool = True
    bad_rating_requires_tag: bool = True


@dataclass(frozen=True)
class Hours:
    sessions: tuple[Session, ...]
    issue_opens_before_minutes: int = 30  # tickets may be taken this long before a session
    issue_cutoff_minutes: int = 30  # issuing stops this long before a session ends
    clearing_times: tuple[dt.time, ...] = ()  # unserved tickets are closed out at these times
    open_all_hours: bool = False  # demos and tests: always in session, no clearing


DEFAULT_GAP_MS = 60  # silence between two recorded segments, as a voice pack's default


@dataclass(frozen=True)
class SpeakerGroup:
    """One area's speakers (一楼大厅): the windows whose calls it speaks, and its own text.

    `windows` is every window of the group: those on its `floors` and those listed by id.
    `templates` (kind -> template) and `gap_ms` override the hall's for this area only.
    """

    id: str
    name: str
    windows: tuple[str, ...]
    floors: tuple[str, ...] = ()
    templates: Mapping[str, str] = field(default_factory=dict)
    gap_ms: int | None = None


@dataclass(frozen=True)
class VoiceSettings:
    """The hall's announcements: templates per kind (missing kinds use the defaults), the gap
    between segments, extra phrases its own voice pack records, and its speaker groups
    (none configured: one per floor, see HallConfig.speaker_groups)."""

    templates: Mapping[str, str] = field(default_factory=dict)
    gap_ms: int = DEFAULT_GAP_MS
    phrases: tuple[str, ...] = ()
    speakers: tuple[SpeakerGroup, ...] = ()


@dataclass(frozen=True)
class UpstreamSettings:
    """`[ratings.upstream]`: where ratings are reported (the province's 好差评 system)."""

    adapter: str  # "provincial"
    url: str
    token: str
    batch: int = 50  # records per request
    timeout: float = 15.0  # seconds for one request, connecting included


@dataclass(frozen=True)
class RatingSettings:
    """好差评 at this hall: how long pads take a rating, default ratings, 差评 case deadlines."""

    key_pad_seconds: int = 10
    touch_pad_seconds: int = 60
    phone_days: int = 7
    default_after_days: int = 0  # 0: no default ratings
    default_level: int = 3  # 基本满意; never a 差评
    verify_days: int = 1  # working days to verify a 差评 (核实), from opening
    rectify_days: int = 15  # working days to put it right (整改), from opening
    callback_days: int = 1  # working days to call the citizen back (回访), from 整改
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    upstream: UpstreamSettings | None = None  # None: no upstream (the default)

    @property
    def keep_days(self) -> int:
        """How long a served, unrated service may still be rated (by phone or by default):
        a default rating comes on the day after the `default_after_days`th."""
        by_default = self.default_after_days + 1 if self.default_after_days else 0
        return max(self.phone_days, by_default)


@dataclass(frozen=True)
class AlertSettings:
    """效能监察: when the hall tells its supervisors (thresholds in minutes)."""

    wait_yellow_minutes: int = 15
    wait_red_minutes: int = 30
    queue_length: int = 30  # waiting tickets of one service
    pause_minutes: int = 30
    service_factor: float = 3.0  # a service this many times its usual length
    staffed: tuple[str, ...] = ()  # windows that must be staffed in opening hours
    webhook: str | None = None  # every alert raised is also POSTed here as JSON


MIN_REQUESTS_PER_SECOND = 50  # API.md: a device's legitimate burst of 50 a second passes


@dataclass(frozen=True)
class RequestLimits:
    """`[limits]`: how fast one client (a token, else an address) may send requests: `burst`
    at once, then `requests_per_second`. No rate: no limit (the demo hall)."""

    requests_per_second: int | None = None
    burst: int | None = None  # None: as many as requests_per_second


@dataclass(frozen=True)
class HallConfig:
    name: str
    hours: Hours
    floors: tuple[Floor, ...]
    fields: tuple[Field, ...]
    services: tuple[Service, ...]
    windows: tuple[Window, ...]
    policy: Policy = field(default_factory=Policy)
    timezone: str = "Asia/Shanghai"
    name_alt: str | None = None
    second_language: str | None = None  # BCP 47 tag, e.g. "mn-Mong"
    voice: VoiceSettings = field(default_factory=VoiceSettings)
    ratings: RatingSettings = field(default_factory=RatingSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    limits: RequestLimits = field(default_factory=RequestLimits)
    staff_photos: str | None = None  # folder of clerks' photos, <工号>.jpg or .png

    def service(self, service_id: str) -> Service | None:
        return next((s for s in self.services if s.id == service_id), None)

    def window(self, window_id: str) -> Window | None:
        return next((w for w in self.windows if w.id == window_id), None)

    def speaker_groups(self) -> tuple[SpeakerGroup, ...]:
        """The configured speaker groups, or one per floor when none is configured."""
        if self.voice.speakers:
            return self.voice.speakers
        return tuple(
            SpeakerGroup(
                id=f.id,
                name=f.label,
                floors=(f.id,),
                windows=tuple(w.id for w in self.windows if w.floor == f.id),
            )
            for f in self.floors
        )
