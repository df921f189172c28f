"""Applying the events of 好差评, their cases and alerts, and 替岗, to the hall's state."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from queue_server.domain import events as e
from queue_server.domain.cases import Case, CaseState, CaseStep
from queue_server.domain.hall import ServiceKind
from queue_server.domain.hall_state import HallState
from queue_server.domain.ratings import (
    Channel,
    Level,
    RatingRecord,
    ServedService,
    Stage,
    is_bad,
    is_good,
)
from queue_server.domain.records import Alert, OpenRating

_STAGES = {
    ServiceKind.APPLY: Stage.ACCEPTANCE,
    ServiceKind.PICKUP: Stage.COMPLETION,
    ServiceKind.CONSULT: Stage.CONSULTATION,
}


def on_handed_over(state: HallState, ev: e.WindowHandedOver) -> None:
    window = state.windows[ev.window]
    window.clerk = ev.clerk
    window.clerk_name = ev.clerk_name
    window.staff_no = ev.staff_no


def on_rating_opened(state: HallState, ev: e.RatingOpened) -> None:
    state.book.open[ev.window] = OpenRating(
        ticket_id=ev.ticket_id,
        service=ev.service,
        opened_at=ev.at,
        key_until=ev.key_until,
        touch_until=ev.touch_until,
    )


def on_rated(state: HallState, ev: e.RatingRecorded) -> None:
    occurrence = f"{ev.service}@{ev.window}"
    ticket = state.tickets.get(ev.ticket_id)
    if ticket is not None and not ev.follow_up:
        ticket.rated.append(occurrence)
    rateable = state.book.rateable.get((ev.ticket_id, occurrence))
    if rateable is not None and not ev.follow_up:
        rateable.rating_id = rating_id(ev)
    opened = state.book.open.get(ev.window)
    if opened is not None and opened.ticket_id == ev.ticket_id and opened.service == ev.service:
        del state.book.open[ev.window]
    if not ev.default and not ev.follow_up and ev.clerk is not None:
        day = state.clerk_day(ev.clerk)
        day.ratings += 1
        day.good += is_good(Level(ev.level))
        day.bad += is_bad(Level(ev.level))
    # Only 差评 and their 追评 are kept whole, as their cases show them, and for the day the
    # ratings sent with a key, as a retry is answered with them.
    kept_whole = ev.follow_up or (not ev.default and is_bad(Level(ev.level)))
    if not kept_whole and ev.idempotency_key is None:
        return
    record = rating_record(state, ev)
    if ev.idempotency_key is not None:
        state.book.keyed.add(ev.idempotency_key, record)
    if not kept_whole:
        return
    if ev.follow_up:
        case = state.book.follow_up_case(ev.ticket_id, window=ev.window, service=ev.service)
        assert case is not None  # the decider found it before recording the 追评
        case.follow_up_rating = record.id
    state.book.records[record.id] = record


def rating_id(ev: e.RatingRecorded) -> str:
    # Ratings journalled before ratings had ids are named by what they rated.
    return ev.rating_id or f"{ev.ticket_id}/{ev.service}@{ev.window}"


def rating_record(state: HallState, ev: e.RatingRecorded) -> RatingRecord:
    """The full record of a rating event, as the hall's config names its service now."""
    service = state.services.get(ev.service)
    ticket = state.tickets.get(ev.ticket_id)
    return RatingRecord(
        id=rating_id(ev),
        served=ServedService(
            ticket_id=ev.ticket_id,
            ticket_number=ev.ticket_number or (ticket.number if ticket else ""),
            service=ev.service,
            window=ev.window,
            clerk=ev.clerk,
            staff_no=ev.staff_no,
            clerk_name=ev.clerk_name,
            served_at=ev.served_at or ev.at,
            case_no=ev.case_no,
        ),
        service_name=service.name if service else ev.service,
        stage=_STAGES[service.kind] if service else Stage.ACCEPTANCE,
        level=Level(ev.level),
        tags=ev.tags,
        comment=ev.comment,
        channel=Channel(ev.channel),
        device=ev.device,
        rated_at=ev.at,
        follow_up=ev.follow_up,
        default=ev.default,
        rater=ev.rater,
    )


def on_case_opened(state: HallState, ev: e.CaseOpened) -> None:
    state.book.cases[ev.case_id] = Case(
        id=ev.case_id,
        rating_id=ev.rating_id,
        opened_at=ev.at,
        verify_by=ev.verify_by,
        rectify_by=ev.rectify_by,
    )
    state.book.case_of_rating[ev.rating_id] = ev.case_id


def on_case_advanced(state: HallState, ev: e.CaseAdvanced) -> None:
    case = state.book.cases[ev.case_id]
    if ev.action == "appeal":
        case.before_appeal = case.state
    case.state = CaseState(ev.state)
    case.history.append(CaseStep(ev.action, ev.by, ev.note, ev.at))
    if ev.callback_by is not None:
        case.callback_by = ev.callback_by
    if case.state is CaseState.STRUCK:
        case.strike_reason = ev.note
        state.book.strike(case.rating_id, ev.note)


def on_case_overdue(state: HallState, ev: e.CaseOverdue) -> None:
    state.book.cases[ev.case_id].overdue.append(ev.stage)


def on_alert_raised(state: HallState, ev: e.AlertRaised) -> None:
    state.book.alerts[ev.alert_id] = Alert(
        id=ev.alert_id, kind=ev.kind, subject=ev.subject, message=ev.message, raised_at=ev.at
    )


def on_alert_acknowledged(state: HallState, ev: e.AlertAcknowledged) -> None:
    alert = state.book.alerts[ev.alert_id]
    alert.acknowledged_at = ev.at
    alert.acknowledged_by = ev.by


def on_alert_cleared(state: HallState, ev: e.AlertCleared) -> None:
    state.book.alerts[ev.alert_id].cleared_at = ev.at


RATING_APPLIERS: Mapping[type[e.Event], Callable[[Any, Any], None]] = {
    e.WindowHandedOver: on_handed_over,
    e.RatingOpened: on_rating_opened,
    e.RatingRecorded: on_rated,
    e.CaseOpened: on_case_opened,
    e.CaseAdvanced: on_case_advanced,
    e.CaseOverdue: on_case_overdue,
    e.AlertRaised: on_alert_raised,
    e.AlertAcknowledged: on_alert_acknowledged,
    e.AlertCleared: on_alert_cleared,
}
