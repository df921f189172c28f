"""The answer schemas of 好差评: ratings, cases, alerts, figures and a clerk's day."""

from __future__ import annotations

from queue_server.domain.cases import CaseState
from queue_server.domain.ratings import Stage
from queue_server.domain.tuning import KINDS
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

_COUNT = {"type": "integer", "minimum": 0}
_RATE = {"type": ["number", "null"], "minimum": 0, "maximum": 1}


def rating_schemas() -> dict[str, Json]:
    figure_row = _object(
        {
            "key": _string(),
            "label": _string(),
            **{
                name: _COUNT
                for name in (
                    "served",
                    "ratings",
                    "active",
                    "good",
                    "bad",
                    "active_good",
                    "default",
                    "follow_ups",
                )
            },
            **{
                name: _RATE
                for name in ("good_rate", "active_good_rate", "unrated_rate", "bad_rate")
            },
        }
    )
    return {
        "ClerkCard": _object(
            {"name": _string(nullable=True), "staff_no": _string(nullable=True)},
            description="亮身份: a clerk's display name and 工号.",
        ),
        "OpenRating": _object(
            {
                "ticket": _string(),
                "number": _string(nullable=True),
                "service": _string(),
                "service_name": _string(),
                "opened_at": _when(),
                "key_until": _when(),
                "touch_until": _when(),
                "clerk": _nullable(_ref("ClerkCard")),
            },
            description="The rating a window's pads may take: key pads until `key_until`, "
            "touch pads until `touch_until` (clients close it then by themselves), or until the "
            "window starts serving the next citizen; `clerk` is who served it (after a 替岗, "
            "not the clerk at the window now).",
        ),
        "RatingView": _object(
            {
                "id": _string(),
                "ticket": _string(),
                "number": _string(),
                "window": _string(),
                "service": _string(),
                "service_name": _string(),
                "case_no": _string(
                    nullable=True, description="The matter's 办件编号, as given at the finish."
                ),
                "stage": _enum(Stage),
                "clerk": _nullable(_ref("ClerkCard")),
                "level": {"type": "integer", "minimum": 1, "maximum": 5},
                "level_name": _string(),
                "tags": _array(_string()),
                "tag_names": _array(_string()),
                "comment": _string(nullable=True),
                "channel": {"type": "integer", "minimum": 0, "maximum": 7},
                "served_at": _when(),
                "rated_at": _when(),
                "follow_up": {"type": "boolean"},
                "default": {"type": "boolean"},
                "struck": {"type": "boolean"},
                "strike_reason": _string(nullable=True),
            },
            description="A 好差评 record: 5 = 非常满意; GB/T 39046 codes run the other way.",
        ),
        "Case": _object(
            {
                "id": _string(),
                "number": _string(),
                "state": _enum(CaseState),
                "state_name": _string(),
                "rating": _ref("RatingView"),
                "window": _string(),
                "clerk": _nullable(_ref("ClerkCard")),
                "clerk_username": _string(nullable=True),
                "opened_at": _when(),
                "deadlines": _object(
                    {"verify": _when(), "rectify": _when(), "callback": _when(nullable=True)}
                ),
                "overdue": _array(_enum(["verify", "rectify", "callback"])),
                "history": _array(
                    _object(
                        {"action": _string(), "by": _string(), "note": _string(), "at": _when()}
                    )
                ),
                "follow_up": _nullable(_ref("RatingView")),
                "follow_up_allowed": {"type": "boolean"},
                "strike_reason": _string(nullable=True),
            },
            description="A 差评 follow-up case (差评工单) with deadlines in working days.",
        ),
        "Alert": _object(
            {
                "id": _string(),
                "kind": _string(description="`bad_rating`, `case_overdue`, ..."),
                "subject": _string(description="What it is about, e.g. a case id."),
                "message": _string(),
                "raised_at": _when(),
                "acknowledged_at": _when(nullable=True),
                "acknowledged_by": _string(nullable=True),
                "cleared_at": _when(nullable=True),
            }
        ),
        "Change": _object(
            {
                "id": _string(),
                "kind": _enum(KINDS),
                "target": _string(description="The window, the service or (pin) the ticket id."),
                "before": {
                    "type": "object",
                    "description": "What the change replaced: `services`/`overflow`, "
                    "`daily_quota`/`session_quota`, `paused`/`reason`, `open`, or "
                    "`pinned`/`number` (the ticket's printed number), by kind.",
                },
                "after": {"type": "object", "description": "What it set, as `before`."},
                "by": _string(),
                "at": _when(),
                "undoes": _string(nullable=True),
                "undone_by": _string(nullable=True),
                "expired": {
                    "type": "boolean",
                    "description": "Made on a day before the hall's current one: kept as a "
                    "record, no longer undone (`change_expired`).",
                },
            },
            description="A manager's tuning change, with what it replaced.",
        ),
        "ClerkToday": _object(
            {
                "clerk": _string(),
                **{
                    name: _COUNT
                    for name in (
                        "served",
                        "missed",
                        "transferred",
                        "held",
                        "ratings",
                        "good",
                        "bad",
                    )
                },
                "mean_service_minutes": {"type": ["number", "null"]},
                "mean_wait_minutes": {"type": ["number", "null"]},
            },
            description="The figures of the clerk signed in, for the business day.",
        ),
        "PhoneRatingForm": _object(
            {
                "ticket": _string(),
                "number": _string(nullable=True),
                "open": {"type": "boolean"},
                "follow_up": {"type": "boolean"},
                "reason": _string(nullable=True),
                "window": _string(nullable=True),
                "service": _string(nullable=True),
                "clerk": _nullable(_ref("ClerkCard")),
                "levels": _array(_object({"level": {"type": "integer"}, "name": _string()})),
                "tags": _map(_map(_string())),
            }
        ),
        "RatingFigures": _object(
            {
                "month": _string(),
                "by": _string(),
                "rows": _array(figure_row),
                "total": figure_row,
            }
        ),
    }
