"""The answer schemas of the components section: tickets, windows, the hall, stream messages."""

from __future__ import annotations

from queue_server import wire
from queue_server.domain.events import EVENT_TYPES
from queue_server.domain.hall import MissedPolicy, ServiceKind, WindowKind
from queue_server.domain.model import Priority, TicketState, WindowState
from queue_server.web.openapi.rating_components import rating_schemas
from queue_server.web.openapi.report_components import report_schemas
from queue_server.web.openapi.schema import (
    Json,
    _array,
    _enum,
    _map,
    _nullable,
    _object,
    _ref,
    _string,
    _when,
)


def answer_schemas() -> dict[str, Json]:
    ticket = _object(
        {
            "id": _string(),
            "number": _string(description="The printed number, e.g. A001."),
            "service": _string(description="The service it waits for or is served in now."),
            "state": _enum(TicketState),
            "priority": _enum(Priority),
            "window": _string(nullable=True, description="Where it was last called."),
            "issued_at": _when(),
            "called_at": _when(nullable=True),
            "finished_at": _when(nullable=True),
            "started_at": _when(nullable=True),
            "recalls": {"type": "integer", "minimum": 0},
            "pinned": {"type": "boolean", "description": "A manager moved it to the front."},
            "transferred": {"type": "boolean", "description": "Served ahead where it went."},
            "missed_reason": _string(nullable=True, description="Why it was marked missed."),
        },
        contract=(
            [
                "id",
                "number",
                "service",
                "state",
                "priority",
                "window",
                "issued_at",
                "called_at",
                "finished_at",
            ]
        ),
    )
    window = _object(
        {
            "id": _string(),
            "label": _string(),
            "label_alt": _string(nullable=True),
            "floor": _string(),
            "kind": _enum(WindowKind),
            "services": _array(_string()),
            "overflow": _array(_string(description="Called only when no primary ticket waits.")),
            "state": _enum(WindowState),
            "ticket": _nullable(_ref("Ticket")),
            "clerk": _nullable(
                _object(
                    {"name": _string(nullable=True), "staff_no": _string(nullable=True)},
                    description="Who serves there (亮身份): display name and 工号, public.",
                )
            ),
            "pause_reason": _string(nullable=True),
            "since": _when(nullable=True),
            "clerk_username": _string(
                nullable=True,
                description="Staff views only (console topic, staff tokens): the username "
                "signed in, so a console can recognise its own window.",
            ),
            "rating": _nullable(_ref("OpenRating")),
        },
        contract=["id", "label", "floor", "kind", "services", "state", "ticket"],
        optional=["clerk_username", "rating"],
    )
    ticket_view = _object(
        {
            "ticket": _ref("Ticket"),
            "ahead": {"type": "integer", "minimum": 0},
            "eta_minutes": {"type": "number", "minimum": 0},
            "rating_key": _string(
                description="Only to the ticket's issuer: the key its QR carries (`/t/{id}?k=`) "
                "so that only the holder can rate on the phone."
            ),
        },
        optional=["rating_key"],
        description="A ticket and its place in the queue.",
    )
    service = _object(
        {
            "id": _string(),
            "name": _string(),
            "name_alt": _string(nullable=True),
            "prefix": _string(),
            "field": _string(),
            "floor": _string(),
            "kind": _enum(ServiceKind),
            "route": _array(_string()),
            "daily_quota": _nullable(
                {
                    "type": "integer",
                    "description": "In force today: a manager's for the day, else the hall file's.",
                }
            ),
            "session_quota": _nullable({"type": "integer"}),
            "waiting": {"type": "integer", "minimum": 0},
            "eta_minutes": {
                "type": "number",
                "minimum": 0,
                "description": "The expected wait of a ticket taken now.",
            },
            "issued_today": {"type": "integer", "minimum": 0},
            "left_today": _nullable({"type": "integer", "minimum": 0}),
            "left_in_session": _nullable({"type": "integer", "minimum": 0}),
            "issuing_paused": _string(
                nullable=True,
                description=(
                    "Why a manager paused issuing for it (kiosks refuse it until it is resumed "
                    "or the day ends), or null."
                ),
            ),
        },
        contract=["id", "name", "prefix", "route"],
    )
    label = {"label": _string(), "label_alt": _string(nullable=True)}
    name = {"name": _string(), "name_alt": _string(nullable=True)}
    hall = _object(
        {
            "hall": _object(
                {
                    "name": _string(),
                    "name_alt": _string(nullable=True),
                    "timezone": _string(),
                    "second_language": _string(nullable=True, description="A BCP 47 tag."),
                    "floors": _array(_object({"id": _string(), **label})),
                    "fields": _array(_object({"id": _string(), **name})),
                    "sessions": _array(
                        _object({"start": _string(examples=["08:30"]), "end": _string()})
                    ),
                    "open_all_hours": {"type": "boolean"},
                    "recall_cap": {"type": "integer"},
                    "green_channel_age": {
                        "type": "integer",
                        "description": "An ID card of this age or more offers a green-channel"
                        " ticket at the kiosk.",
                    },
                    "missed_policy": _enum(MissedPolicy),
                    "missed_after_places": {
                        "type": "integer",
                        "minimum": 1,
                        "description": "Under missed_policy after_n, how many places a missed"
                        " ticket goes back in after (the kiosk prints it).",
                    },
                    "missed_requeue_limit": {
                        "type": "integer",
                        "minimum": 0,
                        "description": "Under missed_policy back or after_n, how many times a"
                        " missed ticket goes back in; the next miss voids it (the kiosk prints"
                        " it).",
                    },
                    "issuing": _object(
                        {
                            "open": {"type": "boolean"},
                            "session": _nullable({"type": "integer"}),
                            "stops_at": _when(nullable=True),
                            "opens_at": _when(nullable=True),
                        },
                        description="Whether tickets can be taken now; when it stops or opens.",
                    ),
                },
                contract=["name"],
            ),
            "services": _array(_ref("Service")),
            "windows": _array(_ref("Window")),
            "now": _string(
                format="date-time",
                examples=["2026-11-23T09:00:00+08:00"],
                description="The server's time, in the hall's zone: kiosks go by it, not by "
                "their own clocks (a kiosk without a clock battery may be months off).",
            ),
            "alerts": _object(
                {
                    "wait_yellow_minutes": {"type": "integer"},
                    "wait_red_minutes": {"type": "integer"},
                },
                description="Staff only: the waits (minutes) the hall's alerts start at; "
                "the manager's page colours waits by them.",
            ),
        },
        contract=["hall", "services", "windows"],
        optional=["alerts"],
    )
    error = _object(
        {
            "error": _object(
                {
                    "code": _string(pattern="^[a-z][a-z0-9_]*$"),
                    "message": _string(description="Human text, zh-CN or en."),
                }
            )
        }
    )
    event_fields: Json = {
        "type": _enum(sorted({wire._MESSAGE_TYPES.get(t, t) for t in EVENT_TYPES})),
        "seq": {"type": "integer", "description": "The change's place in the journal."},
        "at": _when(),
        "ticket": _ref("Ticket"),
        "window": _ref("Window"),
        "waiting": _map({"type": "integer"}),
        "eta": _map({"type": "number"}),
        "count": {"type": "integer"},
        "callback": {"type": "boolean"},
        "reason": _string(nullable=True),
        "to_service": _string(),
        "to_window": _string(nullable=True),
        "change": {
            "description": "window.changed: which change; tuning.changed: the Change.",
            "anyOf": [
                _enum(["opened", "paused", "resumed", "closed", "handed_over"]),
                _ref("Change"),
            ],
        },
        "from": _nullable(_ref("ClerkCard")),
        "rating": _ref("RatingView"),
        "case": _ref("Case"),
        "alert": _ref("Alert"),
        "action": _string(),
        "stage": _string(),
        "level": {"type": "integer"},
        "tags": _array(_string()),
        "service": _string(),
        "clerk": _string(nullable=True, description="rating.recorded: the clerk's username."),
        "channel": {"type": "integer"},
        "comment": _string(nullable=True),
        "device": _string(),
        "component": _string(),
        "condition": _string(),
        "detail": _string(nullable=True),
        "code": _string(),
        "day": _string(description="day.started: the business day begun (YYYY-MM-DD)."),
    }
    return {
        "Error": error,
        "Ticket": ticket,
        "Window": window,
        "TicketView": ticket_view,
        "Service": service,
        "Hall": hall,
        "WindowAnswer": _object(
            {"ticket": _nullable(_ref("Ticket")), "window": _ref("Window")},
            contract=["ticket"],
            description="The ticket the action concerns (null for window changes) and the window.",
        ),
        "WindowDetail": _object(
            {
                "window": _ref("Window"),
                "held": _array(_ref("Ticket")),
                "missed": _array(_ref("Ticket")),
                "waiting": _map({"type": "integer"}),
                "today": _nullable(_ref("ClerkToday")),
            },
            optional=["today"],
        ),
        "RatingAnswer": _object(
            {
                "rating": _ref("RatingView"),
                "ticket": _ref("Ticket"),
                "case": _string(description="The follow-up case a 差评 opened."),
            },
            optional=["ticket", "case"],
            description="The rating as recorded, the ticket rated (while the hall still keeps "
            "it: the business day) and, for a 差评, its case.",
        ),
        **rating_schemas(),
        **report_schemas(),
        "BoardState": _object(
            {
                "hall": _string(description="The hall's name."),
                "windows": _array(_ref("Window")),
                "waiting": _map({"type": "integer"}),
                "eta": _map({"type": "number"}),
                "waiting_since": _map(_when(nullable=True)),
                "calls": _array(
                    _object({"ticket": _ref("Ticket"), "window": _string(), "at": _when()})
                ),
            },
            description="Everything a board needs to draw itself: the `state` of a snapshot.",
        ),
        "Appointment": _object(
            {
                "code": _string(),
                "service": _string(),
                "slot_start": _when(),
                "slot_end": _when(),
                "checked_in": {"type": "boolean"},
                "ticket": _nullable(_ref("Ticket")),
            }
        ),
        "DeviceHealth": _object(
            {
                "device": _string(description="`device:NAME` as `hallq device add` named it."),
                "component": _string(),
                "condition": _string(description="`ok`, or what is wrong."),
                "detail": _string(nullable=True),
                "since": _when(),
            }
        ),
        "StreamSnapshot": _object(
            {"type": {"const": "snapshot"}, "seq": {"type": "integer"}, "state": _ref("BoardState")}
        ),
        "StreamEvent": _object(
            event_fields,
            optional=[k for k in event_fields if k not in ("type", "seq", "at")],
            description="One change. Which fields beyond type, seq and at appear depends on type.",
        ),
    }
