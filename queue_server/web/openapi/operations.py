"""The hand-written part: what each operation, keyed by (method, path), does and may answer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from queue_server import wire
from queue_server.accounts import Role
from queue_server.hub import MAX_REPLAY
from queue_server.web import requests as rq
from queue_server.web.auth import ISSUERS, PEOPLE, STAFF_STREAM, SUPERVISORS
from queue_server.web.openapi.schema import Json, _array, _enum, _object, _ref, _string
from queue_server.web.openapi_routes import PATH  # the document itself is one of the operations
from queue_server.web.stream import REVOKED, TOO_SLOW

ANY_ROLE = frozenset(Role)
# Who passes auth.check_window_action: a station at its own window, a clerk at the window
# where signed in (or signing in, for `open`). Supervisors steer windows through tuning.
WINDOW_STAFF = frozenset({Role.CLERK, Role.STATION})


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


WINDOW_ACTION_PREFIX = "/api/v1/windows/{window}/"
_PAGE = {"type": "string", "description": "An HTML page."}
_TEMPLATES = _object({kind: _string() for kind in ("call", "recall", "pause", "welcome")})

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
        errors=("bad_credentials", "too_many_attempts"),
    ),
    ("delete", "/api/v1/session"): Op(
        "Log out",
        "Ends the session whose token is sent and closes the event streams it opened.",
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
        errors=(
            "unknown_service",
            "hall_closed",
            "quota_exhausted",
            "already_waiting",
            "service_paused",
            "idempotency_key_reused",
        ),
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
        "services it may call. Any clerk, manager or admin may look at any window.",
        tag="windows",
        roles=WINDOW_STAFF | SUPERVISORS,
        window_bound=True,
        answer=_ref("WindowDetail"),
        errors=("unknown_window",),
        extension=True,
    ),
    ("post", WINDOW_ACTION_PREFIX + "open"): _window_action(
        "Open the window",
        "The window becomes `idle`; a clerk opening it signs in there. Opening a window one "
        "is already signed in at changes nothing.",
        "window_occupied",
        "clerk_elsewhere",
    ),
    ("post", WINDOW_ACTION_PREFIX + "call-next"): _window_action(
        "Call the next ticket",
        "Finishes the current ticket if any, then calls the next one by the dispatch order. "
        "When nothing waits the current ticket stays as it is.",
        "window_not_open",
        "queue_empty",
    ),
    ("post", WINDOW_ACTION_PREFIX + "recall"): _window_action(
        "Announce the current ticket again",
        "",
        "window_not_open",
        "no_current_ticket",
        "not_called",
        "recall_limit",
    ),
    ("post", WINDOW_ACTION_PREFIX + "start"): _window_action(
        "Start serving the current ticket",
        "The current ticket goes from `called` to `serving`.",
        "window_not_open",
        "no_current_ticket",
        "not_called",
    ),
    ("post", WINDOW_ACTION_PREFIX + "finish"): _window_action(
        "Finish the current ticket",
        "The current ticket goes to `done`, or back to `waiting` for its next step when its "
        "service has a route.",
        "window_not_open",
        "no_current_ticket",
    ),
    ("post", WINDOW_ACTION_PREFIX + "no-show"): _window_action(
        "Mark the current ticket missed (过号)",
        "The ticket goes to `no_show`, or back into the queue, per the hall's policy.",
        "window_not_open",
        "no_current_ticket",
        "not_called",
    ),
    ("post", WINDOW_ACTION_PREFIX + "transfer"): _window_action(
        "Transfer the current ticket",
        "Give exactly one of `service` or `window` (else 422). The ticket keeps its number "
        "and is served ahead of ordinary tickets there.",
        "window_not_open",
        "no_current_ticket",
        "unknown_service",
        "invalid_transfer",
    ),
    ("post", WINDOW_ACTION_PREFIX + "hold"): _window_action(
        "Hold the current ticket (挂起)",
        "The citizen fetches a missing paper; the window is free for the next ticket.",
        "window_not_open",
        "no_current_ticket",
        extension=True,
    ),
    ("post", WINDOW_ACTION_PREFIX + "resume-held"): _window_action(
        "Resume a held ticket",
        "",
        "window_not_open",
        "unknown_ticket",
        "not_held",
        "window_busy",
        extension=True,
    ),
    ("post", WINDOW_ACTION_PREFIX + "call-back"): _window_action(
        "Call back a recently missed ticket",
        "",
        "window_not_open",
        "unknown_ticket",
        "not_missed",
        extension=True,
    ),
    ("post", WINDOW_ACTION_PREFIX + "pause"): _window_action(
        "Pause the window",
        "Pausing a paused window changes nothing.",
        "window_not_open",
        "window_busy",
    ),
    ("post", WINDOW_ACTION_PREFIX + "resume"): _window_action(
        "Resume a paused window",
        "Resuming a window that is not paused changes nothing.",
        "window_not_open",
    ),
    ("post", WINDOW_ACTION_PREFIX + "close"): _window_action(
        "Close the window",
        "The clerk signs out. Closing a closed window changes nothing.",
        "window_busy",
    ),
    ("get", "/ws"): Op(
        "The event stream (WebSocket)",
        "Upgrades to a WebSocket. Without `after_seq` the first message is a `StreamSnapshot`; "
        "then one `StreamEvent` per change, in journal order, each with a higher `seq` (a topic "
        "leaves out changes it does not carry, so seqs may skip). Reconnect with `after_seq` "
        "= the last seq applied: the server replays what was missed, or sends a fresh snapshot "
        f"when it can no longer replay that far back, when more than {MAX_REPLAY} changes were "
        "missed, or for `after_seq=0` (nothing applied). A client too slow to keep up is closed "
        f"with code {TOO_SLOW} (or 1008 when a send times out) and should resume with "
        "`after_seq`. A stream opened with a token that is then revoked, or whose session "
        f"is logged out, is closed at once with code {REVOKED} (a session that expires: within "
        "a minute) and must not reconnect with it. A server that is stopping closes every "
        "stream with code 1001 (going away): resume with `after_seq` once it is back. "
        "`topics`, `after_seq` or `token` given twice is 422, once every token given was "
        "judged (401, 403). "
        "The `board` topic is public and masked; `console` needs a staff token (roles in "
        "`x-roles`); cases and alerts reach managers and admins only.",
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
    ("get", "/board"): Op(
        "The lobby board (综合屏)",
        "HTML, live on the public board stream. Query (read by the page): `floor` (one "
        "floor's windows, calls and services), `layout=portrait` (1080x1920), `notice` "
        "(the scrolling line), `speaker=ID` (speak that speaker group's calls) or `speak=1` "
        "(speak the calls of the board's floor, or every floor's).",
        tag="pages",
        media="text/html",
        answer=_PAGE,
        extension=True,
    ),
    ("get", "/window/{window}"): Op(
        "A window's screen (窗口屏)",
        "HTML, live on the public board stream. Query (read by the page): `mode=led` with "
        "`cols=8|12` for fixed lines of an LED strip.",
        tag="pages",
        media="text/html",
        answer=_PAGE,
        extension=True,
    ),
    ("get", "/voice/announcement.wav"): Op(
        "One spoken announcement (WAV)",
        "What a speaking board (`/board?speak=1` or `?speaker=ID`) plays for a call: the "
        "hall's template for `kind` (or the speaker group's, with `speaker`), read with the "
        "server's voice pack (docs/voice.md), as mono 16-bit PCM WAV. `call` and `recall` "
        "take `number` and `window`, `pause` takes `window`, `welcome` nothing; any kind "
        "takes `speaker`; any other field is refused. Segments the pack lacks are skipped "
        "(and logged). A server without a voice pack answers `503` with code "
        "`voice_unavailable`.",
        tag="voice",
        media="audio/wav",
        answer={"type": "string", "format": "binary", "description": "A WAV file."},
        errors=("voice_unavailable",),
        extension=True,
        parameters=(
            {
                "name": "kind",
                "in": "query",
                "required": True,
                "schema": {"type": "string", "enum": ["call", "recall", "pause", "welcome"]},
            },
            {
                "name": "number",
                "in": "query",
                "description": "The ticket number (`call`, `recall`).",
                "schema": {"type": "string", "pattern": "^[A-Z][0-9]{3,4}$"},
            },
            {
                "name": "window",
                "in": "query",
                "description": "A window id of this hall (`call`, `recall`, `pause`).",
                "schema": {"type": "string"},
            },
            {
                "name": "speaker",
                "in": "query",
                "description": "A speaker group id (GET /voice/speakers): speak in its words.",
                "schema": {"type": "string"},
            },
        ),
    ),
    ("get", "/voice/phrase.wav"): Op(
        "One spoken guidance phrase (WAV)",
        "A sentence for a kiosk's elderly-mode voice guidance (请取走您的号票), read with the "
        "server's voice pack as mono 16-bit PCM WAV. Only a text the pack can speak "
        "entirely, from its phrases, digits and letters (punctuation is silent), at most "
        "100 characters; otherwise `422` naming `text`. Without a voice pack `503` with "
        "code `voice_unavailable`.",
        tag="voice",
        media="audio/wav",
        answer={"type": "string", "format": "binary", "description": "A WAV file."},
        errors=("voice_unavailable",),
        extension=True,
        parameters=(
            {
                "name": "text",
                "in": "query",
                "required": True,
                "description": "What to say, e.g. 请取走您的号票 (GET /voice/pack lists "
                "the pack's phrases).",
                "schema": {"type": "string", "minLength": 1, "maxLength": 100},
            },
        ),
    ),
    ("get", "/voice/speakers"): Op(
        "The hall's announcement texts and speaker groups",
        "What boards and display agents need to speak as the server does: the hall's "
        "template per kind and gap between segments, the extra phrases its own pack "
        "records, and each speaker group (one per area; one per floor when the hall "
        "configures none) with every window whose calls it speaks and its own templates. "
        "Public, and served with or without a voice pack.",
        tag="voice",
        answer=_object(
            {
                "templates": _TEMPLATES,
                "gap_ms": {"type": "integer", "minimum": 0},
                "phrases": _array(_string()),
                "speakers": _array(
                    _object(
                        {
                            "id": _string(),
                            "name": _string(),
                            "floors": _array(_string()),
                            "windows": _array(_string()),
                            "templates": _TEMPLATES,
                            "gap_ms": {"type": "integer", "minimum": 0},
                        }
                    )
                ),
            }
        ),
        extension=True,
    ),
    ("get", "/voice/pack"): Op(
        "The voice pack in use",
        "Its name, segment count, phrases (every segment but digits and letters: what "
        "templates and /voice/phrase.wav may say) and audio format; `503` with code "
        "`voice_unavailable` when the server has no voice pack (the boards then stay silent).",
        tag="voice",
        answer=_object(
            {
                "name": _string(),
                "segments": {"type": "integer", "minimum": 1},
                "phrases": _array(_string()),
                "format": _object(
                    {
                        "channels": {"type": "integer"},
                        "sample_width": {"type": "integer"},
                        "frame_rate": {"type": "integer"},
                    }
                ),
            }
        ),
        errors=("voice_unavailable",),
        extension=True,
    ),
}
