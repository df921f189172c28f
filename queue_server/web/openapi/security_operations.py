"""Operations of access control: enrolled devices, lock-outs and the audit trail."""

from __future__ import annotations

from collections.abc import Mapping

from queue_server.accounts import ACCESS_KINDS, DEVICE_ROLES, PERSON_ROLES
from queue_server.web import requests as rq
from queue_server.web.access import ADMINS, MAX_AUDIT_DAYS, MAX_AUDIT_PAGE
from queue_server.web.auth import SUPERVISORS
from queue_server.web.openapi.operations import Op
from queue_server.web.openapi.schema import (
    Json,
    _array,
    _enum,
    _map,
    _nullable,
    _object,
    _string,
    _when,
)

_DEVICE = _object(
    {
        "name": _string(),
        "role": _enum(sorted(DEVICE_ROLES)),
        "window": _string(nullable=True),
        "created_at": _when(),
        "revoked_at": _when(nullable=True),
    }
)
_LOCKED = {
    "anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}],
    "description": "Seconds until a lock-out after failed logins ends by itself; null: none.",
}
_PERSON = _object(
    {
        "username": _string(),
        "role": _enum(sorted(PERSON_ROLES)),
        "display_name": _string(nullable=True),
        "staff_no": _string(nullable=True),
        "disabled": {"type": "boolean"},
        "locked_seconds": _LOCKED,
    }
)
_CHANGED = _object(
    {
        "user": _PERSON,
        "streams_closed": {
            "type": "integer",
            "description": "The person's open event streams closed by the change.",
        },
    }
)


def _query(name: str, description: str, schema: Json | None = None) -> Json:
    return {
        "name": name,
        "in": "query",
        "description": description,
        "schema": schema or {"type": "string"},
    }


_AUDIT_ENTRY = {
    "anyOf": [
        _object(
            {
                "seq": {"type": "integer"},
                "at": _when(),
                "kind": _string(description="The journal event's type, e.g. ticket.called."),
                "actor": _string(
                    nullable=True,
                    description="Who did it: the `by`, device or clerk the event names; for "
                    "a window action naming nobody, the clerk signed in at its window then; "
                    "for a window a manager opened or closed, that manager.",
                ),
                "data": _map({}),
                "signed_in": _nullable(
                    _object(
                        {
                            "username": _string(),
                            "name": _string(nullable=True),
                            "staff_no": _string(nullable=True),
                        },
                        description="On a window action only (a call, a finish, a pause, "
                        "a sign-in ...): the clerk signed in at its window at that moment, "
                        "by the journal's sign-ins, 替岗 and sign-outs; null: nobody (its "
                        "station acted).",
                    )
                ),
            },
            optional=("signed_in",),
            description="A journal entry: one change of the hall's state.",
        ),
        _object(
            {
                "seq": {"type": "integer"},
                "at": _when(),
                "kind": _enum(ACCESS_KINDS),
                "actor": _string(),
                "subject": _string(nullable=True),
                "client": _string(nullable=True),
            },
            description="An access entry: a login, logout, lock-out, unlock, revocation, new "
            "password, or a person disabled or enabled.",
        ),
    ]
}

SECURITY_OPERATIONS: Mapping[tuple[str, str], Op] = {
    ("get", "/api/v1/devices/enrolled"): Op(
        "Enrolled devices",
        "Every device given a token (by `hallq device add`), revoked ones included. Tokens "
        "are stored only as hashes and never shown again.",
        tag="access",
        roles=ADMINS,
        answer=_object({"devices": _array(_DEVICE)}),
        extension=True,
    ),
    ("post", "/api/v1/devices/{name}/revoke"): Op(
        "Revoke a device",
        "The device's token is refused from its next request on (401), and its open event "
        "streams are closed at once (close code 4001). For a stolen or replaced kiosk, board, "
        "pad or station; `hallq device add` gives the name a new token.",
        tag="access",
        roles=ADMINS,
        body=rq.EMPTY,
        answer=_object({"device": _DEVICE, "streams_closed": {"type": "integer"}}),
        errors=("unknown_device",),
        extension=True,
    ),
    ("get", "/api/v1/users"): Op(
        "People",
        "Everyone who was given an account, whether they are disabled, and how long a "
        "lock-out after failed logins still lasts.",
        tag="access",
        roles=ADMINS,
        answer=_object({"users": _array(_PERSON)}),
        extension=True,
    ),
    ("post", "/api/v1/users/{username}/password"): Op(
        "Set a new password",
        'Body `{"password": str}` (at most 1024 characters), for someone who forgot theirs '
        "(as `hallq user password NAME` does): the same rules as a new person's password (8 "
        "or more characters of two kinds among letters, digits and others, not containing "
        "the username; else 422 `invalid_request` naming `password`). Every session of the "
        "person ends: their next request gets 401 and their open event streams are closed "
        "at once (close code 4001).",
        tag="access",
        roles=ADMINS,
        body=rq.NEW_PASSWORD,
        answer=_CHANGED,
        errors=("unknown_user",),
        extension=True,
    ),
    ("post", "/api/v1/users/{username}/disable"): Op(
        "Disable a person",
        "For someone who leaves (as `hallq user disable NAME` does): they can no longer log "
        "in, and every session of theirs ends at once as for a new password. Disabling a "
        "disabled person changes nothing. The last enabled admin is refused (409 "
        "`last_admin`).",
        tag="access",
        roles=ADMINS,
        body=rq.EMPTY,
        answer=_CHANGED,
        errors=("unknown_user", "last_admin"),
        extension=True,
    ),
    ("post", "/api/v1/users/{username}/enable"): Op(
        "Enable a person",
        "Lets a disabled person log in again (as `hallq user enable NAME` does); the "
        "sessions that ended stay ended.",
        tag="access",
        roles=ADMINS,
        body=rq.EMPTY,
        answer=_CHANGED,
        errors=("unknown_user",),
        extension=True,
    ),
    ("post", "/api/v1/users/{username}/unlock"): Op(
        "Unlock a person",
        "Forgets the person's failed logins, lifting a lock-out before its hour is up "
        "(as `hallq user unlock NAME` does).",
        tag="access",
        roles=ADMINS,
        body=rq.EMPTY,
        answer=_object({"username": _string(), "locked_seconds": {"type": "null"}}),
        errors=("unknown_user",),
        extension=True,
    ),
    ("get", "/api/v1/audit"): Op(
        "The audit trail",
        "Oldest first, a page at a time: `log=journal` (the default) gives every change of "
        "the hall's state as journalled (ID hashes and raters' sealed identities left out); "
        "`log=access` every login (succeeded, failed, refused, locked), logout, unlock, new "
        "password, person disabled or enabled, and device enrolment or revocation. Neither "
        "can be edited through the API. Ask for the next page with `after_seq` = "
        "`next_after_seq` (null on the last page).",
        tag="access",
        roles=SUPERVISORS,
        answer=_object(
            {
                "log": _enum(["journal", "access"]),
                "entries": _array(_AUDIT_ENTRY),
                "next_after_seq": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
            }
        ),
        parameters=(
            _query("log", "Which log.", _enum(["journal", "access"])),
            _query("from", "First day (the hall's time zone), YYYY-MM-DD.", _string(format="date")),
            _query(
                "to",
                f"Last day, included; at most {MAX_AUDIT_DAYS} days after `from`.",
                _string(format="date"),
            ),
            _query("actor", "Who: a username, or `device:NAME` / `user:NAME` in the journal."),
            _query("kind", "An event type (journal) or an access kind."),
            _query("after_seq", "Entries after this seq.", {"type": "integer", "minimum": 0}),
            _query(
                "limit",
                f"Entries per page, 1 to {MAX_AUDIT_PAGE} (default 100).",
                {"type": "integer", "minimum": 1, "maximum": MAX_AUDIT_PAGE},
            ),
        ),
        extension=True,
    ),
}
