"""Operations of 好差评: rating, the ticket's phone rating, cases, alerts, reports, 替岗."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from queue_server.accounts import Role
from queue_server.domain.cases import ACTION_NAMES
from queue_server.web import requests as rq
from queue_server.web.auth import STAFF_STREAM, SUPERVISORS
from queue_server.web.openapi.operations import WINDOW_ACTION_PREFIX, Op, _window_action
from queue_server.web.openapi.schema import _array, _object, _ref

_RATING_CODES = (
    "reason_required",
    "unknown_window",
    "unknown_ticket",
    "not_served",
    "already_rated",
    "rating_closed",
    "follow_up_not_allowed",
    "idempotency_key_reused",
)
_RETRY = (
    " The same `idempotency_key` again from the same sender (a retry after a lost answer) "
    "gives the same rating again, never a second one, even once the rating has closed."
)
_CASE = _object({"case": _ref("Case")})
_DATES = (
    {
        "name": "from",
        "in": "query",
        "required": True,
        "schema": {"type": "string", "format": "date"},
    },
    {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}},
)
_KEY = {
    "name": "key",
    "in": "query",
    "required": True,
    "description": "The rating key printed in the ticket's QR code (`?k=`).",
    "schema": {"type": "string"},
}


def _case_step(action: str) -> Op:
    who = "the clerk rated, or a supervisor" if action == "appeal" else "a supervisor"
    return Op(
        f"差评 case: {ACTION_NAMES[action]} ({action})",
        f"A step of the follow-up case, by {who}, with a note (kept in the case's history). "
        "Order: open → verify → rectify → call-back → close; appeal from open or verified, "
        "then uphold-appeal (strikes the rating, the note is the reason) or reject-appeal.",
        tag="cases",
        roles=SUPERVISORS | {Role.CLERK},
        body=rq.CASE_STEP,
        answer=_CASE,
        errors=("unknown_case", "invalid_case_action"),
        writes=True,
        extension=True,
    )


RATING_OPERATIONS: Mapping[tuple[str, str], Op] = {
    ("post", WINDOW_ACTION_PREFIX + "ask-rating"): _window_action(
        "Ask the citizen for a rating",
        "Opens the rating again on the window's pads for its most recently finished, unrated "
        "service (a finish opens it by itself). Console topic: `rating.opened`.",
        "nothing_to_rate",
        extension=True,
    ),
    # A clerk signed in as themselves takes over; a station cannot.
    ("post", WINDOW_ACTION_PREFIX + "hand-over"): dataclasses.replace(
        _window_action(
            "Take over the window (替岗)",
            "The clerk calling this takes over an open or paused window from the clerk signed "
            "in there, with the reason recorded; the current ticket stays. `window.changed` "
            "with `change` = `handed_over` and `from` = the clerk replaced.",
            "window_not_open",
            "already_yours",
            "clerk_elsewhere",
            extension=True,
        ),
        roles=frozenset({Role.CLERK}),
    ),
    ("post", "/api/v1/ratings"): Op(
        "Rate a service (好差评)",
        "Level 5 = 非常满意 … 1 = 非常不满意; `tags` are the national reason codes of that "
        'level as strings (`"115"`), each at most once; a tag of another level is 422 '
        "`invalid_request`. The pad's own window is the one rated, and only its open rating: "
        "`channel` 4 (touch pad, the default) until `touch_until`, 5 (key pad) until "
        "`key_until`. `rater` (optional, real-name rating) is sealed before it is stored. "
        "A 差评 opens a follow-up case and an alert." + _RETRY,
        tag="ratings",
        roles=frozenset({Role.PAD}),
        body=rq.RATING,
        answer=_ref("RatingAnswer"),
        status=201,
        errors=_RATING_CODES,
        writes=True,
    ),
    ("get", "/api/v1/tickets/{ticket}/rating"): Op(
        "The phone page's rating form",
        "For the holder of the printed ticket (the key from its QR): whether its latest service "
        "may be rated now (or a 追评 given), by whom it was served, and the levels and tags.",
        tag="ratings",
        answer=_ref("PhoneRatingForm"),
        errors=("unknown_ticket",),
        parameters=(_KEY,),
        extension=True,
    ),
    ("post", "/api/v1/tickets/{ticket}/rating"): Op(
        "Rate on the phone (channel 3)",
        "The same rules as a pad, within the hall's `phone_days` after the service; a wrong key "
        "is 403. After a 差评 was put right, the same form gives the one 追评."
        + _RETRY
        + " A phone's `idempotency_key` belongs to the ticket it rates.",
        tag="ratings",
        body=rq.PHONE_RATING,
        answer=_ref("RatingAnswer"),
        status=201,
        errors=_RATING_CODES,
        writes=True,
        extension=True,
    ),
    ("get", "/api/v1/ratings"): Op(
        "Rating records",
        "Every rating given on the local days `from` to `to` (at most 366 days), read from "
        "the journal. The rater's identity is never shown.",
        tag="ratings",
        roles=SUPERVISORS,
        answer=_object({"ratings": _array(_ref("RatingView"))}),
        parameters=_DATES,
        extension=True,
    ),
    ("get", "/api/v1/ratings.csv"): Op(
        "Rating records as CSV",
        "The same records as a CSV file (UTF-8 with BOM, Chinese header row) for Excel.",
        tag="ratings",
        roles=SUPERVISORS,
        media="text/csv",
        answer={"type": "string"},
        parameters=_DATES,
        extension=True,
    ),
    ("get", "/api/v1/ratings/figures"): Op(
        "好评率, 主动评价好评率, 未评价率, 差评率",
        "A month's figures per window, clerk or service, and in total; a service counts in "
        "the month it was finished, with the ratings given for it then or later.",
        tag="ratings",
        roles=SUPERVISORS,
        answer=_ref("RatingFigures"),
        parameters=(
            {"name": "month", "in": "query", "required": True, "schema": {"type": "string"}},
            {
                "name": "by",
                "in": "query",
                "schema": {"type": "string", "enum": ["window", "clerk", "service"]},
            },
        ),
        extension=True,
    ),
    ("get", "/api/v1/cases"): Op(
        "差评 follow-up cases",
        "Newest first; `state` = open (default), overdue, closed or all.",
        tag="cases",
        roles=SUPERVISORS,
        answer=_object({"cases": _array(_ref("Case"))}),
        parameters=(
            {
                "name": "state",
                "in": "query",
                "schema": {"type": "string", "enum": ["open", "overdue", "closed", "all"]},
            },
        ),
        extension=True,
    ),
    ("get", "/api/v1/cases/{case}"): Op(
        "A 差评 case",
        "For a supervisor, or the clerk whose service was rated.",
        tag="cases",
        roles=SUPERVISORS | {Role.CLERK},
        answer=_CASE,
        errors=("unknown_case",),
        extension=True,
    ),
    **{("post", f"/api/v1/cases/{{case}}/{a}"): _case_step(a) for a in ACTION_NAMES},
    ("post", "/api/v1/cases/{case}/follow-up"): Op(
        "Record the 追评 taken on the call back",
        "Once, after the case was put right; `channel` defaults to 6 (phone)." + _RETRY,
        tag="cases",
        roles=SUPERVISORS,
        body=rq.FOLLOW_UP,
        answer=_ref("RatingAnswer"),
        status=201,
        errors=("unknown_case", *_RATING_CODES),
        writes=True,
        extension=True,
    ),
    ("get", "/api/v1/alerts"): Op(
        "Alerts (效能监察)",
        "Newest first: every 差评 and every case deadline passed; `open=1` for those not yet "
        "acknowledged. Live on the console topic as `alert.raised` / `alert.acknowledged`.",
        tag="alerts",
        roles=SUPERVISORS,
        answer=_object({"alerts": _array(_ref("Alert"))}),
        parameters=({"name": "open", "in": "query", "schema": {"type": "string"}},),
        extension=True,
    ),
    ("post", "/api/v1/alerts/{alert}/ack"): Op(
        "Acknowledge an alert",
        "Kept in the history with who acknowledged it and when; again changes nothing.",
        tag="alerts",
        roles=SUPERVISORS,
        body=rq.EMPTY,
        answer=_object({"alert": _ref("Alert")}),
        errors=("unknown_alert",),
        writes=True,
        extension=True,
    ),
    ("get", "/api/v1/staff/{staff_no}/photo"): Op(
        "A clerk's photo",
        "From the hall's `staff_photos` folder (`<工号>.jpg` or `.png`), for the rating pad.",
        tag="ratings",
        roles=STAFF_STREAM,
        media="image/jpeg",
        answer={"type": "string", "format": "binary"},
        errors=("no_photo",),
        extension=True,
    ),
}
