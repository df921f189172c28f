"""The OpenAPI 3.1 reference of the HTTP API, built from the routes, request shapes and wire."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from queue_server import wire
from queue_server.accounts import Role
from queue_server.domain.events import EVENT_TYPES
from queue_server.domain.hall import MissedPolicy, ServiceKind, WindowKind
from queue_server.domain.model import Priority, TicketState, WindowState
from queue_server.web import requests as rq
from queue_server.web.api import _WINDOW_ACTIONS
from queue_server.web.auth import ISSUERS, PEOPLE, STAFF_STREAM, SUPERVISORS
from queue_server.web.replies import reply
from queue_server.web.stream import TOO_SLOW

Json = dict[str, Any]

routes = web.RouteTableDef()

PATH = "/api/v1/openapi.json"
CONTRACT = "API.md, version 1"

# Every error code an operation may answer, with its status and meaning.
ERRORS: Mapping[str, tuple[int, str]] = {
    "unauthenticated": (401, "No token, or a token nobody issued (or that expired)."),
    "bad_credentials": (401, "Wrong username or password."),
    "forbidden": (403, "This role may not do this, or the token is bound to another window."),
    "invalid_request": (
        422,
        "Malformed request: bad JSON, a wrong type, an unknown field, a value out of range; "
        "the message names the field. Nothing changed.",
    ),
    "reason_required": (
        422,
        "A 差评 (level 1-2) without a reason tag, where the hall requires one.",
    ),
    "unknown_service": (404, "No such service."),
    "unknown_window": (404, "No such window."),
    "unknown_ticket": (404, "No such ticket."),
    "queue_empty": (404, "Nothing is waiting that this window may call."),
    "hall_closed": (409, "Outside the hall's issuing hours."),
    "quota_exhausted": (409, "The service's daily or session quota is used up."),
    "already_waiting": (409, "This ID number already holds a waiting ticket for the service."),
    "window_not_open": (409, "The window is closed or paused."),
    "window_occupied": (409, "Another clerk is signed in at the window."),
    "clerk_elsewhere": (409, "The clerk is signed in at another window; close that one first."),
    "window_busy": (409, "The window still has a current ticket; finish or hold it first."),
    "no_current_ticket": (409, "The window has no current ticket."),
    "not_called": (409, "The current ticket is already being served (it is not `called`)."),
    "recall_limit": (409, "The ticket was announced again as often as the hall allows."),
    "not_missed": (409, "The ticket is not one of this window's recently missed tickets."),
    "not_held": (409, "The ticket is not held at this window."),
    "not_waiting": (409, "The ticket is not waiting."),
    "invalid_transfer": (409, "A transfer to the window the ticket is at."),
    "not_served": (409, "The ticket has not been served at the pad's window."),
    "already_rated": (409, "This service of the ticket has been rated already."),
    "unavailable": (
        503,
        "The change could not be journalled, or the server is stopping; nothing changed; retry.",
    ),
}

STATUS_TEXT = {
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict with the hall's state",
    422: "Invalid request",
    503: "Unavailable",
}

ANY_ROLE = frozenset(Role)
# Who passes auth.check_window_action: supervisors anywhere, a station at its own window,
# a clerk at the window where signed in (or signing in, for `open`).
WINDOW_STAFF = SUPERVISORS | {Role.CLERK, Role.STATION}

PATH_PARAMETERS = {
    "ticket": "The ticket's id (as in `Ticket.id`; not the printed number).",
    "window": "The window's id (as in `Window.id`).",
}


def _ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: Json) -> Json:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    out = dict(schema)
    out["type"] = [schema["type"], "null"]
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    return out


def _string(*, nullable: bool = False, **more: Any) -> Json:
    schema: Json = {"type": "string", **more}
    return _nullable(schema) if nullable else schema


def _when(*, nullable: bool = False) -> Json:
    return _string(format="date-time", nullable=nullable)


def _enum(values: Iterable[str]) -> Json:
    return {"type": "string", "enum": [str(v) for v in values]}


def _array(items: Json) -> Json:
    return {"type": "array", "items": items}


def _map(values: Json) -> Json:
    return {"type": "object", "additionalProperties": values}


def _object(
    properties: Mapping[str, Json],
    *,
    contract: Iterable[str] | None = None,
    optional: Iterable[str] = (),
    description: str | None = None,
) -> Json:
    """An answer object; fields outside `contract` are marked as hallq extensions."""
    props = dict(properties)
    if contract is not None:
        agreed = set(contract)
        props = {k: v if k in agreed else {**v, "x-extension": True} for k, v in props.items()}
    schema: Json = {"type": "object"}
    if description:
        schema["description"] = description
    schema["required"] = [k for k in props if k not in set(optional)]
    schema["properties"] = props
    return schema


# -- request bodies, from the Shapes of requests.py -------------------------------------------


def kind_schema(kind: rq.Kind) -> Json:
    """The JSON Schema of one field kind, with the limits `Shape.parse` enforces."""
    if isinstance(kind, rq.Integer):
        return {"type": "integer", "minimum": kind.minimum, "maximum": kind.maximum}
    if isinstance(kind, rq.TextList):
        return {"type": "array", "maxItems": kind.max_items, "items": kind_schema(kind.item)}
    if kind.choices:
        return {"type": "string", "enum": list(kind.choices)}
    schema: Json = {"type": "string", "minLength": kind.min_length, "maxLength": kind.max_length}
    # Shape.parse matches the whole value, and refuses NUL characters in any text.
    schema["pattern"] = f"^(?:{kind.pattern})$" if kind.pattern else "^[^\\u0000]*$"
    return schema


def shape_schema(shape: rq.Shape) -> Json:
    """A body shape: its required fields, its optional ones (null means absent), nothing else."""
    properties = {name: kind_schema(kind) for name, kind in shape.required.items()}
    properties.update({name: _nullable(kind_schema(kind)) for name, kind in shape.optional.items()})
    schema: Json = {"type": "object"}
    if shape.required:
        schema["required"] = list(shape.required)
    schema["properties"] = properties
    schema["additionalProperties"] = False
    return schema


def shape_names() -> dict[str, str]:
    """Component name of every body shape requests.py declares, e.g. NO_SHOW -> NoShowBody."""
    return {
        name: "".join(part.title() for part in name.split("_")) + "Body"
        for name, value in vars(rq).items()
        if isinstance(value, rq.Shape) and name.isupper()
    }


def _shape_ref(shape: rq.Shape) -> str:
    for name, component in shape_names().items():
        if getattr(rq, name) is shape:
            return f"#/components/schemas/{component}"
    raise ValueError(f"not a named shape of requests.py: {shape}")


# -- answers, from wire.py -------------------------------------------------------------------


def _answer_schemas() -> dict[str, Json]:
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
        },
        contract=["id", "label", "floor", "kind", "services", "state", "ticket"],
        optional=["clerk_username"],
    )
    ticket_view = _object(
        {
            "ticket": _ref("Ticket"),
            "ahead": {"type": "integer", "minimum": 0},
            "eta_minutes": {"type": "number", "minimum": 0},
        },
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
            "daily_quota": _nullable({"type": "integer"}),
            "session_quota": _nullable({"type": "integer"}),
            "waiting": {"type": "integer", "minimum": 0},
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
                    "missed_policy": _enum(MissedPolicy),
                },
                contract=["name"],
            ),
            "services": _array(_ref("Service")),
            "windows": _array(_ref("Window")),
        }
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
        "count": {"type": "integer"},
        "callback": {"type": "boolean"},
        "reason": _string(nullable=True),
        "to_service": _string(),
        "to_window": _string(nullable=True),
        "change": _enum(["opened", "paused", "resumed", "closed"]),
        "level": {"type": "integer"},
        "tags": _array(_string()),
        "service": _string(),
        "clerk": _string(nullable=True),
        "channel": {"type": "integer"},
        "comment": _string(nullable=True),
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
            }
        ),
        "RatingAnswer": _object(
            {
                "rating": _object(
                    {
                        "ticket": _string(description="The ticket's id."),
                        "window": _string(),
                        "service": _string(description="The service rated."),
                        "level": {"type": "integer", "minimum": 1, "maximum": 5},
                        "tags": _array(_string()),
                        "channel": {"type": "integer", "minimum": 1, "maximum": 7},
                        "recorded_at": _when(),
                    }
                ),
                "ticket": _ref("Ticket"),
            },
            description="The rating as recorded, and the ticket rated.",
        ),
        "BoardState": _object(
            {
                "hall": _string(description="The hall's name."),
                "windows": _array(_ref("Window")),
                "waiting": _map({"type": "integer"}),
                "waiting_since": _map(_when(nullable=True)),
                "calls": _array(
                    _object({"ticket": _ref("Ticket"), "window": _string(), "at": _when()})
                ),
            },
            description="Everything a board needs to draw itself: the `state` of a snapshot.",
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


# -- operations: the hand-written part, keyed by (method, path) ------------------------------


@dataclass(frozen=True)
class Op:
    """What the code does for one operation, beyond what its route and shape already say."""

    summary: str
    description: str = ""
    tag: str = "tickets"
    roles: frozenset[Role] | None = None  # None: no token needed
    window_bound: bool = False  # a clerk, station or pad acts only for its own window
    body: rq.Shape | None = None  # window actions take theirs from api._WINDOW_ACTIONS
    answer: Json | None = None  # the JSON answer's schema
    status: int = 200
    media: str = "application/json"
    errors: tuple[str, ...] = ()  # besides 401/403 (roles), 422 (body) and 503 (writes)
    writes: bool = False  # goes through the journal
    extension: bool = False  # beyond the contract
    parameters: tuple[Json, ...] = ()


def _window_action(summary: str, description: str, *errors: str, extension: bool = False) -> Op:
    return Op(
        summary,
        description,
        tag="windows",
        roles=WINDOW_STAFF,
        window_bound=True,
        answer=_ref("WindowAnswer"),
        errors=("unknown_window", *errors),
        writes=True,
        extension=extension,
    )


_WINDOW = "/api/v1/windows/{window}/"
_PAGE = {"type": "string", "description": "An HTML page."}

OPERATIONS: Mapping[tuple[str, str], Op] = {
    ("get", "/healthz"): Op(
        "Liveness",
        '`200 {"status": "ok"}` once the server accepts work; `503 {"status": "down"}` if the '
        "hall's writer has stopped (the systemd watchdog then restarts the server).",
        tag="operations",
        answer=_object({"status": {"const": "ok"}}),
    ),
    ("post", "/api/v1/session"): Op(
        "Log in (people)",
        "A clerk, manager or admin logs in and gets a session token.",
        tag="session",
        body=rq.LOGIN,
        answer=_object(
            {
                "token": _string(),
                "user": _object(
                    {
                        "username": _string(),
                        "role": _enum(sorted(PEOPLE)),
                        "display_name": _string(nullable=True),
                        "staff_no": _string(nullable=True),
                    },
                    contract=["username", "role"],
                ),
            }
        ),
        errors=("bad_credentials",),
    ),
    ("delete", "/api/v1/session"): Op(
        "Log out",
        "Ends the session whose token is sent.",
        tag="session",
        roles=PEOPLE,
        answer=_object({"status": {"const": "logged_out"}}),
    ),
    ("get", "/api/v1/session"): Op(
        "Who am I",
        "The person or device behind the token, and for a clerk the window signed in at.",
        tag="session",
        roles=ANY_ROLE,
        answer=_object(
            {
                "kind": _enum(["user", "device"]),
                "name": _string(),
                "role": _enum(Role),
                "window": _string(nullable=True),
                "display_name": _string(nullable=True),
                "staff_no": _string(nullable=True),
            }
        ),
        extension=True,
    ),
    ("get", "/api/v1/hall"): Op(
        "The hall",
        "The hall, its services (with `route`: the services a ticket goes on to after this "
        "one) and its windows. Public; no personal data.",
        tag="hall",
        answer=_ref("Hall"),
    ),
    ("post", "/api/v1/tickets"): Op(
        "Issue a ticket",
        "The same `idempotency_key` from the same device gives the same ticket again, never a "
        "second one. `id_number` (an extension) only keys one waiting ticket per ID card and "
        "service; it is never stored or shown.",
        roles=ISSUERS,
        body=rq.ISSUE,
        answer=_ref("TicketView"),
        status=201,
        errors=("unknown_service", "hall_closed", "quota_exhausted", "already_waiting"),
        writes=True,
    ),
    ("get", "/api/v1/tickets/{ticket}"): Op(
        "A ticket and its place",
        "Anyone holding the id may look; the id is the secret.",
        answer=_ref("TicketView"),
        errors=("unknown_ticket",),
    ),
    ("post", "/api/v1/tickets/{ticket}/pin"): Op(
        "Move a waiting ticket to the front",
        roles=SUPERVISORS,
        body=rq.EMPTY,
        answer=_ref("TicketView"),
        errors=("unknown_ticket", "not_waiting"),
        writes=True,
        extension=True,
    ),
    ("post", "/api/v1/tickets/{ticket}/cancel"): Op(
        "Void a waiting ticket",
        "A manager voids any waiting ticket; a kiosk only one it issued (and could not print).",
        roles=SUPERVISORS | {Role.KIOSK},
        body=rq.CANCEL,
        answer=_ref("TicketView"),
        errors=("unknown_ticket", "not_waiting"),
        writes=True,
        extension=True,
    ),
    ("get", "/api/v1/windows/{window}"): Op(
        "A window's console view",
        "The window, its held and recently missed tickets, and the waiting counts of the "
        "services it may call. Any clerk may look at any window.",
        tag="windows",
        roles=WINDOW_STAFF,
        window_bound=True,
        answer=_ref("WindowDetail"),
        errors=("unknown_window",),
        extension=True,
    ),
    ("post", _WINDOW + "open"): _window_action(
        "Open the window",
        "The window becomes `idle`; a clerk opening it signs in there. Opening a window one "
        "is already signed in at changes nothing.",
        "window_occupied",
        "clerk_elsewhere",
    ),
    ("post", _WINDOW + "call-next"): _window_action(
        "Call the next ticket",
        "Finishes the current ticket if any, then calls the next one by the dispatch order. "
        "When nothing waits the current ticket stays as it is.",
        "window_not_open",
        "queue_empty",
    ),
    ("post", _WINDOW + "recall"): _window_action(
        "Announce the current ticket again",
        "",
        "window_not_open",
        "no_current_ticket",
        "not_called",
        "recall_limit",
    ),
    ("post", _WINDOW + "start"): _window_action(
        "Start serving the current ticket",
        "The current ticket goes from `called` to `serving`.",
        "window_not_open",
        "no_current_ticket",
        "not_called",
    ),
    ("post", _WINDOW + "finish"): _window_action(
        "Finish the current ticket",
        "The current ticket goes to `done`, or back to `waiting` for its next step when its "
        "service has a route.",
        "window_not_open",
        "no_current_ticket",
    ),
    ("post", _WINDOW + "no-show"): _window_action(
        "Mark the current ticket missed (过号)",
        "The ticket goes to `no_show`, or back into the queue, per the hall's policy.",
        "window_not_open",
        "no_current_ticket",
        "not_called",
    ),
    ("post", _WINDOW + "transfer"): _window_action(
        "Transfer the current ticket",
        "Give exactly one of `service` or `window` (else 422). The ticket keeps its number "
        "and is served ahead of ordinary tickets there.",
        "window_not_open",
        "no_current_ticket",
        "unknown_service",
        "invalid_transfer",
    ),
    ("post", _WINDOW + "hold"): _window_action(
        "Hold the current ticket (挂起)",
        "The citizen fetches a missing paper; the window is free for the next ticket.",
        "window_not_open",
        "no_current_ticket",
        extension=True,
    ),
    ("post", _WINDOW + "resume-held"): _window_action(
        "Resume a held ticket",
        "",
        "window_not_open",
        "unknown_ticket",
        "not_held",
        "window_busy",
        extension=True,
    ),
    ("post", _WINDOW + "call-back"): _window_action(
        "Call back a recently missed ticket",
        "",
        "window_not_open",
        "unknown_ticket",
        "not_missed",
        extension=True,
    ),
    ("post", _WINDOW + "pause"): _window_action(
        "Pause the window",
        "Pausing a paused window changes nothing.",
        "window_not_open",
        "window_busy",
    ),
    ("post", _WINDOW + "resume"): _window_action(
        "Resume a paused window",
        "Resuming a window that is not paused changes nothing.",
        "window_not_open",
    ),
    ("post", _WINDOW + "close"): _window_action(
        "Close the window",
        "The clerk signs out. Closing a closed window changes nothing.",
        "window_busy",
    ),
    ("post", "/api/v1/ratings"): Op(
        "Rate a service (好差评)",
        "Level 5 = 非常满意 … 1 = 非常不满意; `tags` are the national reason codes of that "
        'level as strings (`"115"`), each at most once; a tag of another level is 422 '
        "`invalid_request`. The pad's own window is the one rated.",
        tag="ratings",
        roles=frozenset({Role.PAD}),
        body=rq.RATING,
        answer=_ref("RatingAnswer"),
        status=201,
        errors=(
            "reason_required",
            "unknown_window",
            "unknown_ticket",
            "not_served",
            "already_rated",
        ),
        writes=True,
    ),
    ("get", "/ws"): Op(
        "The event stream (WebSocket)",
        "Upgrades to a WebSocket. Without `after_seq` the first message is a `StreamSnapshot`; "
        "then one `StreamEvent` per change, in journal order, each with a higher `seq` (a topic "
        "leaves out changes it does not carry, so seqs may skip). Reconnect with `after_seq` "
        "= the last seq applied: the server replays what was missed, or sends a fresh snapshot "
        "when it can no longer replay that far back. A client too slow to keep up is closed "
        f"with code {TOO_SLOW} (or 1008 when a send times out) and should resume with "
        "`after_seq`. The `board` topic is "
        "public and masked; `console` needs a staff token (roles in `x-roles`).",
        tag="stream",
        roles=STAFF_STREAM,
        status=101,
        parameters=(
            {
                "name": "topics",
                "in": "query",
                "description": "Comma-separated topics.",
                "schema": {"type": "string", "default": wire.BOARD, "examples": ["board,console"]},
            },
            {
                "name": "after_seq",
                "in": "query",
                "description": "The last seq the client applied.",
                "schema": {"type": "integer", "minimum": 0},
            },
            {
                "name": "token",
                "in": "query",
                "description": "The token, for browsers (they cannot set headers on a WebSocket).",
                "schema": {"type": "string"},
            },
        ),
    ),
    ("get", "/metrics"): Op(
        "Prometheus metrics",
        "Queue lengths and longest waits per service, tickets issued, windows by state, calls, "
        "devices, stream clients and cut-offs, journal position and commit (fsync) time.",
        tag="operations",
        media="text/plain",
        answer={"type": "string", "description": "Prometheus text exposition format."},
    ),
    ("get", PATH): Op(
        "This document",
        "The OpenAPI 3.1 reference, generated from the code.",
        tag="operations",
        answer={"type": "object"},
        extension=True,
    ),
    ("get", "/t/{ticket}"): Op(
        "A ticket's phone page",
        "HTML, live; the printed QR code points here.",
        tag="pages",
        media="text/html",
        answer=_PAGE,
    ),
    ("get", "/"): Op(
        "The start page", tag="pages", media="text/html", answer=_PAGE, extension=True
    ),
    ("get", "/console"): Op(
        "The clerk console", tag="pages", media="text/html", answer=_PAGE, extension=True
    ),
}


def _errors(op: Op) -> list[str]:
    codes: list[str] = []
    if op.roles is not None:
        codes.append("unauthenticated")
        if op.roles != ANY_ROLE or op.window_bound:
            codes.append("forbidden")
    if op.body is not None or op.parameters:
        codes.append("invalid_request")
    codes.extend(op.errors)
    if op.writes:
        codes.append("unavailable")
    return codes


def _error_response(status: int, codes: list[str]) -> Json:
    lines = "\n".join(f"- `{code}`: {ERRORS[code][1]}" for code in codes)
    schema = {
        "$ref": "#/components/schemas/Error",
        "properties": {"error": {"properties": {"code": {"enum": codes}}}},
    }
    return {
        "description": f"{STATUS_TEXT[status]}:\n{lines}",
        "content": {"application/json": {"schema": schema}},
    }


def _operation(method: str, path: str, op: Op, body: rq.Shape | None) -> Json:
    out: Json = {
        "operationId": method + re.sub(r"[^A-Za-z0-9]+", "_", path).rstrip("_"),
        "tags": [op.tag],
        "summary": op.summary,
    }
    if op.description:
        out["description"] = op.description
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "description": PATH_PARAMETERS[name],
            "schema": {"type": "string"},
        }
        for name in re.findall(r"\{(\w+)\}", path)
    ]
    if parameters or op.parameters:
        out["parameters"] = [*parameters, *op.parameters]
    if body is not None:
        out["requestBody"] = {
            "required": bool(body.required),
            "content": {"application/json": {"schema": {"$ref": _shape_ref(body)}}},
        }
    ok: Json = {"description": "Switching Protocols" if op.status == 101 else "Success"}
    if op.media and op.answer is not None:
        ok["content"] = {op.media: {"schema": op.answer}}
    responses: Json = {str(op.status): ok}
    if op.status == 101:
        responses["400"] = {
            "description": "Not a WebSocket upgrade request (code `invalid_request`).",
            "content": {"application/json": {"schema": _ref("Error")}},
        }
    by_status: dict[int, list[str]] = {}
    for code in _errors(op):
        by_status.setdefault(ERRORS[code][0], []).append(code)
    for status in sorted(by_status):
        responses[str(status)] = _error_response(status, by_status[status])
    out["responses"] = responses
    if op.roles is None:
        out["security"] = []
    elif path == "/ws":
        out["security"] = [{}, {"bearer": []}, {"queryToken": []}]
    else:
        out["security"] = [{"bearer": []}]
    if op.roles is not None:
        out["x-roles"] = sorted(op.roles)
        out["x-window-bound"] = op.window_bound
    out["x-extension"] = op.extension
    return out


def document() -> Json:
    """The whole OpenAPI document; fails loudly when the code and the table disagree."""
    actions = {f"{_WINDOW}{action}": shape for action, (shape, _) in _WINDOW_ACTIONS.items()}
    documented = {path for (_, path) in OPERATIONS if path.startswith(_WINDOW)}
    if documented != set(actions):
        raise RuntimeError(f"window actions undocumented or gone: {documented ^ set(actions)}")
    paths: Json = {}
    for (method, path), op in OPERATIONS.items():
        body = actions.get(path, op.body)
        paths.setdefault(path, {})[method] = _operation(method, path, op, body)
    schemas = _answer_schemas()
    for name, component in shape_names().items():
        schemas[component] = shape_schema(getattr(rq, name))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "hallq queue server",
            "version": "1",
            "summary": "Hall queueing for government service halls.",
            "description": (
                f"Generated from the code. The wire contract is {CONTRACT}; this server offers "
                "more (marked `x-extension: true`), never less. Bodies are JSON (UTF-8); no "
                'string may contain NUL. Errors are `{"error": {"code", "message"}}`. '
                "A request is judged in this order: authentication (401), permission for the "
                "role and window (403), the body's shape (422), the hall's state (404, 409). "
                "`x-roles` lists the roles that may call an operation; `x-window-bound` says a "
                "clerk, station or pad acts only for its own window."
            ),
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "tags": [{"name": name} for name in dict.fromkeys(op.tag for op in OPERATIONS.values())],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A session token from POST /api/v1/session, or a device "
                    "token from `hallq device add`.",
                },
                "queryToken": {
                    "type": "apiKey",
                    "in": "query",
                    "name": "token",
                    "description": "The same token, for browsers opening /ws.",
                },
            },
        },
    }


def render() -> str:
    """The document as committed in docs/openapi.json."""
    return json.dumps(document(), ensure_ascii=False, indent=2) + "\n"


@routes.get(PATH)
async def openapi_document(request: web.Request) -> web.Response:
    return reply(document())
