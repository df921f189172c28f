"""Operations of the managers' tuning of the hall, with its audit and undo."""

from __future__ import annotations

from collections.abc import Mapping

from queue_server.domain.model import Priority
from queue_server.web import requests as rq
from queue_server.web.auth import SUPERVISORS
from queue_server.web.openapi.operations import Op
from queue_server.web.openapi.schema import _array, _enum, _map, _object, _ref, _string, _when

_CHANGE = _object({"change": _ref("Change")})

TUNING_OPERATIONS: Mapping[tuple[str, str], Op] = {
    ("post", "/api/v1/tuning"): Op(
        "Tune the hall",
        "`kind` = `window_services` (`window`, `services`, `overflow`: takes effect at the "
        "window's next call), `quota` (`service`, `daily_quota`, `session_quota`; leave one "
        "out for no quota) or `issuing` (`service`, `paused`, `reason`: kiosks then refuse "
        "the service with `service_paused`), both for the rest of the day (at local midnight "
        "the hall file's quotas are back and issuing resumes: `day.started`), `window_open` "
        "(`window`, `open`: opens the window with nobody signed in, or closes it, exactly as "
        "the window's open and close actions do, refused as they are; a `window.changed` "
        "message follows) or `pin` "
        "(`ticket`, `pinned`: pins a waiting ticket to the front of its queue, or takes the "
        "pin back so that it waits at its own place again; `ticket.pinned` / "
        "`ticket.unpinned`). Never stops a service silently: a quota below the tickets it "
        "already counts is refused with `quota_below_issued`, a service taken from the only "
        "window that takes it with `service_unserved`. Journalled with who and when; 201 with "
        "the change, or 200 with `change` null when nothing would change.",
        tag="tuning",
        roles=SUPERVISORS,
        body=rq.TUNING,
        answer=_object({"change": {"anyOf": [_ref("Change"), {"type": "null"}]}}),
        status=201,
        errors=(
            "invalid_tuning",
            "unknown_window",
            "unknown_service",
            "unknown_ticket",
            "window_occupied",
            "clerk_elsewhere",
            "window_busy",
            "not_waiting",
            "quota_below_issued",
            "service_unserved",
        ),
        writes=True,
        extension=True,
    ),
    ("post", "/api/v1/tuning/{change}/undo"): Op(
        "Undo a change",
        "Puts back what the change replaced, as a new change (`undoes`); once only, and only "
        "on the day it was made: a change of an earlier day (`expired`) is refused with "
        "`change_expired`, as the new day ended its quota or pause and putting back what it "
        "replaced would overwrite today's settings. Undoing "
        "a `window_open` or `pin` closes or opens the window, unpins or pins the ticket, and "
        "is refused as those would be now (e.g. `window_busy`, `not_waiting`), and as a new "
        "change would be (`quota_below_issued`, `service_unserved`).",
        tag="tuning",
        roles=SUPERVISORS,
        body=rq.EMPTY,
        answer=_CHANGE,
        status=201,
        errors=(
            "unknown_change",
            "already_undone",
            "change_expired",
            "unknown_window",
            "unknown_service",
            "unknown_ticket",
            "window_occupied",
            "clerk_elsewhere",
            "window_busy",
            "not_waiting",
            "quota_below_issued",
            "service_unserved",
        ),
        writes=True,
        extension=True,
    ),
    ("get", "/api/v1/tuning"): Op(
        "The tuning history",
        "The latest changes (up to 200), newest first; the journal keeps all of them. Those "
        "of earlier days stay listed, with `expired` true: they can no longer be undone.",
        tag="tuning",
        roles=SUPERVISORS,
        answer=_object({"changes": _array(_ref("Change"))}),
        extension=True,
    ),
    ("get", "/api/v1/tickets"): Op(
        "The waiting tickets",
        "For the manager's pin list: every waiting ticket in the order the hall calls them "
        "(绿色通道, pinned, transferred, appointments in their slot, then first come first "
        "served), with how long each has waited. `state` = waiting (the only list so far).",
        tag="tuning",
        roles=SUPERVISORS,
        answer=_object(
            {
                "tickets": _array(
                    _object(
                        {
                            "id": _string(),
                            "number": _string(),
                            "service": _string(),
                            "priority": _enum(Priority),
                            "pinned": {"type": "boolean"},
                            "transferred": {"type": "boolean"},
                            "issued_at": _when(),
                            "wait_minutes": {"type": "number", "minimum": 0},
                        }
                    )
                )
            }
        ),
        parameters=(
            {"name": "state", "in": "query", "schema": {"type": "string", "enum": ["waiting"]}},
        ),
        extension=True,
    ),
    ("get", "/api/v1/hall/today"): Op(
        "Today's headline figures",
        "Tickets issued and served today (from local midnight), waiting now, and each "
        "service's longest wait in minutes.",
        tag="hall",
        roles=SUPERVISORS,
        answer=_object(
            {
                "issued": {"type": "integer"},
                "served": {"type": "integer"},
                "waiting": {"type": "integer"},
                "longest_wait": _map({"type": "number"}),
            }
        ),
        extension=True,
    ),
}
