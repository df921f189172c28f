"""Wire shapes of API.md: tickets, windows, stream messages and snapshots, from hall state."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from queue_server.domain import events as e
from queue_server.domain.applying_ratings import rating_record
from queue_server.domain.hall import Service
from queue_server.domain.hours import issuing_opens, issuing_session, issuing_stops
from queue_server.domain.model import Ticket, WindowState
from queue_server.domain.state import Hall
from queue_server.wire_records import alert_view, case_view, change_view, clerk_card, rating_view
from queue_server.wire_records import when as when  # every wire shape renders times alike

# Stream topics: "board" is public and carries no personal data; "console" is for staff.
BOARD = "board"
CONSOLE = "console"
ALL_TOPICS = frozenset({BOARD, CONSOLE})  # what a client may ask for
# Cases and alerts go to managers and admins on the console topic only (API.md: "for
# managers"), never to clerks' consoles, stations or the pads facing citizens. The stream
# adds this to a supervisor's console topic; no client names it.
SUPERVISION = "supervision"

# Journal event type -> stream message type (API.md names the window changes as one type).
_MESSAGE_TYPES = {
    e.WindowOpened.type: "window.changed",
    e.WindowPaused.type: "window.changed",
    e.WindowResumed.type: "window.changed",
    e.WindowClosed.type: "window.changed",
    e.WindowHandedOver.type: "window.changed",
    e.DeviceReported.type: "device.changed",
}


def ticket(hall: Hall, t: Ticket) -> dict[str, Any]:
    return {
        "id": t.id,
        "number": t.number,
        "service": t.service,
        "state": str(t.state),
        "priority": str(t.priority),
        "window": t.window,
        "issued_at": when(t.issued_at, hall),
        "called_at": when(t.called_at, hall),
        "finished_at": when(t.finished_at, hall),
        "started_at": when(t.started_at, hall),
        "recalls": t.recalls,
        "missed_reason": t.missed_reason,
        "pinned": t.pinned,
        "transferred": t.transferred,
    }


def window(hall: Hall, window_id: str, *, staff: bool = False) -> dict[str, Any]:
    """A window as API.md shapes it. `clerk` is the public 亮身份 (name and 工号); only staff
    views add the username, which a console needs to recognise its own window."""
    config = hall.window_config[window_id]
    status = hall.windows[window_id]
    current = hall.current_ticket(window_id)
    return {
        "id": config.id,
        "label": config.label,
        "label_alt": config.label_alt,
        "floor": config.floor,
        "kind": str(config.kind),
        "services": list(config.services),
        "overflow": list(config.overflow),
        "state": str(status.state),
        "ticket": ticket(hall, current) if current else None,
        "clerk": (
            {"name": status.clerk_name, "staff_no": status.staff_no}
            if status.state is not WindowState.CLOSED and (status.clerk_name or status.staff_no)
            else None
        ),
        "pause_reason": status.pause_reason,
        "since": when(status.since, hall),
        **(
            {"clerk_username": status.clerk, "rating": open_rating(hall, window_id)}
            if staff
            else {}
        ),
    }


def open_rating(hall: Hall, window_id: str) -> dict[str, Any] | None:
    """The rating a window's pad may take now (clients also close it at `touch_until`)."""
    opened = hall.book.open.get(window_id)
    if opened is None:
        return None
    ticket_ = hall.tickets.get(opened.ticket_id)
    service = hall.services.get(opened.service)
    # Who served it (亮身份): after a hand-over (替岗) not the clerk at the window now.
    rateable = hall.book.rateable.get((opened.ticket_id, f"{opened.service}@{window_id}"))
    served = rateable.served if rateable is not None else None
    return {
        "ticket": opened.ticket_id,
        "number": ticket_.number if ticket_ else None,
        "service": opened.service,
        "service_name": service.name if service else opened.service,
        "clerk": clerk_card(served.clerk_name, served.staff_no) if served else None,
        "opened_at": when(opened.opened_at, hall),
        "key_until": when(opened.key_until, hall),
        "touch_until": when(opened.touch_until, hall),
    }


def waiting_ticket(hall: Hall, t: Ticket, now: dt.datetime) -> dict[str, Any]:
    """A waiting ticket in the manager's pin list."""
    return {
        "id": t.id,
        "number": t.number,
        "service": t.service,
        "priority": str(t.priority),
        "pinned": t.pinned,
        "transferred": t.transferred,
        "issued_at": when(t.issued_at, hall),
        # In the line it is in now (after a transfer, a route's step, a missed call put
        # back), as the live hall and the wait alerts count it.
        "wait_minutes": round(max(0.0, (now - t.in_line_since).total_seconds()) / 60, 1),
    }


def ticket_view(hall: Hall, t: Ticket, now: dt.datetime) -> dict[str, Any]:
    """A ticket with its place in the queue, as POST and GET /tickets answer."""
    ahead, eta = hall.place(t, now)
    return {"ticket": ticket(hall, t), "ahead": ahead, "eta_minutes": eta}


def issuing(hall: Hall, now: dt.datetime) -> dict[str, Any]:
    """Whether tickets can be taken now, until when, and when next if not: kiosks explain it."""
    local = now.astimezone(hall.tz)
    hours = hall.config.hours
    session = issuing_session(hours, local)
    opens = None if session is not None else issuing_opens(hours, local)
    return {
        "open": session is not None,
        "session": session,
        "stops_at": when(issuing_stops(hours, local), hall),
        "opens_at": when(opens, hall),
    }


def service_quota(hall: Hall, service: Service, now: dt.datetime) -> dict[str, Any]:
    """How many tickets a service has left today and in the current session (None: no limit)."""
    local = now.astimezone(hall.tz)
    today = local.date() == hall.day
    session = issuing_session(hall.config.hours, local)
    issued = hall.issued_today.get(service.id, 0) if today else 0
    in_session = (
        hall.issued_in_session.get(f"{service.id}/{session}", 0)
        if today and session is not None
        else 0
    )
    return {
        "issued_today": issued,
        "left_today": None if service.daily_quota is None else max(0, service.daily_quota - issued),
        "left_in_session": None
        if service.session_quota is None
        else max(0, service.session_quota - in_session),
    }


def hall_info(hall: Hall, now: dt.datetime, *, staff: bool = False) -> dict[str, Any]:
    config = hall.config
    eta = hall.new_ticket_etas()
    return {
        "hall": {
            "name": config.name,
            "name_alt": config.name_alt,
            "timezone": config.timezone,
            "second_language": config.second_language,
            "floors": [
                {"id": f.id, "label": f.label, "label_alt": f.label_alt} for f in config.floors
            ],
            "fields": [{"id": f.id, "name": f.name, "name_alt": f.name_alt} for f in config.fields],
            "sessions": [
                {"start": s.start.strftime("%H:%M"), "end": s.end.strftime("%H:%M")}
                for s in config.hours.sessions
            ],
            "open_all_hours": config.hours.open_all_hours,
            "recall_cap": config.policy.recall_cap,
            "green_channel_age": config.policy.green_channel_age,
            "missed_policy": str(config.policy.missed),
            # Printed on the ticket: how many places a missed ticket goes back under after_n.
            "missed_after_places": config.policy.missed_after_places,
            # Printed too: how many times a missed ticket goes back in before a miss voids it.
            "missed_requeue_limit": config.policy.missed_requeue_limit,
            "issuing": issuing(hall, now),
        },
        "services": [
            {
                "id": s.id,
                "name": s.name,
                "name_alt": s.name_alt,
                "prefix": s.prefix,
                "field": s.field,
                "floor": s.floor,
                "kind": str(s.kind),
                "route": list(s.route),
                "daily_quota": s.daily_quota,
                "session_quota": s.session_quota,
                "waiting": hall.waiting_count(s.id),
                "eta_minutes": eta[s.id],
                **service_quota(hall, s, now),
                "issuing_paused": hall.issuing_paused.get(s.id),
            }
            # As tuned by the managers: the quotas now in force.
            for s in (hall.services[c.id] for c in config.services)
        ],
        "windows": [window(hall, w.id, staff=staff) for w in config.windows],
        # The server's time: a kiosk without a clock battery goes by it, not by its own clock.
        "now": when(now, hall),
        # The thresholds the manager's page colours waits by: the hall's, not the page's.
        **(
            {
                "alerts": {
                    "wait_yellow_minutes": config.alerts.wait_yellow_minutes,
                    "wait_red_minutes": config.alerts.wait_red_minutes,
                }
            }
            if staff
            else {}
        ),
    }


def event_message(hall: Hall, event: e.Event) -> dict[str, dict[str, Any]]:
    """The stream message for one event, without its seq, for each topic that carries it.

    Rendered from the hall's state right after the command, so it shows the ticket and the
    window as that change left them.
    """
    body: dict[str, Any] = {"type": _MESSAGE_TYPES.get(event.type, event.type)}
    body["at"] = when(event.at, hall)
    ticket_id = getattr(event, "ticket_id", None)
    if ticket_id is not None and ticket_id in hall.tickets:
        body["ticket"] = ticket(hall, hall.tickets[ticket_id])
    if isinstance(event, e.TicketRecalled):
        body["count"] = event.count
    if isinstance(event, e.TicketCalled):
        body["callback"] = event.callback
    if isinstance(event, e.TicketMissed):
        body["reason"] = event.reason
    if isinstance(event, e.TicketTransferred):
        body["to_service"] = event.to_service
        body["to_window"] = event.to_window
    if isinstance(event, e.WindowOpened | e.WindowPaused | e.WindowResumed | e.WindowClosed):
        body["change"] = event.type.split(".", 1)[1]
    if isinstance(event, e.QueueCleared):
        body["count"] = len(event.ticket_ids)
    if event.type in _CHANGES_WAITING:
        body["waiting"] = waiting(hall)
        body["eta"] = etas(hall)
    if isinstance(event, e.DeviceReported):
        # Device faults are the hall staff's business, never the public board's.
        body.update(
            device=event.device,
            component=event.component,
            condition=event.condition,
            detail=event.detail,
        )
        return {CONSOLE: body}
    if isinstance(event, e.AppointmentBooked):
        body.update(code=event.code, service=event.service)
        return {CONSOLE: body}
    if isinstance(event, e.DayStarted):
        # For the consoles, whose figures of today start again. Boards show no figure of the
        # day; kiosks read the hall (quotas and issuing as the hall file says) every 30 s.
        body["day"] = event.day.isoformat()
        return {CONSOLE: body}
    staff_only = _staff_message(hall, event, body)
    if staff_only is not None:
        return staff_only
    window_id = getattr(event, "window", None)
    if isinstance(event, e.WindowHandedOver):
        body["change"] = "handed_over"
        body["from"] = clerk_card(event.from_clerk_name, event.from_staff_no)
    if not (isinstance(window_id, str) and window_id in hall.windows):
        return {BOARD: body, CONSOLE: body}
    return {
        BOARD: {**body, "window": window(hall, window_id)},
        CONSOLE: {**body, "window": window(hall, window_id, staff=True)},
    }


def window_only(event: e.Event) -> str | None:
    """The one window whose staff, besides supervisors, may see this change on the console
    topic: a rating, with what the citizen said, goes to the console of the clerk signed in
    at the window rated, its station and its pad. A clerk does not read what citizens said
    of a colleague, nor does a pad facing the public show another window's 差评."""
    return event.window if isinstance(event, e.RatingRecorded) else None


def _staff_message(
    hall: Hall, event: e.Event, body: dict[str, Any]
) -> dict[str, dict[str, Any]] | None:
    """The message of an event the public board never carries (ratings, cases, alerts), for
    the topic that carries it."""
    if isinstance(event, e.RatingOpened):
        return {CONSOLE: {**body, "window": window(hall, event.window, staff=True)}}
    if isinstance(event, e.RatingRecorded):
        record = rating_record(hall, event)
        return {
            CONSOLE: {
                **body,
                "rating": rating_view(hall, record),
                # Kept for clients of the first API version, which read these at the top level.
                "level": event.level,
                "tags": list(event.tags),
                "service": event.service,
                "clerk": event.clerk,
                "channel": event.channel,
                "comment": event.comment,
                "window": window(hall, event.window, staff=True),
            }
        }
    if isinstance(event, e.CaseOpened | e.CaseAdvanced | e.CaseOverdue):
        extra = {"action": event.action} if isinstance(event, e.CaseAdvanced) else {}
        if isinstance(event, e.CaseOverdue):
            extra = {"stage": event.stage}
        case = case_view(hall, hall.book.cases[event.case_id])
        return {SUPERVISION: {**body, **extra, "case": case}}
    if isinstance(event, e.TuningChanged):
        change = {CONSOLE: {**body, "change": change_view(hall, hall.changes[event.change_id])}}
        if event.kind in _SERVICE_TUNINGS:
            # Kiosks grey a tile at once (they read the hall again): which service changed,
            # not who changed it.
            change[BOARD] = {**body, "kind": event.kind, "service": event.target}
        return change
    if isinstance(event, e.AlertRaised | e.AlertAcknowledged | e.AlertCleared):
        return {SUPERVISION: {**body, "alert": alert_view(hall, hall.book.alerts[event.alert_id])}}
    return None


# A manager's changes to a service that kiosks and boards must follow: its quotas, whether
# it issues tickets.
_SERVICE_TUNINGS = frozenset({"quota", "issuing"})

# Window changes move the expected waits (more or fewer windows serve the queues).
_CHANGES_WAITING = frozenset(
    {
        e.WindowOpened.type,
        e.WindowPaused.type,
        e.WindowResumed.type,
        e.WindowClosed.type,
        e.TicketIssued.type,
        e.TicketCalled.type,
        e.TicketFinished.type,
        e.TicketMissed.type,
        e.TicketTransferred.type,
        e.TicketCancelled.type,
        e.QueueCleared.type,
        e.TicketPinned.type,
        e.TicketUnpinned.type,
        e.TicketHeld.type,
    }
)


def fold_for_boards(
    events: Sequence[e.Event], messages: Sequence[dict[str, dict[str, Any]]]
) -> None:
    """In place: a finish straight followed by a call at the same window reaches the board
    topic as one `ticket.called` message carrying the finished ticket under `finished`.

    call-next does both at once; boards then get one message per call instead of two, which
    halves the fan-out to every board in the hall. The console topic keeps both messages.
    """
    for i, finish in enumerate(events):
        if not isinstance(finish, e.TicketFinished):
            continue
        # Staff-only events (the rating the finish opens) may sit between the two.
        j = next((k for k in range(i + 1, len(events)) if BOARD in messages[k]), None)
        if j is None:
            continue
        call = events[j]
        if not (
            isinstance(call, e.TicketCalled)
            and finish.window == call.window
            and finish.at == call.at
        ):
            continue
        folded = messages[i].pop(BOARD, None)
        called = messages[j].get(BOARD)
        if folded is not None and called is not None and "ticket" in folded:
            messages[j][BOARD] = {**called, "finished": folded["ticket"]}


def waiting(hall: Hall) -> dict[str, int]:
    counts = hall.queues.waiting_counts()
    return {s: counts.get(s, 0) for s in hall.services_in_order}


def etas(hall: Hall) -> dict[str, float]:
    """Per service, the minutes a ticket taken now would wait."""
    return hall.new_ticket_etas()


def board_state(
    hall: Hall, recent_calls: Iterable[dict[str, Any]], *, staff: bool = False
) -> dict[str, Any]:
    """What a board needs to draw itself from nothing: the state part of a snapshot."""
    longest: dict[str, str | None] = {s.id: None for s in hall.config.services}
    for t in hall.waiting_tickets():
        since = when(t.in_line_since, hall)
        current = longest[t.service]
        if current is None or (since is not None and since < current):
            longest[t.service] = since
    return {
        "hall": hall.config.name,
        "windows": [window(hall, w.id, staff=staff) for w in hall.config.windows],
        "waiting": waiting(hall),
        "eta": etas(hall),
        "waiting_since": longest,
        "calls": list(recent_calls),
    }
