"""Every error code an operation may answer, and how a status's codes read in the document."""

from __future__ import annotations

from collections.abc import Mapping

from queue_server.web.openapi.schema import Json

# Every error code an operation may answer, with its status and meaning.
ERRORS: Mapping[str, tuple[int, str]] = {
    "unauthenticated": (401, "No token, or a token nobody issued (or that expired)."),
    "bad_credentials": (401, "Wrong username or password."),
    "forbidden": (403, "This role may not do this, or the token is bound to another window."),
    "cross_origin": (
        403,
        "A browser page of another site sent this (its Origin header is not the server's "
        "own nor an allowed origin); nothing changed.",
    ),
    "too_many_attempts": (
        429,
        "Too many failed logins for this username or from this address, or the account is "
        "locked; the Retry-After header says how many seconds to wait.",
    ),
    "unknown_device": (404, "No device has this name."),
    "unknown_user": (404, "No person has this username."),
    "last_admin": (
        409,
        "The person is the last enabled admin: disabling them would leave nobody to manage "
        "the hall. Add or enable another admin first; nothing changed.",
    ),
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
    "idempotency_key_reused": (
        409,
        "This device used the idempotency_key today for another request (another service, "
        "priority or appointment; another rating); nothing was issued or recorded. A retry "
        "sends the same request.",
    ),
    "window_not_open": (
        409,
        "The window is closed or paused; for a transfer to a window, that window is closed.",
    ),
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
    "not_served": (
        409,
        "The ticket has not been served yet: it is at no window, or still being served at the "
        "pad's (a ticket served only at other windows is another pad's: 403).",
    ),
    "already_rated": (409, "This service of the ticket has been rated already."),
    "rating_closed": (
        409,
        "No rating is open for this service now: the pad's time (key pads about 10 s, touch "
        "pads about 60 s after the rating opened) or the phone's days have passed.",
    ),
    "follow_up_not_allowed": (409, "A 追评 is taken once, only after the 差评 was put right."),
    "nothing_to_rate": (409, "The window has finished no service that is still unrated."),
    "already_yours": (409, "The clerk taking over is the one signed in there already."),
    "unknown_case": (404, "No such 差评 case."),
    "invalid_case_action": (409, "The case is not in a state that allows this step."),
    "unknown_alert": (404, "No such alert."),
    "no_photo": (404, "The hall has no photo of this clerk."),
    "service_paused": (409, "A manager paused issuing for this service."),
    "invalid_tuning": (
        409,
        "The tuning asked for is not possible (e.g. a window without services).",
    ),
    "unknown_change": (404, "No such tuning change (or too old to undo)."),
    "planner_busy": (409, "A staffing plan is running already; one runs at a time."),
    "unknown_job": (404, "No such planner job (jobs are kept in memory, the last few)."),
    "already_undone": (409, "The change was undone already, or is itself an undo."),
    "change_expired": (
        409,
        "The change was made on an earlier day than the hall's current one (`expired` in the "
        "history): only the day's own changes are undone; nothing changed.",
    ),
    "quota_below_issued": (
        409,
        "The quota is below the tickets it already counts (today's, or this session's); a "
        "quota equal to them stops issuing.",
    ),
    "service_unserved": (
        409,
        "The change would leave a service that no window takes; pause its issuing instead.",
    ),
    "unknown_appointment": (404, "No appointment has this code."),
    "invalid_slot": (409, "The slot ends before it starts."),
    "appointment_exists": (409, "The code is already used by a different appointment."),
    "already_checked_in": (409, "The appointment has its ticket already."),
    "appointment_not_today": (409, "The appointment is for another day."),
    "voice_unavailable": (503, "The server has no voice pack; boards stay silent."),
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
    429: "Too many requests",
    503: "Unavailable",
}


def error_response(status: int, codes: list[str]) -> Json:
    lines = "\n".join(f"- `{code}`: {ERRORS[code][1]}" for code in codes)
    schema = {
        "$ref": "#/components/schemas/Error",
        "properties": {"error": {"properties": {"code": {"enum": codes}}}},
    }
    return {
        "description": f"{STATUS_TEXT[status]}:\n{lines}",
        "content": {"application/json": {"schema": schema}},
    }
