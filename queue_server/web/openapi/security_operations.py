"""Operations of access control: enrolled devices, lock-outs and the audit trail."""

from __future__ import annotations

from collections.abc import Mapping

from queue_server.accounts import ACCESS_KINDS, DEVICE_ROLES, PERSON_ROLES
from queue_server.web import requests as rq
from queue_server.web.access import ADMINS, MAX_AUDIT_DAYS, MAX_AUDIT_PAGE
from queue_server.web.auth import SUPERVISORS
from queue_server.web.openapi.operations import Op
from queue_server.web.openapi.schema import Json, _array, _enum, _map, _object, _string, _when

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
                "actor": _string(nullable=True),
                "data": _map({}),
            },
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
            description="An access entry: a login, logout, lock-out, unlock or revocation.",
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
        "Everyone who may log in, and how long a lock-out after failed logins still lasts.",
        tag="access",
        roles=ADMINS,
        answer=_object(
            {
                "users": _array(
                    _object(
                        {
                            "username": _string(),
                            "role": _enum(sorted(PERSON_ROLES)),
                            "display_name": _string(nullable=True),
                            "staff_no": _string(nullable=True),
                            "disabled": {"type": "boolean"},
                            "locked_seconds": _LOCKED,
                        }
                    )
                )
            }
        ),
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
        "`log=access` every login (succeeded, failed, refused, locked), logout, unlock, and "
        "device enrolment or revocation. Neither can be edited through the API. Ask for the "
        "next page with `after_seq` = `next_after_seq` (null on the last page).",
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
